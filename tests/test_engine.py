"""The rule engine: a worked example computed by hand, and properties over generated input."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.advice import assess
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.report import to_json
from advisor.ruleset import Ruleset
from tests.conftest import ROOT

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_worked_example_by_hand(ruleset: Ruleset) -> None:
    """examples/warehouse-nightly-export.yaml, scored by hand from rules/10-flow-rules.yaml.

    stock-movements: a nightly schedule, one consumer of another owner, 5,000 KB messages.
      API:    scheduled-job 12 + single-consumer 8 + relaxed-delay 10 (86,400 s >= 3,600)
              + low-frequency 5 (1 a day) + source-cannot-emit 5 + large-payload 12
              + goal-control 5                                                        = 57
      events: different-owners 8                                                      = 8
    Eventual consistency and "nobody waits" are defaults and say nothing; big-payload (256 KB
    to 1 MB) gives way to large-payload. Scores are points out of a saturation of 100: API 57,
    events 8. The API side leads by 49 >= the margin of 10, so the flow is API-driven, with
    confidence 0.5 + 0.5 x min(1, 49 / (10 + 60)) = 0.85. A schedule is not polled. The job
    is the warehouse system's own (`initiator: source`), so the system called is the ERP, which
    has no known limit: the warehouse's 60 calls a minute raise no rate-limit risk.
    """
    result = assess(load_assessment(ROOT / "examples" / "warehouse-nightly-export.yaml"), ruleset)
    (flow,) = result.flows
    api = {r.rule: r.points for r in flow.reasons if r.favours == "api"}
    event = {r.rule: r.points for r in flow.reasons if r.favours == "event"}
    assert api == {
        "scheduled-job": 12,
        "single-consumer": 8,
        "relaxed-delay": 10,
        "low-frequency": 5,
        "source-cannot-emit": 5,
        "large-payload": 12,
        "goal-control": 5,
    }
    assert event == {"different-owners": 8}
    assert (flow.scores.api, flow.scores.event) == (57.0, 8.0)
    assert flow.style == "api" and flow.decision.rule == "style_margin"
    assert flow.confidence == 0.85
    assert flow.polling is None
    assert (result.recommendation, result.confidence) == ("api", 0.85)
    assert result.broker is None
    assert [risk.id for risk in result.risks] == ["tight-coupling"]


def test_polling_figures_follow_the_formula(ruleset: Ruleset) -> None:
    """retail-stock-levels: 4 targets within 15 s, a source allowing 120 calls a minute."""
    result = assess(load_assessment(ROOT / "examples" / "retail-stock-levels.yaml"), ruleset)
    polling = result.flows[0].polling
    assert polling is not None
    assert polling.calls_per_day == 4 * 86_400 / 15  # 23,040
    assert polling.quota_share == round(23_040 / (120 * 1_440), 4)  # 0.1333
    assert polling.wasted_calls_per_day == 0  # 40,000 changes a day: every poll finds one


# ---------------------------------------------------------------------------------------------
# Properties over generated assessments
# ---------------------------------------------------------------------------------------------

IDS = [f"s{index}" for index in range(8)]


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(2, 8))
    owners = st.none() | st.sampled_from(["a", "b", "c"])
    systems = [
        {
            "id": IDS[index],
            "emits_events": draw(st.booleans()),
            "api_rate_limit_per_minute": draw(st.none() | st.integers(1, 5000)),
            "owner": draw(owners),
        }
        for index in range(count)
    ]
    flows = []
    for index in range(draw(st.integers(1, 4))):
        source = draw(st.sampled_from(IDS[:count]))
        others = [system for system in IDS[:count] if system != source]
        targets = draw(
            st.lists(st.sampled_from(others), min_size=1, max_size=len(others), unique=True)
        )
        flows.append(
            {
                "id": f"f{index}",
                "source": source,
                "targets": targets,
                "trigger": draw(
                    st.sampled_from(["user_action", "data_change", "schedule", "telemetry"])
                ),
                "needs_response": draw(st.booleans()),
                "max_delay_seconds": draw(st.sampled_from([0.5, 1, 5, 10, 60, 300, 3600, 86400])),
                "events_per_day": draw(st.integers(1, 50_000_000)),
                "peak_per_second": draw(st.none() | st.floats(0.01, 5000)),
                "consistency": draw(st.sampled_from(["strong", "eventual"])),
                "ordering": draw(st.sampled_from(["none", "per_key", "global"])),
                "payload_kb": draw(st.sampled_from([0.2, 1, 50, 300, 2000])),
            }
        )
    context = {
        "stage": draw(st.sampled_from(["early", "growing", "scaling"])),
        "team_event_experience": draw(st.sampled_from(["none", "some", "strong"])),
        "cloud": draw(st.sampled_from(["aws", "gcp", "azure", "on_prem", "other"])),
        "existing_broker": draw(st.sampled_from(["none", "kafka", "rabbitmq", "other"])),
        "goals": draw(
            st.lists(
                st.sampled_from(
                    [
                        "simplicity",
                        "control",
                        "real_time",
                        "scalability",
                        "decoupling",
                        "analytics",
                        "rate_limit_relief",
                    ]
                ),
                unique=True,
            )
        ),
    }
    return {"name": "Generated", "context": context, "systems": systems, "flows": flows}


@SETTINGS
@given(assessments())
def test_scores_and_confidence_stay_in_bounds(data: dict[str, Any]) -> None:
    ruleset = _rules()
    result = assess(Assessment.model_validate(data), ruleset)
    for scores in [result.scores, *(flow.scores for flow in result.flows)]:
        assert 0 <= scores.api <= 100 and 0 <= scores.event <= 100
    assert 0.5 <= result.confidence <= 1
    for flow in result.flows:
        assert 0.5 <= flow.confidence <= 1
        # every point comes from a named rule: the score is the rules' points, capped
        for side in ("api", "event"):
            points = sum(r.points for r in flow.reasons if r.favours == side)
            assert getattr(flow.scores, side) == round(min(100.0, points), 1)
    styles = {flow.style for flow in result.flows}
    if len(styles) > 1:
        assert result.recommendation == "hybrid"
    assert (result.broker is None) == (styles == {"api"})


@SETTINGS
@given(assessments())
def test_same_input_same_output(data: dict[str, Any]) -> None:
    ruleset = _rules()
    first = to_json(assess(Assessment.model_validate(data), ruleset))
    again = to_json(assess(Assessment.model_validate(data), ruleset))
    assert first == again


@SETTINGS
@given(assessments(), st.data())
def test_more_consumers_never_lower_the_event_score(
    data: dict[str, Any], more: st.DataObject
) -> None:
    ruleset = _rules()
    flow = data["flows"][0]
    flow["trigger"] = "data_change"
    spare = [
        s["id"]
        for s in data["systems"]
        if s["id"] != flow["source"] and s["id"] not in flow["targets"]
    ]
    if not spare:
        data["systems"].append(
            {"id": "extra", "owner": more.draw(st.none() | st.sampled_from(["a", "z"]))}
        )
        spare = ["extra"]
    before = assess(Assessment.model_validate(data), ruleset).flows[0].scores.event
    flow["targets"] = [*flow["targets"], more.draw(st.sampled_from(spare))]
    after = assess(Assessment.model_validate(data), ruleset).flows[0].scores.event
    assert after >= before


@SETTINGS
@given(assessments())
def test_requiring_a_response_never_lowers_the_api_score(data: dict[str, Any]) -> None:
    ruleset = _rules()
    flow = data["flows"][0]
    flow["needs_response"] = False
    before = assess(Assessment.model_validate(data), ruleset).flows[0].scores.api
    flow["needs_response"] = True
    after = assess(Assessment.model_validate(data), ruleset).flows[0].scores.api
    assert after >= before


_CACHE: dict[str, Ruleset] = {}


def _rules() -> Ruleset:
    # hypothesis runs the body many times; function-scoped fixtures are not re-run per example
    if "rules" not in _CACHE:
        from advisor.loader import load_rules

        _CACHE["rules"] = load_rules()
    return _CACHE["rules"]
