"""The what-if search's quick ways of scoring candidate values (by differences of points, and many
at once over columns) find exactly what the plain search finds: the same changes in the same
order, and the same stop at the same budget, on generated estates and on rules of every form."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.advice import assess
from advisor.engine import score
from advisor.levers import Estate
from advisor.loader import load_rules
from advisor.models import Assessment
from advisor.ruleset import Ruleset
from advisor.search import Search
from advisor.whatif import Explored, explore
from tests.conftest import EXAMPLES
from tests.strategies import assessments
from tests.synthetic import generated_estate

METHODS = ("plain", "delta", "columns")
CROSS_CHECK = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Rules that use every form of condition the columns take (and a few they read as constants):
# exists, eq and ne on numbers, choices and yes/no, in and not_in on choices, contains and
# lacks on the goals, and all, any and not nested. Points in halves, so that the sums that must
# be exact are not all whole numbers.
EVERY_FORM = """\
rules:
  - id: limit-known
    criterion: error_handling
    favours: api
    points: 7.5
    when: {fact: source.api_rate_limit_per_minute, op: exists, value: true}
    explanation: A known limit.
  - id: no-callee-limit
    criterion: error_handling
    favours: event
    points: 6
    when: {fact: callee.api_rate_limit_per_minute, op: exists, value: false}
    explanation: No limit on the called side.
  - id: exactly-sixty
    criterion: real_time
    favours: event
    points: 9
    when: {fact: flow.max_delay_seconds, op: eq, value: 60}
    explanation: A minute exactly.
  - id: not-a-thousand
    criterion: real_time
    favours: api
    points: 4.5
    when: {fact: flow.events_per_day, op: ne, value: 1000}
    explanation: Not a thousand a day.
  - id: few-polls
    criterion: complexity
    favours: api
    points: 11
    when: {fact: polling.calls_per_day, op: le, value: 1440}
    explanation: Few polls.
  - id: not-per-key
    criterion: complexity
    favours: event
    points: 3
    when: {fact: flow.ordering, op: not_in, value: [per_key]}
    explanation: No order per key.
  - id: waits-or-strong
    criterion: communication
    favours: api
    points: 14
    when:
      any:
        - {fact: flow.needs_response, op: eq, value: true}
        - all:
            - {fact: flow.consistency, op: ne, value: eventual}
            - not: {fact: context.goals, op: contains, value: decoupling}
    explanation: Someone waits, or must agree at once.
  - id: no-simplicity
    criterion: organisation
    favours: event
    points: 12.5
    when:
      all:
        - {fact: context.goals, op: lacks, value: simplicity}
        - {fact: context.team_event_experience, op: in, value: [some, strong]}
    explanation: Simplicity is no goal and the team knows events.
  - id: owners-apart
    criterion: coupling
    favours: event
    points: 10
    when: {fact: flow.owners, op: eq, value: different}
    explanation: Other owners.
  - id: many-consumers
    criterion: coupling
    favours: event
    points: 8
    when: {fact: flow.consumers, op: ge, value: 3}
    explanation: Three or more consumers.
  - id: waste
    criterion: scalability
    favours: event
    points: 5
    when: {fact: polling.waste_ratio, op: gt, value: 0.5}
    explanation: Most polls find nothing.
  - id: quota
    criterion: scalability
    favours: event
    points: 6
    when: {fact: polling.quota_share, op: le, value: 0.25}
    explanation: Polling takes a quarter of the quota at most.
hybrid:
  - id: hybrid-early
    when:
      all:
        - {fact: context.stage, op: eq, value: early}
        - {fact: flow.payload_kb, op: gt, value: 64}
    explanation: Early, with large messages.
"""

# The same with a tenth of a point: sums of tenths are not exact in binary, so the quick ways
# step aside and the plain search answers.
TENTHS = """\
rules:
  - id: a-tenth
    criterion: real_time
    favours: event
    points: 0.1
    when: {fact: flow.max_delay_seconds, op: lt, value: 60}
    explanation: A tenth.
"""


def _rules(tmp_path: Path, text: str, name: str) -> Ruleset:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_rules([path])


@pytest.fixture(scope="module")
def every_form(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return _rules(tmp_path_factory.mktemp("rules"), EVERY_FORM, "every-form.yaml")


def _explored(
    assessment: Assessment, ruleset: Ruleset, method: str, budget: int | None = None
) -> Explored:
    scored = score(assessment, ruleset)
    return explore(
        assessment,
        ruleset,
        scored.result,
        scored.facts,
        scored.held,
        budget=budget,
        method=method,  # type: ignore[arg-type]
    )


def _same_everywhere(assessment: Assessment, ruleset: Ruleset, budget: int | None = None) -> None:
    plain = _explored(assessment, ruleset, "plain", budget)
    for method in METHODS[1:]:
        assert _explored(assessment, ruleset, method, budget) == plain, method


@CROSS_CHECK
@given(assessment=assessments(max_systems=8, max_flows=6))
def test_the_quick_searches_find_what_the_plain_one_finds(
    ruleset: Ruleset, assessment: Assessment
) -> None:
    _same_everywhere(assessment, ruleset)


@CROSS_CHECK
@given(assessment=assessments(max_systems=8, max_flows=6))
def test_the_same_with_rules_of_every_form(every_form: Ruleset, assessment: Assessment) -> None:
    _same_everywhere(assessment, every_form)


@CROSS_CHECK
@given(assessment=assessments(max_systems=6, max_flows=5), budget=st.integers(0, 60))
def test_the_budget_stops_every_search_at_the_same_place(
    ruleset: Ruleset, assessment: Assessment, budget: int
) -> None:
    _same_everywhere(assessment, ruleset, budget)


@CROSS_CHECK
@given(assessment=assessments(max_systems=8, max_flows=6))
def test_the_bounds_skip_only_what_cannot_flip(
    ruleset: Ruleset, every_form: Ruleset, assessment: Assessment
) -> None:
    """Skipping the levers, flows and outcomes that the bounds on points rule out (the rules a
    lever cannot change for a flow, the budgets of criteria) finds the very same changes as
    walking every lever for every outcome."""
    for rules in (ruleset, every_form):
        _same_bounded_or_not(assessment, rules)


def _same_bounded_or_not(assessment: Assessment, rules: Ruleset) -> None:
    scored = score(assessment, rules)
    bounded, walked = (
        explore(assessment, rules, scored.result, scored.facts, scored.held, bounded=bounded)
        for bounded in (True, False)
    )
    assert walked.complete
    assert bounded.changes == walked.changes


@pytest.mark.parametrize("flows", [5, 20, 40])
def test_generated_estates(ruleset: Ruleset, every_form: Ruleset, flows: int) -> None:
    estate = generated_estate(flows)
    for rules in (ruleset, every_form):
        _same_everywhere(estate, rules)
        _same_everywhere(estate, rules, budget=flows * 3)
        _same_bounded_or_not(estate, rules)


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_the_examples(ruleset: Ruleset, path: Path) -> None:
    from advisor.loader import load_assessment

    _same_everywhere(load_assessment(path), ruleset)


def test_blocks_of_any_size_give_the_same_table(ruleset: Ruleset) -> None:
    """Levers scored in blocks of a few rows (a lever's rows may overrun a block) or all in
    one: the same findings."""
    assessment = generated_estate(20)
    scored = score(assessment, ruleset)
    plain = Search(Estate(assessment, ruleset, scored.result, scored.facts, scored.held), 10**6)
    plain.plain()
    for rows in (1, 7, 100, 10**6):
        search = Search(
            Estate(assessment, ruleset, scored.result, scored.facts, scored.held), 10**6
        )
        assert search.columns(block_rows=rows)
        found = [(f.lever.field, f.value, f.outcome, f.rank) for f in search.whole]
        assert found == [(f.lever.field, f.value, f.outcome, f.rank) for f in plain.whole]
        for ours, theirs in zip(search.per_flow, plain.per_flow, strict=True):
            assert [(f.lever.field, f.value, f.outcome) for f in ours] == [
                (f.lever.field, f.value, f.outcome) for f in theirs
            ]


def test_points_that_do_not_add_up_exactly_are_left_to_the_plain_search(
    tmp_path: Path,
) -> None:
    rules = _rules(tmp_path, TENTHS, "tenths.yaml")
    assessment = generated_estate(5)
    scored = score(assessment, rules)
    search = Search(Estate(assessment, rules, scored.result, scored.facts, scored.held), 10**6)
    assert not search.delta()
    assert not search.columns()
    assert not search.whole and not any(search.per_flow)  # nothing done: the caller goes plain
    _same_everywhere(assessment, rules)


def test_an_analysis_leaves_no_reference_cycle(ruleset: Ruleset) -> None:
    """Freed as soon as it is done: nothing for the cycle collector to find afterwards (a batch
    run would otherwise collect hundreds of objects per file)."""
    assessment = generated_estate(20)
    assess(assessment, ruleset)  # warm the rule set's caches
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for method in METHODS:
            _explored(assessment, ruleset, method)
            assert gc.collect() == 0, method
    finally:
        if enabled:
            gc.enable()
