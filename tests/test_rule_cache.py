"""The cache of compiled rulesets shared between processes (``_rule_cache``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_rule_safety import rule_file

from partnership_rules import _rule_loader
from partnership_rules._rule_cache import CACHE_ENV, MAX_ENTRIES
from partnership_rules._rule_loader import load_ruleset


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(directory))
    return directory


def _refuse_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(_rule_loader, "_compile_rule_file", refuse)


def test_a_compiled_rule_file_is_read_back_from_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rule_file(tmp_path)
    first = load_ruleset(path)
    assert len(list(cache.glob("*.pickle"))) == 1
    assert cache.stat().st_mode & 0o777 == 0o700
    _refuse_compiling(monkeypatch)
    again = load_ruleset(path)
    assert again == first
    moved = tmp_path / "moved.yaml"
    moved.write_bytes(path.read_bytes())
    assert load_ruleset(moved).source == str(moved)  # keyed by content, not by name


def test_a_changed_rule_file_or_threshold_is_compiled_again(cache: Path, tmp_path: Path) -> None:
    path = rule_file(tmp_path)
    assert load_ruleset(path).rules[0].rule.severity == "high"
    path.write_text(path.read_text(encoding="utf-8").replace("high", "low"), encoding="utf-8")
    assert load_ruleset(path).rules[0].rule.severity == "low"
    load_ruleset(path, thresholds={"anything": 3})
    assert len(list(cache.glob("*.pickle"))) == 3


def test_a_rule_file_with_problems_is_never_cached(cache: Path, tmp_path: Path) -> None:
    path = rule_file(tmp_path, message="{no_such_field}")
    for _ in range(2):
        with pytest.raises(Exception, match="no_such_field"):
            load_ruleset(path)
    assert not cache.exists() or not list(cache.glob("*.pickle"))


def test_an_entry_others_can_write_or_a_broken_one_is_ignored(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rule_file(tmp_path)
    first = load_ruleset(path)
    (entry,) = cache.glob("*.pickle")
    os.chmod(entry, 0o666)
    calls: list[object] = []
    compile_file = _rule_loader._compile_rule_file

    def counting_compile(*args: Any) -> Any:
        calls.append(args)
        return compile_file(*args)

    monkeypatch.setattr(_rule_loader, "_compile_rule_file", counting_compile)
    assert load_ruleset(path) == first and len(calls) == 1
    entry.write_bytes(b"not a pickle")
    assert load_ruleset(path) == first and len(calls) == 2


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_ruleset(rule_file(tmp_path))
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_the_cache_keeps_a_bounded_number_of_entries(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnership_rules import _rule_cache

    monkeypatch.setattr(_rule_cache, "MAX_ENTRIES", 3)
    for n in range(6):
        load_ruleset(rule_file(tmp_path, title=f"Rule number {n}"))
    assert len(list(cache.glob("*.pickle"))) == 3
    assert MAX_ENTRIES >= 100


def test_a_new_process_reads_the_shipped_rulesets_from_the_cache(cache: Path) -> None:
    code = (
        "from partnership_rules import _rule_loader\n"
        "from partnership_rules._rule_loader import load_rulesets\n"
        "calls = []\n"
        "compile_file = _rule_loader._compile_rule_file\n"
        "_rule_loader._compile_rule_file = lambda *a: calls.append(a) or compile_file(*a)\n"
        "load_rulesets()\n"
        "print(len(calls))\n"
    )
    env = {**os.environ, CACHE_ENV: str(cache)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    compiled = [int(r.stdout) for r in runs]
    assert compiled[0] == len(_rule_loader.shipped_ruleset_names())
    assert compiled[1] == 0
