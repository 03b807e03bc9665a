"""`advisor batch` against hostile names and files, SIGTERM and SIGKILL: one summary row per
input, no run held by a FIFO, no temporary file left for good, no traceback from a worker."""

from __future__ import annotations

import csv
import errno
import html
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from advisor import batch
from advisor.cli import main
from advisor.files import shown_path
from tests.conftest import ROOT


def assessment(name: str) -> str:
    quoted = name.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
    quoted = quoted.replace("\n", "\\n")
    return (
        f'name: "{quoted}"\nsystems: [{{id: shop}}, {{id: crm}}]\n'
        "flows: [{id: sync, source: shop, targets: [crm], trigger: user_action}]\n"
    )


def run_batch(*argv: str | Path) -> int:
    return main(["batch", *map(str, argv)])


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.name.endswith(".tmp"))


def portfolio(folder: Path, names: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for file, name in names.items():
        (folder / file).write_text(assessment(name), encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------------------------
# Names in the summary and the overview
# ---------------------------------------------------------------------------------------------


def test_a_carriage_return_in_a_name_stays_in_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {"a.yaml": "Split\rhere", "b.yaml": "Two\r\nlines", "c.yaml": "Plain"}
    out = tmp_path / "out"
    assert run_batch(portfolio(tmp_path / "in", names), "--out", out, "--format", "json") == 0
    assert "Traceback" not in capsys.readouterr().err
    data = (out / "summary.csv").read_bytes()
    assert b'"Split\rhere"' in data and b'"Two\r\nlines"' in data
    # Every line break outside quotes ends a row: a spreadsheet sees the header and three rows.
    rows = list(csv.reader(data.decode("utf-8").splitlines(keepends=True)))
    assert [row[1] for row in rows] == ["name", "Split\rhere", "Two\r\nlines", "Plain"]
    assert data.count(b"\n") - data.count(b"\r\n") == 4  # one line feed per row, none in names
    index = (out / "index.html").read_bytes().decode("utf-8")
    assert all(html.escape(name) in index for name in names.values())


@given(st.lists(st.text(max_size=12), max_size=5))
def test_csv_rows_are_what_the_csv_module_writes_and_reads_back(cells: list[str]) -> None:
    line = batch.csv_row(cells)
    assert next(csv.reader([line])) == cells if cells else line == "\n"
    if not any(char in cell for cell in cells for char in "\r\n"):
        import io

        written = io.StringIO()
        csv.writer(written, lineterminator="\n").writerow(cells)
        assert line == written.getvalue()


def test_the_overview_shows_names_without_the_spreadsheet_apostrophe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {"a.yaml": "@SUM(1)", "b.yaml": "'quoted", "c.yaml": "-minus"}
    out = tmp_path / "out"
    assert run_batch(portfolio(tmp_path / "in", names), "--out", out, "--format", "json") == 0
    with (out / "summary.csv").open(encoding="utf-8", newline="") as summary:
        cells = [row["name"] for row in csv.DictReader(summary)]
    assert cells == ["'@SUM(1)", "''quoted", "'-minus"]  # as a spreadsheet needs them
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in names.values():
        assert f">{escape(name)}</a>" in index
    assert "&#39;@SUM" not in index and "&#39;&#39;quoted" not in index


# ---------------------------------------------------------------------------------------------
# Files that are not regular files
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def unblock_readers() -> Iterator[list[Path]]:
    """FIFOs to watch: should a reader block on one (the defect), a writer opens it and closes
    it at once, so that the reader sees an empty file and the test fails instead of hanging."""
    fifos: list[Path] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for fifo in fifos:
                try:
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                except OSError as error:  # ENXIO: no reader, as it should be
                    if error.errno not in (errno.ENXIO, errno.ENOENT):
                        raise
            done.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield fifos
    done.set()
    watcher.join()


def test_a_fifo_in_a_folder_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unblock_readers: list[Path]
) -> None:
    folder = portfolio(tmp_path / "in", {"good.yaml": "Good"})
    os.mkfifo(folder / "pipe.yaml")
    unblock_readers.append(folder / "pipe.yaml")
    (folder / "link.yaml").symlink_to(folder / "pipe.yaml")
    assert batch.discover([folder]) == [folder / "good.yaml"]
    out = tmp_path / "out"
    assert run_batch(folder, "--out", out, "--format", "json") == 0
    assert "1 of 1 files assessed" in capsys.readouterr().err


def test_a_fifo_named_explicitly_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unblock_readers: list[Path]
) -> None:
    folder = portfolio(tmp_path / "in", {"good.yaml": "Good"})
    fifo = folder / "pipe.yaml"
    os.mkfifo(fifo)
    unblock_readers.append(fifo)
    out = tmp_path / "out"
    assert run_batch(fifo, folder / "good.yaml", "--out", out, "--format", "json") == 1
    with (out / "summary.csv").open(encoding="utf-8", newline="") as summary:
        rows = list(csv.DictReader(summary))
    assert [row["error"] for row in rows] == [  # in sorted path order
        "",
        f"{shown_path(fifo)}: is a FIFO (named pipe), not a regular file",  # as summary.csv has it
    ]


# ---------------------------------------------------------------------------------------------
# SIGTERM, SIGKILL and what earlier runs left
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def many(tmp_path: Path) -> Path:
    return portfolio(tmp_path / "in", {f"a{n:02d}.yaml": f"Assessment {n}" for n in range(12)})


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_the_run_as_ctrl_c_does(
    many: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
) -> None:
    calls = 0
    real = batch.publish

    def publish(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            # Sent only to a handler: with none, SIGTERM would end the test run itself.
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None), "no handler"
            os.kill(os.getpid(), signal.SIGTERM)  # as `timeout` or systemd would send it
        real(*args)

    monkeypatch.setattr(batch, "publish", publish)
    out = tmp_path / "out"
    assert run_batch(many, "--out", out, "--jobs", jobs, "--format", "json") == 143
    assert capsys.readouterr().err == "advisor: stopped by SIGTERM\n"
    assert leftovers(out) == []
    assert not (out / "summary.csv").exists()
    assert not multiprocessing.active_children()
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler was put back


def test_a_later_run_removes_what_killed_runs_left(
    many: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    gone = 2**22 + 1  # above Linux's highest process number: no such process
    stale = [
        f".batch-{gone}-x1y2.tmp",
        f".summary.csv.{gone}.abc123.tmp",
        ".index.html.q9w8e7.tmp",  # from a version that did not put the number in the name
    ]
    (out / stale[0]).mkdir()
    (out / stale[0] / "3").mkdir()
    (out / stale[0] / "3" / "result.json").write_text("{}")
    for name in stale[1:]:
        (out / name).write_text("half")
    running = f".summary.csv.{os.getppid()}.live01.tmp"  # a run going on beside this one
    (out / running).write_text("being written")
    (out / ".notes.tmp").write_text("the user's own")
    assert run_batch(many, "--out", out, "--format", "json") == 0
    assert leftovers(out) == sorted([running, ".notes.tmp"])


SCRIPT = """\
import os, sys, time
from pathlib import Path
from advisor import batch
from advisor.cli import run

marks, real = Path(sys.argv[1]), batch.assess_file

def assess_file(path, options):  # every worker waits, busy, until the test says
    (marks / f"busy-{os.getpid()}").touch()
    while not (marks / "go").exists():
        time.sleep(0.02)
    return real(path, options)

batch.assess_file = assess_file
sys.argv = ["advisor", *sys.argv[2:]]
run()
"""


OPTIONS = ("--jobs", "2", "--format", "json", "--out")


def busy_batch(many: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """`advisor batch --jobs 2` in a process of its own, once both workers are busy."""
    marks, out = tmp_path / "marks", tmp_path / "out"
    marks.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(marks), "batch", str(many), *OPTIONS, str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    while len(list(marks.glob("busy-*"))) < 2:
        assert process.poll() is None, process.communicate()[1].decode()
        time.sleep(0.02)
    return process, marks, out


def test_sigterm_in_a_parallel_run_leaves_nothing_and_prints_one_line(
    many: Path, tmp_path: Path
) -> None:
    process, _, out = busy_batch(many, tmp_path)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=120)  # a guard against a hang, not a measure
    assert (process.returncode, err) == (143, b"advisor: stopped by SIGTERM\n")
    assert leftovers(out) == []


def test_workers_of_a_killed_run_end_without_a_traceback(
    many: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    process, marks, out = busy_batch(many, tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    (marks / "go").touch()  # orphans that went on would now hand their results to no one
    _, err = process.communicate(timeout=120)  # read until the last worker is gone
    assert err == b""
    assert leftovers(out)  # SIGKILL cannot be cleaned up after...
    assert run_batch(many, "--out", out, "--format", "json") == 0
    assert leftovers(out) == []  # ...but the next run does it
