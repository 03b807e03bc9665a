"""A large estate in the web app (AppTest): past a few dozen flows the page lists the first ones
and lets the others be picked from one list, for their questions and for their reasons alike,
so that it stays quick to send and to draw, nothing out of reach; and a rerun that changes no
answer keeps the result and the drawing it has."""

from __future__ import annotations

import pytest

from advisor.webapp.diagram import LAST_BLUEPRINT, VIEW_KEY
from advisor.webapp.questions import PILLS_AT_MOST
from advisor.webapp.results import FLOW_PICK_KEY, SHOWN_FLOWS
from advisor.webapp.state import LAST_ASSESSED
from tests.synthetic import generated_assessment
from tests.test_app_history import current, key, opened, run

FLOWS = SHOWN_FLOWS + 15
ESTATE = generated_assessment(FLOWS // 3, FLOWS)

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _flow_sections(at: object) -> list[str]:
    return [
        expander.label
        for expander in at.expander  # type: ignore[attr-defined]
        if expander.label.startswith("**")
    ]


def test_the_first_flows_have_a_section_each_and_the_others_are_picked() -> None:
    at = opened(ESTATE)
    sections = _flow_sections(at)
    assert len(sections) == SHOWN_FLOWS
    assert [label.split("**")[1] for label in sections] == [
        flow.id.replace("-", "\\-") for flow in ESTATE.flows[:SHOWN_FLOWS]
    ]
    picker = at.selectbox(key=FLOW_PICK_KEY)
    assert picker.label == f"The other {FLOWS - SHOWN_FLOWS} flows"
    assert [option.split(" · ")[0] for option in picker.options[1:]] == [
        flow.id for flow in ESTATE.flows[SHOWN_FLOWS:]
    ]
    last = ESTATE.flows[-1].id
    picker.set_value(last)
    run(at)
    assert len(_flow_sections(at)) == SHOWN_FLOWS + 1
    assert at.button(key=f"ia-focus-{last}")  # its section, with its button to the blueprint
    reasons = [item.value for item in at.markdown if 'class="ia-flow' in item.value]
    assert len(reasons) == SHOWN_FLOWS + 1


def test_the_chart_of_scores_says_which_flows_it_shows() -> None:
    at = opened(ESTATE)
    (chart,) = [expander for expander in at.expander if expander.label.startswith("Scores")]
    assert chart.label == f"Scores of the first {SHOWN_FLOWS} of {FLOWS} flows"
    (svg,) = [item.value for item in chart.markdown if "ia-score-chart" in item.value]
    assert svg.count('fill="#1f5fa8"') == SHOWN_FLOWS  # one API bar a flow charted


def test_many_flows_are_picked_for_their_questions_from_a_list() -> None:
    assert FLOWS > PILLS_AT_MOST
    at = opened(ESTATE)
    picker = at.selectbox(key=key(at, "flow-list"))
    assert len(picker.options) == FLOWS
    picker.set_value(FLOWS - 1)
    run(at)
    field = at.text_input(key=key(at, "flows", FLOWS - 1, "id"))
    assert field.value == ESTATE.flows[-1].id
    field.set_value("renamed-last")
    run(at)
    assert current(at).flows[-1].id == "renamed-last"


def test_a_rerun_with_the_same_answers_and_rules_keeps_its_result_and_drawing() -> None:
    """Opening a menu or expanding a section reruns the page: the answers and the rules are the
    same, so the result and the blueprint are the ones already made. A new answer or another
    view makes them again."""
    at = opened(ESTATE)
    result, drawing = at.session_state[LAST_ASSESSED][2], at.session_state[LAST_BLUEPRINT][2]
    run(at)
    assert at.session_state[LAST_ASSESSED][2] is result
    assert at.session_state[LAST_BLUEPRINT][2] is drawing
    at.segmented_control(key=VIEW_KEY).set_value("events")
    run(at)
    assert at.session_state[LAST_ASSESSED][2] is result
    assert at.session_state[LAST_BLUEPRINT][2].view == "events"
    at.text_input(key=key(at, "flows", 0, "id")).set_value("renamed-first")
    run(at)
    changed = at.session_state[LAST_ASSESSED][2]
    assert changed is not result and changed.flows[0].id == "renamed-first"
    assert at.session_state[LAST_BLUEPRINT][2].dot != drawing.dot
