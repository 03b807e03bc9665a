"""Batch assessments: every YAML file under some paths, one report folder each, one summary.

`run()` assesses the inputs in sorted path order (in parallel worker processes with `jobs > 1`),
puts each good assessment's formats into `OUT/<slug>/`, streams one row per input into
`OUT/summary.csv` and ends with `OUT/index.html`, an overview of the whole portfolio. The output
is the same, byte for byte, whatever the number of jobs: results are taken in input order, and
folder names are given out in that order too. Memory stays flat however many inputs there are.

Nothing is ever seen half-written: whoever assesses a file (a worker) writes its formats into a
private staging folder inside OUT, and the run publishes that folder under its name with a
rename; the summary and the overview are written to temporary files and renamed. An interrupted
run (Ctrl-C, SIGTERM) removes the staging folder; what a run killed outright leaves (SIGKILL, a
power cut) the next run over the same folder removes, when the same user owns it and the process
that made it is gone. Report files are not synced to disk one by one (that would cost more than
assessing them); the summary and the overview, written last, are.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import errno
import gc
import io
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from advisor.errors import InputError, did_you_mean
from advisor.files import atomic_writer
from advisor.formats import BATCH, BATCH_DEFAULT, NO_SLUG, slug
from advisor.formats import FORMATS as REGISTRY

if TYPE_CHECKING:
    from advisor.models import Assessment, Result
    from advisor.ruleset import Ruleset

SUFFIXES = (".yaml", ".yml")
STYLES = ("api", "event", "hybrid")
SUMMARY = "summary.csv"
FLOWS = "flows.csv"
INDEX = "index.html"
COLUMNS = (
    "file",
    "name",
    "folder",
    "recommendation",
    "confidence",
    "api_score",
    "event_score",
    "flows",
    "flows_api",
    "flows_event",
    "flows_hybrid",
    "broker",
    "risks",
    "error",
)
FLOW_COLUMNS = (
    "file",
    "assessment",
    "flow",
    "source",
    "targets",
    "style",
    "confidence",
    "api_score",
    "event_score",
    "polling_calls_per_day",
    "broker",
)

# ---------------------------------------------------------------------------------------------
# Formats: named, and written, by advisor.formats (where an output format is added)
# ---------------------------------------------------------------------------------------------


@dataclass
class Assessed:
    """What every format renders from: one assessment, its result, and how the run writes."""

    assessment: Assessment
    result: Result
    options: Options
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """Work that several formats share (a diagram's source, say), done once per assessment."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


@dataclass(frozen=True)
class Options:
    """How every input is assessed and written: the same in every worker."""

    ruleset: Ruleset
    formats: tuple[str, ...]  # names in FORMATS
    date: datetime.date = field(default_factory=datetime.date.today)  # of the decision records
    diagrams: bool = True  # a renderer is there: the HTML reports show the blueprint
    what_if: bool = True  # analyse what would change the answer
    renderer: str | None = None  # the program that draws blueprints (None: see advisor.render)
    timeout: float = 30.0  # seconds a blueprint may take to draw
    rules_digest: str | None = None  # of the rules files (`run` fills it in when not given)
    contracts: bool = False  # also write the contracts that apply, as `advisor contracts` does


class FormatError(Exception):
    """A format could not be written for one input (its blueprint could not be drawn, say)."""


@dataclass(frozen=True)
class Format:
    name: str  # as given to --format
    filename: str  # inside an assessment's folder
    render: Callable[[Assessed], bytes]


def _written(name: str, subject: Assessed, **given: Any) -> bytes:
    """A format as its writer in advisor.formats writes it, from what `given` adds."""
    from advisor.formats import Subject

    options = subject.options
    return REGISTRY[name].data(
        Subject(subject.assessment, subject.result, options.ruleset, **given)
    )


def _json(subject: Assessed) -> bytes:
    return _written("json", subject)


def _record(subject: Assessed) -> Any:
    """The decision record's details: the run's date, the assessment's status, and the
    blueprint beside the record when the run draws it."""
    from advisor.report import record_for

    beside = FORMATS["svg"].filename if "svg" in subject.options.formats else None
    return record_for(subject.assessment, subject.options.date, blueprint=beside)


def _markdown(subject: Assessed) -> bytes:
    return _written("md", subject, record=_record(subject))


def _html(subject: Assessed) -> bytes:
    diagram = None
    views: tuple[tuple[str, str], ...] = ()
    if subject.options.diagrams:
        try:
            diagram = _svg(subject).decode("utf-8")
            views = _views(subject)
        except FormatError:
            diagram = None  # the report stands without its blueprint, as `advisor assess` does
    return _written("html", subject, blueprint=diagram, views=views, record=_record(subject))


def _views(subject: Assessed) -> tuple[tuple[str, str], ...]:
    """The focused views the HTML report shows under the overview (those that differ from it),
    each as (caption, SVG); a view that cannot be drawn is left out."""
    from advisor.blueprint import VIEW_CAPTIONS, focused_views
    from advisor.render import RenderError, render

    found = []
    options = subject.options
    for view, dot in focused_views(subject.assessment, subject.result, options.ruleset):
        try:
            svg = render(dot, "svg", renderer=options.renderer, timeout=options.timeout)
        except RenderError:
            continue
        found.append((VIEW_CAPTIONS[view], svg.decode("utf-8")))
    return tuple(found)


def _svg(subject: Assessed) -> bytes:
    return bytes(subject.memo("svg", lambda: _drawn(subject, "svg")))


def _png(subject: Assessed) -> bytes:
    return _drawn(subject, "png")


def _drawn(subject: Assessed, fmt: Literal["svg", "png"]) -> bytes:
    from advisor.blueprint import blueprint_dot
    from advisor.render import RenderError

    options = subject.options
    dot = subject.memo(
        "dot", lambda: blueprint_dot(subject.assessment, subject.result, options.ruleset)
    )
    try:
        return _written(fmt, subject, dot=dot, renderer=options.renderer, timeout=options.timeout)
    except RenderError as error:
        raise FormatError(f"the blueprint could not be drawn: {error}") from None


def _contracts(subject: Assessed) -> tuple[tuple[str, bytes], ...]:
    """The contracts that apply (asyncapi.yaml, openapi.yaml), as `advisor contracts` writes."""
    from advisor.contracts import contract_files

    files = contract_files(subject.assessment, subject.result, subject.options.ruleset)
    return tuple((name, text.encode("utf-8")) for name, text in files.items())


_RENDERS: dict[str, Callable[[Assessed], bytes]] = {
    "json": _json,
    "md": _markdown,
    "html": _html,
    "svg": _svg,
    "png": _png,
}
FORMATS: dict[str, Format] = {
    name: Format(name, REGISTRY[name].file_name, _RENDERS[name]) for name in BATCH
}
DIAGRAMS = frozenset({"html", "svg", "png"})  # the formats that need a renderer
DEFAULT_FORMATS = BATCH_DEFAULT
LINK_ORDER = ("html", "md", "svg", "png", "json")  # what the overview links to, by preference
LINK_NAMES = {
    "html": "report",
    "md": "decision",
    "json": "result",
    "svg": "blueprint",
    "png": "PNG",
}


def default_formats() -> tuple[str, ...]:
    """The default formats that this installation can write."""
    return tuple(name for name in DEFAULT_FORMATS if name in FORMATS)


def parse_formats(text: str) -> tuple[str, ...]:
    """`json,md` into known format names in registry order; ValueError for an unknown one."""
    wanted = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not wanted:
        raise ValueError(f"--format needs at least one of: {', '.join(FORMATS)}")
    for name in wanted:
        if name not in FORMATS:
            hint = did_you_mean(name, FORMATS)
            raise ValueError(f"unknown format {name!r}{hint} (available: {', '.join(FORMATS)})")
    return tuple(name for name in FORMATS if name in wanted)


# ---------------------------------------------------------------------------------------------
# Inputs and folder names
# ---------------------------------------------------------------------------------------------


def discover(paths: Sequence[Path]) -> list[Path]:
    """The YAML files named, or found in the folders named (recursively), sorted, each once.

    Folders are searched for *.yaml and *.yml, skipping hidden files and folders (such as .git
    or .github) and anything that is not a regular file (a FIFO would hold the run for good); a
    file named directly is taken whatever its name, and refused when read if it is not a
    regular file. A path that does not exist is kept too, to be refused in its row (the others
    are still assessed).
    """
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for folder, subfolders, files in os.walk(path):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            found += [
                Path(folder, name)
                for name in files
                if name.endswith(SUFFIXES) and not name.startswith(".") and _regular(folder, name)
            ]
    unique: dict[tuple[int, int] | str, Path] = {}  # one path per file, however it was reached
    for path in sorted(found):
        try:
            status = path.stat()
        except OSError:  # a broken link, say: kept once, to be refused with the reason
            unique.setdefault(str(path), path)
        else:
            unique.setdefault((status.st_dev, status.st_ino), path)
    return list(unique.values())


def _regular(folder: str, name: str) -> bool:
    """Whether a file found in a folder is a regular file, or a link to one; a broken link is
    kept, to be refused with the reason."""
    try:
        return stat.S_ISREG(os.stat(os.path.join(folder, name)).st_mode)
    except OSError:
        return True


class Slugs:
    """Gives out folder names in input order: a name taken already gets -2, -3 and so on."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str, file: str = "") -> str:
        """A folder for `name`; a name with nothing usable in it (all CJK, say) takes the file's
        name instead."""
        base = slug(name)
        if base == NO_SLUG and file:
            base = slug(Path(file).stem)
        candidate, number = base, 1
        while candidate in self._taken:
            number += 1
            candidate = f"{base}-{number}"
        self._taken.add(candidate)
        return candidate


# ---------------------------------------------------------------------------------------------
# One input
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What assessing one file gives: its summary row and, when it is good, its files."""

    file: str
    error: str = ""
    name: str = ""
    recommendation: str = ""
    confidence: float | None = None
    api_score: float | None = None
    event_score: float | None = None
    styles: tuple[int, int, int] = (0, 0, 0)  # flows that are api, event, hybrid
    broker: str = ""
    broker_name: str = ""  # where a broker is needed
    risks: tuple[tuple[str, str], ...] = ()  # (id, title)
    flows: tuple[tuple[str, ...], ...] = ()  # flows.csv rows, FLOW_COLUMNS from "flow" on
    polling_kept: int = 0  # polling calls a day of the flows that stay API-driven
    outputs: tuple[tuple[str, bytes], ...] = ()  # (file name, data), until staged
    staged: str = ""  # the folder its files wait in, to be published under its name

    @property
    def refused(self) -> bool:
        return bool(self.error)

    def row(self, folder: str) -> list[str]:
        """The summary.csv row, in COLUMNS order."""
        if self.refused:
            return [csv_text(self.file), *[""] * (len(COLUMNS) - 2), csv_text(self.error)]
        from advisor.wording import format_confidence, format_score

        assert self.confidence is not None and self.api_score is not None
        assert self.event_score is not None
        return [
            csv_text(self.file),
            csv_text(self.name),
            folder,
            self.recommendation,
            format_confidence(self.confidence),
            format_score(self.api_score).replace(",", ""),
            format_score(self.event_score).replace(",", ""),
            str(sum(self.styles)),
            *(str(count) for count in self.styles),
            self.broker,
            " ".join(risk_id for risk_id, _ in self.risks),
            "",
        ]

    def flow_rows(self) -> list[list[str]]:
        """Its flows.csv rows, in FLOW_COLUMNS order."""
        return [[csv_text(self.file), csv_text(self.name), *row] for row in self.flows]


def assess_file(path: Path, options: Options) -> Outcome:
    """Assess one file and render its formats; a refused file gets its problems as the error,
    worded exactly as `advisor assess` words them."""
    from advisor.advice import assess, stamped
    from advisor.files import shown_path
    from advisor.loader import load_assessment

    label = shown_path(path)
    try:
        assessment = load_assessment(path, label, regular_only=True)
        result = stamped(
            assess(assessment, options.ruleset, what_if=options.what_if),
            input=label,
            rules_digest=options.rules_digest,
        )
        subject = Assessed(assessment, result, options)
        outputs = tuple(
            (FORMATS[name].filename, FORMATS[name].render(subject)) for name in options.formats
        )
        if options.contracts:
            outputs += _contracts(subject)
    except InputError as error:
        return Outcome(file=label, error=str(error))
    except FormatError as error:
        return Outcome(file=label, error=f"{label}: {error}")
    except Exception as error:  # a defect, not the input's fault: keep the other inputs going
        return Outcome(
            file=label,
            error=f"{label}: could not be assessed ({type(error).__name__}: {error}); "
            "this is a defect in the advisor, please report it",
        )
    styles = Counter(flow.style for flow in result.flows)
    broker = (result.broker.choice or "none") if result.broker else ""  # none: not needed
    return Outcome(
        file=label,
        name=result.name,
        recommendation=result.recommendation,
        confidence=result.confidence,
        api_score=result.scores.api,
        event_score=result.scores.event,
        styles=(styles["api"], styles["event"], styles["hybrid"]),  # as STYLES
        broker=broker,
        broker_name=result.broker.name if result.broker and result.broker.choice else "",
        risks=tuple((risk.id, risk.title) for risk in result.risks),
        outputs=outputs,
        flows=tuple(_flow_cells(flow, broker) for flow in result.flows),
        polling_kept=sum(
            flow.polling.calls_per_day
            for flow in result.flows
            if flow.style == "api" and flow.polling is not None
        ),
    )


def _flow_cells(flow: Any, broker: str) -> tuple[str, ...]:
    """A flow's flows.csv cells from "flow" on (FLOW_COLUMNS); its broker where it uses one."""
    from advisor.wording import format_confidence, format_score

    return (
        csv_text(flow.id),
        csv_text(flow.source or ""),
        csv_text(" ".join(flow.targets)),
        flow.style,
        format_confidence(flow.confidence),
        format_score(flow.scores.api).replace(",", ""),
        format_score(flow.scores.event).replace(",", ""),
        "" if flow.polling is None else str(flow.polling.calls_per_day),
        broker if flow.style != "api" else "",
    )


def csv_text(text: str) -> str:
    """Text for a summary cell that no spreadsheet takes for a formula: a cell that starts with
    = + - @ or a tab or carriage return gets a leading apostrophe, as OWASP advises; so does
    one that starts with an apostrophe, which a spreadsheet would otherwise drop, so that
    `from_csv_text` gives back the text exactly."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def from_csv_text(cell: str) -> str:
    """The text a summary cell was written from: the apostrophe meant for spreadsheets goes."""
    return cell[1:] if cell.startswith("'") else cell


def csv_row(cells: Iterable[str]) -> str:
    """One summary.csv line. A cell holding a separator, a quote or any line break (a carriage
    return too, which Python's csv writer leaves bare when lines end with a line feed) is
    quoted, so that every spreadsheet and csv reader sees one row."""
    row = [_csv_cell(cell) for cell in cells]
    return ('""' if row == [""] else ",".join(row)) + "\n"  # one empty cell, not an empty row


def _csv_cell(cell: str) -> str:
    if _CSV_QUOTED.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


_CSV_QUOTED = re.compile('[,"\r\n]')


def stage(outcome: Outcome, folder: Path) -> Outcome:
    """Write a good outcome's files into `folder`, a private one in the staging area, and drop
    the bytes: only the parent knows the name the folder is published under (see `publish`)."""
    if not outcome.outputs:
        return outcome
    folder.mkdir()
    for filename, data in outcome.outputs:
        _write_new(folder / filename, data)
    return replace(outcome, outputs=(), staged=str(folder))


def _write_new(path: Path, data: bytes) -> None:
    with path.open("xb") as stream:
        stream.write(data)


def publish(staged: Path, folder: Path) -> None:
    """Move a staged report folder into place: in one rename when the folder is new, file by
    file (each replaced in one step) over an earlier run's folder, whose reports in formats not
    written now go, so that the folder never mixes two runs' reports (files of the user's own
    stay)."""
    try:
        os.rename(staged, folder)
        return
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
            raise
    if folder.is_symlink() or not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is in the way: not a folder", str(folder))
    written = sorted(os.listdir(staged))
    for name in written:
        os.replace(staged / name, folder / name)
    staged.rmdir()
    from advisor.contracts import ASYNCAPI_FILE, DRAFT_HEAD, OPENAPI_FILE, is_draft
    from advisor.files import remove_drafts

    reports = {item.filename for item in FORMATS.values()}
    for stale in sorted(reports - set(written)):
        (folder / stale).unlink(missing_ok=True)
    # Contracts only where an earlier run drafted them: a file of the user's own stays.
    remove_drafts(
        folder, sorted({ASYNCAPI_FILE, OPENAPI_FILE} - set(written)), is_draft, DRAFT_HEAD
    )


# ---------------------------------------------------------------------------------------------
# Many inputs, in parallel, in input order
# ---------------------------------------------------------------------------------------------

_worker: tuple[Options, Path] | None = None


def _start_worker(options: Options, staging: Path, parent: int) -> None:
    """Once per worker process: keep the rules, leave Ctrl-C to the parent, end quietly on
    SIGTERM (how the parent stops a busy worker) and as soon as the parent is gone, and
    stage into a folder of its own (workers creating folders side by side would queue for the
    same one)."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, which raises
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked while forked
    threading.Thread(target=_end_when_orphaned, args=(parent,), daemon=True).start()
    sys.stderr = _QuietOrphan(sys.stderr, parent)
    own = staging / str(os.getpid())
    own.mkdir(exist_ok=True)
    _worker = (options, own)
    gc.freeze()  # the rules and modules stay for good: spare the collector from walking them
    gc.set_threshold(*_QUIET_COLLECTOR)


def _end_when_orphaned(parent: int) -> None:
    """A worker whose parent was killed outright (SIGKILL) would assess on, then print a
    BrokenPipeError traceback when it hands back its results to no one: it ends instead."""
    while os.getppid() == parent:
        time.sleep(0.25)
    os._exit(0)


class _QuietOrphan(io.TextIOBase):
    """A worker's standard error, silent once its parent is gone: what a worker caught between
    its parent's death and its own end would say (a traceback of the pipe that broke
    under it) is meant for no one, and would land in the user's terminal."""

    def __init__(self, stream: TextIO, parent: int) -> None:
        super().__init__()
        self._stream = stream
        self._parent = parent

    def write(self, text: str) -> int:
        if os.getppid() != self._parent:
            return len(text)
        return self._stream.write(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()


# Assessing a file leaves no reference cycle, so whatever it allocates is freed as it goes and
# the cycle collector finds nothing; at Python's default (a young collection every 700 net
# allocations) it still walked the young objects some 400 times per 500 files, a tenth of a
# millisecond a file. A run collects rarely instead (memory stays bounded all the same).
_QUIET_COLLECTOR = (20_000, 50, 50)


def _assess_chunk(chunk: Sequence[tuple[int, Path]]) -> list[Outcome]:
    assert _worker is not None, "the worker was not started"
    options, staging = _worker
    return [stage(assess_file(path, options), staging / str(index)) for index, path in chunk]


def chunk_size(inputs: int, jobs: int) -> int:
    """Enough files per task to make the hand-over cheap, few enough to keep workers even."""
    return max(1, min(32, inputs // (jobs * 8)))


def outcomes(
    inputs: Sequence[Path], options: Options, jobs: int, staging: Path
) -> Generator[Outcome, None, None]:
    """Every input's outcome, its files staged, in input order. With `jobs > 1`, worker processes
    assess chunks of files while at most a few chunks per worker wait to be taken, so memory
    stays flat. Closing the generator stops the workers."""
    numbered = list(enumerate(inputs))
    jobs = max(1, min(jobs, len(inputs)))
    if jobs == 1:
        gc.freeze()  # what is loaded stays for the run: spare the collector from walking it
        thresholds = gc.get_threshold()
        gc.set_threshold(*_QUIET_COLLECTOR)
        try:
            for index, path in numbered:
                yield stage(assess_file(path, options), staging / str(index))
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
        return
    yield from _in_parallel(numbered, options, jobs, staging)


class WorkerLost(Exception):
    """A worker process ended in the middle of the run (killed, out of memory, a crash)."""


# Chunks a worker may have been given and not yet answered; and chunks, in all, that may be
# out (given, or answered and waiting for an earlier one) ahead of the next to hand on.
_QUEUED = 2
_AHEAD_PER_WORKER = 4
_STOP_WAIT_S = 5.0  # how long a worker may take to stop once told, before it is killed


def _in_parallel(
    numbered: list[tuple[int, Path]], options: Options, jobs: int, staging: Path
) -> Generator[Outcome, None, None]:
    """`outcomes` with worker processes, each with a pipe of its own to the parent: chunks go
    out on it and their outcomes come back on it, in order. No lock or queue is shared between
    workers, so a worker stopped at any moment (Ctrl-C, SIGTERM, a crash) can leave nothing
    held that the parent or another worker would wait on."""
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    size = chunk_size(len(numbered), jobs)
    chunks = [numbered[start : start + size] for start in range(0, len(numbered), size)]
    workers: list[tuple[Any, Any]] = []  # (process, the parent's end of its pipe)
    given: list[deque[int]] = []  # each worker's chunks not yet answered, in order
    done: dict[int, list[Outcome]] = {}  # chunks answered, until their turn comes
    following = 0  # the next chunk to hand on
    sent = 0  # the next chunk to give out
    finished = False
    try:
        # SIGTERM is held back while the workers are forked, so that none can take it before it
        # has given up the parent's handler (see _start_worker); the parent gets it right after.
        masks = hasattr(signal, "pthread_sigmask")  # POSIX
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}) if masks else set()
        try:
            for _ in range(jobs):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=_work, args=(options, staging, os.getpid(), theirs), daemon=True
                )
                process.start()
                theirs.close()
                workers.append((process, ours))
                given.append(deque())
        finally:
            if masks:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)

        def give(worker: int) -> None:
            nonlocal sent
            while (
                sent < len(chunks)
                and len(given[worker]) < _QUEUED
                and sent - following < jobs * _AHEAD_PER_WORKER
            ):
                try:
                    workers[worker][1].send(chunks[sent])
                except OSError:  # its end of the pipe is gone: so is the worker
                    raise _lost() from None
                given[worker].append(sent)
                sent += 1

        for worker in range(jobs):
            give(worker)
        while following < len(chunks):
            if following in done:
                yield from done.pop(following)
                following += 1
                for worker in range(jobs):
                    give(worker)
                continue
            busy = [worker for worker in range(jobs) if given[worker]]
            ends = [(workers[worker][1], workers[worker][0].sentinel) for worker in busy]
            ready = set(wait([end for pair in ends for end in pair]))  # an answer, or an end
            for worker in busy:
                process, pipe = workers[worker]
                if pipe not in ready and process.sentinel not in ready:
                    continue
                try:
                    answer = pipe.recv() if pipe.poll() else None
                except (EOFError, OSError):
                    answer = None
                if answer is None:  # it ended with chunks still to answer
                    raise _lost()
                done[given[worker].popleft()] = answer
                give(worker)
        finished = True
    finally:
        _stop(workers, at_once=not finished)


def _lost() -> WorkerLost:
    return WorkerLost(
        "a worker process ended unexpectedly (out of memory, or killed?); "
        "--jobs 1 runs without them and names the file that brings it down"
    )


def _work(options: Options, staging: Path, parent: int, pipe: Any) -> None:
    """A worker: chunks in, their outcomes (files staged) out, until told to stop (None) or
    the parent's end of the pipe is gone."""
    _start_worker(options, staging, parent)
    while True:
        try:
            chunk = pipe.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        pipe.send(_assess_chunk(chunk))


def _stop(workers: list[tuple[Any, Any]], *, at_once: bool) -> None:
    """Stop the workers: each idle one is told to (a worker forked later holds a copy of an
    earlier one's pipe, so closing it is not enough); `at_once` (an interrupt, an error) stops
    busy ones too, whatever they are doing, since nothing they hold is shared. One that has
    not ended in time is killed."""
    for process, pipe in workers:
        with contextlib.suppress(OSError, ValueError):
            if not at_once:
                pipe.send(None)
            pipe.close()
        if at_once and process.is_alive():
            process.terminate()
    deadline = time.monotonic() + _STOP_WAIT_S
    for process, _ in workers:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the run has seen so far: counts only, never the results themselves."""

    total: int
    done: int = 0
    refused: int = 0
    stopped: bool = False  # --fail-fast stopped the run
    recommendations: Counter[str] = field(default_factory=Counter)
    risks: Counter[str] = field(default_factory=Counter)  # assessments with each risk
    risk_titles: dict[str, str] = field(default_factory=dict)
    flows: int = 0
    polling_kept: int = 0  # calls a day of the flows that stay API-driven and poll
    brokers: Counter[str] = field(default_factory=Counter)  # assessments needing each broker
    flow_styles: Counter[str] = field(default_factory=Counter)  # flows of each style
    polling: list[tuple[int, str]] = field(default_factory=list)  # (calls, name): the top ones

    def add(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome.refused:
            self.refused += 1
            return
        self.recommendations[outcome.recommendation] += 1
        self.flows += sum(outcome.styles)
        self.flow_styles.update(dict(zip(STYLES, outcome.styles, strict=True)))
        self.polling_kept += outcome.polling_kept
        if outcome.polling_kept:
            self.polling.append((outcome.polling_kept, outcome.name))
            self.polling.sort(key=lambda item: (-item[0], item[1]))
            del self.polling[TOP_POLLING:]
        if outcome.broker_name:
            self.brokers[outcome.broker_name] += 1
        for risk_id, title in outcome.risks:
            self.risks[risk_id] += 1
            self.risk_titles.setdefault(risk_id, title)


def run(
    inputs: Sequence[Path],
    out: Path,
    options: Options,
    *,
    jobs: int,
    fail_fast: bool = False,
    progress: Callable[[Tally], None] | None = None,
    refusal: Callable[[Outcome], None] | None = None,
) -> Tally:
    """Assess `inputs` into `out` (see the module's docstring), telling `progress` of each
    outcome and `refusal` of each refused input, in input order. OSError when `out` cannot be
    written; KeyboardInterrupt stops the workers and leaves no half-written file."""
    out.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    if options.rules_digest is None:
        from advisor.loader import rules_digest

        options = replace(options, rules_digest=rules_digest(options.ruleset))
    tally = Tally(total=len(inputs))
    slugs = Slugs()
    staging = Path(tempfile.mkdtemp(dir=out, prefix=f".batch-{os.getpid()}-", suffix=".tmp"))
    stream = outcomes(inputs, options, jobs, staging)
    try:
        with atomic_writer(out / SUMMARY) as raw, atomic_writer(out / FLOWS) as raw_flows:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            flows = io.TextIOWrapper(raw_flows, encoding="utf-8", newline="")
            text.write(csv_row(COLUMNS))
            flows.write(csv_row(FLOW_COLUMNS))
            for outcome in stream:
                folder = "" if outcome.refused else slugs.claim(outcome.name, outcome.file)
                if outcome.staged:
                    publish(Path(outcome.staged), out / folder)
                text.write(csv_row(outcome.row(folder)))
                flows.writelines(csv_row(row) for row in outcome.flow_rows())
                tally.add(outcome)
                if outcome.refused and refusal is not None:
                    refusal(outcome)
                if progress is not None:
                    progress(tally)
                if outcome.refused and fail_fast:
                    tally.stopped = tally.done < tally.total
                    break
            for stream_text in (text, flows):
                stream_text.flush()
                stream_text.detach()
    finally:
        stream.close()  # stops the workers first: nothing writes into the staging area after
        shutil.rmtree(staging, ignore_errors=True)
    write_index(out, tally, options)
    return tally


# What earlier runs left: `.batch-<pid>-*.tmp` staging folders and the summaries' and overview's
# temporary files (`.summary.csv.<pid>.*.tmp`; without a pid, from an older version).
_WRITTEN = "|".join(re.escape(name) for name in (SUMMARY, FLOWS, INDEX))
_STALE = re.compile(
    rf"\.(?:batch-(?P<staging>\d+)-.*|(?:{_WRITTEN})\."
    r"(?:(?P<writer>\d+)\.)?[^.]*)\.tmp"
)


def remove_stale(out: Path) -> list[str]:
    """Remove what runs that were killed outright left in `out`: only files and folders of the
    forms this module makes, only the current user's, and only when the process that made
    them is gone (a run going on at the same time keeps its own). The names removed."""
    removed: list[str] = []
    try:
        names = sorted(os.listdir(out))
    except OSError:
        return removed
    for name in names:
        match = _STALE.fullmatch(name)
        if match is None:
            continue
        pid = match.group("staging") or match.group("writer")
        if pid is not None and _running(int(pid)):
            continue
        path = out / name
        try:
            status = path.lstat()
        except OSError:
            continue
        if status.st_uid != os.geteuid():
            continue
        if stat.S_ISDIR(status.st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(name)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # no signal sent: only asks whether the process is there
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # there, and another user's
    except (OverflowError, ValueError):
        return False  # no process can have that number
    return True


# ---------------------------------------------------------------------------------------------
# The overview
# ---------------------------------------------------------------------------------------------

TOP_RISKS = 10
TOP_CHART_RISKS = 8
TOP_POLLING = 10
STYLE_COLOURS = {"api": "#1f5fbf", "event": "#b3541e", "hybrid": "#6b3fa0"}
NO_BROKER_NAME = "No broker"


@dataclass(frozen=True)
class IndexRow:
    """One assessment in the overview, every value ready to show."""

    file: str
    error: str = ""  # a refused input has this, and nothing below
    name: str = ""
    href: str = ""  # its report, relative to the overview
    links: tuple[tuple[str, str], ...] = ()  # (label, href) of every file written for it
    style: str = ""  # api, event or hybrid (the CSS class)
    recommendation: str = ""  # as people say it: API-driven, Event-driven, Hybrid
    confidence: str = ""  # firmness: 94%
    api_score: str = ""
    event_score: str = ""
    flows_api: str = ""
    flows_event: str = ""
    flows_hybrid: str = ""
    broker: str = ""


@dataclass(frozen=True)
class IndexContext:
    """Everything `templates/batch-index.html` shows. The rows come one by one, read back from
    the summary, so the overview of any number of assessments takes little memory."""

    title: str
    lead: str
    date: str  # the run's date: the decision records'
    rules_digest: str
    counts: tuple[tuple[str, str, int], ...]  # (label, style, count), refused last
    totals: tuple[tuple[str, str], ...]  # (label, value): flows, polling, brokers
    risks: tuple[tuple[str, int], ...]  # (title, assessments), most frequent first
    rows: Iterator[IndexRow]
    contents: str  # what each folder holds
    firmness: str  # what the firmness column means
    charts: tuple[Any, ...] = ()  # charts.Chart, each with its SVG as markupsafe.Markup


def write_index(out: Path, tally: Tally, options: Options) -> None:
    """`index.html` from the summary just written, read back row by row."""
    with (out / SUMMARY).open(encoding="utf-8", newline="") as summary:
        context = index_context(tally, options, csv.DictReader(summary))
        chunks = _index_template().generate(c=context)
        with atomic_writer(out / INDEX) as stream:
            for chunk in chunks:
                stream.write(chunk.encode("utf-8"))


def index_context(
    tally: Tally, options: Options, summary: Iterable[dict[str, str]]
) -> IndexContext:
    from advisor.wording import STYLE_NAMES, confidence_meaning, format_number, plural

    assessed = tally.done - tally.refused
    lead = f"{assessed:,} of {tally.total:,} assessment files assessed"
    lead += f", {tally.refused:,} refused." if tally.refused else "."
    if tally.stopped:
        lead += (
            " The run stopped at the first refused file; "
            f"{tally.total - tally.done:,} files were not read."
        )
    ranked = sorted(tally.risks.items(), key=lambda item: (-item[1], item[0]))[:TOP_RISKS]
    link = next(FORMATS[name].filename for name in LINK_ORDER if name in options.formats)
    written = [name for name in LINK_ORDER if name in options.formats]
    brokers = {broker.id: broker.name for broker in options.ruleset.brokers}
    settings = options.ruleset.settings

    def row(cells: dict[str, str]) -> IndexRow:
        file = from_csv_text(cells["file"])  # the apostrophe is for spreadsheets only
        if cells["error"]:
            return IndexRow(file=file, error=from_csv_text(cells["error"]))
        folder = cells["folder"]
        return IndexRow(
            file=file,
            name=from_csv_text(cells["name"]),
            href=f"{folder}/{link}",
            links=tuple(
                (LINK_NAMES[name], f"{folder}/{FORMATS[name].filename}") for name in written
            ),
            style=cells["recommendation"],
            recommendation=STYLE_NAMES[cells["recommendation"]],
            confidence=cells["confidence"],
            api_score=cells["api_score"],
            event_score=cells["event_score"],
            flows_api=cells["flows_api"],
            flows_event=cells["flows_event"],
            flows_hybrid=cells["flows_hybrid"],
            broker=brokers.get(cells["broker"], cells["broker"]),
        )

    needed = sum(tally.brokers.values())
    kinds = ", ".join(f"{name} {count:,}" for name, count in sorted(tally.brokers.items()))
    return IndexContext(
        title=f"Portfolio overview: {assessed:,} integrations assessed",
        lead=lead,
        date=options.date.isoformat(),
        rules_digest=options.rules_digest or "not from files",
        counts=(
            *((STYLE_NAMES[style], style, tally.recommendations[style]) for style in STYLES),
            ("Refused", "refused", tally.refused),
        ),
        totals=(
            ("Flows", format_number(tally.flows)),
            ("Polling calls a day", f"{format_number(tally.polling_kept)} (API-driven flows)"),
            (
                "Brokers needed",
                f"{plural(needed, 'assessment')}{f' ({kinds})' if kinds else ''}",
            ),
        ),
        risks=tuple((tally.risk_titles[risk_id], count) for risk_id, count in ranked),
        rows=(row(cells) for cells in summary),
        contents=", ".join(FORMATS[name].filename for name in options.formats),
        firmness=confidence_meaning(settings.style_margin + settings.confidence_span),
        charts=_charts(tally, ranked[:TOP_CHART_RISKS]),
    )


def _charts(tally: Tally, risks: Sequence[tuple[str, int]]) -> tuple[Any, ...]:
    """The overview's four bar charts, their SVG marked safe (charts.py escaped every label)."""
    from markupsafe import Markup

    from advisor.charts import Bar, bar_chart
    from advisor.wording import STYLE_NAMES, format_number

    assessed = tally.done - tally.refused
    brokers = sorted(tally.brokers.items(), key=lambda item: (-item[1], item[0]))
    brokers.append((NO_BROKER_NAME, assessed - sum(tally.brokers.values())))
    charts = (
        bar_chart(
            "Flows per recommended style",
            "Flows",
            [
                Bar(
                    STYLE_NAMES[style],
                    tally.flow_styles[style],
                    format_number(tally.flow_styles[style]),
                    STYLE_COLOURS[style],
                )
                for style in STYLES
            ],
        ),
        bar_chart(
            "Brokers chosen",
            "Assessments",
            [Bar(name, count, format_number(count)) for name, count in brokers],
        ),
        bar_chart(
            f"The {TOP_CHART_RISKS} most frequent risks",
            "Assessments",
            [
                Bar(tally.risk_titles[risk_id], count, format_number(count))
                for risk_id, count in risks
            ],
            "No assessment has a risk to mitigate.",
        ),
        bar_chart(
            f"Polling calls a day, the {TOP_POLLING} largest integrations",
            "Calls a day",
            [Bar(name, calls, format_number(calls)) for calls, name in tally.polling],
            "No flow that stays API-driven polls.",
        ),
    )
    return tuple(replace(chart, svg=Markup(chart.svg)) for chart in charts)


def _index_template() -> Any:
    from advisor.report import environment  # the reports' own: autoescaped, the same filters

    return environment().get_template("batch-index.html")


# ---------------------------------------------------------------------------------------------
# Progress on a terminal, and the last word
# ---------------------------------------------------------------------------------------------


class Progress:
    """A one-line progress display on a terminal, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.perf_counter()
        self._drawn = 0.0
        self._width = 0

    def __call__(self, tally: Tally) -> None:
        now = time.perf_counter()
        if now - self._drawn < 0.1 and tally.done < tally.total:
            return
        self._drawn = now
        rate = tally.done / max(now - self._started, 1e-9)
        share = tally.done / tally.total if tally.total else 1.0
        bar = "#" * int(share * 20)
        line = f"[{bar:<20}] {tally.done:,}/{tally.total:,} files  {rate:,.0f}/s" + (
            f"  {tally.refused:,} refused" if tally.refused else ""
        )
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._width = len(line)

    def clear(self) -> None:
        if self._width:
            self._stream.write("\r\x1b[K")  # back to the start, and erase the line (and any ^C)
            self._stream.flush()
            self._width = 0


def summary_line(tally: Tally, out: Path, seconds: float) -> str:
    """The one line that ends every run."""
    from advisor.wording import STYLE_NAMES

    assessed = tally.done - tally.refused
    styles = ", ".join(
        f"{STYLE_NAMES[style]} {tally.recommendations[style]:,}"
        for style in STYLES
        if tally.recommendations[style]
    )
    text = f"{assessed:,} of {tally.total:,} files assessed"
    if styles:
        text += f" ({styles})"
    if tally.refused:
        text += f", {tally.refused:,} refused (see the error column of {out / SUMMARY})"
    if tally.stopped:
        text += f"; stopped at the first refusal, {tally.total - tally.done:,} not read"
    return f"{text}; overview in {out / INDEX} ({seconds:.1f} s)"
