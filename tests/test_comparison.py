"""Two versions of an assessment compared: answers, recommendations, flows and the rules behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.advice import assess
from advisor.cli import main
from advisor.comparison import compare, to_json, to_markdown, to_text
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.ruleset import Ruleset
from tests.conftest import ROOT

RETAIL = load_assessment(ROOT / "examples" / "retail-stock-levels.yaml")


def changed(assessment: Assessment, **flow: object) -> Assessment:
    first = assessment.flows[0].model_copy(update=flow)
    return assessment.model_copy(update={"flows": (first, *assessment.flows[1:])})


def test_the_same_assessment_differs_in_nothing(ruleset: Ruleset) -> None:
    result = assess(RETAIL, ruleset, what_if=False)
    comparison = compare(RETAIL, result, RETAIL, result)
    assert not comparison.differs
    assert "No answer and no part of the advice changed." in to_text(comparison)
    assert json.loads(to_json(comparison))["differs"] is False


def test_a_changed_answer_names_the_flow_its_style_and_the_rules(ruleset: Ruleset) -> None:
    """Stock changes that must agree at once, and that the shop waits for: the flow turns from
    events to hybrid (or API), with needs-response and strong-consistency now holding."""
    newer = changed(RETAIL, needs_response=True, consistency="strong")
    comparison = compare(
        RETAIL, assess(RETAIL, ruleset), newer, assess(newer, ruleset, what_if=False)
    )
    assert comparison.differs
    fields = {answer.field: (answer.old, answer.new) for answer in comparison.answers}
    flow_id = RETAIL.flows[0].id
    assert fields[f"flows.{flow_id}.needs_response"] == (False, True)
    assert fields[f"flows.{flow_id}.consistency"] == ("eventual", "strong")
    (flow,) = comparison.flows
    assert flow.old_style == "event" and flow.new_style != "event"
    assert {"needs-response", "strong-consistency"} <= set(flow.started)
    text = to_text(comparison)
    assert f"flows.{flow_id}.needs_response: false -> true" in text
    assert "now holding: needs-response" in text


def test_added_and_removed_items_and_markdown_escaping(ruleset: Ruleset) -> None:
    hostile = RETAIL.model_copy(update={"name": "*bold* [x](http://host) <b>"})
    extra = RETAIL.flows[0].model_copy(update={"id": "second"})
    newer = hostile.model_copy(update={"flows": (*hostile.flows, extra)})
    comparison = compare(
        RETAIL, assess(RETAIL, ruleset, what_if=False), newer, assess(newer, ruleset, what_if=False)
    )
    assert comparison.added_flows == ("second",)
    assert any(
        answer.field == "flows.second" and answer.old is None for answer in comparison.answers
    )
    markdown = to_markdown(comparison)
    assert "[x](http" not in markdown and "<b>" not in markdown and "*bold*" not in markdown
    assert "`second`: added" in markdown


def test_advisor_diff_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = ROOT / "examples" / "retail-stock-levels.yaml"
    new = tmp_path / "new.yaml"
    new.write_text(
        old.read_text(encoding="utf-8").replace("consistency: eventual", "consistency: strong"),
        encoding="utf-8",
    )
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "Recommendation: Event-driven -> Hybrid" in out
    assert "now holding: strong-consistency" in out
    assert main(["diff", str(old), str(old), "--format", "json"]) == 0  # 0 whether or not
    assert json.loads(capsys.readouterr().out)["differs"] is False
    written = tmp_path / "changes.md"
    assert main(["diff", str(old), str(new), "-o", str(written)]) == 0
    assert written.read_text(encoding="utf-8").startswith("## ")
    assert main(["diff", str(old), str(tmp_path / "missing.yaml")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["diff", "-", "-"]) == 2  # standard input cannot be read twice
    assert "can be read once" in capsys.readouterr().err


def test_numbers_read_as_the_assessment_holds_them(ruleset: Ruleset) -> None:
    old = load_assessment(ROOT / "examples" / "gifting-orders.yaml")
    flows = tuple(
        flow.model_copy(update={"max_delay_seconds": 7200.0, "payload_kb": 2.5})
        if flow.id == "order-confirmed"
        else flow
        for flow in old.flows
    )
    new = old.model_copy(update={"flows": flows})
    comparison = compare(old, assess(old, ruleset), new, assess(new, ruleset))
    text = to_text(comparison)
    assert "flows.order-confirmed.max_delay_seconds: 30 -> 7200\n" in text
    assert "flows.order-confirmed.payload_kb: 2 -> 2.5\n" in text
    answers = json.loads(to_json(comparison))["answers"]
    assert {"field": "flows.order-confirmed.max_delay_seconds", "old": 30, "new": 7200} in answers
