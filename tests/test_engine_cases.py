"""Data-driven engine cases: each tests/cases/*.yaml holds an assessment and what it must give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.advice import assess
from advisor.models import Assessment
from advisor.ruleset import Ruleset

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(case) == {"description", "assessment", "expect"}, path.name
    return case


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_case(path: Path, ruleset: Ruleset) -> None:
    case = _load(path)
    expect = case["expect"]
    result = assess(Assessment.model_validate(case["assessment"]), ruleset)
    flows = {flow.id: flow for flow in result.flows}

    assert result.recommendation == expect["recommendation"]
    for flow_id, style in expect.get("flows", {}).items():
        assert flows[flow_id].style == style, flows[flow_id].decision
    for flow_id, rule in expect.get("decision", {}).items():
        assert flows[flow_id].decision.rule == rule
    if "broker" in expect:
        assert (result.broker.choice if result.broker else None) == expect["broker"]
    for flow_id, rules in expect.get("reasons", {}).items():
        fired = {reason.rule for reason in flows[flow_id].reasons}
        assert set(rules) <= fired, f"missing: {set(rules) - fired}"
    for flow_id, figures in expect.get("polling", {}).items():
        polling = flows[flow_id].polling
        assert polling is not None
        assert polling.model_dump() == pytest.approx(figures)
    risks = {risk.id: list(risk.flows) for risk in result.risks}
    for risk_id, risk_flows in expect.get("risks", {}).items():
        assert risks.get(risk_id) == risk_flows, risk_id
    for risk_id in expect.get("absent_risks", []):
        assert risk_id not in risks


def test_there_are_cases_for_every_style() -> None:
    styles = {_load(path)["expect"]["recommendation"] for path in CASES}
    assert styles == {"api", "event", "hybrid"}
