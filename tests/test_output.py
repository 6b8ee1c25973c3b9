"""Writing an output file never damages what is there (``open_output``, and ``-o`` of the
command line): atomic replacement that keeps an existing file's permissions, a new file that
follows the umask, write-through for a symbolic link to a regular file, refusal for anything
that is not a regular file and for the inputs, nothing left behind on failure."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from partnership_rules.cli.main import cli

from partnership_rules import OutputError, open_output

ROOT = Path(__file__).parent.parent
RECORD = ROOT / "examples" / "barking-rooff.yaml"


@pytest.fixture
def umask() -> Iterator[int]:
    previous = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def audit_to(output: Path | str, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["audit", str(RECORD), "--format", "json", "-o", str(output), *args]
    )


def test_a_new_file_follows_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "new.json"
    with open_output(str(out)) as stream:
        stream.write("{}\n")
    assert out.read_text() == "{}\n"
    assert mode(out) == 0o666 & ~umask


def test_an_existing_file_is_replaced_and_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old\n")
    out.chmod(0o604)
    before = out.stat().st_ino
    result = audit_to(out)
    assert result.exit_code == 1
    assert out.read_text().startswith("{")
    assert mode(out) == 0o604
    assert out.stat().st_ino != before  # replaced by a rename, never written in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "report.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert audit_to(link).exit_code == 1
    assert link.is_symlink()
    assert target.read_text().startswith("{")
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: os.mkfifo(p), "a FIFO, not a regular file; not written"),
        (
            lambda p: p.symlink_to("/dev/null"),
            "a symbolic link to a character device, not a regular file; not written",
        ),
        (
            lambda p: p.symlink_to(p.parent / "nowhere"),
            "a symbolic link to a missing file; not written",
        ),
    ],
    ids=["fifo", "link-to-device", "dangling-link"],
)
def test_anything_but_a_regular_file_is_refused_at_once(
    tmp_path: Path, make: object, message: str
) -> None:
    out = tmp_path / "out.json"
    make(out)  # type: ignore[operator]
    result = audit_to(out)
    assert result.exit_code == 2
    assert result.stderr == f"partnership-rules: {out}: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_device_is_refused(tmp_path: Path) -> None:
    refused = pytest.raises(OutputError, match="^/dev/null: a character device, not a regular")
    with refused, open_output("/dev/null"):
        pytest.fail("opened a device")


def test_one_of_the_inputs_is_never_overwritten(tmp_path: Path) -> None:
    record = tmp_path / "record.yaml"
    record.write_text(RECORD.read_text())
    link = tmp_path / "alias.yaml"
    link.symlink_to(record)
    for output in (record, link):
        result = CliRunner().invoke(cli, ["audit", str(tmp_path), "-o", str(output)])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"partnership-rules: {output}: is one of the inputs (")
    assert record.read_text() == RECORD.read_text()


def test_the_baseline_is_an_input_too(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert audit_to(baseline).exit_code == 1
    saved = baseline.read_text()
    result = audit_to(baseline, "--baseline", str(baseline))
    assert result.exit_code == 2
    assert "is one of the inputs" in result.stderr
    assert baseline.read_text() == saved


def test_a_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "out.json"
    result = audit_to(out)
    assert result.exit_code == 2
    assert result.stderr == (f"partnership-rules: {out}: cannot write: No such file or directory\n")


def test_an_exception_while_writing_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), open_output(str(out)) as stream:
        stream.write("half a report")
        raise KeyboardInterrupt
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_file_name_that_is_not_utf8_is_written_and_shown_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    name = os.fsdecode(folder + b"/r\xe9sum\xe9.json")
    result = audit_to(name)
    assert result.exit_code == 1
    assert os.path.exists(os.fsencode(name))
    fifo = os.fsdecode(folder + b"/\xff\x1b[2J.json")
    os.mkfifo(fifo)
    refused = audit_to(fifo)
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"partnership-rules: {tmp_path}/\\xff\\x1b[2J.json: a FIFO, not a regular file; not written\n"
    )


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    for n in range(40):
        (tmp_path / f"r{n:02d}.yaml").write_text(RECORD.read_text())
    command = [
        sys.executable,
        "-m",
        "partnership_rules",
        "audit",
        str(tmp_path),
        "--format",
        "jsonl",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # as `| head -1` does
        stderr = process.stderr.read()
        assert process.wait(timeout=120) == 141  # 128 + SIGPIPE
    assert stderr == b""
