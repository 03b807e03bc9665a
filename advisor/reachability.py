"""Which broker choices can never be chosen: the first choice whose condition holds wins, so a
choice is dead when, wherever its condition holds, an earlier one's holds too.

Conditions compare facts with constants, so each fact only has a few values that tell
conditions apart: every choice of an enum, true and false, the sets made of the members that
tests name, and for a number each constant it is compared with, a value between two of them and
one beyond each end (plus "unknown" for a fact that may be). Every real integration behaves, for
every test, like one combination of those values; so a choice that no combination reaches is
reached by no integration. The converse does not hold (some combinations, such as 1.5
consumers, no integration has), so a choice found reachable may still be dead: warnings are
never false, only sometimes missing. Past a budget of combinations the question is left open.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from advisor.facts import FACTS, FactValue
from advisor.ruleset import BrokerChoice, Condition, Predicate, compile_condition

BUDGET = 200_000  # combinations of fact values tried for one choice


@dataclass(frozen=True)
class Dead:
    """A choice that is never chosen, and the earlier choices that always win over it."""

    choice: str
    winners: tuple[str, ...]  # one id when a single earlier choice covers it, else all of them


def dead_choices(
    choices: Sequence[BrokerChoice],
    *,
    only: Collection[str] | None = None,
    budget: int = BUDGET,
) -> list[Dead]:
    """The choices, in order, that no integration can reach (see the module's docstring); with
    `only`, among the choices with those ids. A missing condition always holds. A choice whose
    question is too large for `budget` is left out."""
    compiled = [_compile(choice.when) for choice in choices]
    found: list[Dead] = []
    for index, choice in enumerate(choices):
        earlier = range(index)
        if not earlier or (only is not None and choice.id not in only):
            continue
        reached = _reachable(choices, compiled, index, list(earlier), budget)
        if reached is None or reached:
            continue
        single = next(
            (
                choices[other].id
                for other in earlier
                if _reachable(choices, compiled, index, [other], budget) is False
            ),
            None,
        )
        winners = (single,) if single else tuple(choices[other].id for other in earlier)
        found.append(Dead(choice.id, winners))
    return found


def _compile(condition: Condition | None) -> Predicate:
    if condition is None:
        return lambda facts: True
    return compile_condition(condition)


def _reachable(
    choices: Sequence[BrokerChoice],
    compiled: Sequence[Predicate],
    index: int,
    earlier: Sequence[int],
    budget: int,
) -> bool | None:
    """Whether some combination makes choice `index` hold and none of `earlier`; None when
    there are more combinations than `budget`."""
    conditions = [choices[i].when for i in (index, *earlier)]
    tests = [test for condition in conditions if condition for test in condition.tests()]
    names = sorted({test.fact for test in tests if test.fact is not None})
    domains = [_values(name, [test for test in tests if test.fact == name]) for name in names]
    if math.prod(len(domain) for domain in domains) > budget:
        return None
    target, others = compiled[index], [compiled[i] for i in earlier]
    for combination in itertools.product(*domains):
        facts = dict(zip(names, combination, strict=True))
        if target(facts) and not any(other(facts) for other in others):
            return True
    return False


def _values(name: str, tests: Sequence[Condition]) -> list[FactValue]:
    fact = FACTS[name]
    values: list[FactValue]
    if fact.kind == "bool":
        values = [True, False]
    elif fact.kind == "enum":
        values = list(fact.values)
    elif fact.kind == "set":
        named = sorted({str(test.value) for test in tests if test.op in ("contains", "lacks")})
        values = [frozenset(subset) for subset in _subsets(named)]
    else:
        values = list(_numbers(tests))
    if fact.nullable or any(test.op == "exists" for test in tests):
        values.append(None)
    return values


def _subsets(items: Sequence[str]) -> Iterator[tuple[str, ...]]:
    for size in range(len(items) + 1):
        yield from itertools.combinations(items, size)


def _numbers(tests: Sequence[Condition]) -> Iterator[float]:
    """One number for each stretch the constants cut the number line into, and the constants."""
    constants = sorted(
        {
            float(test.value)
            for test in tests
            if test.op in ("eq", "ne", "lt", "le", "gt", "ge")
            and isinstance(test.value, int | float)
            and not isinstance(test.value, bool)
        }
    )
    if not constants:
        yield 0.0
        return
    yield constants[0] - 1
    for low, high in itertools.pairwise(constants):
        yield low
        yield (low + high) / 2
    yield constants[-1]
    yield constants[-1] + 1
