"""What is the same for every visitor, loaded once and cached: the rules and the examples.

Nothing per visitor is cached here; answers and results stay in each session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment
from advisor.paths import examples_dir
from advisor.ruleset import Ruleset

DEFAULT_EXAMPLE = "gifting-orders.yaml"
ICON = str(Path(__file__).with_name("icon.svg"))  # served by the app: no font from the internet


@dataclass(frozen=True)
class Example:
    file: str
    assessment: Assessment

    @property
    def title(self) -> str:
        return self.assessment.name


@st.cache_resource(show_spinner=False)
def rules() -> Ruleset:
    """The default rules; a frozen model, safe to share between sessions."""
    return load_rules()


@st.cache_resource(show_spinner=False)
def examples() -> tuple[Example, ...]:
    """The bundled example assessments, in file-name order, the default first."""
    paths = sorted(examples_dir().glob("*.yaml"), key=lambda p: (p.name != DEFAULT_EXAMPLE, p.name))
    return tuple(Example(path.name, load_assessment(path, path.name)) for path in paths)


def default_example() -> Assessment:
    return examples()[0].assessment


def example(file: str) -> Assessment:
    for item in examples():
        if item.file == file:
            return item.assessment
    raise KeyError(file)
