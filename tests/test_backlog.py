"""The risks as backlog items: CSV an issue tracker imports (Summary, Description, Labels,
Priority), or a Markdown task list; one item per risk, naming every flow it applies to."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings

from advisor.advice import assess
from advisor.backlog import (
    COLUMNS,
    MAX_SUMMARY,
    SEVERITY,
    condition_text,
    priority,
    to_csv,
    to_markdown,
)
from advisor.models import Assessment, Risk
from advisor.ruleset import Condition, Ruleset
from tests.conftest import ROOT, build
from tests.strategies import assessments
from tests.test_contracts import load_case


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_risk_naming_every_flow(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "tests" / "corpus" / "fsm-zoho-thd-user-actions.yaml")
    result = assess(assessment, ruleset, what_if=False)
    text = to_csv(assessment, result, ruleset)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert "\r\n" in text
    rows = _rows(text)
    assert sorted(row["Labels"] for row in rows) == sorted(risk.id for risk in result.risks)
    shared = [risk for risk in result.risks if len(risk.flows) > 1]
    assert shared, "the example no longer has a risk shared by flows"
    for risk in result.risks:
        (row,) = [row for row in rows if row["Labels"] == risk.id]
        assert row["Summary"] == f"{risk.title} ({assessment.name})"
        assert row["Priority"] == priority(risk.id)
        assert row["Description"].startswith(risk.mitigation)
        for flow in risk.flows:
            assert f"- {flow} (" in row["Description"]
        assert f"the rule '{risk.id}' holds" in row["Description"]


def test_the_most_severe_first(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "gifting-orders.yaml")
    rows = _rows(to_csv(assessment, assess(assessment, ruleset, what_if=False), ruleset))
    order = ["High", "Medium", "Low"]
    ranks = [order.index(row["Priority"]) for row in rows]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_every_default_risk_has_a_severity(ruleset: Ruleset) -> None:
    assert sorted(SEVERITY) == sorted(rule.id for rule in ruleset.risks)


def test_a_risk_of_your_own_is_medium() -> None:
    assert priority("our-own-risk") == "Medium"


def test_markdown_is_a_task_list(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "tests" / "corpus" / "fsm-zoho-thd-user-actions.yaml")
    result = assess(assessment, ruleset, what_if=False)
    text = to_markdown(assessment, result, ruleset)
    tasks = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(tasks) == len(result.risks)
    rate = next(task for task in tasks if "Rate limits on the callee" in task)
    assert "High priority" in rate
    for flow in next(risk for risk in result.risks if risk.id == "rate-limit").flows:
        assert f"`{flow}`" in rate


def test_no_risk_says_so(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "helpdesk-customer-lookup.yaml")
    result = assess(assessment, ruleset, what_if=False).model_copy(update={"risks": ()})
    assert "No risk was raised." in to_markdown(assessment, result, ruleset)
    assert to_csv(assessment, result, ruleset) == ",".join(COLUMNS) + "\r\n"


def test_conditions_in_words() -> None:
    condition = Condition.model_validate(
        {
            "all": [
                {"fact": "flow.style", "op": "in", "value": ["event", "hybrid"]},
                {
                    "any": [
                        {"fact": "flow.consumers", "op": "ge", "value": 2},
                        {"fact": "source.api_rate_limit_per_minute", "op": "exists", "value": True},
                    ]
                },
                {"not": {"fact": "source.emits_events", "op": "eq", "value": False}},
            ]
        }
    )
    assert condition_text(condition) == (
        "flow.style is one of event, hybrid and (flow.consumers is at least 2 or "
        "source.api_rate_limit_per_minute is known) and not (source.emits_events is false)"
    )


def test_formulas_and_long_names_stay_text(ruleset: Ruleset) -> None:
    data = {
        "name": ('=HYPERLINK("http://x")' + " x" * 100)[:200],
        "systems": [{"id": "a", "name": "@a"}, {"id": "b", "name": "+b\nc"}],
        "flows": [{"id": "f", "source": "a", "targets": ["b"], "trigger": "data_change"}],
    }
    assessment = build(data)
    result = assess(assessment, ruleset, what_if=False)
    long = Risk(id="ours", title="-" + "t" * 99, mitigation="@do it", flows=("f",))
    result = result.model_copy(update={"risks": (*result.risks, long)})
    rows = _rows(to_csv(assessment, result, ruleset))
    assert len(rows) == len(result.risks)
    assert rows[-1]["Description"].startswith("'@do it")
    assert rows[-1]["Summary"].endswith("…") and len(rows[-1]["Summary"]) == MAX_SUMMARY
    for row in rows:
        assert len(row["Summary"]) <= MAX_SUMMARY
        assert not row["Summary"].startswith(("=", "+", "-", "@"))
        assert "\n" not in row["Summary"]


@settings(max_examples=30, deadline=None)
@given(assessment=assessments())
def test_any_assessment_reads_back_row_for_risk(assessment: Assessment, ruleset: Ruleset) -> None:
    result = assess(assessment, ruleset, what_if=False)
    rows = _rows(to_csv(assessment, result, ruleset))
    assert [row["Labels"] for row in rows] == sorted(
        (risk.id for risk in result.risks),
        key=lambda risk: ["High", "Medium", "Low"].index(priority(risk)),
    )
    assert all(set(row) == set(COLUMNS) for row in rows)


@pytest.mark.parametrize("name", ["Zürich café ✓", 'a, "quoted" name'])
def test_names_survive_the_csv(name: str, ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "gifting-orders.yaml").model_copy(
        update={"name": name}
    )
    rows = _rows(to_csv(assessment, assess(assessment, ruleset, what_if=False), ruleset))
    assert all(row["Summary"].endswith(f"({name})") for row in rows)
