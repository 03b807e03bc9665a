"""The what-if search's candidate values scored many at once: each (lever, value, flow) is a row,
each fact a column, and a rule set's conditions run over whole columns.

The facts are not computed here: each row's facts are its flow's (from `advisor.facts.derive`,
as the engine has them) with the lever's patch on top (`advisor.levers`, which takes them from
`advisor.facts` too). Only their encoding is: a number as a float (None as NaN), a choice or a
yes/no as its place among the fact's values (None as -1), a set as a bit mask.

The answers are exactly the plain search's (`advisor.search`): a condition reads a column as
`ruleset.compile_condition` reads one value (a None fails every comparison, a number is never a
yes/no); points are summed exactly, which holds only where every sum of points is exact in
binary (points in 1/1024ths, totals well under 2**40), so a rule set with other points, or a
condition these columns do not take, is left to the plain search (`Table.of` gives None).
Scores are rounded by the engine's own `to_score`, once per distinct sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

# numpy comes with pandas, which the web app needs; the search imports this module only when
# it runs, so that the command line starts without it.
import numpy as np

from advisor.engine import Compiled, compiled
from advisor.facts import FACTS, FactValue
from advisor.ruleset import Condition, Ruleset

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from advisor.levers import Estate, Lever, Prepared, Reach
    from advisor.models import Style

    Column = NDArray[Any]
    Columns = dict[str, Column]
    Test = Callable[[Columns, int], NDArray[np.bool_]]

_EXACT = 1024  # points must be whole 1/1024ths
_EXACT_TOTAL = 2.0**40  # and add up to less than this, so that every partial sum is exact
_STYLES: tuple[Style, ...] = ("api", "event", "hybrid")
_API, _EVENT, _HYBRID = 0, 1, 2


class Plan(Protocol):
    """A lever's rows, as `advisor.search` plans them: each value on each flow of `columns`."""

    @property
    def lever(self) -> Lever: ...
    @property
    def reach(self) -> Reach: ...
    @property
    def values(self) -> tuple[Any, ...]: ...
    @property
    def columns(self) -> tuple[int, ...]: ...


class Rules:
    """A rule set's scoring and hybrid conditions over columns, with its points as vectors."""

    def __init__(
        self,
        rules: Compiled,
        tests: list[Test],
        hybrid: list[Test],
        facts: tuple[str, ...],
    ) -> None:
        self.rules = rules
        self.tests = tests
        self.hybrid = hybrid
        self.facts = facts  # every fact a scoring or hybrid rule reads
        self.api_points = np.array(rules.api_points, dtype=np.float64)
        self.event_points = np.array(rules.event_points, dtype=np.float64)
        self.points = np.array(rules.points, dtype=np.float64)
        self.budgets = [
            (np.array(members, dtype=np.intp), float(budget), for_api)
            for members, budget, for_api in rules.budgets
        ]


_rules_cache: list[tuple[Ruleset, Rules | None]] = []


def rules_of(ruleset: Ruleset) -> Rules | None:
    """The rule set over columns, kept for the last rule set seen; None where it cannot be
    scored exactly over columns."""
    if _rules_cache and _rules_cache[0][0] is ruleset:
        return _rules_cache[0][1]
    made = _make_rules(ruleset)
    _rules_cache[:] = [(ruleset, made)]
    return made


def _make_rules(ruleset: Ruleset) -> Rules | None:
    rules = compiled(ruleset)
    amounts = [*rules.points, *(budget for _, budget, _ in rules.budgets)]
    if not all(float(amount * _EXACT).is_integer() for amount in amounts):
        return None
    if sum(rules.points) >= _EXACT_TOTAL:
        return None
    tests = [_test(rule.when) for rule in ruleset.rules]
    hybrid = [_test(rule.when) for rule in ruleset.hybrid]
    if any(test is None for test in tests) or any(test is None for test in hybrid):
        return None
    conditions = [rule.when for rule in ruleset.rules] + [rule.when for rule in ruleset.hybrid]
    read = {fact for condition in conditions for fact in condition.facts_used()}
    return Rules(
        rules,
        [test for test in tests if test is not None],
        [test for test in hybrid if test is not None],
        tuple(sorted(read)),
    )


# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------

_MISSING = -1  # a choice or yes/no that is None
_NOT_A_VALUE = -2  # a value the fact does not have (never met: the models allow none)


def _domain(fact: str) -> tuple[Any, ...]:
    """The values a choice or yes/no may take, in code order."""
    kind = FACTS[fact].kind
    return (False, True) if kind == "bool" else FACTS[fact].values


def encoder(fact: str) -> Callable[[FactValue], float | int]:
    """How a value of the fact is written in its column."""
    kind = FACTS[fact].kind
    if kind == "number":

        def number(value: FactValue) -> float:
            return float("nan") if value is None else float(value)  # type: ignore[arg-type]

        return number
    if kind == "set":
        bits: dict[str, int] = {value: 1 << place for place, value in enumerate(FACTS[fact].values)}

        def mask(value: FactValue) -> int:
            assert isinstance(value, frozenset)
            return sum(bits[item] for item in value)

        return mask
    codes: dict[Any, int] = {value: code for code, value in enumerate(_domain(fact))}
    if kind == "bool":
        codes = {False: 0, True: 1}  # not 0 and 1: True and 1 are the same key

    def code(value: FactValue) -> int:
        if value is None:
            return _MISSING
        if kind == "bool":
            return int(value is True)
        return codes.get(value, _NOT_A_VALUE)

    return code


def _dtype(fact: str) -> type:
    return np.float64 if FACTS[fact].kind == "number" else np.int64


# ---------------------------------------------------------------------------------------------
# Conditions over columns, as `ruleset.compile_condition` reads one value
# ---------------------------------------------------------------------------------------------


def _test(condition: Condition) -> Test | None:
    if condition.all is not None or condition.any is not None:
        every = condition.all is not None
        parts = [_test(part) for part in (condition.all or condition.any or [])]
        if any(part is None for part in parts):
            return None
        found = [part for part in parts if part is not None]
        if not found:
            return lambda columns, rows: np.full(rows, every, dtype=np.bool_)
        combine = np.logical_and if every else np.logical_or

        def chained(columns: Columns, rows: int) -> NDArray[np.bool_]:
            result = found[0](columns, rows)
            for part in found[1:]:
                result = combine(result, part(columns, rows))
            return result

        return chained
    if condition.not_ is not None:
        inner = _test(condition.not_)
        if inner is None:
            return None
        return lambda columns, rows: np.logical_not(inner(columns, rows))
    return _leaf(condition.fact or "", condition.op, condition.value)


def _leaf(name: str, op: str | None, expected: Any) -> Test | None:
    fact = FACTS.get(name)
    if fact is None:
        return None
    kind = fact.kind

    def constant(value: bool) -> Test:
        return lambda columns, rows: np.full(rows, value, dtype=np.bool_)

    if op == "exists":
        present = bool(expected)
        if kind == "set":
            return constant(present)  # a set is never None
        if kind == "number":
            return lambda columns, rows: np.isnan(columns[name]) != present
        return lambda columns, rows: (columns[name] == _MISSING) != present
    if kind == "set":
        if op in ("contains", "lacks"):
            member = op == "contains"
            if expected not in fact.values:  # never in the set
                return constant(not member)
            bit = 1 << fact.values.index(expected)
            return lambda columns, rows: ((columns[name] & bit) != 0) == member
        if op in ("lt", "le", "gt", "ge"):
            return constant(False)
        return None  # equality or membership of a whole set: left to the plain search
    if op in ("contains", "lacks"):
        return constant(False)  # only a set contains anything
    if kind == "number":
        return _number(name, op, expected)
    if op in ("lt", "le", "gt", "ge"):
        return constant(False)  # a choice or a yes/no is no number
    domain = _domain(name)
    if op in ("eq", "ne"):
        matching = [code for code, value in enumerate(domain) if value == expected]
        inside = op == "eq"
    elif op in ("in", "not_in"):
        values = frozenset(expected)
        matching = [code for code, value in enumerate(domain) if value in values]
        inside = op == "in"
    else:
        return None
    codes = np.array(matching, dtype=np.int64)
    if inside:
        return lambda columns, rows: np.isin(columns[name], codes)
    return lambda columns, rows: (columns[name] != _MISSING) & ~np.isin(columns[name], codes)


def _number(name: str, op: str | None, expected: Any) -> Test | None:
    if op in ("eq", "ne", "in", "not_in"):
        given = list(expected) if op in ("in", "not_in") else [expected]
        numbers = [float(value) for value in given if isinstance(value, int | float)]
        if any(not np.isfinite(number) for number in numbers):
            return None
        wanted = np.array(numbers, dtype=np.float64)
        if op in ("eq", "in"):
            return lambda columns, rows: np.isin(columns[name], wanted)
        return lambda columns, rows: ~np.isnan(columns[name]) & ~np.isin(columns[name], wanted)
    if op not in ("lt", "le", "gt", "ge"):
        return None
    number = float(expected)
    compare = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}[op]
    return lambda columns, rows: compare(columns[name], number)  # NaN (None) compares False


# ---------------------------------------------------------------------------------------------
# One estate's table
# ---------------------------------------------------------------------------------------------


class Table:
    """One estate's flows as columns, ready to take rows of candidate values."""

    def __init__(self, estate: Estate, rules: Rules) -> None:
        self.rules = rules
        self.prepared: Prepared = estate.prepared
        self.settings = estate.settings
        self.encoders = {fact: encoder(fact) for fact in rules.facts}
        self.base: dict[str, Column] = {
            fact: np.array(
                [encode(state.facts[fact]) for state in estate.states], dtype=_dtype(fact)
            )
            for fact, encode in self.encoders.items()
        }
        count = len(rules.rules.holds)
        self.held = np.array([state.held for state in estate.states], dtype=np.bool_).reshape(
            len(estate.states), count
        )

    @classmethod
    def of(cls, estate: Estate) -> Table | None:
        rules = rules_of(estate.ruleset)
        return None if rules is None else cls(estate, rules)

    def styles(self, plans: Sequence[Plan]) -> list[Style]:
        """Each row's style: for each plan, for each of its values, for each flow in its
        columns."""
        flows: list[int] = []
        owners: list[int] = []  # the plan each row belongs to
        patched: dict[str, tuple[list[int], list[float | int]]] = {}
        encoders = self.encoders
        for number, plan in enumerate(plans):
            lever, columns = plan.lever, plan.columns
            width = len(columns)
            start = len(flows)
            flows += columns * len(plan.values)
            owners += [number] * (width * len(plan.values))
            for rank, value in enumerate(plan.values):
                first = start + rank * width
                if lever.by_flow:
                    for column, index in enumerate(columns):
                        for fact, fact_value in lever.patch(value, index).items():
                            encode = encoders.get(fact)
                            if encode is not None:
                                at, values = patched.setdefault(fact, ([], []))
                                at.append(first + column)
                                values.append(encode(fact_value))
                    continue
                for fact, fact_value in lever.patch(value, columns[0]).items():
                    encode = encoders.get(fact)
                    if encode is not None:
                        at, values = patched.setdefault(fact, ([], []))
                        at += range(first, first + width)
                        values += [encode(fact_value)] * width
        rows = len(flows)
        if not rows:
            return []
        where = np.array(flows, dtype=np.intp)
        columns_now = {fact: column[where] for fact, column in self.base.items()}
        for fact, (at, values) in patched.items():
            columns_now[fact][np.array(at, dtype=np.intp)] = values
        return self._styles(plans, columns_now, where, np.array(owners, dtype=np.intp), rows)

    def _styles(
        self,
        plans: Sequence[Plan],
        columns: Columns,
        where: NDArray[np.intp],
        owners: NDArray[np.intp],
        rows: int,
    ) -> list[Style]:
        rules = self.rules
        read = sorted({rule for plan in plans for rule in plan.reach.rules})
        held = self.held[where]
        if read:
            # a rule is read again only on the rows of levers that reach it, as the plain search
            reaches = np.zeros((len(plans), len(read)), dtype=np.bool_)
            place = {rule: column for column, rule in enumerate(read)}
            for number, plan in enumerate(plans):
                reaches[number, [place[rule] for rule in plan.reach.rules]] = True
            now = np.column_stack([rules.tests[rule](columns, rows) for rule in read])
            held[:, read] = np.where(reaches[owners], now, held[:, read])
        counted = held.astype(np.float64)
        api = counted @ rules.api_points
        event = counted @ rules.event_points
        for members, budget, for_api in rules.budgets:
            given = counted[:, members] @ rules.points[members]
            over = np.where(given > budget, given - budget, 0.0)
            if for_api:
                api = api - over
            else:
                event = event - over
        api_score = self._scores(api)
        event_score = self._scores(event)
        lead = event_score - api_score
        margin, floor = self.settings.style_margin, self.settings.hybrid_floor
        hybrid_rule = np.zeros(rows, dtype=np.bool_)
        for test in rules.hybrid:
            hybrid_rule |= test(columns, rows)
        event_side = np.where(hybrid_rule, _HYBRID, _EVENT)
        style = np.where(
            -lead >= margin,
            _API,
            np.where(
                (lead < margin) & (np.minimum(api_score, event_score) >= floor),
                _HYBRID,
                np.where(lead <= 0, _API, event_side),
            ),
        )
        names: tuple[Style, ...] = _STYLES
        return [names[code] for code in style.tolist()]

    def _scores(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """`to_score` of each sum, by the engine's own rounding, once per distinct sum."""
        distinct, inverse = np.unique(points, return_inverse=True)
        score = self.prepared.score
        scores = np.array([score(float(value)) for value in distinct.tolist()], dtype=np.float64)
        return scores[inverse]
