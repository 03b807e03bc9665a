"""The files a visitor can take away. Each is made when its button is pressed, not before."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from advisor.export import assessment_to_yaml, file_stem
from advisor.models import Assessment, Result
from advisor.report import to_html, to_json, to_markdown
from advisor.ruleset import Ruleset
from advisor.webapp.diagram import Blueprint, png


@dataclass(frozen=True)
class Download:
    label: str
    suffix: str
    mime: str
    icon: str
    help: str
    data: Callable[[], bytes]
    stem: str

    @property
    def file_name(self) -> str:
        return f"{self.stem}.{self.suffix}"


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
            text(lambda: to_html(assessment, result, ruleset, diagram_svg=svg)),
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
            text(lambda: to_json(result)),
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
                "The diagram as a scalable drawing.",
                text(lambda: svg),
                f"{stem}-blueprint",
            ),
            Download(
                "Blueprint (PNG)",
                "png",
                "image/png",
                ":material/image:",
                "The diagram as a picture, for slides and wikis.",
                lambda: png(drawing.dot),
                f"{stem}-blueprint",
            ),
        ]
    return found
