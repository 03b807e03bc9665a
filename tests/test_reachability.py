"""Broker choices that can never be chosen: found when they are, never claimed when they are not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.facts import FACTS
from advisor.loader import load_rules
from advisor.reachability import Dead, dead_choices
from advisor.ruleset import BrokerChoice, Ruleset, compile_condition


def with_choices(tmp_path: Path, choices: list[dict[str, Any]], **more: Any) -> Ruleset:
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump({"broker_selection": choices, **more}), encoding="utf-8")
    return load_rules([path])


AZURE = {"fact": "context.cloud", "op": "eq", "value": "azure"}


def choice(id_: str, when: dict[str, Any] | None = None, choose: str = "kafka") -> dict[str, Any]:
    return {"id": id_, "choose": choose, "why": "Ours.", **({"when": when} if when else {})}


def test_the_default_choices_are_all_reachable(ruleset: Ruleset) -> None:
    assert dead_choices(ruleset.broker_selection) == []


def test_an_added_choice_behind_a_default_with_the_same_condition(tmp_path: Path) -> None:
    ruleset = with_choices(tmp_path, [choice("our-kafka", AZURE)])
    assert dead_choices(ruleset.broker_selection) == [Dead("our-kafka", ("azure-managed",))]


def test_reusing_the_default_s_id_or_disabling_it_makes_it_reachable(tmp_path: Path) -> None:
    replaced = with_choices(tmp_path, [choice("azure-managed", AZURE)])
    assert dead_choices(replaced.broker_selection) == []
    disabled = with_choices(tmp_path, [choice("our-kafka", AZURE)], disable=["azure-managed"])
    assert dead_choices(disabled.broker_selection) == []


@pytest.mark.parametrize(
    "when",
    [
        None,  # a fallback of ours: it comes before the default one
        {"fact": "context.goals", "op": "contains", "value": "decoupling"},
        {"fact": "integration.max_consumers", "op": "ge", "value": 40},
        {
            "all": [
                {"fact": "context.cloud", "op": "eq", "value": "on_prem"},
                {"fact": "context.team_event_experience", "op": "eq", "value": "strong"},
            ]
        },
    ],
)
def test_choices_that_can_win_are_not_reported(tmp_path: Path, when: dict[str, Any]) -> None:
    ruleset = with_choices(tmp_path, [choice("ours", when)])
    assert "ours" not in {dead.choice for dead in dead_choices(ruleset.broker_selection)}


def test_several_earlier_choices_can_cover_one_together(tmp_path: Path) -> None:
    """Kafka for AWS or Google Cloud: aws-managed and gcp-managed each cover a part."""
    either = {"fact": "context.cloud", "op": "in", "value": ["aws", "gcp"]}
    ruleset = with_choices(tmp_path, [choice("ours", either)])
    (dead,) = dead_choices(ruleset.broker_selection)
    assert dead.choice == "ours"
    assert {"aws-managed", "gcp-managed"} <= set(dead.winners)
    assert len(dead.winners) > 1


def test_a_question_too_large_is_left_open() -> None:
    first = BrokerChoice.model_validate({"id": "a", "choose": "kafka", "why": "x", "when": AZURE})
    second = BrokerChoice.model_validate({"id": "b", "choose": "kafka", "why": "x", "when": AZURE})
    assert dead_choices([first, second]) == [Dead("b", ("a",))]
    assert dead_choices([first, second], budget=2) == []  # 5 clouds: more than 2 combinations


# Any integration's facts, far from the constants the rules compare with too.
_FACT_VALUES = {
    name: (
        st.booleans()
        if fact.kind == "bool"
        else st.sampled_from(fact.values)
        if fact.kind == "enum"
        else st.frozensets(st.sampled_from(fact.values))
        if fact.kind == "set"
        else st.one_of(st.integers(0, 10**9), st.floats(0, 1e9, allow_nan=False))
    )
    for name, fact in FACTS.items()
    if "integration" in fact.scopes
}


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ruleset, set[str]]:
    """Two choices of ours behind defaults with the same conditions, and one that can win;
    and the choices found dead."""
    ruleset = with_choices(
        tmp_path_factory.mktemp("rules"),
        [
            choice("ours-azure", AZURE),
            choice("ours-aws", {"fact": "context.cloud", "op": "eq", "value": "aws"}),
            choice("ours-busy", {"fact": "integration.peak_per_second", "op": "gt", "value": 7}),
        ],
    )
    return ruleset, {item.choice for item in dead_choices(ruleset.broker_selection)}


@settings(max_examples=300, deadline=None)
@given(facts=st.fixed_dictionaries(_FACT_VALUES))
def test_a_choice_found_dead_is_never_the_one_chosen(
    ours: tuple[Ruleset, set[str]], facts: dict[str, Any]
) -> None:
    """Whatever the integration, the first choice that holds is never one reported dead."""
    ruleset, dead = ours
    assert dead == {"ours-azure", "ours-aws"}
    chosen = next(
        item.id
        for item in ruleset.broker_selection
        if item.when is None or compile_condition(item.when)(facts)
    )
    assert chosen not in dead


def test_only_the_choices_asked_about(tmp_path: Path) -> None:
    ruleset = with_choices(tmp_path, [choice("our-kafka", AZURE)])
    assert dead_choices(ruleset.broker_selection, only={"direct-webhooks"}) == []
    assert dead_choices(ruleset.broker_selection, only={"our-kafka"}) == [
        Dead("our-kafka", ("azure-managed",))
    ]
