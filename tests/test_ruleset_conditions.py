"""A compiled condition answers exactly what `Condition.holds` answers, for any facts."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.facts import FACTS, Fact, FactValue
from advisor.loader import load_rules
from advisor.ruleset import _OPS_BY_KIND, Condition, compile_condition

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
