"""The files a visitor can take away. Each is made when its button is pressed, not before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from advisor.export import assessment_to_yaml, file_stem
from advisor.models import Assessment, Result
from advisor.report import to_json


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


def items(assessment: Assessment, result: Result) -> list[Download]:
    stem = file_stem(assessment)

    def text(make: Callable[[], str]) -> Callable[[], bytes]:
        return lambda: make().encode("utf-8")

    return [
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
            "Result (JSON)",
            "json",
            "application/json",
            ":material/data_object:",
            "The scores, styles, reasons and risks, as `advisor assess --format json` writes.",
            text(lambda: to_json(result)),
            stem,
        ),
    ]
