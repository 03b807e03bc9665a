"""The blueprint drawn on the server, as the exports draw it, in the view the visitor picked, and
cached by its DOT text (so per assessment and view).

The same DOT always renders to the same picture, whoever asks, so rendered diagrams are shared
between sessions; nothing else about a visitor is. A drawing that failed, one that timed out
included, is cached too: asking again shows the same message at once instead of waiting for the
renderer again.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from advisor.blueprint import VIEWS, View, blueprint_dot, flow_ids, focused_views
from advisor.models import Assessment, Result
from advisor.render import RenderError, RenderTimeout, render
from advisor.ruleset import Ruleset

# How long the renderer may take for one view before the app says it could not be drawn.
TIMEOUT_SECONDS = 20.0
# Past this many characters of DOT (an overview of about 400 flows) a drawing takes seconds of
# the server's time and cannot be read on a page: the app offers the narrower views and the
# downloads instead of drawing it (200 flows draw in about half a second).
LARGEST_DRAWN = 150_000
# The keys of the view picker and of the flow picker in the session state.
VIEW_KEY = "ia-blueprint-view"
FLOW_KEY = "ia-blueprint-flow"
# The flow picker's first choice, no flow focused: not None, which Streamlit takes for no choice
# at all (the picker would then show a placeholder), and never a flow's id (ids are not empty).
EVERY_FLOW = ""
# The last drawing made in the session, with the result and the rule set it was made from.
LAST_BLUEPRINT = "ia-last-blueprint"


@dataclass(frozen=True)
class Blueprint:
    dot: str
    svg: str | None
    problem: str | None = None
    view: View = "overview"
    flow: str | None = None


@st.cache_data(max_entries=100, show_spinner=False)  # at most ~1 MB each: see LARGEST_DRAWN
def drawn(dot: str) -> tuple[str | None, str | None]:
    """The SVG of `dot`, or why it could not be drawn: both are kept, so that a diagram that
    timed out is not rendered (and waited for) again."""
    try:
        return render(dot, "svg", timeout=TIMEOUT_SECONDS).decode("utf-8"), None
    except RenderTimeout:
        return None, (
            f"it took longer than {TIMEOUT_SECONDS:g} seconds to draw and was stopped. "
            "A narrower view (the events, the API calls or one flow) draws faster"
        )
    except RenderError as error:
        return None, str(error)


def choice(result: Result) -> tuple[View, str | None]:
    """The view and the flow the visitor picked, as far as they still apply to `result`."""
    flow = st.session_state.get(FLOW_KEY)
    if flow not in flow_ids(result):
        flow = None
    view = st.session_state.get(VIEW_KEY)
    return (view if view in VIEWS else "overview"), flow


def blueprint(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    view: View = "overview",
    flow: str | None = None,
) -> Blueprint:
    """The view's DOT and its drawing; made again only when the result (the same object while
    the answers and the rules stay the same), the view or the flow changed."""
    made: tuple[Result, Ruleset, Blueprint] | None = st.session_state.get(LAST_BLUEPRINT)
    if (
        made is not None
        and made[0] is result
        and made[1] is ruleset
        and (made[2].view, made[2].flow) == (view, flow)
    ):
        return made[2]
    dot = blueprint_dot(assessment, result, ruleset, view=view, flow=flow)
    if len(dot) > LARGEST_DRAWN:
        drawing = Blueprint(dot, None, _too_large(result, view, flow), view, flow)
    else:
        svg, problem = drawn(dot)
        drawing = Blueprint(dot, svg, problem, view, flow)
    st.session_state[LAST_BLUEPRINT] = (result, ruleset, drawing)
    return drawing


def _too_large(result: Result, view: View, flow: str | None) -> str:
    shown = "this flow and its neighbours" if flow else f"the {view} of {len(result.flows):,} flows"
    return (
        f"{shown} is too large to draw and read here. Pick the events or the API calls, or "
        "focus on one flow; the Download menu still has the whole blueprint"
    )


def pickers(result: Result) -> None:
    """Before the pickers are drawn: each shows what is drawn, the overview and every flow at
    first, and a focused flow that is gone gives way to the overview."""
    if st.session_state.get(FLOW_KEY) not in (EVERY_FLOW, *flow_ids(result)):
        st.session_state[FLOW_KEY] = EVERY_FLOW
        st.session_state[VIEW_KEY] = "overview"
    st.session_state.setdefault(VIEW_KEY, "overview")


def view_picked() -> None:
    """The view picker's callback: a view shows every flow of its kind, none focused; the view
    shown, clicked again, stays (the picker always shows what is drawn)."""
    if st.session_state.get(VIEW_KEY) is None:
        st.session_state[VIEW_KEY] = "overview"
    st.session_state[FLOW_KEY] = EVERY_FLOW


def flow_picked() -> None:
    """The flow picker's callback: a focused flow is drawn instead of any view; every flow
    again, the overview."""
    st.session_state[VIEW_KEY] = None if st.session_state.get(FLOW_KEY) else "overview"


def focus(flow_id: str) -> None:
    """A flow's button in the list of flows: draw that flow and its neighbours."""
    st.session_state[FLOW_KEY] = flow_id
    st.session_state[VIEW_KEY] = None


def png(dot: str) -> bytes:
    """For a download button, which asks for its data on another thread: no Streamlit cache."""
    return render(dot, "png", timeout=TIMEOUT_SECONDS)


def report_figures(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    *,
    overview: str | None = None,
    views: bool = False,
) -> tuple[str | None, tuple[tuple[View, str], ...]]:
    """For the HTML report's download (another thread: no Streamlit cache): the overview's SVG
    (`overview` when it is already drawn) and, with `views`, those of the focused views that
    differ from it. A view that cannot be drawn is left out; without the overview, there is no
    blueprint."""

    def svg_of(dot: str) -> str | None:
        try:
            return render(dot, "svg", timeout=TIMEOUT_SECONDS).decode("utf-8")
        except RenderError:
            return None

    overview = overview or svg_of(blueprint_dot(assessment, result, ruleset))
    if overview is None or not views:
        return overview, ()
    drawn_views = ((view, svg_of(dot)) for view, dot in focused_views(assessment, result, ruleset))
    return overview, tuple((view, drawing) for view, drawing in drawn_views if drawing is not None)
