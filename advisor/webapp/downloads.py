"""The files a visitor can take away. Each is made when its button is pressed, not before."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from advisor.advice import stamped
from advisor.backlog import to_csv
from advisor.blueprint import VIEW_CAPTIONS
from advisor.contracts import (
    ASYNCAPI_FILE,
    asyncapi_document,
    contract_names,
    openapi_document,
    to_yaml,
)
from advisor.export import assessment_to_yaml, file_stem
from advisor.loader import rules_digest
from advisor.models import Assessment, Result
from advisor.report import to_html, to_json, to_markdown
from advisor.ruleset import Ruleset
from advisor.webapp.diagram import Blueprint, png, report_figures


@dataclass(frozen=True)
class Download:
    label: str
    suffix: str
    mime: str
    icon: str
    help: str
    data: Callable[[], bytes]
    stem: str
    kind: str = ""  # what tells it from another download of the same suffix

    @property
    def file_name(self) -> str:
        return f"{self.stem}.{self.suffix}"

    @property
    def key(self) -> str:
        """Unique among the downloads: the suffix, and the kind where two share a suffix."""
        return f"{self.suffix}-{self.kind}" if self.kind else self.suffix


def stamped_result(assessment: Assessment, result: Result, ruleset: Ruleset) -> Result:
    """The result as the JSON download holds it: its input is the YAML download beside it
    (`advisor assess` on that file writes the very same JSON), with the rules' digest."""
    return stamped(
        result, input=f"{file_stem(assessment)}.yaml", rules_digest=rules_digest(ruleset)
    )


def items(
    assessment: Assessment, result: Result, ruleset: Ruleset, drawing: Blueprint
) -> list[Download]:
    stem = file_stem(assessment)
    svg = drawing.svg

    def text(make: Callable[[], str]) -> Callable[[], bytes]:
        return lambda: make().encode("utf-8")

    found = [
        Download(
            "Assessment (YAML)",
            "yaml",
            "application/yaml",
            ":material/description:",
            "The answers, in the format `advisor assess` and `advisor batch` read.",
            text(lambda: assessment_to_yaml(assessment)),
            stem,
        ),
        Download(
            "Report (HTML)",
            "html",
            "text/html",
            ":material/article:",
            "One self-contained page: the recommendation, the blueprint, every reason and risk. "
            "Print it to PDF from the browser.",
            text(lambda: _report(assessment, result, ruleset, drawing)),
            stem,
        ),
        Download(
            "Decision record (Markdown)",
            "md",
            "text/markdown",
            ":material/gavel:",
            "An architecture decision record (MADR), dated today, for the repository.",
            text(lambda: to_markdown(assessment, result, ruleset, date=datetime.date.today())),
            f"{stem}-adr",
        ),
        Download(
            "Result (JSON)",
            "json",
            "application/json",
            ":material/data_object:",
            "The scores, styles, reasons and risks, as `advisor assess --format json` writes.",
            text(lambda: to_json(stamped_result(assessment, result, ruleset))),
            stem,
        ),
    ]
    if svg is not None:
        found += [
            Download(
                "Blueprint (SVG)",
                "svg",
                "image/svg+xml",
                ":material/schema:",
                "The diagram as shown, as a scalable drawing.",
                text(lambda: svg),
                f"{stem}-{_blueprint_name(drawing)}",
            ),
            Download(
                "Blueprint (PNG)",
                "png",
                "image/png",
                ":material/image:",
                "The diagram as shown, as a picture for slides and wikis.",
                lambda: png(drawing.dot),
                f"{stem}-{_blueprint_name(drawing)}",
            ),
        ]
    return found + _contracts(assessment, result, ruleset, stem)


def _contracts(
    assessment: Assessment, result: Result, ruleset: Ruleset, stem: str
) -> list[Download]:
    """The contracts that apply (as `advisor contracts` writes them) and the risk backlog (as
    `advisor backlog` writes it)."""

    def document(draft: Callable[..., dict[str, object] | None]) -> Callable[[], bytes]:
        def make() -> bytes:
            drafted = draft(assessment, result, ruleset)
            assert drafted is not None  # offered only where it applies
            return to_yaml(drafted).encode("utf-8")

        return make

    found = []
    for name in contract_names(result):
        events = name == ASYNCAPI_FILE
        found.append(
            Download(
                "Events contract (AsyncAPI)" if events else "API contract (OpenAPI)",
                "yaml",
                "application/yaml",
                ":material/podcasts:" if events else ":material/api:",
                "AsyncAPI 3.0.0: a channel per event or hybrid flow, on the chosen broker, "
                "as `advisor contracts` writes it."
                if events
                else "OpenAPI 3.1.0: an operation per API call and hybrid fetch, as `advisor "
                "contracts` writes it.",
                document(asyncapi_document if events else openapi_document),
                f"{stem}-{name.removesuffix('.yaml')}",
                name.removesuffix(".yaml"),
            )
        )
    if result.risks:
        found.append(
            Download(
                "Risk backlog (CSV)",
                "csv",
                "text/csv",
                ":material/checklist:",
                "One item per risk, for an issue tracker's CSV import, as `advisor backlog` "
                "writes it.",
                lambda: to_csv(assessment, result, ruleset).encode("utf-8"),
                f"{stem}-risks",
            )
        )
    return found


def _blueprint_name(drawing: Blueprint) -> str:
    """blueprint, blueprint-events, blueprint-api or blueprint-flow-<id>: what the file shows."""
    if drawing.flow is not None:
        return f"blueprint-flow-{drawing.flow}"
    return "blueprint" if drawing.view == "overview" else f"blueprint-{drawing.view}"


def _report(assessment: Assessment, result: Result, ruleset: Ruleset, drawing: Blueprint) -> str:
    """The report shows the overview, whichever view is on the screen, and the focused views
    that differ from it; where the blueprint could not be drawn, the report goes without it
    rather than wait for the renderer again."""
    if drawing.svg is None:
        return to_html(assessment, result, ruleset, diagram_svg=None)
    shown = drawing.svg if (drawing.view, drawing.flow) == ("overview", None) else None
    svg, views = report_figures(assessment, result, ruleset, overview=shown, views=True)
    captions = tuple((VIEW_CAPTIONS[view], drawn) for view, drawn in views)
    return to_html(assessment, result, ruleset, diagram_svg=svg, diagram_views=captions)
