"""The levers of the what-if analysis against the one derivation of facts: a candidate value
changes the facts that `advisor.facts.derive` gives the flows exactly as the lever's patch says,
and only facts its reach counts as moving in that flow (so that no rule it can change is left
unsearched)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from advisor.engine import flow_facts, score
from advisor.levers import Estate, as_input
from advisor.models import Assessment, Change
from advisor.ruleset import Ruleset
from advisor.whatif import apply_change
from tests.strategies import assessments
from tests.synthetic import generated_estate

VALUES_TRIED = 6  # of each lever, nearest first


def _check_levers(assessment: Assessment, ruleset: Ruleset) -> int:
    """Every lever's first candidate values, applied to the assessment and derived again; the
    number of (value, flow) pairs checked."""
    scored = score(assessment, ruleset)
    estate = Estate(assessment, ruleset, scored.result, scored.facts, scored.held)
    checked = 0
    for entry in estate.inputs():
        lever, flows = entry.make(), entry.flows
        assert set(lever.flows) == set(flows), lever.field
        reaches = [entry.reach if entry.reach_in is None else entry.reach_in(i) for i in flows]
        for own in reaches:
            assert own.moving <= entry.reach.moving and own.rule_set <= entry.reach.rule_set
        for value in list(lever.values())[:VALUES_TRIED]:
            change = Change(
                scope="integration",
                field=lever.field,
                current=as_input(lever.current),
                proposed=as_input(value),
                outcome="api",
                summary="",
            )
            changed = apply_change(assessment, change)
            for index, own in zip(flows, reaches, strict=True):
                before = estate.states[index].facts
                after = flow_facts(changed, changed.flows[index], ruleset.settings)
                moved = {name for name in after if after[name] != before[name]}
                assert moved <= own.moving, (lever.field, index, value, moved - own.moving)
                patch = lever.patch(value, index)
                assert {name: after[name] for name in patch} == patch, (lever.field, value)
                assert moved <= set(patch), (lever.field, value, moved - set(patch))
                checked += 1
    return checked


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessment=assessments(max_systems=6, max_flows=5))
def test_a_lever_moves_only_the_facts_its_reach_counts(
    ruleset: Ruleset, assessment: Assessment
) -> None:
    _check_levers(assessment, ruleset)


def test_every_lever_of_a_generated_estate(ruleset: Ruleset) -> None:
    assert _check_levers(generated_estate(20), ruleset) > 100
