"""The questionnaire's answers: to and from assessments, validation by field, and editing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from advisor.errors import InputError
from advisor.loader import load_assessment, parse_assessment
from advisor.models import Assessment
from advisor.questionnaire import (
    add_flow,
    answer_words,
    answers_from,
    apply_system_edits,
    blank_answers,
    choices,
    copy_flow,
    describe_delay,
    question,
    remove_flow,
    same_edits,
    to_data,
    validate_answers,
)
from advisor.ruleset import Ruleset
from tests.conftest import EXAMPLES
from tests.strategies import assessments

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def gifting() -> dict[str, Any]:
    return answers_from(load_assessment(EXAMPLES_BY_NAME["gifting-orders"]))


EXAMPLES_BY_NAME = {path.stem: path for path in EXAMPLES}


@SETTINGS
@given(assessments())
def test_answers_round_trip(assessment: Assessment) -> None:
    checked = validate_answers(answers_from(assessment))
    assert checked.problems == ()
    assert checked.assessment == assessment


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_examples_round_trip(example: Path) -> None:
    assessment = load_assessment(example)
    assert validate_answers(answers_from(assessment)).assessment == assessment


def test_answers_are_plain_data() -> None:
    answers = gifting()
    assert isinstance(answers["systems"], list) and isinstance(answers["flows"][1]["targets"], list)
    assert isinstance(answers["context"]["goals"], list)
    assert answers["flows"][0]["description"] == "The shopper pays and waits for the order number"


def test_a_blank_assessment_scores_nothing_and_says_what_comes_first() -> None:
    answers = blank_answers()
    assert (answers["systems"], answers["flows"]) == ([], [])
    checked = validate_answers(answers)
    assert checked.assessment is None
    assert checked.at("systems") == (
        "add the systems taking part (Systems: a row each; a flow links two)",
    )
    assert checked.at("flows")[0].startswith("add at least one flow")


def test_blanks_and_table_numbers_become_what_the_model_expects() -> None:
    answers = gifting()
    answers["description"] = ""
    answers["systems"][0].update(name="", owner=" ops ", api_rate_limit_per_minute=120.0)
    answers["flows"][0].update(description="", events_per_day=250.0)
    data = to_data(answers)
    assert "description" not in data and "name" not in data["systems"][0]
    assert data["systems"][0]["owner"] == " ops ", "what is typed is kept"
    assert data["systems"][0]["api_rate_limit_per_minute"] == 120
    assert data["flows"][0]["events_per_day"] == 250
    assert validate_answers(answers).assessment is not None


def same_words_as_the_loader(answers: dict[str, Any]) -> list[str]:
    """The messages `advisor assess` gives for the same answers written to a file."""
    import yaml

    with pytest.raises(InputError) as caught:
        parse_assessment(yaml.safe_dump(to_data(answers), sort_keys=False), "file.yaml")
    return [problem.message for problem in caught.value.problems]


def test_a_flow_naming_a_removed_system_is_flagged_on_its_field() -> None:
    answers = apply_system_edits(gifting(), {"deleted_rows": [1]})  # orders
    checked = validate_answers(answers)
    assert checked.assessment is None
    assert checked.at("flows", 0, "targets") == (
        "no system has the id 'orders'; did you mean 'courier'?",
    )
    assert checked.at("flows", 1, "source") == (
        "no system has the id 'orders'; did you mean 'courier'?",
    )
    assert [problem.message for problem in checked.problems] == same_words_as_the_loader(answers)
    assert str(checked.problems[0]).startswith("questionnaire: flows[0] (id: place-order).targets")


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (lambda a: a.update(name=""), ("name",), "must not be empty"),
        (lambda a: a["systems"][0].update(id="Shop Front"), ("systems", 0, "id"), "not a valid id"),
        (lambda a: a["systems"][1].update(id="storefront"), ("systems", 1, "id"), "used twice"),
        (lambda a: a["systems"][0].update(id=None), ("systems", 0, "id"), "needs an id"),
        (
            lambda a: a["flows"][0].update(targets=[]),
            ("flows", 0, "targets"),
            "choose at least one system",
        ),
        (
            lambda a: a["flows"][0].update(targets=["storefront"]),
            ("flows", 0, "targets"),
            "targets its own source",
        ),
        (lambda a: a["flows"][1].update(source=None), ("flows", 1, "source"), "choose a system"),
        (
            lambda a: a["flows"][1].update(max_delay_seconds=0.0),
            ("flows", 1, "max_delay_seconds"),
            "must be at least 0.001",
        ),
        (lambda a: a["flows"][1].update(id="place-order"), ("flows", 1, "id"), "used twice"),
        (lambda a: a.update(systems=[]), ("systems",), "add the systems taking part"),
    ],
)
def test_problems_land_on_their_field(change: Any, field: tuple[Any, ...], says: str) -> None:
    answers = gifting()
    change(answers)
    checked = validate_answers(answers)
    assert checked.assessment is None
    assert any(says in message for message in checked.at(*field)), checked.fields
    assert [problem.message for problem in checked.problems] == same_words_as_the_loader(answers)


def test_ids_with_odd_characters_still_place_their_problems() -> None:
    answers = gifting()
    answers["flows"][1]["id"] = "odd) .id["
    answers["flows"][1]["max_delay_seconds"] = 0
    checked = validate_answers(answers)
    assert checked.at("flows", 1, "id")
    assert checked.at("flows", 1, "max_delay_seconds")
    assert set(checked.fields) == {("flows", 1, "id"), ("flows", 1, "max_delay_seconds")}


def test_renaming_a_system_renames_it_in_the_flows() -> None:
    answers = gifting()
    before = copy.deepcopy(answers)
    renamed = apply_system_edits(answers, {"edited_rows": {1: {"id": "order-service"}}})
    assert answers == before, "the answers given are left alone"
    assert renamed["flows"][0]["targets"] == ["order-service"]
    assert renamed["flows"][1]["source"] == "order-service"
    assert validate_answers(renamed).assessment is not None


def test_renaming_onto_an_id_still_in_use_leaves_the_flows_alone() -> None:
    renamed = apply_system_edits(gifting(), {"edited_rows": {"1": {"id": "courier"}}})
    assert renamed["flows"][1]["source"] == "orders"
    assert "used twice" in validate_answers(renamed).at("systems", 3, "id")[0]


def test_table_edits_add_change_and_remove() -> None:
    edits = {
        "edited_rows": {0: {"name": "Web shop", "api_rate_limit_per_minute": 60.0}},
        "added_rows": [{"name": "Warehouse"}, {"id": "crm", "emits_events": True}],
        "deleted_rows": [4],
    }
    updated = apply_system_edits(gifting(), edits)
    assert [system["id"] for system in updated["systems"]] == [
        "storefront",
        "orders",
        "florists",
        "courier",
        "system-1",
        "crm",
    ]
    assert updated["systems"][0]["name"] == "Web shop"
    assert updated["systems"][0]["api_rate_limit_per_minute"] == 60
    assert updated["systems"][5]["emits_events"] is True
    checked = validate_answers(updated)
    assert checked.at("flows", 1, "targets")  # messaging was removed


def test_a_cleared_cell_clears_the_answer() -> None:
    updated = apply_system_edits(
        gifting(), {"edited_rows": {1: {"api_rate_limit_per_minute": None, "owner": ""}}}
    )
    assert updated["systems"][1]["api_rate_limit_per_minute"] is None
    assert updated["systems"][1]["owner"] is None
    assert validate_answers(updated).assessment is not None


def test_same_edits() -> None:
    empty = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    assert same_edits(empty, {})
    assert same_edits({"edited_rows": {"1": {"id": "x"}}}, {"edited_rows": {1: {"id": "x"}}})
    assert not same_edits({"edited_rows": {}, "added_rows": [{}], "deleted_rows": []}, empty)


def test_adding_copying_and_removing_flows() -> None:
    answers = gifting()
    added = add_flow(answers)
    assert len(answers["flows"]) == 2
    assert added["flows"][2]["id"] == "flow-1"
    assert (added["flows"][2]["source"], added["flows"][2]["targets"]) == ("storefront", ["orders"])
    copied = copy_flow(added, 2)
    assert [flow["id"] for flow in copied["flows"]] == [
        "place-order",
        "order-confirmed",
        "flow-1",
        "flow-2",
    ]
    assert [flow["id"] for flow in copy_flow(answers, 0)["flows"]][1] == "place-order-1"
    assert next(flow["id"] for flow in remove_flow(copied, 0)["flows"]) == "order-confirmed"
    assert validate_answers(copied).assessment is not None


def test_words_come_from_the_rules(ruleset: Ruleset) -> None:
    assert question(ruleset, "flow.trigger") == ruleset.questions["flow.trigger"]
    assert question(ruleset, "flow.unknown_thing").label == "Unknown thing"
    assert choices(ruleset, "flow.trigger") == {
        "user_action": "A user action",
        "data_change": "A data change",
        "schedule": "A schedule",
        "telemetry": "Telemetry",
    }
    brokers = choices(ruleset, "context.existing_broker")
    assert brokers["kafka"] == ruleset.broker("kafka").name
    assert brokers["none"] == "None"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.5, "0.5 seconds"),
        (1, "1 second"),
        (90, "1.5 minutes"),
        (3600, "1 hour"),
        (86_400 * 2, "2 days"),
        (None, ""),
        (0, ""),
        (float("inf"), ""),
    ],
)
def test_describe_delay(seconds: float | None, words: str) -> None:
    assert describe_delay(seconds) == words


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("name", "Context › What is the integration called?"),
        ("context.stage", "Context › How far has the business grown?"),
        ("flows.order-placed", "Flows › order-placed"),
        ("flows.order-placed.trigger", "Flows › order-placed › What starts it?"),
        ("systems.crm.emits_events", "Systems › crm › Can it publish its changes?"),
        ("something.else", "something.else"),
    ],
)
def test_a_compared_answer_is_named_in_the_questionnaires_words(
    ruleset: Ruleset, path: str, words: str
) -> None:
    assert answer_words(ruleset, path) == words
