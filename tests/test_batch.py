"""Batches lose nothing: exactly one item per input, in input order, whatever fails: a bad
file, an unreadable folder, a worker process killed mid-record, a record past the time
limit. Output streams as items are ready and equals the whole-list rendering; a batch
stopped by Ctrl-C, SIGTERM or SIGHUP exits 128 plus the signal, with its workers stopped
and no output file or temporary file left behind."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from partnership_rules.cli.main import cli

from partnership_rules import (
    FORMATS,
    Auditor,
    BatchInput,
    BatchWriter,
    ErrorReport,
    Report,
    audit_batch,
    collect_inputs,
    render_batch,
    render_piece,
)
from partnership_rules.render.escape import sarif_uri

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOOD = EXAMPLES[0]
INTERRUPTED = "partnership-rules: interrupted; no report written"
FORK_ONLY = pytest.mark.skipif(
    sys.platform == "win32", reason="the test's hook reaches the workers by fork"
)


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


def test_collect_inputs_keeps_order_expands_directories_and_keeps_missing_files(
    tmp_path: Path,
) -> None:
    inputs = collect_inputs(make_batch(tmp_path))
    assert [i.path for i in inputs] == [
        str(GOOD),
        str(tmp_path / "dir" / "a.json"),
        str(tmp_path / "dir" / "b.yaml"),
        str(tmp_path / "dir" / "sub" / "c.yml"),
        str(tmp_path / "missing.yaml"),
        str(tmp_path / "tagged.yaml"),
        str(GOOD),
    ]
    assert all(i.problem is None for i in inputs)


def test_an_unreadable_directory_in_a_walk_is_an_input_in_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.read_text())
    locked = tmp_path / "b-locked"
    locked.mkdir()
    (locked / "hidden.yaml").write_text(GOOD.read_text())
    scandir = os.scandir

    def unreadable(path: str) -> Iterator[os.DirEntry[str]]:
        if path == str(locked):  # as for a folder without read permission (root reads any)
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr("partnership_rules._batch.os.scandir", unreadable)
    assert collect_inputs([tmp_path]) == [
        BatchInput(str(tmp_path / "a.yaml")),
        BatchInput(str(locked), "cannot read directory: Permission denied"),
    ]
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--format", "json"])
    assert [item["source"] for item in json.loads(result.stdout)] == [
        str(tmp_path / "a.yaml"),
        str(locked),
    ]
    assert (
        result.stderr == f"partnership-rules: {locked}: cannot read directory: Permission denied\n"
    )
    assert result.exit_code == 2


def test_fifos_and_devices_met_in_a_walk_are_refused_without_being_opened(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it to read would block for ever
    (tmp_path / "dev.json").symlink_to("/dev/zero")
    (tmp_path / "ok.yaml").write_text(GOOD.read_text())
    items = list(audit_batch(collect_inputs([tmp_path]), jobs=1))
    assert [(Path(i.source).name, i.problems) for i in items] == [
        (
            "dev.json",
            (f"{tmp_path / 'dev.json'}: not a regular file (a character device); not read",),
        ),
        ("ok.yaml", ()),
        ("pipe.yaml", (f"{tmp_path / 'pipe.yaml'}: not a regular file (a FIFO); not read",)),
    ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_item_per_input_in_order(tmp_path: Path, jobs: int) -> None:
    inputs = collect_inputs(make_batch(tmp_path)) * 3
    items = list(audit_batch(inputs, jobs=jobs))
    assert [item.index for item in items] == list(range(len(inputs)))
    assert [item.source for item in items] == [i.path for i in inputs]
    assert [item.failed for item in items[:7]] == [False, False, False, True, True, True, False]


def test_an_unexpected_error_in_one_file_does_not_lose_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = [str(p) for p in EXAMPLES[:4]]
    original = Auditor.audit

    def flaky(self: Auditor, source: object, **kwargs: object) -> Report:
        if source == paths[1]:
            raise OverflowError("int too large to convert to float")
        return original(self, source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Auditor, "audit", flaky)
    items = list(audit_batch(paths, jobs=1))
    assert [item.source for item in items] == paths
    assert items[1].problems == (
        f"{paths[1]}: internal error, please report it: OverflowError: int too large to convert"
        " to float",
    )
    assert [item.failed for item in items] == [False, True, False, False]


# --- Streamed output --------------------------------------------------------------------------


def results_of(tmp_path: Path) -> list[Report | ErrorReport]:
    auditor = Auditor()
    out: list[Report | ErrorReport] = []
    for path in collect_inputs(make_batch(tmp_path)):
        try:
            out.append(auditor.audit(path.path))
        except Exception:
            items = list(audit_batch([path], jobs=1))
            data = json.loads(items[0].piece)
            out.append(ErrorReport.model_validate(data))
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_streamed_output_is_the_whole_list_rendering(tmp_path: Path, fmt: str) -> None:
    results = results_of(tmp_path)
    streamed = io.StringIO()
    writer = BatchWriter(fmt, streamed)
    for result in results:
        writer.write(render_piece(result, fmt))
    writer.close()
    whole = render_batch(results, fmt)
    if fmt == "json":  # one report per line rather than all on one line
        assert json.loads(streamed.getvalue()) == json.loads(whole)
        assert len(streamed.getvalue().splitlines()) == len(results) + 2
    else:
        assert streamed.getvalue() == whole


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_batch_writes_an_empty_document(fmt: str) -> None:
    streamed = io.StringIO()
    BatchWriter(fmt, streamed).close()
    assert streamed.getvalue() == render_batch([], fmt)


def test_the_cli_prints_one_element_per_input_in_order(tmp_path: Path) -> None:
    paths = make_batch(tmp_path)
    files = [i.path for i in collect_inputs(paths)]
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli, ["audit", *paths, "--format", "json", "--jobs", jobs])
        assert result.exit_code == 2
        data = json.loads(result.stdout)
        assert [item["source"] for item in data] == files
        assert ["error" in item for item in data] == [False, False, False, True, True, True, False]
        problems = result.stderr.splitlines()
        assert problems[0].startswith(f"partnership-rules: {files[3]}:2: partners:")
        assert len(problems) == 3


def test_jsonl_is_one_compact_report_per_line_in_input_order(tmp_path: Path) -> None:
    paths = make_batch(tmp_path)
    files = [i.path for i in collect_inputs(paths)]
    result = CliRunner().invoke(cli, ["audit", *paths, "--format", "jsonl", "--jobs", "2"])
    lines = result.stdout.splitlines()
    assert [json.loads(line)["source"] for line in lines] == files
    assert result.exit_code == 2


def test_a_directory_is_an_array_even_with_one_file(tmp_path: Path) -> None:
    (tmp_path / "only.yaml").write_text(GOOD.read_text())
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--format", "json"])
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    single = CliRunner().invoke(cli, ["audit", str(tmp_path / "only.yaml"), "--format", "json"])
    assert isinstance(json.loads(single.stdout), dict)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_on_the_command_line_is_an_element_not_a_refusal(
    tmp_path: Path,
) -> None:
    locked = tmp_path / "locked.yaml"
    locked.write_text(GOOD.read_text())
    locked.chmod(0)
    result = CliRunner().invoke(cli, ["audit", str(GOOD), str(locked), "--format", "json"])
    data = json.loads(result.stdout)
    assert [item["source"] for item in data] == [str(GOOD), str(locked)]
    assert "error" in data[1] and "findings" in data[0]
    assert result.exit_code == 2


def test_sarif_and_text_keep_every_input_too(tmp_path: Path) -> None:
    paths = make_batch(tmp_path)
    files = [i.path for i in collect_inputs(paths)]
    result = CliRunner().invoke(cli, ["audit", *paths, "--format", "sarif", "--jobs", "2"])
    sarif = json.loads(result.stdout)
    artifacts = [a["location"]["uri"] for a in sarif["runs"][0]["artifacts"]]
    assert artifacts == [sarif_uri(f) for f in dict.fromkeys(files)]
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 3
    text = CliRunner().invoke(cli, ["audit", *paths, "--no-color", "--jobs", "2"]).stdout
    assert text.count(": cannot audit") == 3


def test_the_summary_counts_files_errors_findings_and_names_the_worst(tmp_path: Path) -> None:
    paths = make_batch(tmp_path)
    result = CliRunner().invoke(cli, ["audit", *paths, "--format", "jsonl", "--summary"])
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    audited = [r for r in reports if "findings" in r]
    summary = result.stderr[result.stderr.index("Batch summary") :].splitlines()
    assert summary[0] == "Batch summary: 7 files, 4 audited, 3 could not be audited"
    total = {s: sum(r["summary"][s] for r in audited) for s in audited[0]["summary"]}
    expected = ", ".join(f"{n} {s}" for s, n in total.items() if n)
    assert summary[1] == f"Findings: {expected}"
    worst = max(audited, key=lambda r: tuple(r["summary"].values()))
    assert summary[summary.index("Worst partnerships:") + 1].startswith(
        f"  {worst['partnership']['id']} ("
    )


# --- Dead workers and time limits -------------------------------------------------------------


@pytest.fixture
def records(tmp_path: Path) -> list[str]:
    paths = []
    for n in range(12):
        path = tmp_path / f"r{n:02d}.yaml"
        path.write_text(EXAMPLES[n % len(EXAMPLES)].read_text())
        paths.append(str(path))
    return paths


def hook_audit(monkeypatch: pytest.MonkeyPatch, name: str, action: str, marker: Path) -> None:
    """Make auditing the file ``name`` kill its process (``die``, ``die-once``) or hang
    (``hang``). Worker processes forked from this one inherit the hook."""
    original = Auditor.audit

    def hooked(self: Auditor, source: object, **kwargs: object) -> Report:
        if Path(str(source)).name == name:
            if action == "hang":
                time.sleep(60)
            elif action == "die" or not marker.exists():
                marker.write_text("died once")
                os.kill(os.getpid(), signal.SIGKILL)
        return original(self, source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Auditor, "audit", hooked)


@FORK_ONLY
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads (Python 3.12+)
def test_a_record_that_kills_its_worker_twice_is_an_error_item_and_the_batch_goes_on(
    tmp_path: Path, records: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook_audit(monkeypatch, "r03.yaml", "die", tmp_path / "marker")
    items = list(audit_batch(records, jobs=2, mp_context="fork"))
    assert [item.source for item in items] == records
    assert items[3].problems == (f"{records[3]}: worker died while auditing this record: signal 9",)
    assert [item.failed for item in items].count(True) == 1


@FORK_ONLY
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_record_whose_worker_dies_once_is_retried_in_a_fresh_worker(
    tmp_path: Path, records: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "marker"
    hook_audit(monkeypatch, "r05.yaml", "die-once", marker)
    items = list(audit_batch(records, jobs=2, mp_context="fork"))
    assert marker.exists()
    assert [item.source for item in items] == records
    assert not any(item.failed for item in items)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_record_past_the_time_limit_is_an_error_item(
    tmp_path: Path, records: list[str], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    hook_audit(monkeypatch, "r02.yaml", "hang", tmp_path / "marker")
    started = time.monotonic()
    items = list(audit_batch(records, jobs=jobs, time_limit=5, mp_context="fork"))
    assert time.monotonic() - started < 50
    assert [item.source for item in items] == records
    assert items[2].problems == (f"{records[2]}: took longer than the time limit of 5 s; stopped",)
    assert [item.failed for item in items].count(True) == 1


# --- Signals ----------------------------------------------------------------------------------


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    out.write_text("previous report\n")
    return out


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "report.json")


def test_ctrl_c_during_the_audits(monkeypatch: pytest.MonkeyPatch, previous_output: Path) -> None:
    def interrupted(*args: object, **kwargs: object) -> Iterator[object]:
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr("partnership_rules._batch._audit_here", interrupted)
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

    monkeypatch.setattr("partnership_rules._output.os.replace", interrupted)
    result = CliRunner().invoke(
        cli, ["audit", str(GOOD), "--format", "json", "-o", str(previous_output)]
    )
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [INTERRUPTED]
    assert previous_output.read_text() == "previous report\n"
    assert leftovers(previous_output.parent) == []  # the temporary file is removed


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 records: long enough to be stopped in the middle."""
    batch = tmp_path_factory.mktemp("batch")
    text = GOOD.read_bytes()
    for n in range(2_000):
        (batch / f"r{n:05d}.yaml").write_bytes(text)
    return batch


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_batch(tmp_path: Path, big_batch: Path, output: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "partnership_rules",
            "audit",
            str(big_batch),
            "--format",
            "json",
            "-o",
            str(output),
            "--no-progress",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would give it
        cwd=tmp_path,  # not the checkout: its source tree would shadow the installed package
    )
    # Running: the temporary output file has reports in it.
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size > 100_000 for p in output.parent.glob(".report.json.*.tmp")):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the batch did not start writing: {process.communicate()}")
        time.sleep(0.05)
    return process


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "jobs", "to_group"),
    [
        (signal.SIGTERM, "2", False),
        (signal.SIGHUP, "2", False),
        (signal.SIGINT, "2", True),
        (signal.SIGINT, "1", False),
        (signal.SIGTERM, "1", False),
    ],
)
def test_a_signal_stops_the_batch_its_workers_and_its_output(
    tmp_path: Path, big_batch: Path, signum: int, jobs: str, to_group: bool
) -> None:
    """SIGTERM or SIGHUP to the command, or SIGINT as ``kill -INT`` (the command alone) or
    Ctrl-C (its whole process group) sends it: the batch stops at once, its workers end
    with it, the output file is not written and no temporary file is left."""
    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    output.write_text("previous report\n")
    process = start_batch(tmp_path, big_batch, output, "--jobs", jobs)
    workers = descendants(process.pid)
    try:
        if to_group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        stopped = time.monotonic()
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - stopped
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    name = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    assert process.returncode == 128 + signum, stderr
    assert stderr.splitlines() == [f"partnership-rules: {name}; no report written"]
    assert took < 5, f"took {took:.1f}s to stop"
    assert output.read_text() == "previous report\n"
    assert leftovers(output.parent) == []
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived the batch"


@needs_proc
@pytest.mark.slow
def test_a_worker_killed_mid_batch_costs_nothing(tmp_path: Path, big_batch: Path) -> None:
    """SIGKILL to a worker (the OOM killer's way): its record is retried in a fresh worker,
    and every input still gets its report, in order."""
    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    process = start_batch(tmp_path, big_batch, output, "--jobs", "2")
    try:
        # The workers are the children of the forkserver, the command's only child with
        # children of its own (its other child, the resource tracker, has none).
        server = next(pid for pid in descendants(process.pid) if descendants(pid))
        workers = sorted(descendants(server))
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 1, stderr  # findings, and no input lost
    data = json.loads(output.read_text())
    assert [item["source"] for item in data] == [str(p) for p in sorted(big_batch.iterdir())]
    assert all("findings" in item for item in data)


def test_ctrl_c_after_the_first_report_on_stdout_says_the_output_is_incomplete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = [str(p) for p in EXAMPLES[:3]]
    original = Auditor.audit

    def interrupted_at_the_second(self: Auditor, source: object, **kwargs: object) -> Report:
        if source == paths[1]:
            raise KeyboardInterrupt
        return original(self, source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Auditor, "audit", interrupted_at_the_second)
    result = CliRunner().invoke(cli, ["audit", *paths, "--format", "jsonl", "--jobs", "1"])
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [
        "partnership-rules: interrupted; the report on standard output is incomplete"
    ]
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == paths[:1]
