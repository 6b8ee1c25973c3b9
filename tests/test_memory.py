"""Memory stays bounded when the library is used over and over (issue: ``audit()`` built a
durable-rules engine per call and never freed it, about 1.25 MB a call)."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path
from typing import Any

import pytest

from partnership_rules import _audit, audit, available_engines
from partnership_rules.engines import durable_available

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "craven-swissport.yaml"
needs_durable = pytest.mark.skipif(
    not durable_available(), reason="durable-rules does not import on this interpreter"
)


def _rss_bytes() -> int:
    # /proc/self/statm: size, resident, ... in pages (Linux).
    with open("/proc/self/statm", encoding="ascii") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("engine", available_engines())
def test_500_audit_calls_grow_rss_by_less_than_20_mb(engine: str) -> None:
    first = audit(EXAMPLE, engine=engine)
    for _ in range(20):  # warm up: caches, allocator pools
        audit(EXAMPLE, engine=engine)
    gc.collect()
    before = _rss_bytes()
    for _ in range(500):
        assert audit(EXAMPLE, engine=engine).findings == first.findings
    gc.collect()
    growth = _rss_bytes() - before
    assert growth < 20 * 1024 * 1024, f"RSS grew by {growth / 1024 / 1024:.1f} MB"


def test_audit_keeps_a_bounded_number_of_auditors(tmp_path: Path) -> None:
    # The cache behind audit() is bounded, keyed by the selection, and sees a rule file change.
    _audit._AUDITORS.clear()
    for name in ["core", "nvq", "education-training", "childrens-services"] * 3:
        audit(EXAMPLE, rulesets=["core", name] if name != "core" else ["core"], engine="python")
    assert len(_audit._AUDITORS) == 4
    for n in range(_audit.AUDITOR_CACHE_SIZE + 3):
        audit(EXAMPLE, rulesets=["core"], engine="python", as_of=None)
        audit(EXAMPLE, rulesets=["core", "nvq"], engine="python" if n % 2 else None)
    assert len(_audit._AUDITORS) <= _audit.AUDITOR_CACHE_SIZE
    rule_file = tmp_path / "mine.json"
    rule_file.write_text(json.dumps(_one_rule("high")), encoding="utf-8")
    assert [f.severity for f in audit(EXAMPLE, rulesets=[rule_file]).findings] == ["high"]
    rule_file.write_text(json.dumps(_one_rule("low")), encoding="utf-8")
    os.utime(rule_file, ns=(1, 1))  # a different modification time, whatever the clock
    assert [f.severity for f in audit(EXAMPLE, rulesets=[rule_file]).findings] == ["low"]


def _one_rule(severity: str) -> dict[str, Any]:
    return {
        "ruleset": "mine",
        "title": "Mine",
        "rules": [
            {
                "id": "MINE001",
                "name": "always",
                "title": "Fires on every partnership",
                "severity": severity,
                "category": "compliance",
                "applies_to": "partnership",
                "when": {"field": "partner_count", "gte": 0},
                "message": "{subject}",
                "rationale": "r",
                "remedy": "r",
                "references": [{"source": "qca-partnership-guide"}],
            }
        ],
    }


@needs_durable
def test_a_dropped_durable_engine_frees_its_rulesets() -> None:
    import durable_rules_engine

    from partnership_rules._rule_loader import load_rulesets
    from partnership_rules.engines._durable import DurableEngine

    rules = [rule for ruleset in load_rulesets(["core"]) for rule in ruleset.rules]
    engine = DurableEngine(rules)
    handles = [part.handle for part in engine._parts]
    del engine
    gc.collect()
    DurableEngine(rules[:1])  # the next call into the C engine frees what was queued
    for handle in handles:
        with pytest.raises(Exception, match="error code: 111"):  # invalid handle
            durable_rules_engine.get_state(handle, "1")


@pytest.mark.slow
@needs_durable
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_auditors_built_and_dropped_free_their_durable_rulesets() -> None:
    from partnership_rules import Auditor

    for _ in range(5):
        Auditor(["core"], engine="durable").audit(EXAMPLE)
    gc.collect()
    before = _rss_bytes()
    for _ in range(100):
        Auditor(["core"], engine="durable").audit(EXAMPLE)
    gc.collect()
    growth = _rss_bytes() - before
    assert growth < 10 * 1024 * 1024, f"RSS grew by {growth / 1024 / 1024:.1f} MB"


def test_audit_sees_a_rule_file_in_a_folder_change(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    rule_file = folder / "mine.json"
    rule_file.write_text(json.dumps(_one_rule("high")), encoding="utf-8")
    os.utime(folder, ns=(1, 1))
    assert [f.severity for f in audit(EXAMPLE, rulesets=[folder]).findings] == ["high"]
    rule_file.write_text(json.dumps(_one_rule("low")), encoding="utf-8")
    os.utime(rule_file, ns=(2, 2))
    os.utime(folder, ns=(1, 1))  # the folder itself looks unchanged
    assert [f.severity for f in audit(EXAMPLE, rulesets=[folder]).findings] == ["low"]
