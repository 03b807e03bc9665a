"""The `advisor` command line: argument parsing and orchestration only; the work is elsewhere.

Exit codes: 0 done; 1 an input was refused; 2 the command was used wrongly.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import datetime
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from advisor import __version__
from advisor.errors import InputError, Problem

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from advisor.models import Assessment, Result
    from advisor.ruleset import Ruleset

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
MAX_TIMEOUT = 86_400.0  # a day: the renderer's timeout, in seconds

_EPILOG = """\
examples:
  advisor assess examples/gifting-orders.yaml
  advisor assess examples/gifting-orders.yaml --format json -o result.json
  advisor diagram examples/gifting-orders.yaml -o blueprint.svg
  advisor batch examples/ --out reports/
  advisor rules check my-rules.yaml
  advisor schema -o assessment.schema.json

exit codes: 0 done, 1 an input was refused, 2 the command was used wrongly.
"""


class UsageError(Exception):
    """The command itself is wrong: a missing or conflicting option, an unwritable output."""


class OutputError(Exception):
    """Standard output cannot take the result: it is closed, or its device is full."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (from `timeout`, systemd, a cancelled CI job): stopped as Ctrl-C stops a run,
    cleaning up on the way out."""


def main(argv: Sequence[str] | None = None) -> int:
    if sys.stderr is None:  # started with standard error closed: errors go nowhere, not to stdout
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed usage or help
        return int(exit_.code or 0)
    except (OSError, AttributeError) as error:  # the help had nowhere to go (stdout closed)
        reason = error.strerror if isinstance(error, OSError) else "it is closed"
        print(f"advisor: error: cannot write to standard output: {reason}", file=sys.stderr)
        _silence_stdout()
        return EXIT_REFUSED
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with _terminated_as_interrupted():
            return handler(args)
    except InputError as error:
        report_problems(error.problems)
        return EXIT_REFUSED
    except UsageError as error:
        print(f"advisor: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as error:
        print(f"advisor: error: {error}", file=sys.stderr)
        _silence_stdout()  # what is still buffered would fail again at exit
        return EXIT_REFUSED
    except Terminated:
        print("advisor: stopped by SIGTERM", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("advisor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`advisor rules list | head -1`): stop quietly
        _silence_stdout()
        return EXIT_OK


@contextlib.contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    """While a command runs, SIGTERM raises Terminated, so that it cleans up as for Ctrl-C (no
    temporary file left behind). A second SIGTERM during the clean-up is ignored; SIGKILL is
    what is left for a clean-up that hangs."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread can take signals
        return

    def terminate(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what is
    left in its buffer neither fails nor prints a traceback."""
    try:
        target = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, target)
    os.close(devnull)


def report_problems(problems: Sequence[Problem], stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    for problem in problems:
        print(f"error: {problem}", file=out)


class _Parser(argparse.ArgumentParser):
    """argparse, except that help or usage that cannot be written (`--help > /dev/full`) is an
    error rather than silence."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            target = file or sys.stderr
            target.write(message)
            flush = getattr(target, "flush", None)
            if flush is not None:
                flush()


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="advisor",
        description=(
            "Integration Advisor: decide, flow by flow, between API-driven, event-driven and "
            "hybrid integration, with every point traced to a rule."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    assess = _command(
        commands,
        "assess",
        "Score an assessment and recommend a style per flow and for the whole integration.",
        """\
examples:
  advisor assess examples/gifting-orders.yaml
  advisor assess examples/gifting-orders.yaml --format json -o gifting.json
  advisor assess examples/gifting-orders.yaml -o gifting.html
  advisor assess examples/gifting-orders.yaml -o docs/adr/0007-integration.md --date 2026-01-15
  advisor assess mine.yaml --rules our-rules.yaml

The text format is the default on a terminal; JSON otherwise. With -o, the format follows the
file's suffix (.json, .txt, .html, .md) unless --format is given. html is a self-contained
report with the blueprint; md is an architecture decision record (MADR), dated --date.
""",
    )
    assess.add_argument("file", type=Path, metavar="FILE", help="the assessment (YAML)")
    assess.add_argument(
        "--format",
        choices=("json", "text", "html", "md"),
        help="output format (default: text on a terminal)",
    )
    assess.add_argument(
        "--date",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the decision record's date (md only; default: today)",
    )
    _add_output(assess)
    _add_rules(assess)
    _add_what_if(assess)
    assess.set_defaults(handler=_assess)

    schema = _command(
        commands,
        "schema",
        "Print the JSON Schema of the assessment format (draft-07, for editors).",
        """\
examples:
  advisor schema -o assessment.schema.json

Then start an assessment with:
  # yaml-language-server: $schema=assessment.schema.json
""",
    )
    _add_output(schema)
    schema.set_defaults(handler=_schema)

    diagram = _command(
        commands,
        "diagram",
        "Draw the integration blueprint: systems, flows by style, the broker and mitigations.",
        """\
examples:
  advisor diagram examples/gifting-orders.yaml -o blueprint.svg
  advisor diagram examples/gifting-orders.yaml -o blueprint.png
  advisor diagram examples/gifting-orders.yaml --format dot > blueprint.dot
  advisor diagram mine.yaml -o mine.svg --renderer dot     # a system Graphviz instead
  advisor diagram examples/gifting-orders.yaml --view events -o events.svg
  advisor diagram examples/gifting-orders.yaml --flow order-confirmed -o order-confirmed.svg

--view picks what is drawn: the overview of every flow (the default), the event flows alone
(events) or the API calls and hybrid call-backs alone (api); --flow ID draws one flow in full,
with the other flows of its systems greyed.

With -o, the format follows the file's suffix (.svg, .png, .dot) unless --format is given;
without -o, SVG (or --format dot) goes to stdout, and PNG only when stdout is not a terminal.

SVG and PNG are rendered by the graphviz-pure program that `pip install` puts beside Python
(no system Graphviz needed). --renderer, or the ADVISOR_RENDERER environment variable, picks
another program: a path, or a name on PATH such as `dot`.

exit codes: 0 done; 1 the assessment or rules were refused, or the renderer is missing, failed
or timed out (the message names it); 2 the command was used wrongly.
""",
    )
    diagram.add_argument("file", type=Path, metavar="FILE", help="the assessment (YAML)")
    diagram.add_argument(
        "--format",
        choices=("dot", "svg", "png"),
        help="output format (default: the suffix of -o, else svg)",
    )
    _add_output(diagram)
    _add_rules(diagram)
    diagram.add_argument(
        "--renderer",
        metavar="PATH|dot",
        help="the Graphviz program that draws SVG and PNG (default: $ADVISOR_RENDERER, "
        "else graphviz-pure)",
    )
    diagram.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="stop the renderer after this long (default: 30)",
    )
    focus = diagram.add_mutually_exclusive_group()
    focus.add_argument(
        "--view",
        choices=("overview", "events", "api"),
        default="overview",
        help="what to draw: every flow summarised (default), the events, or the API calls",
    )
    focus.add_argument(
        "--flow", metavar="ID", help="draw this flow in full, with its neighbours greyed"
    )
    diagram.set_defaults(handler=_diagram)

    rules = _command(commands, "rules", "Check or list rules.", None)
    rule_commands = rules.add_subparsers(title="commands", metavar="COMMAND", required=True)
    check = _command(
        rule_commands,
        "check",
        "Validate rules files: each on its own, then together with the defaults.",
        """\
examples:
  advisor rules check                       # the default rules
  advisor rules check our-rules.yaml        # ours, on top of the defaults
  advisor rules check --no-default-rules rules-dir/
""",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    check.add_argument(
        "--no-default-rules", action="store_true", help="check the given rules on their own"
    )
    check.set_defaults(handler=_rules_check)
    listing = _command(
        rule_commands,
        "list",
        "List the scoring rules in force, with their points.",
        "examples:\n  advisor rules list --rules our-rules.yaml\n",
    )
    _add_rules(listing)
    listing.set_defaults(handler=_rules_list)
    _add_batch(commands)
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    epilog: str | None,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", type=Path, metavar="PATH", help="write to PATH instead of stdout"
    )


def _add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="rules file or folder laid on top of the defaults (repeatable)",
    )
    parser.add_argument(
        "--no-default-rules",
        action="store_true",
        help="use only the --rules given, not the defaults",
    )


def _add_what_if(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-what-if",
        dest="what_if",
        action="store_false",
        help="skip the 'what would change the answer' analysis (much faster on large "
        "portfolios; the JSON then has what_would_change: null)",
    )


def _load_rules(args: argparse.Namespace) -> Ruleset:
    from advisor.loader import load_rules

    if args.no_default_rules and not args.rules:
        raise UsageError("--no-default-rules needs at least one --rules PATH")
    return load_rules(args.rules, defaults=not args.no_default_rules)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def _assess(args: argparse.Namespace) -> int:
    from advisor.advice import assess
    from advisor.loader import load_assessment
    from advisor.report import to_json, to_text

    fmt = args.format or _format_for(args.output)
    _refuse_overwriting(args.file, args.output)
    ruleset = _load_rules(args)
    assessment = load_assessment(args.file)
    result = assess(assessment, ruleset, what_if=args.what_if)
    if fmt == "html":
        text = _html_report(assessment, result, ruleset)
    elif fmt == "md":
        text = _markdown_report(assessment, result, ruleset, args.date)
    else:
        text = to_json(result) if fmt == "json" else to_text(assessment, result)
    _emit(text, args.output, kind=_TEXT_KINDS[fmt])
    return EXIT_OK


# How characters that standard output's encoding lacks are written in each format, so that the
# output stays valid and means the same: JSON escapes (\u00e9), HTML and Markdown character
# references (&#233;), and backslash escapes (\xe9) in plain text.
_TEXT_KINDS = {"json": "json", "html": "markup", "md": "markup", "text": "text", "dot": "markup"}


def _refuse_overwriting(file: Path, output: Path | None) -> None:
    """`-o` naming the assessment itself would replace the user's YAML with the result."""
    try:
        same = output is not None and os.path.samefile(file, output)
    except OSError:  # one of them does not exist (yet): they are not the same file
        same = False
    if same:
        raise UsageError(f"-o {output} is the assessment itself; write the result to another file")


def _format_for(output: Path | None) -> str:
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "json")
    return "text" if _on_terminal() else "json"


def _on_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        return False


_SUFFIX_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
}


def _iso_date(text: str) -> datetime.date:
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-15"
        ) from None


def _markdown_report(
    assessment: Assessment, result: Result, ruleset: Ruleset, date: datetime.date | None
) -> str:
    from advisor.report import to_markdown

    return to_markdown(assessment, result, ruleset, date=date or datetime.date.today())


def _html_report(assessment: Assessment, result: Result, ruleset: Ruleset) -> str:
    from advisor.report import to_html

    return to_html(
        assessment, result, ruleset, diagram_svg=_diagram_svg(assessment, result, ruleset)
    )


def _diagram_svg(assessment: Assessment, result: Result, ruleset: Ruleset) -> str | None:
    """The blueprint as SVG for the HTML report; None, with a warning, if it cannot be drawn."""
    from advisor.blueprint import blueprint_dot
    from advisor.render import RenderError, render

    try:
        return render(blueprint_dot(assessment, result, ruleset), "svg").decode("utf-8")
    except RenderError as error:
        print(f"advisor: warning: the report has no blueprint: {error}", file=sys.stderr)
        return None


def _schema(args: argparse.Namespace) -> int:
    from advisor.schema import assessment_schema_json

    _emit(assessment_schema_json(), args.output, kind="json")
    return EXIT_OK


_DIAGRAM_SUFFIXES = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


def _diagram(args: argparse.Namespace) -> int:
    from advisor.advice import assess
    from advisor.blueprint import UnknownFlowError, blueprint_dot
    from advisor.loader import load_assessment
    from advisor.render import RenderError, render

    fmt: str = args.format or _diagram_format(args.output)
    _refuse_overwriting(args.file, args.output)
    if fmt == "png" and args.output is None and _on_terminal():
        raise UsageError("a PNG is not for a terminal: write it to a file with -o PATH.png")
    if not 0 < args.timeout <= MAX_TIMEOUT:  # also refuses nan
        raise UsageError(f"--timeout takes a number of seconds above 0, up to {MAX_TIMEOUT:g}")
    ruleset = _load_rules(args)
    assessment = load_assessment(args.file)
    try:
        dot = blueprint_dot(
            assessment, assess(assessment, ruleset), ruleset, view=args.view, flow=args.flow
        )
    except UnknownFlowError as error:
        raise UsageError(f"--flow: {error}") from None
    if fmt == "dot":
        _emit(dot, args.output, kind="markup")
        return EXIT_OK
    try:
        data = render(
            dot, "png" if fmt == "png" else "svg", renderer=args.renderer, timeout=args.timeout
        )
    except RenderError as error:
        print(f"advisor: error: cannot draw the {fmt.upper()}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    _emit_bytes(data, args.output)
    return EXIT_OK


def _diagram_format(output: Path | None) -> str:
    if output is None:
        return "svg"
    fmt = _DIAGRAM_SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"cannot tell the format of {output}: name it .svg, .png or .dot, or give --format"
        )
    return fmt


def _emit_bytes(data: bytes, output: Path | None) -> None:
    """Write bytes to stdout, or to a file (see `write_output`: atomically, never over a device
    or a FIFO)."""
    if output is None:
        _to_stdout(data)
        return
    from advisor.files import write_output

    try:
        write_output(output, data)
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None


def _to_stdout(data: bytes) -> None:
    """Bytes to standard output; OutputError when it is closed or cannot take them (a full
    device). BrokenPipeError, the reader gone, is left to `main`."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed; write the result to a file with -o PATH")
    try:
        stream.flush()
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text-only stream: as text, in its own encoding
            stream.write(data.decode(_encoding(stream), "replace"))
            stream.flush()
        else:
            binary.write(data)
            binary.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:  # ValueError: a stream closed under us
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise OutputError(f"cannot write to standard output: {reason}") from None


def _encoding(stream: TextIO) -> str:
    name = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def _say(line: str) -> None:
    """One line of plain text to standard output."""
    _emit(line + "\n", None, kind="text")


def _rules_check(args: argparse.Namespace) -> int:
    from advisor.loader import load_rules

    if args.no_default_rules and not args.paths:
        raise UsageError("--no-default-rules needs at least one PATH")
    missing = [path for path in args.paths if not path.exists()]
    if missing:
        raise InputError([Problem(str(path), "no such file or folder") for path in missing])
    ruleset = load_rules(args.paths, defaults=not args.no_default_rules)
    _say(
        f"ok: {len(ruleset.rules)} scoring rules, {len(ruleset.hybrid)} hybrid rules, "
        f"{len(ruleset.broker_selection)} broker choices, {len(ruleset.risks)} risks "
        f"from {len(ruleset.sources)} files"
    )
    return EXIT_OK


def _rules_list(args: argparse.Namespace) -> int:
    ruleset = _load_rules(args)
    width = max((len(rule.id) for rule in ruleset.rules), default=0)
    for rule in ruleset.rules:
        side = "events" if rule.favours == "event" else "API"
        _say(f"{rule.id:<{width}}  {rule.criterion:<15} {side:<6} {rule.points:>5g}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# advisor batch
# ---------------------------------------------------------------------------------------------


def _add_batch(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = _command(
        commands,
        "batch",
        "Assess every YAML file under the given paths: a report folder each, one summary.",
        """\
examples:
  advisor batch portfolio/ --out reports/
  advisor batch portfolio/ team-b/*.yaml --out reports/ --format json,svg --jobs 4
  advisor batch portfolio/ --out reports/ --fail-fast --rules our-rules.yaml

Folders are searched recursively for *.yaml and *.yml (hidden ones skipped); inputs are taken in
sorted path order. DIR gets summary.csv (one row per input), index.html (an overview) and one
folder per good assessment, named from its name. A refused input gets its row and nothing else.
exit codes: 0 all assessed, 1 an input (or the rules) refused, 2 the command was used wrongly.
""",
    )
    batch.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    batch.add_argument(
        "--out", "-o", type=Path, required=True, metavar="DIR", help="where to write (created)"
    )
    batch.add_argument(
        "--format",
        metavar="LIST",
        help="comma-separated formats to write (default: json,md,html,svg; also: png)",
    )
    batch.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes (default: one per core)",
    )
    batch.add_argument(
        "--date", type=_iso_date, help="the decision records' date (md; default: today)"
    )
    _add_rules(batch)
    _add_what_if(batch)
    batch.add_argument("--fail-fast", action="store_true", help="stop at the first refused input")
    batch.set_defaults(handler=_batch)


def _batch(args: argparse.Namespace) -> int:
    import time

    from advisor import batch

    try:
        formats = (
            batch.parse_formats(args.format) if args.format is not None else batch.default_formats()
        )
        inputs = batch.discover(args.paths)
    except (ValueError, FileNotFoundError) as error:
        raise UsageError(str(error)) from None
    jobs = args.jobs if args.jobs is not None else _cores()
    if jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {jobs}")
    if not inputs:
        raise UsageError(f"no *.yaml or *.yml files in {', '.join(map(str, args.paths))}")
    ruleset = _load_rules(args)
    options = batch.Options(
        ruleset=ruleset,
        formats=formats,
        date=args.date or datetime.date.today(),
        diagrams=_can_draw(formats),
        what_if=args.what_if,
    )
    started = time.perf_counter()
    progress = batch.Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        tally = batch.run(
            inputs,
            args.out,
            options,
            jobs=jobs,
            fail_fast=args.fail_fast,
            progress=progress,
        )
    except batch.WorkerLost as error:
        print(f"advisor: error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as error:
        where = error.filename or args.out
        raise UsageError(f"cannot write {where}: {error.strerror or error}") from None
    finally:
        if progress is not None:
            progress.clear()
    seconds = time.perf_counter() - started
    print(f"advisor: {batch.summary_line(tally, args.out, seconds)}", file=sys.stderr)
    return EXIT_REFUSED if tally.refused else EXIT_OK


def _can_draw(formats: Sequence[str]) -> bool:
    """Whether blueprints can be drawn: a usage error without a renderer when svg or png is
    asked for; the HTML reports do without (with a warning)."""
    from advisor.batch import DIAGRAMS

    if not DIAGRAMS.intersection(formats):
        return False
    from advisor.render import RenderError, find_renderer

    try:
        find_renderer()
    except RenderError as error:
        if {"svg", "png"}.intersection(formats):
            raise UsageError(f"cannot draw the blueprints: {error}") from None
        print(f"advisor: warning: the reports have no blueprint: {error}", file=sys.stderr)
        return False
    return True


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _emit(text: str, output: Path | None, *, kind: str = "text") -> None:
    """Write text to stdout, in its encoding (characters it lacks escaped as `kind` says: see
    _TEXT_KINDS), or as UTF-8 to a file."""
    if output is not None:
        _emit_bytes(text.encode("utf-8"), output)
        return
    if sys.stdout is None:
        raise OutputError("standard output is closed; write the result to a file with -o PATH")
    _to_stdout(text.encode(_encoding(sys.stdout), _ERRORS[kind]))


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    """An encoding error handler for JSON: \\u escapes (surrogate pairs beyond U+FFFF)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


codecs.register_error("advisor-json", _json_escapes)
_ERRORS = {"json": "advisor-json", "markup": "xmlcharrefreplace", "text": "backslashreplace"}


def run() -> None:  # pragma: no cover - the console script's entry point
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as error:  # `advisor --help > /dev/full`: argparse wrote into the buffer
        print(f"advisor: error: cannot write to standard output: {error.strerror}", file=sys.stderr)
        _silence_stdout()
        code = code or EXIT_REFUSED
    raise SystemExit(code)
