"""The decision-quality corpus: tests/corpus/*.yaml, realistic integrations with the answer an
experienced architect gives, drawn from public practice. The advisor must agree with each one
(`python tests/corpus/agreement.py` measures the agreement as a whole)."""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from advisor.advice import assess
from advisor.models import Assessment
from advisor.ruleset import Ruleset

CORPUS_DIR = Path(__file__).parent / "corpus"
DOMAINS = {
    "payments",
    "healthcare",
    "logistics",
    "iot",
    "saas-webhooks",
    "data-warehouse",
    "b2b",
    "mobile",
    "marketplace",
    "booking",
    "ledger",
    "helpdesk",
    "field-service",
    "e-commerce",
}
CASE_KEYS = {"domain", "source", "justification", "borderline", "twin"}
BROKERS = {
    "none",
    "any",
    "kafka",
    "sns_sqs",
    "eventbridge",
    "pubsub",
    "service_bus",
    "rabbitmq",
    "other",
}
STYLES = {"api", "event", "hybrid"}


def _agreement() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_agreement", CORPUS_DIR / "agreement.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


agreement = _agreement()
CASES = agreement.load_cases(CORPUS_DIR)
BY_ID = {case.id: case for case in CASES}


def _options(expected: Any) -> list[str]:
    return list(expected) if isinstance(expected, list) else [expected]


def _recommendation(styles: tuple[str, ...]) -> str:
    """The contract: api when every flow is api, event when every flow is event, else hybrid."""
    if all(style == "api" for style in styles):
        return "api"
    if all(style == "event" for style in styles):
        return "event"
    return "hybrid"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_advisor_agrees(case: Any, ruleset: Ruleset) -> None:
    result = assess(Assessment.model_validate(case.assessment), ruleset, what_if=False)
    styles = {flow.id: flow.style for flow in result.flows}
    expect = case.expect
    differing = {
        flow_id: (style, styles[flow_id])
        for flow_id, style in expect["flows"].items()
        if not agreement.accepts(style, styles[flow_id])
    }
    assert not differing, f"flows (expected, got): {differing}"
    assert agreement.accepts(expect["recommendation"], result.recommendation)
    assert agreement.accepts(expect["broker"], agreement.broker_of(result))


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_is_well_formed(case: Any) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case.id)
    assert set(case.meta) <= CASE_KEYS
    assert {"domain", "source", "justification", "borderline"} <= set(case.meta)
    assert str(case.meta["source"]).strip()
    assert str(case.meta["justification"]).strip()
    assert isinstance(case.meta["borderline"], bool)
    assert set(case.expect) == {"recommendation", "flows", "broker"}
    assert set(_options(case.expect["recommendation"])) <= STYLES
    for style in case.expect["flows"].values():
        assert set(_options(style)) <= STYLES
    assert set(_options(case.expect["broker"])) <= BROKERS


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_expected_flows_are_the_assessments_flows(case: Any) -> None:
    assert list(case.expect["flows"]) == [flow["id"] for flow in case.assessment["flows"]]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_expectations_follow_the_contract(case: Any) -> None:
    """Every accepted combination of flow styles gives an accepted recommendation, and every
    accepted recommendation comes from one; a case whose flows can only be api needs no broker."""
    choices = [_options(style) for style in case.expect["flows"].values()]
    reachable = {_recommendation(styles) for styles in itertools.product(*choices)}
    assert reachable == set(_options(case.expect["recommendation"]))
    if reachable == {"api"}:
        assert case.expect["broker"] == "none"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_borderline_cases_are_those_that_accept_two_answers(case: Any) -> None:
    expected = [case.expect["recommendation"], *case.expect["flows"].values()]
    assert case.meta["borderline"] == any(isinstance(item, list) for item in expected)


def test_borderline_cases_are_a_minority() -> None:
    assert sum(case.borderline for case in CASES) <= len(CASES) // 4


def test_twins_are_the_same_flows_under_another_context() -> None:
    pairs = set()
    for case in CASES:
        twin_id = case.meta.get("twin")
        if twin_id is None:
            continue
        assert twin_id in BY_ID, f"{case.id}: unknown twin {twin_id}"
        twin = BY_ID[twin_id]
        assert twin.meta.get("twin") == case.id, f"{twin_id} does not name {case.id} back"
        ours = {key: value for key, value in case.assessment.items() if key != "context"}
        theirs = {key: value for key, value in twin.assessment.items() if key != "context"}
        assert ours == theirs, f"{case.id} and {twin_id} differ beyond their context"
        assert case.assessment.get("context") != twin.assessment.get("context")
        pairs.add(frozenset({case.id, twin_id}))
    assert len(pairs) >= 6


def test_every_domain_is_covered() -> None:
    assert {case.domain for case in CASES} >= DOMAINS


def test_every_style_is_expected() -> None:
    firm = {case.expect["recommendation"] for case in CASES if not case.borderline}
    assert firm == STYLES
