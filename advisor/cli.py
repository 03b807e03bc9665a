"""The `advisor` command line: argument parsing and orchestration only; the work is elsewhere.

Exit codes: 0 done; 1 an input was refused, missing or unreadable, a program it needs (the
renderer) failed, or the output's device is full; 2 the command was used wrongly.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import datetime
import errno
import gc
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from advisor import __version__, formats
from advisor.errors import InputError, Problem, did_you_mean

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from advisor.batch import Outcome, Progress
    from advisor.models import Assessment, Result
    from advisor.ruleset import Ruleset

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
# A decision record's statuses, as advisor.models.STATUSES (not imported: --help stays quick)
STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
MAX_TIMEOUT = 86_400.0  # a day: the renderer's timeout, in seconds

_EPILOG = """\
examples:
  advisor assess examples/gifting-orders.yaml
  advisor assess examples/gifting-orders.yaml --format json -o result.json
  advisor diagram examples/gifting-orders.yaml -o blueprint.svg
  advisor batch examples/ -o reports/
  advisor rules check our-rules.yaml
  advisor schema -o assessment.schema.json
  advisor diff examples/retail-stock-levels.yaml examples/fleet-telematics.yaml
  advisor contracts examples/gifting-orders.yaml -o contracts/
  advisor backlog examples/gifting-orders.yaml -o risks.csv
  advisor completion bash > advisor.bash    # then: source advisor.bash

A FILE of - reads standard input, and -o - writes standard output.

exit codes: 0 done; 1 an input was refused, missing or unreadable, the renderer failed, or the
output's device is full; 2 the command was used wrongly.

documentation: README.md, also at https://pypi.org/project/integration-advisor/
"""


class UsageError(Exception):
    """The command itself is wrong: a missing or conflicting option, an unwritable output."""


class OutputError(Exception):
    """Standard output cannot take the result: it is closed, or its device is full."""


class WriteError(Exception):
    """A file could not be written for want of room or of a working device (a full disk): not
    a wrong command, so it ends as a full standard output does (exit 1)."""


# The failures of a write that are the device's, not the path's: a wrong path is wrong usage.
_DEVICE_FAILURES = frozenset(
    code
    for code in (getattr(errno, name, None) for name in ("ENOSPC", "EDQUOT", "EIO", "EFBIG"))
    if code is not None
)


def _write_failed(where: object, error: OSError) -> Exception:
    """The error for a file that could not be written: WriteError (exit 1) when the device
    failed, UsageError (exit 2) when the path cannot be written."""
    message = f"cannot write {where}: {error.strerror or error}"
    return WriteError(message) if error.errno in _DEVICE_FAILURES else UsageError(message)


class ToolError(Exception):
    """A program the command needs (the renderer) is missing or failed."""


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
    except (ToolError, WriteError) as error:
        print(f"advisor: error: {error}", file=sys.stderr)
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
    """argparse, except that: help or usage that cannot be written (`--help > /dev/full`) is an
    error rather than silence; no option is taken from a prefix of its name (`--out` for
    `--output`); and a mistyped option or command is refused by the command it was given to,
    with that command's usage and the closest name ("did you mean")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """As argparse, except that what this command does not know is refused here, not by
        the command above it (whose usage would not help)."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}{self._option_hint(extras)}")
        return parsed, extras

    def _option_hint(self, extras: Sequence[str]) -> str:
        known = [name for action in self._actions for name in action.option_strings]
        for extra in extras:
            if extra.startswith("-") and extra != "-":
                hint = did_you_mean(extra.partition("=")[0], known)
                if hint:
                    return hint
        return ""

    def error(self, message: str) -> NoReturn:
        """This command's usage, then the message, with a hint for a mistyped choice."""
        choice = _INVALID_CHOICE.search(message)
        if choice is not None:
            choices = [name.strip("'\" ") for name in choice.group(2).split(",")]
            message += did_you_mean(choice.group(1), choices)
        super().error(message)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            target = file or sys.stderr
            target.write(message)
            flush = getattr(target, "flush", None)
            if flush is not None:
                flush()


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from ([^)]*)\)")


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

The text format is the default, wherever the output goes. With -o, the format follows the
file's suffix (.json, .txt, .html, .md) unless --format is given; a suffix that belongs to
another format is refused, and missing folders are created. html is a self-contained report
with the blueprint; md is an architecture decision record (MADR), dated --date.
""",
    )
    _add_file(assess)
    assess.add_argument(
        "--format",
        choices=formats.ASSESS,
        metavar="FORMAT",
        help=f"{_listed(formats.ASSESS)} (default: the suffix of -o, else text)",
    )
    assess.add_argument(
        "--date",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the decision's date: md and html (default: today); json writes it only when given",
    )
    assess.add_argument(
        "--status",
        choices=STATUSES,
        help="the decision record's status (md and html; default: the assessment's `status`, "
        "else proposed)",
    )
    assess.add_argument(
        "--supersedes",
        type=_reference,
        metavar="ADR",
        help="the decision record this one replaces, e.g. ADR-0007 (md and html; default: the "
        "assessment's `supersedes`)",
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
  advisor schema --result -o result.schema.json     # the JSON result's schema

Then start an assessment with:
  # yaml-language-server: $schema=assessment.schema.json
""",
    )
    _add_output(schema)
    schema.add_argument(
        "--result",
        action="store_true",
        help="the schema of the JSON result (`advisor assess --format json`) instead",
    )
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

With -o, the format follows the file's suffix (.svg, .png, .dot or .gv) unless --format is
given; a suffix that belongs to another format is refused, and missing folders are created.
Without -o (or with -o -), SVG (or --format dot) goes to stdout, and PNG only when stdout is
not a terminal.

SVG and PNG are rendered by the graphviz-pure program that `pip install` puts beside Python
(no system Graphviz needed). --renderer, or the ADVISOR_RENDERER environment variable, picks
another program: a path, or a name on PATH such as `dot`.

exit codes: 0 done; 1 the assessment or rules were refused, or the renderer is missing, failed
or timed out (the message names it); 2 the command was used wrongly.
""",
    )
    _add_file(diagram)
    diagram.add_argument(
        "--format",
        choices=formats.DIAGRAM,
        metavar="FORMAT",
        help=f"{_listed(formats.DIAGRAM)} (default: the suffix of -o, else svg)",
    )
    _add_output(diagram)
    _add_rules(diagram)
    _add_renderer(diagram)
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
  advisor rules check --rules our-rules.yaml   # the same, as the other commands say it
  advisor rules check --no-default-rules rules-dir/

It warns (on standard error; the exit code stays 0) about a broker choice of yours that can
never be chosen, because an earlier choice holds wherever it does.

A risk may say which mitigation the blueprint draws on its flows: `blueprint:` one of
idempotent-consumer, outbox, retries or dead-letter; any other value is refused.
""",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="rules files or folders to check"
    ).complete = _FILES  # type: ignore[attr-defined]
    _add_rules(check)
    _add_quiet(check, "the ok line")
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
    diff = _command(
        commands,
        "diff",
        "Compare two versions of an assessment: the answers, the advice and why it changed.",
        """\
examples:
  advisor diff examples/retail-stock-levels.yaml examples/fleet-telematics.yaml
  advisor diff examples/retail-stock-levels.yaml examples/fleet-telematics.yaml --format md
  advisor diff examples/gifting-orders.yaml examples/clinic-documents.yaml -o changes.json

Lists the answers that changed, the recommendation, broker, flows and risks that changed with
them, and for each flow the rules that started or stopped holding. Exit code 0 whether or not
the versions differ (the JSON's "differs" says which).
""",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the earlier version (YAML)")
    diff.add_argument("new", type=Path, metavar="NEW", help="the later version (YAML)")
    diff.add_argument(
        "--format", choices=_DIFF_FORMATS, metavar="FORMAT", help=_listed(_DIFF_FORMATS)
    )
    _add_output(diff)
    _add_rules(diff)
    diff.set_defaults(handler=_diff)

    contracts = _command(
        commands,
        "contracts",
        "Draft the integration's contracts: AsyncAPI for its events, OpenAPI for its API calls.",
        """\
examples:
  advisor contracts examples/gifting-orders.yaml -o contracts/
  advisor contracts mine.yaml -o docs/contracts --rules our-rules.yaml

DIR gets only the files that apply: asyncapi.yaml (AsyncAPI 3.0.0) when a flow is event-driven
or hybrid, openapi.yaml (OpenAPI 3.1.0) when a flow calls an API (an API-driven flow, the fetch
of a hybrid flow, or the webhooks of events delivered without a broker); a draft an earlier
run wrote that no longer applies is removed (a file of your own under the same name stays).
DIR and missing folders above it are created.

exit codes: 0 done; 1 the assessment or rules were refused, or DIR is a file; 2 the command was
used wrongly.
""",
    )
    _add_file(contracts)
    contracts.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="DIR",
        help="the folder to write the contracts into (created)",
    ).complete = _FOLDERS  # type: ignore[attr-defined]
    _add_rules(contracts)
    _add_quiet(contracts, "the line naming the files written")
    contracts.set_defaults(handler=_contracts)

    backlog = _command(
        commands,
        "backlog",
        "List the risks to mitigate as backlog items: CSV for an issue tracker, or Markdown.",
        """\
examples:
  advisor backlog examples/gifting-orders.yaml > risks.csv
  advisor backlog examples/gifting-orders.yaml -o risks.csv
  advisor backlog examples/gifting-orders.yaml --format md -o risks.md

One item per risk, most severe first, naming every flow it applies to. CSV (the default) has
the columns Summary, Description, Labels and Priority, for Jira's and GitHub's CSV importers;
md is a Markdown task list (- [ ] ...). With -o, the format follows the file's suffix (.csv,
.md) unless --format is given.
""",
    )
    _add_file(backlog)
    backlog.add_argument(
        "--format",
        choices=_BACKLOG_FORMATS,
        metavar="FORMAT",
        help=f"{_listed(_BACKLOG_FORMATS)} (default: the suffix of -o, else csv)",
    )
    _add_output(backlog)
    _add_rules(backlog)
    backlog.set_defaults(handler=_backlog)

    completion = _command(
        commands,
        "completion",
        "Print the shell completion script for advisor (bash, zsh or tcsh).",
        """\
examples:
  advisor completion bash > advisor.bash    # then: source advisor.bash (or put it in
                                            # ~/.local/share/bash-completion/completions/advisor)
  advisor completion zsh > _advisor         # into a folder on $fpath
  advisor completion tcsh > advisor.tcsh    # then: source advisor.tcsh
""",
    )
    completion.add_argument("shell", choices=_SHELLS, metavar="SHELL", help=_listed(_SHELLS))
    completion.set_defaults(handler=_completion)
    return parser


_SHELLS = ("bash", "zsh", "tcsh")
_DIFF_FORMATS = ("text", "md", "json")
_BACKLOG_FORMATS = ("csv", "md")
# How shtab completes a file or a folder name, in each shell (as shtab.FILE and shtab.DIRECTORY;
# written out so that the command line starts without importing shtab).
_FILES = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}
_FOLDERS = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/", "tcsh": "d"}


def _listed(names: Sequence[str]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"


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


def _add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the assessment (YAML); - reads standard input"
    ).complete = _FILES  # type: ignore[attr-defined]


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="write to PATH (missing folders are created) instead of standard output; - is "
        "standard output",
    ).complete = _FILES  # type: ignore[attr-defined]


def _add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="rules file or folder laid on top of the defaults (repeatable)",
    ).complete = _FILES  # type: ignore[attr-defined]
    parser.add_argument(
        "--no-default-rules",
        action="store_true",
        help="use only the --rules given, not the defaults",
    )


def _add_renderer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--renderer",
        metavar="PATH|dot",
        help="the Graphviz program that draws SVG and PNG (default: $ADVISOR_RENDERER, "
        "else graphviz-pure)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="stop the renderer after this long (default: 30)",
    )


def _check_timeout(args: argparse.Namespace) -> None:
    if not 0 < args.timeout <= MAX_TIMEOUT:  # also refuses nan
        raise UsageError(f"--timeout takes a number of seconds above 0, up to {MAX_TIMEOUT:g}")


def _add_quiet(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-q", "--quiet", action="store_true", help=f"print only errors and warnings, not {what}"
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
    from advisor.advice import assess, stamped
    from advisor.files import shown_path
    from advisor.loader import rules_digest
    from advisor.report import Record

    _refuse_overwriting(args.file, args.output)
    fmt = _output_format("assess", args.format, args.output, default="text")
    ruleset = _load_rules(args)
    assessment = _load_assessment(args.file)
    result = stamped(
        assess(assessment, ruleset, what_if=args.what_if),
        input=shown_path(args.file),
        rules_digest=rules_digest(ruleset),
        date=args.date,
    )
    record = Record(
        date=args.date or datetime.date.today(),
        status=args.status or assessment.status or "proposed",
        supersedes=args.supersedes or assessment.supersedes,
    )
    subject = formats.Subject(assessment, result, ruleset, record=record)
    if fmt == "html":
        subject = _with_blueprint(subject)
    written = formats.FORMATS[fmt].write(subject)
    assert isinstance(written, str)  # the formats of assess are text
    _emit(written, args.output, kind=formats.FORMATS[fmt].escape)
    return EXIT_OK


def _refuse_overwriting(file: Path, output: Path | None) -> None:
    """`-o` naming the assessment itself would replace the user's YAML with the result."""
    if _is_stdout(output) or str(file) == STDIN:
        return
    try:
        same = output is not None and os.path.samefile(file, output)
    except OSError:  # one of them does not exist (yet): they are not the same file
        same = False
    if same:
        raise UsageError(f"-o {output} is the assessment itself; write the result to another file")


STDIN = STDOUT = "-"  # as a FILE, standard input; as -o, standard output
STDIN_NAME = "<stdin>"  # how problems name standard input


def _is_stdout(output: Path | None) -> bool:
    return output is None or str(output) == STDOUT


def _load_assessment(file: Path) -> Assessment:
    """The assessment in `file`, or on standard input when it is `-`."""
    from advisor.loader import load_assessment, parse_assessment
    from advisor.yamldoc import MAX_BYTES, decode

    if str(file) != STDIN:
        return load_assessment(file)
    stream = sys.stdin
    if stream is None:
        raise InputError([Problem(STDIN_NAME, "is closed; give the assessment as a FILE")])
    try:
        binary = getattr(stream, "buffer", None)
        data = (
            binary.read(MAX_BYTES + 1)
            if binary is not None
            else stream.read(MAX_BYTES + 1).encode("utf-8")
        )
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise InputError([Problem(STDIN_NAME, f"cannot be read: {reason}")]) from None
    return parse_assessment(decode(data, STDIN_NAME), STDIN_NAME)


# The formats each command writes, in the order its messages name them, by the suffixes of -o
# (formats.FORMATS: the first suffix is the one to name).
_WRITES: dict[str, tuple[str, ...]] = {
    "assess": formats.ASSESS,
    "diagram": ("svg", "png", "dot"),
    "schema": ("json",),
    "diff": _DIFF_FORMATS,
    "backlog": _BACKLOG_FORMATS,
}
_SUFFIXES = {
    command: {name: formats.FORMATS[name].suffixes for name in names}
    for command, names in _WRITES.items()
}
_KNOWN_SUFFIXES = frozenset(
    suffix for table in _SUFFIXES.values() for names in table.values() for suffix in names
)


def _output_format(command: str, given: str | None, output: Path | None, *, default: str) -> str:
    """The format to write: --format, else the suffix of -o, else `default`. A suffix that
    belongs to another format is refused, and so is one that belongs to none when --format
    does not say what to write; a name without a suffix (/dev/null) takes the default."""
    if _is_stdout(output):
        return given or default
    assert output is not None
    table = _SUFFIXES[command]
    suffix = output.suffix.lower()
    by_suffix = next((name for name, suffixes in table.items() if suffix in suffixes), None)
    if given is None:
        if by_suffix is not None or not suffix:
            return by_suffix or default
        raise UsageError(
            f"cannot tell the format of {output}: {_suffix_list(command)}; or give --format"
        )
    if by_suffix not in (None, given) or (by_suffix is None and suffix in _KNOWN_SUFFIXES):
        raise UsageError(f"-o {output} is not a name for {given} output: {_suffix_list(command)}")
    return given


def _suffix_list(command: str) -> str:
    parts = [f"{name} to {' or '.join(suffixes)}" for name, suffixes in _SUFFIXES[command].items()]
    return f"{command} writes {', '.join(parts)}"


def _on_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def _iso_date(text: str) -> datetime.date:
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-15"
        ) from None


def _reference(text: str) -> str:
    if not text.strip() or len(text) > 200 or any(char in text for char in "\r\n"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a decision record's reference; write one line of up to 200 "
            "characters, e.g. ADR-0007 or 0007-order-events.md"
        )
    return text


def _with_blueprint(subject: formats.Subject) -> formats.Subject:
    """The HTML report's figures: the overview and the focused views that differ from it."""
    from dataclasses import replace

    drawn = (subject.assessment, subject.result, subject.ruleset)
    return replace(subject, blueprint=_diagram_svg(*drawn), views=_diagram_views(*drawn))


def _diagram_views(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> tuple[tuple[str, str], ...]:
    """The focused views the report shows under the overview (those that differ from it), each
    as (caption, SVG); one that cannot be drawn is left out."""
    from advisor.blueprint import VIEW_CAPTIONS, focused_views
    from advisor.render import RenderError, render

    views = []
    for view, dot in focused_views(assessment, result, ruleset):
        try:
            svg = render(dot, "svg")
        except RenderError:
            continue
        views.append((VIEW_CAPTIONS[view], svg.decode("utf-8")))
    return tuple(views)


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
    _output_format("schema", "json", args.output, default="json")  # -o names a JSON file
    from advisor.schema import assessment_schema_json, result_schema_json

    text = result_schema_json() if args.result else assessment_schema_json()
    _emit(text, args.output, kind="json")
    return EXIT_OK


def _diagram(args: argparse.Namespace) -> int:
    from advisor.advice import assess
    from advisor.blueprint import UnknownFlowError, blueprint_dot
    from advisor.render import RenderError

    _refuse_overwriting(args.file, args.output)
    fmt = _output_format("diagram", args.format, args.output, default="svg")
    if fmt == "png" and _is_stdout(args.output) and _on_terminal():
        raise UsageError("a PNG is not for a terminal: write it to a file with -o PATH.png")
    _check_timeout(args)
    ruleset = _load_rules(args)
    assessment = _load_assessment(args.file)
    result = assess(assessment, ruleset, what_if=False)
    try:
        dot = blueprint_dot(assessment, result, ruleset, view=args.view, flow=args.flow)
    except UnknownFlowError as error:
        raise UsageError(f"--flow: {error}") from None
    subject = formats.Subject(
        assessment, result, ruleset, dot=dot, renderer=args.renderer, timeout=args.timeout
    )
    if fmt == "dot":
        _emit(dot, args.output, kind=formats.FORMATS["dot"].escape)
        return EXIT_OK
    try:
        data = formats.FORMATS[fmt].data(subject)
    except RenderError as error:
        print(f"advisor: error: cannot draw the {fmt.upper()}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    _emit_bytes(data, args.output)
    return EXIT_OK


def _emit_bytes(data: bytes, output: Path | None) -> None:
    """Write bytes to stdout (no -o, or -o -), or to a file (see `write_output`: atomically,
    never over a device or a FIFO), creating the folders it goes in."""
    if output is None or _is_stdout(output):
        _to_stdout(data)
        return
    from advisor.files import write_output

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_output(output, data)
    except OSError as error:
        raise _write_failed(output, error) from None


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

    paths = [*args.paths, *args.rules]  # `rules check ours.yaml` and `--rules ours.yaml` alike
    if args.no_default_rules and not paths:
        raise UsageError("--no-default-rules needs at least one rules PATH")
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise InputError([Problem(str(path), "no such file or folder") for path in missing])
    ruleset = load_rules(paths, defaults=not args.no_default_rules)
    for warning in _dead_choice_warnings(ruleset, paths):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        from advisor.rulecheck import summary

        _say(summary(ruleset))
    return EXIT_OK


def _dead_choice_warnings(ruleset: Ruleset, paths: Sequence[Path]) -> list[Problem]:
    """One warning for each broker choice written in `paths` that can never be chosen."""
    from advisor.loader import items_written
    from advisor.rulecheck import dead_choice_warnings

    return dead_choice_warnings(ruleset, items_written(paths, "broker_selection"))


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
  advisor batch portfolio/ -o reports/
  advisor batch portfolio/ team-b/*.yaml -o reports/ --format json,svg --jobs 4
  advisor batch portfolio/ -o reports/ --fail-fast --rules our-rules.yaml
  advisor batch portfolio/ -o reports/ --format png --renderer dot --timeout 120

Folders are searched recursively for *.yaml and *.yml (hidden ones skipped); inputs are taken in
sorted path order. DIR gets summary.csv (one row per input), index.html (an overview) and one
folder per good assessment, named from its name. A refused input (a missing one too) gets its
row, and its problems on standard error (the first ten files'). Progress shows on standard
error when it is a terminal, and a summary line ends the run; --quiet leaves both out.

exit codes: 0 all assessed; 1 an input (or the rules) refused, missing or unreadable, or the
renderer missing for svg or png; 2 the command was used wrongly.
""",
    )
    batch.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="files or folders"
    ).complete = _FILES  # type: ignore[attr-defined]
    batch.add_argument(
        "-o",
        "--output",
        "--out",
        dest="out",
        type=Path,
        required=True,
        metavar="DIR",
        help="the folder to write into (created)",
    ).complete = _FOLDERS  # type: ignore[attr-defined]
    batch.add_argument(
        "--format",
        action="append",
        metavar="FORMAT[,FORMAT...]",
        help="the formats to write, comma-separated or repeated: "
        f"{_listed(formats.BATCH)} (default: {','.join(formats.BATCH_DEFAULT)})",
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
    _add_renderer(batch)
    batch.add_argument(
        "--contracts",
        action="store_true",
        help="also write each assessment's contracts into its folder: asyncapi.yaml and "
        "openapi.yaml, those that apply (as advisor contracts does)",
    )
    batch.add_argument("--fail-fast", action="store_true", help="stop at the first refused input")
    _add_quiet(batch, "the progress and the summary line")
    batch.set_defaults(handler=_batch)


def _batch(args: argparse.Namespace) -> int:
    import time

    from advisor import batch

    gc.enable()  # off while the command line starts (see run); a batch runs long

    if str(args.out) == STDOUT:
        raise UsageError("batch writes a folder of files: give -o DIR, not standard output")
    if any(str(path) == STDIN for path in args.paths):
        raise UsageError(
            "batch reads files and folders, not standard input (-): "
            "give the files, or assess one from standard input with `advisor assess -`"
        )
    try:
        wanted = (
            batch.parse_formats(",".join(args.format))
            if args.format is not None
            else batch.default_formats()
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    _check_timeout(args)
    inputs = batch.discover(args.paths)  # a path that is not there is refused in its row
    jobs = args.jobs if args.jobs is not None else _cores()
    if jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {jobs}")
    if not inputs:
        raise UsageError(f"no *.yaml or *.yml files in {', '.join(map(str, args.paths))}")
    ruleset = _load_rules(args)
    options = batch.Options(
        ruleset=ruleset,
        formats=wanted,
        date=args.date or datetime.date.today(),
        diagrams=_can_draw(wanted, args.renderer),
        what_if=args.what_if,
        renderer=args.renderer,
        timeout=args.timeout,
        contracts=args.contracts,
    )
    started = time.perf_counter()
    progress = batch.Progress(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    refusals = _Refusals(progress)
    try:
        tally = batch.run(
            inputs,
            args.out,
            options,
            jobs=jobs,
            fail_fast=args.fail_fast,
            progress=progress,
            refusal=refusals,
        )
    except batch.WorkerLost as error:
        print(f"advisor: error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as error:
        where = error.filename or args.out
        raise _write_failed(where, error) from None
    finally:
        if progress is not None:
            progress.clear()
    seconds = time.perf_counter() - started
    refusals.close(args.out / batch.SUMMARY)
    if not args.quiet:
        print(f"advisor: {batch.summary_line(tally, args.out, seconds)}", file=sys.stderr)
    return EXIT_REFUSED if tally.refused else EXIT_OK


class _Refusals:
    """Each refused input's problems on standard error as the run reaches it, worded as
    `advisor assess` words them, for the first `SHOWN` inputs (the summary's error column has
    them all); quiet or not, as errors always show."""

    SHOWN = 10

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._count = 0

    def __call__(self, outcome: Outcome) -> None:
        self._count += 1
        if self._count > self.SHOWN:
            return
        if self._progress is not None:
            self._progress.clear()  # redrawn at the next file
        for line in outcome.error.splitlines():
            print(f"error: {line}", file=sys.stderr)

    def close(self, summary: Path) -> None:
        if self._count > self.SHOWN:
            more = self._count - self.SHOWN
            print(
                f"advisor: {more:,} more refused file{'s' if more > 1 else ''} not shown: "
                f"see the error column of {summary}",
                file=sys.stderr,
            )


def _can_draw(wanted: Sequence[str], renderer: str | None) -> bool:
    """Whether blueprints can be drawn: without a renderer, svg and png cannot be written (exit
    code 1, as `advisor diagram`, before anything is); the HTML reports do without (with a
    warning)."""
    from advisor.batch import DIAGRAMS

    if not DIAGRAMS.intersection(wanted):
        return False
    from advisor.render import RenderError, find_renderer

    try:
        find_renderer(renderer)
    except RenderError as error:
        if {"svg", "png"}.intersection(wanted):
            raise ToolError(f"cannot draw the blueprints: {error}") from None
        print(f"advisor: warning: the reports have no blueprint: {error}", file=sys.stderr)
        return False
    return True


def _diff(args: argparse.Namespace) -> int:
    from advisor.advice import assess
    from advisor.comparison import compare, to_json, to_markdown, to_text

    fmt = _output_format("diff", args.format, args.output, default="text")
    if str(args.old) == str(args.new) == STDIN:
        raise UsageError("standard input (-) can be read once: give one of the two as a file")
    ruleset = _load_rules(args)
    old, new = _load_assessment(args.old), _load_assessment(args.new)
    comparison = compare(
        old, assess(old, ruleset, what_if=False), new, assess(new, ruleset, what_if=False)
    )
    writer = {"text": to_text, "md": to_markdown, "json": to_json}[fmt]
    _emit(writer(comparison), args.output, kind=formats.FORMATS[fmt].escape)
    return EXIT_OK


def _contracts(args: argparse.Namespace) -> int:
    from advisor.advice import assess
    from advisor.contracts import (
        ASYNCAPI_FILE,
        DRAFT_HEAD,
        OPENAPI_FILE,
        contract_files,
        is_draft,
    )
    from advisor.files import remove_drafts, write_output

    folder: Path = args.output
    if str(folder) == STDOUT:
        raise UsageError("contracts writes a folder of files: give -o DIR, not standard output")
    if folder.exists() and not folder.is_dir():
        raise InputError([Problem(str(folder), "is a file; give -o a folder for the contracts")])
    ruleset = _load_rules(args)
    assessment = _load_assessment(args.file)
    files = contract_files(assessment, assess(assessment, ruleset, what_if=False), ruleset)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_output(folder / name, text.encode("utf-8"))
        # An earlier run's contract that no longer applies goes; a file of the user's own stays.
        stale = [name for name in (ASYNCAPI_FILE, OPENAPI_FILE) if name not in files]
        removed, kept = remove_drafts(folder, stale, is_draft, DRAFT_HEAD)
    except OSError as error:
        where = error.filename or folder
        raise _write_failed(where, error) from None
    if not args.quiet:
        written = " and ".join(str(folder / name) for name in files)
        gone = "".join(
            f"; removed {path}, an earlier draft that no longer applies" for path in removed
        )
        print(f"advisor: wrote {written}{gone}", file=sys.stderr)
    for path in kept:
        print(
            f"advisor: warning: kept {path}: no flow needs it now, and the advisor did not "
            "draft it (a file of your own?); remove it yourself if it is out of date",
            file=sys.stderr,
        )
    return EXIT_OK


def _backlog(args: argparse.Namespace) -> int:
    from advisor.advice import assess
    from advisor.backlog import to_csv, to_markdown

    _refuse_overwriting(args.file, args.output)
    fmt = _output_format("backlog", args.format, args.output, default="csv")
    ruleset = _load_rules(args)
    assessment = _load_assessment(args.file)
    result = assess(assessment, ruleset, what_if=False)
    writer = to_markdown if fmt == "md" else to_csv
    _emit(writer(assessment, result, ruleset), args.output, kind=formats.FORMATS[fmt].escape)
    return EXIT_OK


def _completion(args: argparse.Namespace) -> int:
    import shtab

    _emit(shtab.complete(build_parser(), shell=args.shell), None, kind="text")
    return EXIT_OK


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _emit(text: str, output: Path | None, *, kind: str = "text") -> None:
    """Write text to stdout, in its encoding (characters it lacks escaped as `kind` says: see
    formats.Escape), or as UTF-8 to a file."""
    if not _is_stdout(output):
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
    # Starting a command loads a few hundred modules, which allocate much and free nearly
    # nothing: the cyclic garbage collector would walk the growing heap again and again, for
    # about a tenth of the start-up. One assessment makes no cycles to speak of (its memory
    # peaks the same without the collector); a batch, which runs long, turns it back on.
    gc.disable()
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
