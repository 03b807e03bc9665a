"""The files a visitor can take away. Each is made when its button is pressed, not before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from advisor.advice import stamped
from advisor.blueprint import VIEW_CAPTIONS
from advisor.contracts import contract_names
from advisor.formats import BACKLOG, CONTRACTS, DOWNLOADS, FORMATS, Subject, file_stem
from advisor.models import Assessment, Result
from advisor.ruleset import Ruleset
from advisor.webapp import resources
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
        result, input=f"{file_stem(assessment)}.yaml", rules_digest=resources.digest_of(ruleset)
    )


def items(
    assessment: Assessment, result: Result, ruleset: Ruleset, drawing: Blueprint
) -> list[Download]:
    """The formats the web app offers (formats.DOWNLOADS, then the contracts and the backlog
    where they apply), each named after the assessment and made when its button is pressed."""
    stem = file_stem(assessment)
    subject = Subject(assessment, result, ruleset)
    svg = drawing.svg
    shown = f"{stem}-{_blueprint_name(drawing)}"
    stems = {"md": f"{stem}-adr", "svg": shown, "png": shown, "csv": f"{stem}-risks"}
    makers: dict[str, Callable[[], bytes]] = {
        "json": lambda: FORMATS["json"].data(
            replace(subject, result=stamped_result(assessment, result, ruleset))
        ),
        "html": lambda: _report(subject, drawing),
        "png": lambda: png(drawing.dot),
    }
    if svg is not None:
        makers["svg"] = partial(svg.encode, "utf-8")  # the diagram as shown: drawn already
    offered = [name for name in DOWNLOADS if svg is not None or name not in ("svg", "png")]
    offered += [name.removesuffix(".yaml") for name in contract_names(result)]
    if result.risks:
        offered.append(BACKLOG)
    found = []
    for name in offered:
        fmt = FORMATS[name]
        found.append(
            Download(
                fmt.label,
                fmt.extension,
                fmt.mime,
                _ICONS[name],
                fmt.help,
                makers.get(name, partial(fmt.data, subject)),
                stems.get(name, f"{stem}-{name}" if name in CONTRACTS else stem),
                name if name in CONTRACTS else "",
            )
        )
    return found


# Each download's icon, by format.
_ICONS = {
    "yaml": ":material/description:",
    "html": ":material/article:",
    "md": ":material/gavel:",
    "json": ":material/data_object:",
    "svg": ":material/schema:",
    "png": ":material/image:",
    "asyncapi": ":material/podcasts:",
    "openapi": ":material/api:",
    "csv": ":material/checklist:",
}


def _blueprint_name(drawing: Blueprint) -> str:
    """blueprint, blueprint-events, blueprint-api or blueprint-flow-<id>: what the file shows."""
    if drawing.flow is not None:
        return f"blueprint-flow-{drawing.flow}"
    return "blueprint" if drawing.view == "overview" else f"blueprint-{drawing.view}"


def _report(subject: Subject, drawing: Blueprint) -> bytes:
    """The report shows the overview, whichever view is on the screen, and the focused views
    that differ from it; where the blueprint could not be drawn, the report goes without it
    rather than wait for the renderer again."""
    if drawing.svg is not None:
        shown = drawing.svg if (drawing.view, drawing.flow) == ("overview", None) else None
        svg, views = report_figures(
            subject.assessment, subject.result, subject.ruleset, overview=shown, views=True
        )
        captions = tuple((VIEW_CAPTIONS[view], drawn) for view, drawn in views)
        subject = replace(subject, blueprint=svg, views=captions)
    return FORMATS["html"].data(subject)
