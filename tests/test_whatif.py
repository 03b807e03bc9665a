"""What would change the answer: hand-checked cases, every named flip really flips, and the
search misses nothing a brute force over the same candidates would find."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given

from advisor import whatif
from advisor.advice import assess
from advisor.engine import flow_facts
from advisor.levers import Estate, as_input
from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment, Change, Result, Style
from advisor.phrasing import phrase
from advisor.ruleset import Ruleset
from advisor.whatif import PER_SCOPE, apply_change, what_would_change
from tests.conftest import EXAMPLES, ROOT, build, minimal
from tests.test_engine import SETTINGS, assessments

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def outcome_after(assessment: Assessment, change: Change, ruleset: Ruleset) -> Style:
    """Make the change, validate the result like a file would be, and assess it afresh."""
    changed = Assessment.model_validate(apply_change(assessment, change).model_dump())
    result = assess(changed, ruleset, what_if=False)
    if change.flow is None:
        return result.recommendation
    return next(flow.style for flow in result.flows if flow.id == change.flow)


def style_of(result: Result, scope: str) -> Style:
    if scope == "integration":
        return result.recommendation
    return next(flow.style for flow in result.flows if flow.id == scope)


def test_hand_computed_flip(ruleset: Ruleset) -> None:
    """One data-change flow from a to b, every other input left at its default.

      API:    single-consumer 8 + relaxed-delay 10 (3,600 s >= 3,600) + low-frequency 5
              + polling-cheap 10 (24 polls a day <= 1,440) + source-cannot-emit 5       = 38
      events: data-change 15                                                          = 15
    The defaults (eventual consistency, 1 KB, nobody waits) say nothing. API-driven by 23.
    - max_delay_seconds 60 drops relaxed-delay (-10) and adds near-real-time (+10 events):
      API 28 against 25, still API. 59 s needs 1,464 polls a day, past polling-cheap's 1,440:
      API 18 against events 25, a close call under the floor that events win.
    No context change can flip it (the organisation counts for events only where the flow
    leaves the choice open, and shares a budget of 10), and a one-flow integration says each
    change once, at the integration's level.
    """
    assessment = build(minimal())
    result = assess(assessment, ruleset)
    assert (result.flows[0].style, result.flows[0].scores.api, result.flows[0].scores.event) == (
        "api",
        38.0,
        15.0,
    )
    got = [(c.scope, c.field, c.current, c.proposed, c.outcome) for c in result.what_would_change]
    assert got == [("integration", "flows.f.max_delay_seconds", 3600, 59, "event")]
    assert result.what_would_change[0].summary == (
        "If flow f could lag by up to 59 seconds instead of 1 hour, the whole integration "
        "would be event-driven."
    )
    for change in result.what_would_change:
        assert outcome_after(assessment, change, ruleset) == change.outcome


def test_an_input_on_a_threshold_says_so(ruleset: Ruleset) -> None:
    """Three consumers of a change within an hour: API 30 against events 25. One second less
    drops relaxed-delay (3,600 s sits on its threshold): 20 against 25, events win. A
    one-second edge is no advice without saying that the input sits on the threshold."""
    assessment = build(minimal(targets=["b", "c", "d"]))
    result = assess(assessment, ruleset)
    (edge,) = [c for c in result.what_would_change if c.field == "flows.f.max_delay_seconds"]
    assert (edge.proposed, edge.outcome) == (3599, "event")
    assert "3,600 sits exactly on a rule's threshold" in edge.summary
    assert outcome_after(assessment, edge, ruleset) == "event"


def test_fewer_consumers_flip_a_fan_out_to_api(
    ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow to b, c and d within a minute: fan-out (+10) and near-real-time (+10) with
    data-change: events 35 against API 10 (low-frequency, source-cannot-emit). Two consumers
    trade fan-out for shared-consumers: 30 against 10, still events. One consumer brings back
    single-consumer (+8) and polling-cheap (1,440 polls a day, +10): API 28 against 25."""
    monkeypatch.setattr(whatif, "PER_SCOPE", 100)
    assessment = build(minimal(targets=["b", "c", "d"], max_delay_seconds=60))
    result = assess(assessment, ruleset)
    assert result.flows[0].style == "event"
    (consumers,) = [c for c in result.what_would_change if c.field == "flows.f.targets"]
    assert (consumers.current, consumers.proposed, consumers.outcome) == (
        ["b", "c", "d"],
        ["b"],
        "api",
    )
    assert consumers.summary == (
        "With 1 consumer of flow f instead of 3 (without c, d), the whole integration would be "
        "API-driven."
    )
    assert outcome_after(assessment, consumers, ruleset) == "api"


def test_more_consumers_are_placeholders(ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> None:
    """One consumer within five minutes: API 28 (single-consumer, low-frequency, polling-cheap,
    source-cannot-emit) against events 15. Two consumers tie at 20; three bring fan-out (+10):
    20 against 25, and events win. The consumers added are placeholder systems."""
    monkeypatch.setattr(whatif, "PER_SCOPE", 100)
    assessment = build(minimal(max_delay_seconds=300))
    result = assess(assessment, ruleset)
    more = [
        c
        for c in result.what_would_change
        if c.field == "flows.f.targets" and len(c.proposed) > 1  # type: ignore[arg-type]
    ]
    assert [(c.scope, c.proposed, c.outcome) for c in more] == [
        ("integration", ["b", "new-consumer-1", "new-consumer-2"], "event"),
    ]
    for change in more:
        added = [t for t in change.proposed if t not in {"b"}]  # type: ignore[union-attr]
        assert all(target.startswith("new-consumer-") for target in added)
        assert "adding" in change.summary
        assert outcome_after(assessment, change, ruleset) == change.outcome


def test_the_analysis_stops_at_its_budget_and_says_so(ruleset: Ruleset) -> None:
    """A budget of evaluations bounds the work on any input; what was found stays valid."""
    assessment = build(minimal(targets=["b", "c", "d"]))
    facts = [flow_facts(assessment, flow, ruleset.settings) for flow in assessment.flows]
    plain = assess(assessment, ruleset, what_if=False)
    full = whatif.explore(assessment, ruleset, plain, facts)
    assert full.complete and len(full.changes) > 1
    cut = whatif.explore(assessment, ruleset, plain, facts, budget=1)
    assert not cut.complete
    assert len(cut.changes) < len(full.changes)
    for change in cut.changes:
        assert outcome_after(assessment, change, ruleset) == change.outcome


def test_a_robust_answer_has_nothing_to_change(ruleset: Ruleset) -> None:
    """helpdesk-customer-lookup: API 88 against events 11; no single input closes that gap."""
    result = assess(load_assessment(ROOT / "examples" / "helpdesk-customer-lookup.yaml"), ruleset)
    assert result.what_would_change == ()


@pytest.mark.parametrize("path", EXAMPLES + CASES, ids=[path.stem for path in EXAMPLES + CASES])
def test_every_named_flip_really_flips(path: Path, ruleset: Ruleset) -> None:
    if path.parent.name == "cases":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))["assessment"]
        assessment = Assessment.model_validate(data)
    else:
        assessment = load_assessment(path)
    result = assess(assessment, ruleset)
    for change in result.what_would_change:
        assert style_of(result, change.flow or "integration") != change.outcome
        assert outcome_after(assessment, change, ruleset) == change.outcome, change.summary


@SETTINGS
@given(assessments())
def test_every_change_flips_on_generated_input(data: dict[str, Any]) -> None:
    ruleset = _rules()
    assessment = Assessment.model_validate(data)
    result = assess(assessment, ruleset)
    scopes = [change.flow or "integration" for change in result.what_would_change]
    order = ["integration", *(flow.id for flow in assessment.flows)]
    assert scopes == sorted(scopes, key=order.index)  # the integration first, flows in order
    for scope in set(scopes):
        assert scopes.count(scope) <= PER_SCOPE
    for change in result.what_would_change:
        assert outcome_after(assessment, change, ruleset) == change.outcome, change.summary
    assert assess(assessment, ruleset).what_would_change == result.what_would_change


def test_what_would_change_matches_the_engine(ruleset: Ruleset) -> None:
    assessment = build(minimal(targets=["b", "c", "d"]))
    result = assess(assessment, ruleset)
    assert what_would_change(assessment, ruleset, result) == result.what_would_change
    plain = assess(assessment, ruleset, what_if=False)
    assert plain.what_would_change is None  # not analysed
    assert plain.what_would_change_complete is None
    analysed = {"what_would_change": result.what_would_change, "what_would_change_complete": True}
    assert plain.model_copy(update=analysed) == result


def test_the_search_misses_nothing(ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a brute force that tries every candidate value of every input, with the full
    engine and no shortcut: the search finds, for each scope, input and outcome, the same
    nearest value (so skipping inputs whose rules carry too few points loses nothing)."""
    monkeypatch.setattr(whatif, "PER_SCOPE", 10_000)
    generator = random.Random(20260115)
    for _ in range(25):
        assessment = Assessment.model_validate(_random_assessment(generator))
        result = assess(assessment, ruleset)
        found = {_key(c): json.dumps(c.proposed) for c in result.what_would_change}
        assert found == _brute_force(assessment, result, ruleset)


def _key(change: Change) -> tuple[str, str, str, str]:
    detail = change.summary.split(",")[0] if change.field == "context.goals" else ""
    return change.flow or "integration", change.field, change.outcome, detail


def _brute_force(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> dict[tuple[str, str, str, str], str]:
    facts = [flow_facts(assessment, flow, ruleset.settings) for flow in assessment.flows]
    estate = Estate(assessment, ruleset, result, facts)
    expected: dict[tuple[str, str, str, str], str] = {}
    for entry in estate.inputs():
        lever = entry.make()
        for value in lever.values():
            proposed = json.dumps(as_input(value))
            change = Change(
                scope="integration",
                field=lever.field,
                current=None,
                proposed=as_input(value),
                outcome="api",
                summary="",
            )
            after = assess(apply_change(assessment, change), ruleset, what_if=False)
            detail = ""
            if lever.kind == "goal":
                detail = phrase(lever, value, assessment, ruleset, estate.states)
            if after.recommendation != result.recommendation:
                key = ("integration", lever.field, after.recommendation, detail)
                expected.setdefault(key, proposed)
            for index in entry.flows:
                before, now = result.flows[index], after.flows[index]
                if now.style != before.style:
                    expected.setdefault((before.id, lever.field, now.style, detail), proposed)
    said = {  # a flow's change that is also the whole's is said once, for the whole
        (field, outcome, detail, proposed)
        for (scope, field, outcome, detail), proposed in expected.items()
        if scope == "integration"
    }
    return {
        key: proposed
        for key, proposed in expected.items()
        if key[0] == "integration" or (key[1], key[2], key[3], proposed) not in said
    }


def _random_assessment(generator: random.Random) -> dict[str, Any]:
    count = generator.randint(2, 5)
    systems = []
    for index in range(count):
        system: dict[str, Any] = {"id": f"s{index}", "emits_events": generator.random() < 0.5}
        if generator.random() < 0.5:
            system["api_rate_limit_per_minute"] = generator.choice([1, 10, 60, 600, 5000])
        if generator.random() < 0.7:
            system["owner"] = generator.choice(["a", "b"])
        systems.append(system)
    flows = []
    for index in range(generator.randint(1, 3)):
        source = generator.randrange(count)
        others = [f"s{i}" for i in range(count) if i != source]
        flow: dict[str, Any] = {
            "id": f"f{index}",
            "source": f"s{source}",
            "targets": generator.sample(others, generator.randint(1, len(others))),
            "trigger": generator.choice(["user_action", "data_change", "schedule", "telemetry"]),
            "needs_response": generator.random() < 0.4,
            "max_delay_seconds": generator.choice([1, 5, 30, 60, 61, 300, 3599, 3600, 86400]),
            "events_per_day": generator.choice([1, 100, 1000, 1001, 50_000, 100_000, 10**7]),
            "consistency": generator.choice(["strong", "eventual"]),
            "ordering": generator.choice(["none", "per_key", "global"]),
            "payload_kb": generator.choice([1, 64, 65, 255, 256, 3000]),
        }
        if generator.random() < 0.3:
            flow["peak_per_second"] = generator.choice([0.5, 49, 50, 300])
        flows.append(flow)
    goals = ["simplicity", "control", "real_time", "decoupling", "rate_limit_relief"]
    context = {
        "stage": generator.choice(["early", "growing", "scaling"]),
        "team_event_experience": generator.choice(["none", "some", "strong"]),
        "existing_broker": generator.choice(["none", "kafka"]),
        "goals": generator.sample(goals, generator.randint(0, 2)),
    }
    return {"name": "Random", "context": context, "systems": systems, "flows": flows}


def test_custom_rules_get_their_own_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule of ours that favours APIs for messages of 40 KB or more, and one that reads the
    cloud: the analysis proposes exactly 40 KB, and moving on premises, values no default
    rule mentions."""
    monkeypatch.setattr(whatif, "PER_SCOPE", 100)
    ours = tmp_path / "ours.yaml"
    ours.write_text(
        """\
version: 1
rules:
  - id: medium-payload
    criterion: communication
    favours: api
    points: 60
    when: {fact: flow.payload_kb, op: ge, value: 40}
    explanation: Our gateway moves messages of 40 KB and more.
  - id: on-prem-events
    criterion: complexity
    favours: event
    points: 60
    when: {fact: context.cloud, op: eq, value: on_prem}
    explanation: Our platform team runs a broker on premises.
""",
        encoding="utf-8",
    )
    ruleset = load_rules([ours])
    # events 40 (data change fanned out to 3 within 10 s, wasteful polling), API 10 (low
    # frequency, a source that cannot publish). From 40 KB on, API 70: API-driven.
    fan_out = build(minimal(targets=["b", "c", "d"], max_delay_seconds=10))
    # API 38 against events 15 in the cloud; on premises events gain 60
    settled = build({**minimal(), "context": {"cloud": "aws"}})
    for assessment, field, expected in (
        (fan_out, "flows.f.payload_kb", {("40", "api")}),
        (settled, "context.cloud", {('"on_prem"', "event")}),
    ):
        result = assess(assessment, ruleset)
        found = [c for c in result.what_would_change if c.field == field]
        assert {(json.dumps(c.proposed), c.outcome) for c in found} == expected
        for change in found:
            assert outcome_after(assessment, change, ruleset) == change.outcome


def test_apply_change_sets_every_kind_of_field(ruleset: Ruleset) -> None:
    assessment = build(minimal())
    changes: dict[str, Any] = {
        "context.goals": ["simplicity"],
        "systems.a.api_rate_limit_per_minute": 60,
        "flows.f.targets": ["b", "new-consumer-1"],
        "flows.f.trigger": "telemetry",
    }
    for field, proposed in changes.items():
        change = Change(
            scope="flow",
            flow="f",
            field=field,
            current=None,
            proposed=proposed,
            outcome="api",
            summary="",
        )
        changed = Assessment.model_validate(apply_change(assessment, change).model_dump())
        section, *path = field.split(".")
        if section == "context":
            assert list(changed.context.goals) == ["simplicity"]
        elif section == "systems":
            assert changed.system("a").api_rate_limit_per_minute == 60
        elif path[-1] == "targets":
            assert changed.flows[0].targets == ("b", "new-consumer-1")
            assert changed.system("new-consumer-1").id == "new-consumer-1"
        else:
            assert changed.flows[0].trigger == "telemetry"
    with pytest.raises(ValueError, match="cannot apply"):
        apply_change(
            assessment,
            Change(
                scope="flow",
                flow="f",
                field="name.x.y",
                current="",
                proposed="x",
                outcome="api",
                summary="",
            ),
        )


_CACHE: dict[str, Ruleset] = {}


def _rules() -> Ruleset:
    if "rules" not in _CACHE:
        _CACHE["rules"] = load_rules()
    return _CACHE["rules"]


@pytest.mark.parametrize(("op", "proposed"), [("lt", "99"), ("le", "100"), ("gt", "101")])
def test_a_limit_where_none_is_known_is_tried_on_the_right_side_of_each_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, op: str, proposed: str
) -> None:
    monkeypatch.setattr(whatif, "PER_SCOPE", 100)
    ours = tmp_path / "ours.yaml"
    ours.write_text(
        "rules:\n  - id: tight-limit\n    criterion: real_time\n    favours: event\n"
        f"    points: 30\n    when: {{fact: source.api_rate_limit_per_minute, op: {op}, "
        "value: 100}\n    explanation: A limit of ours.\n",
        encoding="utf-8",
    )
    ruleset = load_rules([ours])
    assessment = build(minimal())
    result = assess(assessment, ruleset)
    found = [
        c for c in result.what_would_change if c.field == "systems.a.api_rate_limit_per_minute"
    ]
    assert [json.dumps(change.proposed) for change in found] == [proposed]  # said once
    for change in found:
        assert outcome_after(assessment, change, ruleset) == change.outcome


def test_a_one_step_edge_says_so_for_small_numbers_too(ruleset: Ruleset) -> None:
    """A change from 60 s to 61 s is one step, however large its share of the value: the CRM
    webhook of the corpus, due within a minute, sits on near-real-time's threshold of 60 s."""
    case = yaml.safe_load(
        (ROOT / "tests" / "corpus" / "crm-lead-webhook-early.yaml").read_text(encoding="utf-8")
    )
    assessment = Assessment.model_validate(case["assessment"])
    result = assess(assessment, ruleset)
    edges = [c for c in result.what_would_change if c.field.endswith(".max_delay_seconds")]
    assert any(c.proposed == 61 and "60 sits exactly" in c.summary for c in edges), edges
