"""The blueprint drawn on the server, as the exports draw it, and cached by its DOT text.

The same DOT always renders to the same picture, whoever asks, so rendered diagrams are shared
between sessions; nothing else about a visitor is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st

from advisor.blueprint import blueprint_dot
from advisor.models import Assessment, Result
from advisor.render import RenderError, render
from advisor.ruleset import Ruleset


@dataclass(frozen=True)
class Blueprint:
    dot: str
    svg: str | None
    problem: str | None = None


@st.cache_data(max_entries=500, show_spinner=False)
def rendered(dot: str, fmt: Literal["svg", "png"]) -> bytes:
    return render(dot, fmt)


def blueprint(assessment: Assessment, result: Result, ruleset: Ruleset) -> Blueprint:
    dot = blueprint_dot(assessment, result, ruleset)
    try:
        return Blueprint(dot, rendered(dot, "svg").decode("utf-8"))
    except RenderError as error:
        return Blueprint(dot, None, str(error))


def png(dot: str) -> bytes:
    """For a download button, which asks for its data on another thread: no Streamlit cache."""
    return render(dot, "png")
