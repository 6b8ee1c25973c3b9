"""Batches lose nothing: exactly one result per input file, in input order, whatever fails;
an interrupted batch (Ctrl-C) exits 130 with a clear message and writes no output file."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import partnership_rules.cli.main as cli_main
import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import Auditor
from partnership_rules._batch import audit_paths, collect_paths
from partnership_rules._report import ErrorReport, Report
from partnership_rules.render.escape import sarif_uri

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOOD = EXAMPLES[0]
INTERRUPTED = "partnership-rules: interrupted; no report written"


def make_batch(tmp_path: Path) -> list[str]:
    """Good files, files that fail in different ways, a missing one, and repeats."""
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    for name, text in {
        "dir/b.yaml": GOOD.read_text(),
        "dir/a.json": json.dumps(
            {"partnership": {"id": "j", "name": "J"}, "partners": [{"id": "a", "name": "A"}]}
        ),
        "dir/sub/c.yml": "partnership: {id: p, name: P}\npartners: []\n",
        "dir/notes.txt": "not a record",
        "tagged.yaml": "x: !!python/name:os.system\n",
    }.items():
        (tmp_path / name).write_text(text)
    return [
        str(GOOD),
        str(tmp_path / "dir"),
        str(tmp_path / "missing.yaml"),
        str(tmp_path / "tagged.yaml"),
        str(GOOD),
    ]


def test_collect_paths_keeps_order_expands_directories_and_keeps_missing_files(
    tmp_path: Path,
) -> None:
    paths = collect_paths(make_batch(tmp_path))
    assert paths == [
        str(GOOD),
        str(tmp_path / "dir" / "a.json"),
        str(tmp_path / "dir" / "b.yaml"),
        str(tmp_path / "dir" / "sub" / "c.yml"),
        str(tmp_path / "missing.yaml"),
        str(tmp_path / "tagged.yaml"),
        str(GOOD),
    ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_result_per_input_in_order(tmp_path: Path, jobs: int) -> None:
    paths = collect_paths(make_batch(tmp_path)) * 3
    seen: list[int] = []
    results = audit_paths(paths, jobs=jobs, on_result=lambda i, r: seen.append(i))
    assert [r.source for r in results] == paths
    assert sorted(seen) == list(range(len(paths)))
    kinds = [type(r).__name__ for r in results[:7]]
    assert kinds == [
        "Report",
        "Report",
        "Report",
        "ErrorReport",
        "ErrorReport",
        "ErrorReport",
        "Report",
    ]


def test_an_unexpected_error_in_one_file_does_not_lose_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [str(p) for p in EXAMPLES[:4]]
    original = Auditor.audit

    def flaky(self: Auditor, source: object, **kwargs: object) -> Report:
        if source == paths[1]:
            raise OverflowError("int too large to convert to float")
        return original(self, source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Auditor, "audit", flaky)
    results = audit_paths(paths, jobs=1)
    assert [r.source for r in results] == paths
    failed = results[1]
    assert isinstance(failed, ErrorReport)
    assert failed.error.message == (
        "internal error, please report it: OverflowError: int too large to convert to float"
    )
    assert all(isinstance(r, Report) for i, r in enumerate(results) if i != 1)


def test_the_cli_prints_one_element_per_input_in_order(tmp_path: Path) -> None:
    paths = make_batch(tmp_path)
    files = collect_paths(paths)
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli, ["audit", *paths, "--format", "json", "--jobs", jobs])
        assert result.exit_code == 2
        data = json.loads(result.stdout)
        assert [item["source"] for item in data] == files
        assert ["error" in item for item in data] == [False, False, False, True, True, True, False]
        problems = [line for line in result.stderr.splitlines()]
        assert problems[0].startswith(f"partnership-rules: {files[3]}:2: partners:")
        assert len(problems) == 3


def test_sarif_and_text_keep_every_input_too(tmp_path: Path) -> None:
    paths = make_batch(tmp_path)
    files = collect_paths(paths)
    result = CliRunner().invoke(cli, ["audit", *paths, "--format", "sarif", "--jobs", "1"])
    sarif = json.loads(result.stdout)
    artifacts = [a["location"]["uri"] for a in sarif["runs"][0]["artifacts"]]
    assert artifacts == [sarif_uri(f) for f in dict.fromkeys(files)]
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 3


# --- Ctrl-C ----------------------------------------------------------------------------------


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    out.write_text("previous report\n")
    return out


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "report.json")


def test_ctrl_c_during_the_audits(monkeypatch: pytest.MonkeyPatch, previous_output: Path) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "audit_paths", interrupted)
    result = CliRunner().invoke(
        cli, ["audit", str(GOOD), "--format", "json", "-o", str(previous_output)]
    )
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [INTERRUPTED]
    assert previous_output.read_text() == "previous report\n"
    assert leftovers(previous_output.parent) == []


def test_ctrl_c_while_the_output_is_written(
    monkeypatch: pytest.MonkeyPatch, previous_output: Path
) -> None:
    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main.os, "replace", interrupted)
    result = CliRunner().invoke(
        cli, ["audit", str(GOOD), "--format", "json", "-o", str(previous_output)]
    )
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [INTERRUPTED]
    assert previous_output.read_text() == "previous report\n"
    assert leftovers(previous_output.parent) == []  # the temporary file is removed


def wait_until_a_file_is_opened(
    directory: Path, process: subprocess.Popen[str], timeout: float = 60
) -> None:
    """Return once ``process`` (or a worker) opens a file in ``directory`` (Linux inotify);
    fail, rather than wait for ever, if the process exits first."""
    libc = ctypes.CDLL(None, use_errno=True)
    in_open = 0x20
    watcher = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if watcher < 0 or libc.inotify_add_watch(watcher, bytes(directory), in_open) < 0:
        pytest.skip("inotify is not available")
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                events = os.read(watcher, 65536)
            except BlockingIOError:
                events = b""
            # struct inotify_event: int wd; uint32 mask, cookie, len; char name[len]
            offset = 0
            while offset < len(events):
                _, mask, _, length = struct.unpack_from("iIII", events, offset)
                if length and not mask & 0x40000000:  # a file inside, not the directory (IN_ISDIR)
                    return
                offset += 16 + length
            if process.poll() is not None:
                _, stderr = process.communicate()
                pytest.fail(f"exited with {process.returncode} before auditing: {stderr}")
            if time.monotonic() > deadline:
                pytest.fail("the batch never opened a record file")
            time.sleep(0.005)
    finally:
        os.close(watcher)


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 records: several seconds of work, so that an exit which waits for the queued
    files to be audited shows."""
    batch = tmp_path_factory.mktemp("batch")
    text = GOOD.read_bytes()
    for n in range(10_000):
        (batch / f"r{n:05d}.yaml").write_bytes(text)
    return batch


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("output_exists", "to_group"), [(True, True), (False, True), (False, False)]
)
def test_a_real_sigint_during_a_big_batch(
    tmp_path: Path, big_batch: Path, jobs: str, output_exists: bool, to_group: bool
) -> None:
    """SIGINT as Ctrl-C in a terminal sends it (to the whole process group, workers
    included) or as ``kill -INT`` does (to the main process only). Either way the batch
    stops at once: it neither finishes the files already handed to workers nor waits for a
    worker stuck on one.

    The signal is sent once the batch has opened one of its records, so that it arrives
    while the batch is running, not during start-up. The first input is a FIFO held open
    (a file that never ends) until the command has exited: it is refused at once, not read.
    """
    fifo = tmp_path / "first.yaml"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # an open writer: reading would block
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "report.json"
    if output_exists:
        output.write_text("previous report\n")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "partnership_rules",
            "audit",
            str(fifo),
            str(big_batch),
            "--format",
            "json",
            "-o",
            str(output),
            "--jobs",
            jobs,
            "--no-progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would give it
        cwd=tmp_path,  # not the checkout: its source tree would shadow the installed package
    )
    try:
        wait_until_a_file_is_opened(big_batch, process)
        if to_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        stdout, stderr = process.communicate(timeout=30)
        stopped = time.monotonic() - interrupted
    finally:
        os.close(writer)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130, stderr
    assert stderr.splitlines() == [INTERRUPTED]
    assert stopped < 2, f"took {stopped:.1f}s to stop: it went on auditing the queued files"
    assert stdout == ""
    if output_exists:
        assert output.read_text() == "previous report\n"
    else:
        assert not output.exists()
    assert [p.name for p in out_dir.iterdir() if p.name != "report.json"] == []
