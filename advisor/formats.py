"""The output formats, in one place: each with its name, suffixes, MIME type, the label and
one-line help of its download, its file's name in a folder of reports and its writer, and which
of them the command line, batch runs and the web app offer; and the one way a file's name is
made from an assessment's name (`slug`). A new format is added here, and each edge finds it.

Importing this module loads nothing else of the advisor (the command line's --help stays
quick): the writers import what they need when they are called.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from advisor.models import Assessment, Result
    from advisor.report import Record
    from advisor.ruleset import Ruleset

# ---------------------------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------------------------

SLUG_LENGTH = 60  # characters of the name kept, at most (a device name gets "-assessment")
NO_SLUG = "assessment"  # the name of a name with nothing usable in it
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(10)}
)


def slug(name: str) -> str:
    """A short, safe file or folder name from an assessment's name: `a-z`, `0-9` and `-` only.

    Accented letters lose their accents (`Ünïcödé café` -> `unicode-cafe`); every other run of
    characters becomes one `-`. It never holds a separator or a dot, so it cannot leave the
    folder it is put in, nor is it a device name on Windows (`con` -> `con-assessment`); a name
    with nothing usable in it (all CJK, say) becomes `assessment`.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:SLUG_LENGTH].rstrip("-")
    if not text:
        return NO_SLUG
    if text in _RESERVED:
        return f"{text}-{NO_SLUG}"
    return text


def file_stem(assessment: Assessment) -> str:
    """`Gifting platform orders` -> `gifting-platform-orders`: the start of the names of the web
    app's downloads, as `advisor batch` names the assessment's folder (`slug`)."""
    return slug(assessment.name)


# ---------------------------------------------------------------------------------------------
# The formats
# ---------------------------------------------------------------------------------------------

# How standard output writes a character its encoding lacks, so that the output stays valid and
# means the same: JSON escapes (\u00e9), HTML and Markdown character references (&#233;), and
# backslash escapes (\xe9) in plain text.
Escape = Literal["json", "markup", "text"]


@dataclass(frozen=True)
class Subject:
    """What a format is written from: the assessment, its result and the rules, and what some
    formats take besides (each edge stamps the result and draws the pictures its own way)."""

    assessment: Assessment
    result: Result
    ruleset: Ruleset
    record: Record | None = None  # md, html: its date and status (None: today, the assessment's)
    blueprint: str | None = None  # html: the overview as SVG (None: the report goes without)
    views: tuple[tuple[str, str], ...] = ()  # html: the focused views, each (caption, SVG)
    dot: str | None = None  # dot, svg, png: the view to write or draw (None: the overview)
    renderer: str | None = None  # svg, png: the program that draws (None: see advisor.render)
    timeout: float = 30.0  # svg, png: seconds the drawing may take


@dataclass(frozen=True)
class Format:
    """One output format: its name (as --format takes it), the suffixes of its files (the first
    is the one written), its MIME type, how a download button names it, what it holds in one
    line, how standard output escapes it, its file's name in a folder of reports (`advisor
    batch`) and its writer."""

    name: str
    suffixes: tuple[str, ...]
    mime: str
    label: str
    help: str
    escape: Escape
    stem: str
    write: Callable[[Subject], str | bytes]

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    @property
    def extension(self) -> str:
        """The suffix without its dot: `json`."""
        return self.suffix.removeprefix(".")

    @property
    def file_name(self) -> str:
        """Its file in a folder of reports: `result.json`."""
        return f"{self.stem}{self.suffix}"

    def data(self, subject: Subject) -> bytes:
        """The file's bytes (text as UTF-8)."""
        written = self.write(subject)
        return written.encode("utf-8") if isinstance(written, str) else written


def _json(subject: Subject) -> str:
    from advisor.report import to_json

    return to_json(subject.result)


def _text(subject: Subject) -> str:
    from advisor.report import to_text

    return to_text(subject.assessment, subject.result, ruleset=subject.ruleset)


def _html(subject: Subject) -> str:
    from advisor.report import to_html

    return to_html(
        subject.assessment,
        subject.result,
        subject.ruleset,
        diagram_svg=subject.blueprint,
        diagram_views=subject.views,
        record=subject.record,
    )


def _markdown(subject: Subject) -> str:
    from advisor.report import to_markdown

    return to_markdown(subject.assessment, subject.result, subject.ruleset, record=subject.record)


def _dot(subject: Subject) -> str:
    if subject.dot is not None:
        return subject.dot
    from advisor.blueprint import blueprint_dot

    return blueprint_dot(subject.assessment, subject.result, subject.ruleset)


def _drawn(kind: Literal["svg", "png"]) -> Callable[[Subject], bytes]:
    def draw(subject: Subject) -> bytes:
        """The blueprint drawn; advisor.render.RenderError when it cannot be."""
        from advisor.render import render

        return render(_dot(subject), kind, renderer=subject.renderer, timeout=subject.timeout)

    return draw


def _yaml(subject: Subject) -> str:
    from advisor.export import assessment_to_yaml

    return assessment_to_yaml(subject.assessment)


def _backlog(subject: Subject) -> str:
    from advisor.backlog import to_csv

    return to_csv(subject.assessment, subject.result, subject.ruleset)


def _contract(kind: Literal["asyncapi", "openapi"]) -> Callable[[Subject], str]:
    def draft(subject: Subject) -> str:
        """The contract, where it applies (see contracts.contract_names); ValueError where not."""
        from advisor.contracts import asyncapi_document, openapi_document, to_yaml

        make = asyncapi_document if kind == "asyncapi" else openapi_document
        document = make(subject.assessment, subject.result, subject.ruleset)
        if document is None:
            raise ValueError(f"no {kind} contract applies to {subject.result.name!r}")
        return to_yaml(document)

    return draft


FORMATS: dict[str, Format] = {
    item.name: item
    for item in (
        Format(
            "json",
            (".json",),
            "application/json",
            "Result (JSON)",
            "The scores, styles, reasons and risks, as `advisor assess --format json` writes.",
            "json",
            "result",
            _json,
        ),
        Format(
            "text",
            (".txt", ".text"),
            "text/plain",
            "Summary (text)",
            "The recommendation and every flow's reasons and risks, to read in a terminal.",
            "text",
            "summary",
            _text,
        ),
        Format(
            "html",
            (".html", ".htm"),
            "text/html",
            "Report (HTML)",
            "One self-contained page: the recommendation, the blueprint, every reason and risk. "
            "Print it to PDF from the browser.",
            "markup",
            "report",
            _html,
        ),
        Format(
            "md",
            (".md", ".markdown"),
            "text/markdown",
            "Decision record (Markdown)",
            "An architecture decision record (MADR), dated today, for the repository.",
            "markup",
            "decision",
            _markdown,
        ),
        Format(
            "dot",
            (".dot", ".gv"),
            "text/vnd.graphviz",
            "Blueprint (DOT)",
            "The blueprint's Graphviz source, to draw with any Graphviz.",
            "markup",
            "blueprint",
            _dot,
        ),
        Format(
            "svg",
            (".svg",),
            "image/svg+xml",
            "Blueprint (SVG)",
            "The diagram as shown, as a scalable drawing.",
            "markup",
            "blueprint",
            _drawn("svg"),
        ),
        Format(
            "png",
            (".png",),
            "image/png",
            "Blueprint (PNG)",
            "The diagram as shown, as a picture for slides and wikis.",
            "text",  # bytes: never escaped
            "blueprint",
            _drawn("png"),
        ),
        Format(
            "yaml",
            (".yaml", ".yml"),
            "application/yaml",
            "Assessment (YAML)",
            "The answers, in the format `advisor assess` and `advisor batch` read.",
            "text",
            "assessment",
            _yaml,
        ),
        Format(
            "csv",
            (".csv",),
            "text/csv",
            "Risk backlog (CSV)",
            "One item per risk, for an issue tracker's CSV import, as `advisor backlog` writes it.",
            "text",
            "risks",
            _backlog,
        ),
        Format(
            "asyncapi",
            (".yaml",),
            "application/yaml",
            "Events contract (AsyncAPI)",
            "AsyncAPI 3.0.0: a channel per event or hybrid flow, on the chosen broker, as "
            "`advisor contracts` writes it.",
            "text",
            "asyncapi",
            _contract("asyncapi"),
        ),
        Format(
            "openapi",
            (".yaml",),
            "application/yaml",
            "API contract (OpenAPI)",
            "OpenAPI 3.1.0: an operation per API call and hybrid fetch, as `advisor contracts` "
            "writes it.",
            "text",
            "openapi",
            _contract("openapi"),
        ),
    )
}

# Which formats each edge offers, in the order it lists them.
ASSESS = ("json", "text", "html", "md")  # advisor assess --format
DIAGRAM = ("dot", "svg", "png")  # advisor diagram --format
BATCH = ("json", "md", "html", "svg", "png")  # advisor batch --format
BATCH_DEFAULT = ("json", "md", "html", "svg")
DOWNLOADS = ("yaml", "html", "md", "json", "svg", "png")  # the web app's, before the contracts
CONTRACTS = ("asyncapi", "openapi")  # where they apply
BACKLOG = "csv"  # where there are risks
