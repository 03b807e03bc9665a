"""The answers in the web app, driven through Streamlit's AppTest: a blank start that scores
nothing, answers still at their defaults, a result kept while answers are incomplete, numbers
refused at their field, delays in a person's units, selects that hold ids."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from advisor.questionnaire import UNCONFIRMED, validate_answers
from tests.test_app import (
    current,
    flags,
    key,
    opened,
    problems_listed,
    recommendation,
    run,
    table_key,
)

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def texts(at: AppTest) -> str:
    return " ".join(item.value for item in at.markdown)


def captions(at: AppTest) -> str:
    return " ".join(item.value for item in at.caption)


def status(at: AppTest) -> str:
    (line,) = [item.value for item in at.markdown if 'class="ia-status' in item.value]
    return line


def button(at: AppTest, label: str, number: int = 0) -> Any:
    return [item for item in at.button if item.label == label][number]


def blank(at: AppTest) -> AppTest:
    button(at, "A blank assessment").click()
    return run(at)


def with_two_systems(at: AppTest) -> AppTest:
    at.session_state[table_key(at)] = {
        "edited_rows": {},
        "added_rows": [{"id": "shop", "name": "Shop"}, {"id": "stock", "name": "Stock"}],
        "deleted_rows": [],
    }
    return run(at)


def pick_flow(at: AppTest, index: int) -> AppTest:
    at.button_group(key=key(at, "flow-picker")).set_value(index)
    return run(at)


# ---------------------------------------------------------------------------------------------
# A blank start, and what is still a default


def test_a_blank_assessment_scores_nothing_and_says_where_to_start() -> None:
    at = blank(opened())
    answers = at.session_state["answers"]
    assert (answers["systems"], answers["flows"]) == ([], [])
    assert not [
        item
        for item in at.markdown
        if 'class="ia-style">Start here' not in item.value and 'class="ia-style"' in item.value
    ], "no recommendation is shown"
    assert "Start here" in texts(at)
    assert not at.get("iframe"), "no blueprint of an invented flow"
    assert "Systems</b>: add the systems taking part" in problems_listed(at)
    assert "Confirmed: 0 of 6 answers" in captions(at)


def test_a_new_flow_is_not_counted_until_one_of_its_answers_is_touched() -> None:
    at = with_two_systems(blank(opened()))
    button(at, "Add a flow").click()
    run(at)
    assert validate_answers(at.session_state["answers"]).assessment is None
    assert "Start here" in texts(at)
    picker = at.button_group(key=key(at, "flow-picker"))
    assert [picker.proto.options[0].content] == ["flow\\-1 · new"]
    assert "New flow: not counted" in texts(at)

    at.button_group(key=key(at, "flows", 0, "trigger")).set_value("user_action")
    run(at)
    assert [flow.id for flow in current(at).flows] == ["flow-1"]
    assert recommendation(at) in ("API-driven", "Event-driven", "Hybrid")
    said = status(at)
    assert "rests on" in said and "still at the questionnaire&#x27;s defaults" in said
    assert "Flows 11" in said, "twelve answers a flow, one of them touched"


def test_a_new_flow_beside_counted_ones_is_said_in_a_sentence() -> None:
    at = opened()
    button(at, "Add a flow").click()
    run(at)
    said = status(at)
    assert "This recommendation does not count 1 new flow yet (answer its questions)." in said


def test_keeping_the_defaults_confirms_them_section_by_section() -> None:
    at = with_two_systems(blank(opened()))
    button(at, "Add a flow").click()
    run(at)
    assert "Systems 0 of 4" in captions(at), "a new row's publishing and rate limit: defaults"
    for _ in range(3):  # Context, Systems, the flow: each has its own button
        button(at, "Keep these defaults").click()
        run(at)
    assert not any(UNCONFIRMED in flow for flow in at.session_state["answers"]["flows"])
    assert "Every answer confirmed" in captions(at)
    assert "Every answer confirmed" in status(at)
    assert [flow.id for flow in current(at).flows] == ["flow-1"], "kept: counted as it is"


def test_an_example_s_answers_are_all_confirmed() -> None:
    at = opened()
    assert "Every answer confirmed" in captions(at)
    assert "Every answer confirmed" in status(at)
    assert not [button for button in at.button if button.label == "Keep these defaults"]


# ---------------------------------------------------------------------------------------------
# A select holds the id whatever its label


def test_renaming_a_system_keeps_every_flow_that_uses_it() -> None:
    at = opened()
    select_before = key(at, "flows", 0, "targets") + at_variant(at, 0, "targets")
    at.session_state[table_key(at)] = {
        "edited_rows": {1: {"name": "Warehouse"}},  # orders: a target of place-order
        "added_rows": [],
        "deleted_rows": [],
    }
    run(at)
    at.number_input(key=key(at, "flows", 0, "events_per_day")).set_value(3000)  # anything else
    run(at)
    assert current(at).flows[0].targets == ("orders",)
    assert current(at).flows[1].source == "orders"
    assert recommendation(at) == "Hybrid"
    assert not flags(at)
    (targets,) = [item for item in at.multiselect if item.label == "Which systems receive it?"]
    assert targets.value == ["orders"]
    assert "Warehouse (orders)" in targets.options
    # The browser holds a select's label, not its value: with new labels the select starts
    # afresh from the answer (tests/test_browser_answers.py shows what a stale label did).
    assert targets.key != select_before


# ---------------------------------------------------------------------------------------------
# Incomplete answers: the last result stays, out of date; the problem at its question


def test_a_moment_of_invalid_input_keeps_the_last_result_out_of_date() -> None:
    at = pick_flow(opened(), 1)  # order-confirmed: orders to florists, courier, messaging
    before = above_the_questions(at)
    at.selectbox(key=key(at, "flows", 1, "source") + at_variant(at, 1, "source")).set_value(
        "florists"
    )
    run(at)
    assert current_is_incomplete(at)
    assert recommendation(at) == "Hybrid", "the last good answer stays on screen"
    assert "Out of date" in status(at)
    assert len(at.get("iframe")) == 1, "and its blueprint"
    assert any('class="ia-flow ' in item.value for item in at.markdown), "and its reasons"
    listed = problems_listed(at)
    assert "Flows › order-confirmed › Which systems receive it?" in listed
    assert "targets its own source" in listed
    assert "flows[1]" not in listed, "in the questionnaire's words, not the file's"
    assert any("targets its own source" in flag for flag in flags(at))
    assert above_the_questions(at) == before, "the questions stay where they were"

    (targets,) = [item for item in at.multiselect if item.label == "Which systems receive it?"]
    targets.set_value(["courier", "messaging"])
    run(at)
    assert current(at).flows[1].source == "florists"
    assert "Out of date" not in status(at)
    assert not flags(at)


def above_the_questions(at: AppTest) -> list[str]:
    """What the page shows from the answer's status line down to the questions, by kind."""
    shown = list(at.main)
    start = next(
        n for n, item in enumerate(shown) if 'class="ia-status' in str(getattr(item, "value", ""))
    )
    end = next(
        n
        for n, item in enumerate(shown)
        if "Describe the integration" in str(getattr(item, "value", ""))
    )
    return [type(item).__name__ for item in shown[start:end]]


def at_variant(at: AppTest, flow: int, name: str) -> str:
    """The suffix of a system select's key (a digest of the labels it shows)."""
    prefix = key(at, "flows", flow, name)
    (found,) = [
        item.key
        for item in [*at.selectbox, *at.multiselect]
        if item.key and item.key.startswith(prefix)
    ]
    return found[len(prefix) :]


def current_is_incomplete(at: AppTest) -> bool:
    return validate_answers(at.session_state["answers"]).assessment is None


# ---------------------------------------------------------------------------------------------
# Numbers out of their bounds, and delays in units


def test_an_out_of_range_number_is_refused_at_its_field_with_the_bound() -> None:
    at = opened()
    box = key(at, "flows", 0, "events_per_day")
    at.number_input(key=box).set_value(-5)
    run(at)
    assert at.session_state["answers"]["flows"][0]["events_per_day"] == 2500
    assert at.number_input(key=box).value == 2500, "the box shows the answer kept"
    assert any("-5 is too small: the least allowed is 1; kept 2,500." in f for f in flags(at))
    assert recommendation(at) == "Hybrid"

    at.number_input(key=box).set_value(2_000_000_000_000)
    run(at)
    assert any("the most allowed is 1,000,000,000,000; kept 2,500" in f for f in flags(at))

    at.number_input(key=box).set_value(2600)
    run(at)
    assert current(at).flows[0].events_per_day == 2600
    assert not flags(at), "a value taken clears what was said"


def test_a_delay_is_entered_in_a_unit_and_refused_out_of_its_bounds() -> None:
    at = opened()
    amount, unit = (
        key(at, "flows", 0, "max_delay_seconds"),
        key(at, "flows", 0, "max_delay_seconds"),
    )
    unit += "~unit"
    assert (at.number_input(key=amount).value, at.selectbox(key=unit).value) == (3, "seconds")
    at.selectbox(key=unit).set_value("minutes")
    run(at)
    assert current(at).flows[0].max_delay_seconds == 180
    at.number_input(key=amount).set_value(1.5)
    run(at)
    assert current(at).flows[0].max_delay_seconds == 90
    at.selectbox(key=unit).set_value("days")
    run(at)
    assert current(at).flows[0].max_delay_seconds == 1.5 * 86_400, "the number, in the new unit"
    at.number_input(key=amount).set_value(4000)
    run(at)
    assert current(at).flows[0].max_delay_seconds == 1.5 * 86_400
    assert any(
        "4,000 days is too large: the most allowed is 10 years; kept 1.5 days." in f
        for f in flags(at)
    )
    assert (at.number_input(key=amount).value, at.selectbox(key=unit).value) == (1.5, "days")


def test_the_delay_question_says_its_units_with_examples(ruleset: Any) -> None:
    asked = ruleset.questions["flow.max_delay_seconds"]
    assert "(seconds)" not in asked.label
    assert "minutes" in asked.help and "1 day" in asked.help


# ---------------------------------------------------------------------------------------------
# The Open menu


def test_the_open_menu_closes_once_something_is_opened() -> None:
    at = opened()
    at.session_state["open-menu"] = True
    blank(at)
    assert at.session_state["open-menu"] is False
    at.session_state["open-menu"] = True
    run(at)
    at.selectbox(key=key(at, "example")).set_value("fleet-telematics.yaml")
    run(at)
    assert at.session_state["open-menu"] is False
    assert current(at).name == "Fleet telematics"


def test_a_rate_limit_out_of_bounds_in_the_table_is_flagged_not_dropped() -> None:
    at = opened()
    at.session_state[table_key(at)] = {
        "edited_rows": {1: {"api_rate_limit_per_minute": 0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    run(at)
    assert at.session_state["answers"]["systems"][1]["api_rate_limit_per_minute"] == 0
    assert any("API calls allowed a minute: must be at least 1" in flag for flag in flags(at))
    assert "Out of date" in status(at)


# ---------------------------------------------------------------------------------------------
# The pure parts: marks that travel with the table's rows, bounds, units


def test_a_new_row_s_defaults_stay_marked_until_changed_or_kept() -> None:
    from advisor.questionnaire import answers_from, apply_system_edits, keep_defaults, progress
    from tests.test_app import GIFTING

    answers = answers_from(GIFTING)
    added = {"edited_rows": {}, "added_rows": [{"id": "crm"}], "deleted_rows": []}
    once = apply_system_edits(answers, added)
    assert once["systems"][-1][UNCONFIRMED] == ["emits_events", "api_rate_limit_per_minute"]
    assert progress(once).section("Systems").confirmed == 10
    typed = {**added, "added_rows": [{"id": "crm", "api_rate_limit_per_minute": 60}]}
    twice = apply_system_edits(once, typed, base=answers["systems"], previous=added)
    assert twice["systems"][-1][UNCONFIRMED] == ["emits_events"]
    kept = keep_defaults(twice, "Systems")
    assert UNCONFIRMED not in kept["systems"][-1]
    owner = {**typed, "edited_rows": {0: {"owner": "web team"}}}
    again = apply_system_edits(kept, owner, base=answers["systems"], previous=typed)
    assert UNCONFIRMED not in again["systems"][-1], "kept defaults stay kept"


def test_bounds_come_from_the_model() -> None:
    from advisor.models import MAX_DELAY_SECONDS
    from advisor.questionnaire import bounds, out_of_range, say_delay

    assert bounds("flow.max_delay_seconds").high == MAX_DELAY_SECONDS
    assert out_of_range("flow.payload_kb", 0) == "is too small: it must be more than 0"
    assert out_of_range("flow.items_polled_one_by_one", 1.5) == "must be a whole number"
    assert out_of_range("flow.max_delay_seconds", 0.0005, say_delay) == (
        "is too small: the least allowed is 0.001 seconds"
    )
    assert out_of_range("flow.events_per_day", 1) is None


def test_delays_in_a_person_s_units() -> None:
    from advisor.questionnaire import delay_in_units, delay_seconds

    assert delay_in_units(90) == (1.5, "minutes")
    assert delay_in_units(100) == (100, "seconds")
    assert delay_in_units(3600) == (1, "hours")
    assert delay_in_units(0.5) == (0.5, "seconds")
    assert delay_in_units(7 * 86_400) == (7, "days")
    assert delay_seconds(1.5, "hours") == 5400


def test_whole_numbers_are_known_from_the_model() -> None:
    from advisor.questionnaire import bounds

    assert bounds("flow.events_per_day").whole
    assert bounds("system.api_rate_limit_per_minute").whole, "an optional whole number too"
    assert not bounds("flow.peak_per_second").whole
