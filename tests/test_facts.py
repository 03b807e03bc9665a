"""The one derivation (advisor.facts): the polling formula and its inverse undo each other, the
polling facts follow from the formula, and every flow's facts are exactly the flow-scoped
vocabulary, each value of its declared kind."""

from __future__ import annotations

import math
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.facts import (
    FACTS,
    POLLED_TRIGGERS,
    delay_for_polls,
    derive,
    polling_facts,
    polls_a_day,
)
from advisor.models import (
    MAX_DELAY_SECONDS,
    MAX_POLLED_ITEMS,
    MAX_RATE_LIMIT,
    Assessment,
    Trigger,
)
from tests.strategies import DELAY, assessments

CONSUMERS = st.integers(1, 10_000).map(float)
ITEMS = st.integers(1, MAX_POLLED_ITEMS).map(float)
CALLS = st.floats(min_value=1e-6, max_value=1e18, allow_nan=False)
TRIGGERS = st.sampled_from(get_args(Trigger))


@given(consumers=CONSUMERS, delay=DELAY, items=ITEMS)
def test_the_delay_for_a_polling_bill_gives_that_bill_back(
    consumers: float, delay: float, items: float
) -> None:
    calls = polls_a_day(consumers, delay, items)
    assert delay_for_polls(calls, consumers, items) == pytest.approx(delay, rel=1e-12)


@given(consumers=CONSUMERS, calls=CALLS, items=ITEMS)
def test_the_bill_at_the_delay_found_for_it_is_that_bill(
    consumers: float, calls: float, items: float
) -> None:
    delay = delay_for_polls(calls, consumers, items)
    assert polls_a_day(consumers, delay, items) == pytest.approx(calls, rel=1e-12)


@given(consumers=CONSUMERS, items=ITEMS, delays=st.lists(DELAY, min_size=2, max_size=2))
def test_a_longer_delay_never_costs_more_polls(
    consumers: float, items: float, delays: list[float]
) -> None:
    shorter, longer = sorted(delays)
    assert polls_a_day(consumers, longer, items) <= polls_a_day(consumers, shorter, items)


@given(delay=DELAY, items=ITEMS, consumers=st.lists(CONSUMERS, min_size=2, max_size=2))
def test_more_consumers_never_cost_fewer_polls(
    delay: float, items: float, consumers: list[float]
) -> None:
    fewer, more = sorted(consumers)
    assert polls_a_day(more, delay, items) >= polls_a_day(fewer, delay, items)


@given(
    trigger=TRIGGERS,
    consumers=CONSUMERS,
    delay=DELAY,
    limit=st.none() | st.integers(1, MAX_RATE_LIMIT).map(float),
    events=st.integers(0, 10**12).map(float),
    items=ITEMS,
)
def test_the_polling_facts_follow_from_the_formula(
    trigger: str,
    consumers: float,
    delay: float,
    limit: float | None,
    events: float,
    items: float,
) -> None:
    facts = polling_facts(trigger, consumers, delay, limit, events, items)
    assert set(facts) == {name for name in FACTS if name.startswith("polling.")}
    if trigger not in POLLED_TRIGGERS:  # nobody polls for what they are told or asked
        assert facts["polling.applies"] is False
        assert all(value is None for name, value in facts.items() if name != "polling.applies")
        return
    calls = facts["polling.calls_per_day"]
    assert isinstance(calls, float)
    assert calls == max(1, round(polls_a_day(consumers, delay, items)))
    assert facts["polling.wasted_calls_per_day"] == max(0.0, calls - events)
    ratio = facts["polling.waste_ratio"]
    assert isinstance(ratio, float) and 0 <= ratio <= 1
    share = facts["polling.quota_share"]
    assert (share is None) == (limit is None)
    if limit is not None:
        assert share == round(calls / (limit * 1_440), 4)


def test_a_poll_every_ten_years_still_costs_one_call_a_day() -> None:
    facts = polling_facts("data_change", 1.0, MAX_DELAY_SECONDS, None, 0.0)
    assert facts["polling.calls_per_day"] == 1.0


@given(assessment=assessments(), peak_factor=st.floats(1, 100))
def test_every_flow_has_every_fact_of_its_kind(assessment: Assessment, peak_factor: float) -> None:
    for flow in assessment.flows:
        facts = derive(assessment, flow, peak_factor)
        assert set(facts) == {name for name, fact in FACTS.items() if "flow" in fact.scopes}
        for name, value in facts.items():
            fact = FACTS[name]
            if value is None:
                assert fact.nullable, name
                continue
            if fact.kind == "bool":
                assert isinstance(value, bool), name
            elif fact.kind == "number":
                assert isinstance(value, float | int) and not isinstance(value, bool), name
                assert math.isfinite(value) and value >= 0, name
            elif fact.kind == "enum":
                assert value in fact.values, name
            else:
                assert isinstance(value, frozenset) and value <= set(fact.values), name
        assert derive(assessment, flow, peak_factor) == facts  # the same inputs, the same facts
