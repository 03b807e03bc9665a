"""A compiled condition answers exactly what `Condition.holds` answers, for any facts; a settled
one answers it too wherever it claims the moving facts cannot change the answer."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.facts import FACTS, Fact, FactValue
from advisor.loader import load_rules
from advisor.ruleset import _OPS_BY_KIND, Condition, compile_condition, compile_settled

RULESET = load_rules()
DEFAULT_CONDITIONS = [
    *(rule.when for rule in RULESET.rules),
    *(rule.when for rule in RULESET.hybrid),
    *(rule.when for rule in RULESET.risks),
    *(choice.when for choice in RULESET.broker_selection if choice.when is not None),
]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10, 10**6),
    st.sampled_from([0.0, -0.0, 1.0, 0.35, 60.0, 3600.0]),
)


def value_of(fact: Fact) -> st.SearchStrategy[FactValue]:
    kinds: dict[str, st.SearchStrategy[Any]] = {
        "bool": st.booleans(),
        "number": NUMBERS,
        "enum": st.sampled_from(fact.values),
        "set": st.frozensets(st.sampled_from(fact.values or ("x",))),
    }
    # facts are sometimes missing (None), and a wrong kind must not pass a test either
    return st.one_of(kinds[fact.kind], st.none(), st.booleans())


FACT_VALUES = st.fixed_dictionaries({name: value_of(fact) for name, fact in FACTS.items()})


def expected_of(fact: Fact, op: str) -> st.SearchStrategy[Any]:
    if op == "exists":
        return st.booleans()
    if fact.kind == "bool":
        return st.booleans()
    if fact.kind == "number":
        return st.one_of(st.integers(-5, 10**5), st.floats(-1e6, 1e6))
    if op in ("in", "not_in"):
        return st.lists(st.sampled_from(fact.values), min_size=1, max_size=3)
    return st.sampled_from(fact.values)


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    fact = FACTS[draw(st.sampled_from(sorted(FACTS)))]
    op = draw(st.sampled_from(_OPS_BY_KIND[fact.kind]))
    return {"fact": fact.name, "op": op, "value": draw(expected_of(fact, op))}


CONDITIONS = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=6,
)


@settings(max_examples=300)
@given(FACT_VALUES)
def test_default_rules(facts: dict[str, FactValue]) -> None:
    for condition in DEFAULT_CONDITIONS:
        assert compile_condition(condition)(facts) == condition.holds(facts), condition


@settings(max_examples=500)
@given(CONDITIONS, FACT_VALUES)
def test_any_condition(data: dict[str, Any], facts: dict[str, FactValue]) -> None:
    condition = Condition.model_validate(data)
    assert compile_condition(condition)(facts) is condition.holds(facts)


def _moved(
    draw: st.DrawFn, condition: Condition, facts: dict[str, FactValue]
) -> tuple[frozenset[str], dict[str, FactValue]]:
    """Some of the facts the condition reads, and the facts with new values for those."""
    moving = frozenset(draw(st.sets(st.sampled_from(sorted(set(condition.facts_used()))))))
    others = draw(FACT_VALUES)
    return moving, {**facts, **{name: others[name] for name in moving}}


def _settled_soundly(condition: Condition, moving: frozenset[str], facts: Any, moved: Any) -> bool:
    settled = compile_settled(condition, moving)
    if settled is None:  # the moving facts always decide: then some values of them do
        return True
    answer = settled(facts)
    assert answer is None or answer is condition.holds(facts), (condition, moving)
    return answer is None or answer is condition.holds(moved)


@settings(max_examples=500)
@given(st.data(), st.sampled_from(DEFAULT_CONDITIONS), FACT_VALUES)
def test_a_settled_default_rule_stays_settled(
    data: st.DataObject, condition: Condition, facts: dict[str, FactValue]
) -> None:
    moving, moved = _moved(data.draw, condition, facts)
    assert _settled_soundly(condition, moving, facts, moved), (condition, moving, moved)


@settings(max_examples=500)
@given(st.data(), CONDITIONS, FACT_VALUES)
def test_a_settled_condition_stays_settled(
    data: st.DataObject, given_condition: dict[str, Any], facts: dict[str, FactValue]
) -> None:
    condition = Condition.model_validate(given_condition)
    moving, moved = _moved(data.draw, condition, facts)
    assert _settled_soundly(condition, moving, facts, moved), (condition, moving, moved)


def test_a_guard_on_a_fact_that_stays_settles_a_rule() -> None:
    """The case the what-if analysis meets most: a rule for flows that need no response is
    settled, for a change of volume, on a flow that needs one; not on one that does not."""
    condition = Condition.model_validate(
        {
            "all": [
                {"fact": "flow.needs_response", "op": "eq", "value": False},
                {"fact": "flow.events_per_day", "op": "ge", "value": 100_000},
            ]
        }
    )
    settled = compile_settled(condition, frozenset({"flow.events_per_day"}))
    assert settled is not None
    assert settled({"flow.needs_response": True, "flow.events_per_day": 5.0}) is False
    assert settled({"flow.needs_response": False, "flow.events_per_day": 5.0}) is None
    assert compile_settled(condition, frozenset(condition.facts_used())) is None
    negated = compile_settled(Condition(not_=condition), frozenset({"flow.events_per_day"}))
    assert negated is not None
    assert negated({"flow.needs_response": True, "flow.events_per_day": 5.0}) is True
    either = Condition(any=(Condition(not_=condition), condition))
    assert compile_settled(either, frozenset({"flow.events_per_day"})) is not None
