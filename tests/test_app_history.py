"""Undo and redo, what-ifs applied to the answers, the scores chart and what confidence means,
driven through Streamlit's AppTest: no browser, the real script."""

from __future__ import annotations

import copy
import html
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from advisor.advice import assess
from advisor.loader import load_assessment
from advisor.models import Assessment, Change
from advisor.questionnaire import UNCONFIRMED, answers_from, validate_answers
from advisor.ruleset import Ruleset
from advisor.share import encode_link
from advisor.webapp.history import LIMIT, applied, describe, snapshot
from advisor.webapp.results import CHANGE_BUTTONS, CHART_OPEN
from advisor.webapp.text import markdown_text
from advisor.wording import STYLE_NAMES, format_confidence, format_score
from tests.conftest import EXAMPLES, ROOT
from tests.synthetic import generated_estate
from tests.test_app import STATUS_SYNC

CORPUS = ROOT / "tests" / "corpus"

APP = ROOT / "app.py"
GIFTING = load_assessment(ROOT / "examples" / "gifting-orders.yaml")
CLINIC = load_assessment(ROOT / "examples" / "clinic-documents.yaml")

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def opened(assessment: Assessment | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if assessment is not None:
        at.query_params["a"] = encode_link(assessment)
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def key(at: AppTest, *path: Any) -> str:
    return f"g{at.session_state['generation']}:" + ".".join(map(str, path))


def press(at: AppTest, button_key: str) -> AppTest:
    at.button(key=button_key).click()
    return run(at)


def recommendation(at: AppTest) -> str:
    (card,) = [item.value for item in at.markdown if 'class="ia-card' in item.value]
    return card.split('<div class="ia-style">', 1)[1].split("<", 1)[0]


def current(at: AppTest) -> Assessment:
    assessment = validate_answers(at.session_state["answers"]).assessment
    assert assessment is not None
    return assessment


def captions(at: AppTest) -> list[str]:
    return [item.value for item in at.caption]


def undoable(at: AppTest) -> bool:
    return not at.button(key="ia-undo").disabled


def redoable(at: AppTest) -> bool:
    return not at.button(key="ia-redo").disabled


# ---------------------------------------------------------------------------------------------
# Undo and redo
# ---------------------------------------------------------------------------------------------


def test_undo_and_redo_an_answer() -> None:
    at = opened(STATUS_SYNC)
    assert recommendation(at) == "Event-driven"
    assert not undoable(at) and not redoable(at)

    at.toggle(key=key(at, "flows", 0, "needs_response")).set_value(True)
    run(at)
    assert recommendation(at) == "API-driven"
    assert undoable(at) and not redoable(at)
    assert "needs response of flow" in at.button(key="ia-undo").help

    press(at, "ia-undo")
    assert current(at) == STATUS_SYNC
    assert recommendation(at) == "Event-driven"
    assert at.toggle(key=key(at, "flows", 0, "needs_response")).value is False  # seeded afresh
    assert not undoable(at) and redoable(at)

    press(at, "ia-redo")
    assert current(at).flows[0].needs_response is True
    assert recommendation(at) == "API-driven"
    assert at.toggle(key=key(at, "flows", 0, "needs_response")).value is True
    assert undoable(at) and not redoable(at)


def test_a_new_change_drops_what_could_be_redone() -> None:
    at = opened(STATUS_SYNC)
    at.toggle(key=key(at, "flows", 0, "needs_response")).set_value(True)
    run(at)
    press(at, "ia-undo")
    assert redoable(at)
    at.number_input(key=key(at, "flows", 0, "events_per_day")).set_value(3000)
    run(at)
    assert not redoable(at)
    press(at, "ia-undo")
    assert current(at) == STATUS_SYNC
    assert not undoable(at)


@pytest.mark.slow  # a hundred runs of the app
def test_the_history_keeps_the_last_changes_only() -> None:
    at = opened(STATUS_SYNC)
    for number in range(LIMIT + 2):
        at.text_input(key=key(at, "name")).input(f"Invoice status {number}")
        run(at)
    undone = 0
    while undoable(at):
        press(at, "ia-undo")
        undone += 1
    assert undone == LIMIT
    assert current(at).name == "Invoice status 1"  # the two oldest changes were dropped
    assert f"The last {LIMIT} changes can be undone" in at.button(key="ia-undo").help


def test_the_history_shares_what_did_not_change() -> None:
    """Each step keeps the flows and systems it did not change as the step before holds them,
    never as the live answers (which widgets change in place), and never one object twice."""
    before = answers_from(GIFTING)
    seen = snapshot(before, {})
    assert seen == before and seen["flows"][0] is not before["flows"][0]
    after = copy.deepcopy(before)
    after["flows"][1]["payload_kb"] = 900
    later = snapshot(after, seen)
    assert later == after
    assert later["flows"][0] is seen["flows"][0]
    assert later["systems"][2] is seen["systems"][2]
    assert later["flows"][1] is not seen["flows"][1] and later["flows"][1] is not after["flows"][1]
    twins = copy.deepcopy(before)
    twins["flows"].append(copy.deepcopy(twins["flows"][0]))
    again = snapshot(twins, seen)
    assert again == twins
    assert again["flows"][0] is seen["flows"][0] and again["flows"][2] is not again["flows"][0]


def test_removing_a_flow_says_so_and_undo_brings_it_back() -> None:
    at = opened(GIFTING)
    (remove,) = [button for button in at.button if button.label == "Remove"]
    remove.click()
    run(at)
    assert [flow.id for flow in current(at).flows] == ["order-confirmed"]
    assert markdown_text("Removed flow “place-order”") + ". Undo brings it back." in captions(at)
    press(at, "ia-undo")
    assert current(at) == GIFTING
    assert not any(text.startswith("Removed") for text in captions(at))


def test_undo_puts_the_systems_table_back() -> None:
    at = opened(GIFTING)
    table = f"t{at.session_state['table'][0]}:systems"
    at.session_state[table] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [4],
    }
    run(at)
    assert [system["id"] for system in at.session_state["answers"]["systems"]] == [
        "storefront",
        "orders",
        "florists",
        "courier",
    ]
    assert markdown_text("Removed system “messaging”") + ". Undo brings it back." in captions(at)
    press(at, "ia-undo")
    assert current(at) == GIFTING
    assert f"t{at.session_state['table'][0]}:systems" != table  # drawn afresh from the answers


def test_opening_another_example_can_be_undone() -> None:
    at = opened(STATUS_SYNC)
    at.selectbox(key=key(at, "example")).set_value("gifting-orders.yaml")
    run(at)
    assert current(at) == GIFTING
    assert markdown_text("Opened “Gifting platform orders”") in at.button(key="ia-undo").help
    press(at, "ia-undo")
    assert current(at) == STATUS_SYNC


def test_a_file_opened_can_be_undone() -> None:
    example = ROOT / "examples" / "fleet-telematics.yaml"
    at = opened(STATUS_SYNC)
    at.file_uploader[0].set_value((example.name, example.read_bytes(), "application/yaml"))
    run(at)
    assert current(at) == load_assessment(example)
    assert undoable(at)
    assert markdown_text("Opened “Fleet telematics”") in at.button(key="ia-undo").help
    press(at, "ia-undo")
    assert current(at) == STATUS_SYNC


def test_what_changed_in_words() -> None:
    before = answers_from(GIFTING)
    after = copy.deepcopy(before)
    after["flows"][1]["payload_kb"] = 900
    assert describe(before, after) == ("Changed the payload kb of flow “order-confirmed”", False)
    after = copy.deepcopy(before)
    after["context"]["stage"] = "scaling"
    assert describe(before, after) == ("Changed the stage", False)
    after = copy.deepcopy(before)
    del after["flows"][0]
    assert describe(before, after) == ("Removed flow “place-order”", True)
    after = copy.deepcopy(before)
    after["systems"][0]["id"] = "shop"
    assert describe(before, after) == ("Renamed system “storefront” to “shop”", False)
    after = copy.deepcopy(before)
    after["name"], after["description"] = "Other", "Another text"
    assert describe(before, after) == ("Changed 2 answers", False)


def test_the_marks_of_defaults_are_not_counted_as_answers() -> None:
    before = answers_from(GIFTING)
    before["flows"][1][UNCONFIRMED] = ["payload_kb", "ordering"]
    after = copy.deepcopy(before)
    after["flows"][1]["payload_kb"] = 900
    after["flows"][1][UNCONFIRMED] = ["ordering"]
    assert describe(before, after) == ("Changed the payload kb of flow “order-confirmed”", False)
    del after["flows"][1][UNCONFIRMED]
    after["flows"][1]["payload_kb"] = before["flows"][1]["payload_kb"]
    assert describe(before, after) == ("Kept answers at their defaults", False)


def test_an_applied_what_if_is_the_users_answer(ruleset: Ruleset) -> None:
    """A value a what-if puts in place is no longer a default still to be confirmed."""
    answers = answers_from(CLINIC)
    changes = assess(CLINIC, ruleset).what_would_change or ()
    (change,) = [change for change in changes if change.field.endswith(".payload_kb")]
    answers["flows"][0][UNCONFIRMED] = ["payload_kb", "ordering"]
    found = applied(answers, change)
    assert found is not None
    assert found[0]["flows"][0][UNCONFIRMED] == ["ordering"]
    assert answers["flows"][0][UNCONFIRMED] == ["payload_kb", "ordering"]  # left as it was


# ---------------------------------------------------------------------------------------------
# What-ifs
# ---------------------------------------------------------------------------------------------


def _flipped(assessment: Assessment, change: Change, ruleset: Ruleset) -> bool:
    result = assess(assessment, ruleset)
    if change.scope == "integration":
        return result.recommendation == change.outcome
    (flow,) = [flow for flow in result.flows if flow.id == change.flow]
    return flow.style == change.outcome


def _cases() -> list[tuple[str, Assessment]]:
    corpus = [
        (path.stem, Assessment.model_validate(yaml.safe_load(path.read_text())["assessment"]))
        for path in sorted(CORPUS.glob("*.yaml"))
    ]
    return [(path.stem, load_assessment(path)) for path in EXAMPLES] + corpus


def test_every_what_if_gives_the_answer_it_promises(ruleset: Ruleset) -> None:
    """Applied to the answers, each change of every example and corpus case gives the style it
    says, moving that answer alone (a consumer it adds becomes a system of its own)."""
    kinds = set()
    for name, assessment in _cases():
        for change in assess(assessment, ruleset).what_would_change or ():
            found = applied(answers_from(assessment), change)
            assert found is not None, (name, change.field)
            answers, flow = found
            checked = validate_answers(answers)
            assert checked.assessment is not None, (name, change.field, checked.problems)
            assert _flipped(checked.assessment, change, ruleset), (name, change.summary)
            after = checked.assessment.model_dump(mode="json")
            before = assessment.model_dump(mode="json")
            scope, _, rest = change.field.partition(".")
            owner, _, field = rest.rpartition(".")
            kinds.add((scope, field))
            if scope == "context":
                assert after["context"] == {**before["context"], field: change.proposed}
                assert after["flows"] == before["flows"] and flow is None
                continue
            items = {item["id"]: item for item in after[scope]}
            assert items[owner] == {**items[owner], field: change.proposed}
            assert after["context"] == before["context"]
            if scope == "flows":
                assert after["flows"][flow]["id"] == owner
    assert kinds >= {
        ("context", "stage"),
        ("context", "goals"),
        ("systems", "emits_events"),
        ("systems", "api_rate_limit_per_minute"),
        ("flows", "targets"),
        ("flows", "max_delay_seconds"),
        ("flows", "needs_response"),
    }


def test_a_what_if_that_no_longer_fits_the_answers_is_not_applied() -> None:
    change = Change(
        scope="flow",
        flow="gone",
        field="flows.gone.payload_kb",
        current=1,
        proposed=2,
        outcome="api",
        summary="If a flow that is gone were smaller.",
    )
    assert applied(answers_from(GIFTING), change) is None


def test_applying_a_what_if_shows_its_answer_and_undo_takes_it_back(ruleset: Ruleset) -> None:
    at = opened(CLINIC)
    changes = assess(CLINIC, ruleset).what_would_change
    assert changes
    blueprint_before = at.get("iframe")[0].proto.srcdoc
    for number, change in enumerate(changes):
        at.button(key=f"ia-apply-{number}").click()
        run(at)
        assert _flipped(current(at), change, ruleset), change.summary
        if change.scope == "integration":
            assert recommendation(at) == STYLE_NAMES[change.outcome]
        assert at.get("iframe")[0].proto.srcdoc != blueprint_before
        assert markdown_text(f"Applied: {change.summary}") in captions(at)
        assert markdown_text(f"Applied: {change.summary}") in at.button(key="ia-undo").help
        press(at, "ia-whatif-undo")
        assert current(at) == CLINIC
        assert at.get("iframe")[0].proto.srcdoc == blueprint_before
        assert not any(text.startswith("Applied") for text in captions(at))
    press(at, "ia-redo")
    assert _flipped(current(at), changes[-1], ruleset)


# ---------------------------------------------------------------------------------------------
# The scores chart and confidence
# ---------------------------------------------------------------------------------------------


def test_the_chart_shows_every_flows_scores(ruleset: Ruleset) -> None:
    at = opened(CLINIC)
    (chart,) = [item.value for item in at.markdown if "ia-score-chart" in item.value]
    result = assess(CLINIC, ruleset)
    for flow in result.flows:
        said = (
            f"{flow.id} ({STYLE_NAMES[flow.style]}): API {format_score(flow.scores.api)}, "
            f"events {format_score(flow.scores.event)}"
        )
        assert html.escape(said) in chart.split("<title>", 1)[1].split("</title>", 1)[0]
        assert f">{html.escape(flow.id)} · {STYLE_NAMES[flow.style]}</text>" in chart
    assert chart.count("<rect") == 4 * len(result.flows)  # a track and a bar per score
    assert "<script" not in chart and "href" not in chart


def test_a_long_chart_is_folded() -> None:
    copies = tuple(
        GIFTING.flows[1].model_copy(update={"id": f"confirmed-{n}"}) for n in range(CHART_OPEN)
    )
    many = GIFTING.model_copy(update={"flows": (*GIFTING.flows, *copies)})
    at = opened(many)
    total = len(many.flows)
    (folded,) = [item for item in at.expander if item.label == f"Scores of the {total} flows"]
    (chart,) = [item.value for item in folded.markdown if "ia-score-chart" in item.value]
    assert chart.count("<rect") == 4 * total
    at = opened(GIFTING)
    assert not [item for item in at.expander if item.label.startswith("Scores of the")]
    assert [item for item in at.markdown if "ia-score-chart" in item.value]


def test_confidence_reads_as_in_the_reports_with_what_it_means(ruleset: Ruleset) -> None:
    at = opened(CLINIC)
    result = assess(CLINIC, ruleset)
    (card,) = [item.value for item in at.markdown if 'class="ia-card' in item.value]
    assert f"confidence {format_confidence(result.confidence)} ·" in card
    assert "0.88" not in card and str(result.confidence) not in card
    assert "50% is a dead heat, 100% a lead of 70 points or more" in card
    assert "It is not a probability." in card
    assert "mean of the 2 flows' confidences" in html.unescape(card)
    flows = " ".join(item.value for item in at.markdown if 'class="ia-flow' in item.value)
    for flow in result.flows:
        lead = abs(flow.scores.api - flow.scores.event)
        side = "API" if flow.scores.api > flow.scores.event else "events"
        assert (
            f"confidence {format_confidence(flow.confidence)} ({side} "
            f"{format_score(lead)} points ahead)" in flows
        )


def test_one_flow_needs_no_word_on_means() -> None:
    at = opened(STATUS_SYNC)
    (card,) = [item.value for item in at.markdown if 'class="ia-card' in item.value]
    assert "It is not a probability." in card
    assert "mean of the" not in card


def test_changes_past_those_with_a_button_are_applied_from_one_list(ruleset: Ruleset) -> None:
    """An estate of many flows has more changes than buttons: the others are picked from a list
    (the page stays quick to draw), and the one picked is the one applied."""
    estate = generated_estate(40)
    changes = assess(estate, ruleset).what_would_change
    assert changes is not None and len(changes) > CHANGE_BUTTONS + 1
    at = opened(estate)
    assert [button.key for button in at.button if (button.key or "").startswith("ia-apply-")] == [
        *(f"ia-apply-{number}" for number in range(CHANGE_BUTTONS)),
        "ia-apply-other",
    ]
    last = len(changes) - CHANGE_BUTTONS - 1
    at.selectbox(key="ia-change-pick").set_value(last)
    run(at)
    press(at, "ia-apply-other")
    assert _flipped(current(at), changes[-1], ruleset), changes[-1].summary
    assert markdown_text(f"Applied: {changes[-1].summary}") in captions(at)
