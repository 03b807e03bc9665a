"""The search of the what-if analysis: each lever's candidate values, nearest first, until every
outcome it can reach has its flip, within a budget of evaluations.

A lever that cannot move a score across a decision boundary (its rules carry too few points) is
not searched at all (`Search.plans`); for each flow, the rules the lever cannot change there (its
other facts settle them: `Search.settled`) carry no points in those bounds. The values of a
lever that can are then tried in one of three ways, which find exactly the same changes:
- `Search.plain`, the reference: each value is scored for each flow it touches by re-evaluating
  only the rules that read the facts it changes, with the engine's own building blocks;
- `Search.delta`: the same, each score had from the flow's own by adding and taking away the
  points of the rules that change (where every sum of points is exact in binary);
- `Search.columns`: the values of a block of levers at once, as columns of facts over (lever,
  value, flow) rows (`advisor.columns`), then the same walk through the values, nearest first,
  reading each outcome from the table.
All walk the levers and values in the same order and count the same evaluations (of one flow
under one candidate value), so the budget stops them at the same place. For a number the value
closest to the current one that flips wins (for each style it can flip to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress
from typing import Any

from advisor.engine import budget_totals, points_of, recommendation_of, style_of
from advisor.levers import Estate, FlowState, Input, Lever, Reach, cost
from advisor.models import Style

_SLACK = 0.2  # score points of slack in the bounds, for rounding
# Rows of (lever, value, flow) evaluated together as columns: enough to spread the cost of each
# column operation thinly, few enough that the budget of evaluations still bounds the work.
BLOCK_ROWS = 4096

_NONE: frozenset[int] = frozenset()
_Box = tuple[float, float, float, float]  # lowest and highest API score, then event score
Outcome = Callable[[int, Any, int], Style]  # a value's rank, the value, a flow's index -> style


class Found:
    __slots__ = ("cost", "lever", "outcome", "rank", "value")

    def __init__(self, lever: Lever, value: Any, outcome: Style, cost: float, rank: int) -> None:
        self.lever = lever
        self.value = value
        self.outcome = outcome
        self.cost = cost
        self.rank = rank  # the value's place among the lever's candidates


class Plan:
    """A lever worth searching: the flips still wanted for each flow it touches and for the
    whole integration, and (for the columns) its values and the flows each value is tried on."""

    __slots__ = ("columns", "lever", "reach", "settled", "values", "wanted", "whole_wanted")

    def __init__(
        self,
        lever: Lever,
        reach: Reach,
        wanted: dict[int, set[Style]],
        whole_wanted: set[Style],
        settled: dict[int, frozenset[int]],
    ) -> None:
        self.lever = lever
        self.reach = reach
        self.wanted = wanted
        self.whole_wanted = whole_wanted
        self.settled = settled  # flow -> the reach's rules the lever cannot change for it
        # Every flow a value may be tried on: all the lever's flows while the whole may flip,
        # else only those still wanting a flip (never more as the walk goes on).
        self.columns = lever.flows if whole_wanted else tuple(wanted)
        self.values: tuple[Any, ...] = ()


class Search:
    """One analysis: the flips found for the whole integration and for each flow."""

    def __init__(self, estate: Estate, budget: int, *, bounded: bool = True) -> None:
        self.estate = estate
        # False: every lever is walked, for every style of every flow and of the whole, as the
        # reference for the bounds (which only ever skip what could not flip)
        self.bounded = bounded
        self.states = estate.states
        self.settings = estate.settings
        self.rules = estate.rules
        self.prepared = estate.prepared
        self.recommendation = estate.result.recommendation
        self.style_counts = estate.style_counts
        self.left = budget  # evaluations the search may still make
        self.cut = False  # whether it ran out of them
        self.whole: list[Found] = []
        self.per_flow: list[list[Found]] = [[] for _ in self.states]
        self.alone = [self._hybrid_elsewhere((index,)) for index in range(len(self.states))]
        self.sums: dict[int, tuple[float, float, list[float]]] = {}

    # -- driving ------------------------------------------------------------------------------

    def plain(self) -> None:
        """The reference: every value scored one flow at a time, as it is reached, by summing
        the points of the rules that hold in rules order, as the engine does."""
        for plan in self.plans():
            self.walk(plan, plan.lever.values(), self._evaluator(plan))
            if self.cut:
                return

    def delta(self) -> bool:
        """As `plain`, each score had from the flow's own by adding and taking away the points
        of the rules that change; False (nothing done) where the rule set's points do not add
        up exactly in any order (`levers.exact_sums`)."""
        if not self.prepared.exact:
            return False
        for plan in self.plans():
            self.walk(plan, plan.lever.values(), self._differences(plan))
            if self.cut:
                break
        return True

    def columns(self, block_rows: int = BLOCK_ROWS) -> bool:
        """The values of blocks of levers scored at once over columns; False (nothing done)
        where the rule set has a condition or a number the columns do not take exactly."""
        from advisor.columns import Table  # numpy is loaded only by a search that uses it

        table = Table.of(self.estate)
        if table is None:
            return False
        block: list[Plan] = []
        rows = 0
        for plan in self.plans():
            plan.values = tuple(plan.lever.values())
            block.append(plan)
            rows += len(plan.values) * len(plan.columns)
            if rows >= block_rows:
                self._walk_block(table, block)
                if self.cut:
                    return True
                block, rows = [], 0
        if block:
            self._walk_block(table, block)
        return True

    def _walk_block(self, table: Any, block: Sequence[Plan]) -> None:
        styles: list[Style] = table.styles(block)
        offset = 0
        for plan in block:
            width = len(plan.columns)
            at = {index: column for column, index in enumerate(plan.columns)}
            start = offset

            def outcome(
                rank: int,
                _value: Any,
                index: int,
                start: int = start,
                width: int = width,
                at: dict[int, int] = at,
            ) -> Style:
                return styles[start + rank * width + at[index]]

            self.walk(plan, plan.values, outcome)
            if self.cut:
                return
            offset += len(plan.values) * width

    def plans(self) -> Iterator[Plan]:
        """Every lever worth searching, in order, with what it may flip."""
        for given in self.estate.inputs():
            if self._worth(given):
                plan = self._plan(given)
                if plan is not None:
                    yield plan

    def _plan(self, given: Input) -> Plan | None:
        reach, flows, make = given.reach, given.flows, given.make
        if not self.bounded:
            every: set[Style] = {"api", "event", "hybrid"}
            return Plan(
                make(),
                reach,
                {index: every - {self.states[index].style} for index in flows},
                every - {self.recommendation},
                {},
            )
        settled: dict[int, frozenset[int]] = {}
        styles: dict[int, set[Style]] = {}
        for index in flows:
            state = self.states[index]
            own, movable = reach, self._may_flip(state, reach)
            if movable and given.reach_in is not None:  # what the input reaches in this flow
                own = given.reach_in(index)
                movable = self._may_flip(state, own)
            if not movable:
                styles[index] = {state.style}
                continue
            fixed = self.settled(index, own)
            if own is not reach:  # the rules the input reaches in other flows but not this one
                fixed |= reach.rule_set - own.rule_set
            if fixed:
                settled[index] = fixed
            styles[index] = self._reachable(index, self._box(index, reach, fixed), own.hybrid)
        wanted = {
            index: others
            for index, reachable in styles.items()
            if (others := reachable - {self.states[index].style})
        }
        if not wanted:
            return None  # no flow moves, so neither does the whole: it follows its flows
        if self.alone[flows[0]] if len(flows) == 1 else self._hybrid_elsewhere(flows):
            whole_wanted: set[Style] = set()  # the lever cannot move the whole off hybrid
        else:
            whole_wanted = self._reachable_whole(styles) - {self.recommendation}
        return Plan(make(), reach, wanted, whole_wanted, settled)

    def walk(self, plan: Plan, values: Iterable[Any], outcome: Outcome) -> None:
        """Try the lever's values, nearest first, until each reachable outcome has its flip."""
        lever, wanted, whole_wanted = plan.lever, plan.wanted, plan.whole_wanted
        per_flow = self.per_flow
        for rank, value in enumerate(values):
            evaluated = lever.flows if whole_wanted else tuple(wanted)
            if len(evaluated) > self.left:
                self.cut = True
                return
            self.left -= len(evaluated)
            outcomes = {index: outcome(rank, value, index) for index in evaluated}
            for index in list(wanted):
                style = outcomes[index]
                if style in wanted[index]:
                    per_flow[index].append(Found(lever, value, style, cost(lever, value), rank))
                    wanted[index].discard(style)
                    if not wanted[index]:
                        del wanted[index]
            if whole_wanted:
                whole = self._recommendation(outcomes)
                if whole in whole_wanted:
                    self.whole.append(Found(lever, value, whole, cost(lever, value), rank))
                    whole_wanted.discard(whole)
            if not wanted and not whole_wanted:
                return

    def settled(self, index: int, reach: Reach) -> frozenset[int]:
        """The rules of the reach whose answer the flow's other facts settle: whatever value
        the lever takes, they hold (or fail) for this flow as they do now."""
        if not reach.guards:
            return _NONE
        facts = self.states[index].facts
        return frozenset(rule for rule, settled in reach.guards if settled(facts) is not None)

    def _worth(self, given: Input) -> bool:
        """A quick test: may the lever flip one of its flows? (The whole follows its flows: if
        no flow moves, nothing moves.)"""
        reach = given.reach
        return not self.bounded or any(
            self._may_flip(self.states[index], reach) for index in given.flows
        )

    def _may_flip(self, state: FlowState, reach: Reach) -> bool:
        """A quick test: may the reach's rules, with all their points, flip this flow?"""
        if state.close:
            return True
        lead = state.event - state.api
        margin = self.settings.style_margin
        if state.style == "api":
            return lead + reach.swing > -margin - _SLACK
        return reach.hybrid or lead - reach.swing < margin + _SLACK

    def _hybrid_elsewhere(self, flows: tuple[int, ...]) -> bool:
        """Whether the flows the lever leaves alone already make the whole hybrid (they have two
        styles, or one is hybrid), so that the recommendation is and stays hybrid."""
        left = dict(self.style_counts)
        for index in flows:
            left[self.states[index].style] -= 1
        styles = [style for style, count in left.items() if count]
        return len(styles) > 1 or "hybrid" in styles

    def _evaluator(self, plan: Plan) -> Outcome:
        lever, reach = plan.lever, plan.reach

        def outcome(_rank: int, value: Any, index: int) -> Style:
            return evaluate(self.states[index], lever, reach, value, index, self)[0]

        return outcome

    def _differences(self, plan: Plan) -> Outcome:
        lever, reach = plan.lever, plan.reach
        terms, hybrid = reach.terms, reach.hybrid
        states, rules, settings = self.states, self.rules, self.settings
        budgets, score = rules.budgets, self.prepared.score
        hybrid_reads = self.prepared.hybrid_reads
        sums = self._sums
        shared = not lever.by_flow
        made: list[Any] = [-1, None]  # the rank whose patch is made, and the patch
        # Each flow's terms: the reach's, but for the rules the lever cannot change for it.
        terms_of = {
            index: tuple(term for term in terms if term[0] not in settled)
            for index, settled in plan.settled.items()
        }

        def outcome(rank: int, value: Any, index: int) -> Style:
            state = states[index]
            if shared and made[0] == rank:
                patch = made[1]
            else:
                patch = lever.patch(value, index)
                made[0], made[1] = rank, patch
            facts = state.facts.copy()
            facts.update(patch)
            held = state.held
            api, event, given = sums(index)
            moved = None
            changed = False
            for rule, holds, api_points, event_points, group in terms_of.get(index, terms):
                now = holds(facts)
                if now != held[rule]:
                    changed = True
                    points = api_points + event_points  # one of them is 0.0
                    if now:
                        api += api_points
                        event += event_points
                    else:
                        api -= api_points
                        event -= event_points
                    if group >= 0:
                        if moved is None:
                            moved = list(given)
                        moved[group] += points if now else -points
            if not changed:
                if not hybrid and hybrid_reads.isdisjoint(patch):
                    return state.style  # nothing it reads has changed
                return style_of(state.api, state.event, facts, rules, settings)[0]
            for (_, budget, for_api), total in zip(budgets, moved or given, strict=True):
                if total > budget:
                    if for_api:
                        api -= total - budget
                    else:
                        event -= total - budget
            return style_of(score(api), score(event), facts, rules, settings)[0]

        return outcome

    def _sums(self, index: int) -> tuple[float, float, list[float]]:
        """A flow's API and event points before budgets cut them, and each budget's total."""
        known = self.sums.get(index)
        if known is None:
            held, rules = self.states[index].held, self.rules
            known = self.sums[index] = (
                sum(compress(rules.api_points, held)),
                sum(compress(rules.event_points, held)),
                budget_totals(held, rules),
            )
        return known

    def _recommendation(self, outcomes: dict[int, Style]) -> Style:
        counts = dict(self.style_counts)
        for index, style in outcomes.items():
            counts[self.states[index].style] -= 1
            counts[style] = counts.get(style, 0) + 1
        return recommendation_of(style for style, count in counts.items() if count)

    # -- bounds: what can a lever reach at all? ----------------------------------------------

    def _box(self, index: int, reach: Reach, settled: frozenset[int]) -> _Box:
        """The lowest and highest scores the flow may get when only the reach's rules may
        change, but for those `settled`; the rules of a criterion with a budget together
        giving no more than their budget."""
        state = self.states[index]
        held = state.held
        api_low, event_low = state.api_points, state.event_points
        api_high, event_high = api_low, event_low
        budgeted: dict[int, list[float]] = {}  # a budget's group -> points that may go, come
        for rule, _, api_points, event_points, group in reach.terms:
            if rule in settled:
                continue
            if group >= 0:
                moves = budgeted.setdefault(group, [0.0, 0.0])
                moves[0 if held[rule] else 1] += api_points + event_points
            elif held[rule]:
                api_low -= api_points
                event_low -= event_points
            else:
                api_high += api_points
                event_high += event_points
        if budgeted:
            given = self._sums(index)[2]
            budgets = self.rules.budgets
            for group, (going, coming) in budgeted.items():
                _, budget, for_api = budgets[group]
                now = min(given[group], budget)
                down = now - min(given[group] - going, budget)
                up = min(given[group] + coming, budget) - now
                if for_api:
                    api_low, api_high = api_low - down, api_high + up
                else:
                    event_low, event_high = event_low - down, event_high + up
        scale = 100.0 / self.settings.saturation  # unrounded: the slack covers rounding
        return (
            min(100.0, max(0.0, api_low) * scale),
            min(100.0, api_high * scale),
            min(100.0, max(0.0, event_low) * scale),
            min(100.0, event_high * scale),
        )

    def _reachable(self, index: int, box: _Box, hybrid: bool) -> set[Style]:
        """The styles the flow may get with scores in `box` (generously, never too few).

        Past the margin on the event side a flow is hybrid when a hybrid rule holds and event
        otherwise; unless the lever feeds a hybrid rule, that part stays as it is now.
        """
        state = self.states[index]
        api_low, api_high, event_low, event_high = box
        lead_low, lead_high = event_low - api_high, event_high - api_low
        margin, floor = self.settings.style_margin, self.settings.hybrid_floor
        styles: set[Style] = {state.style}
        if lead_high >= margin - _SLACK:
            if hybrid or state.hybrid_rule:
                styles.add("hybrid")
            if hybrid or not state.hybrid_rule:
                styles.add("event")
        if lead_low <= -margin + _SLACK:
            styles.add("api")
        if lead_low < margin + _SLACK and lead_high > -margin - _SLACK:  # a close call
            if min(api_high, event_high) >= floor - _SLACK:
                styles.add("hybrid")
            if min(api_low, event_low) < floor + _SLACK:
                if lead_high > -_SLACK:  # events win the close call: hybrid where a rule says
                    if hybrid or state.hybrid_rule:
                        styles.add("hybrid")
                    if hybrid or not state.hybrid_rule:
                        styles.add("event")
                if lead_low < _SLACK:
                    styles.add("api")
        return styles

    def _reachable_whole(self, reach: dict[int, set[Style]]) -> set[Style]:
        """The recommendations the integration may get (generously): api or event only if
        every flow may get it, hybrid if the flows may disagree or one may be hybrid."""
        options = [reach.get(index, {state.style}) for index, state in enumerate(self.states)]
        result: set[Style] = {
            style for style in ("api", "event") if all(style in styles for styles in options)
        }
        union = set().union(*options)
        if (len(self.states) > 1 and len(union) > 1) or "hybrid" in union:
            result.add("hybrid")
        return result


def evaluate(
    state: FlowState, lever: Lever, reach: Reach, value: Any, index: int, search: Search
) -> tuple[Style, float, float]:
    """The flow's style and scores with the lever set to `value`: only the reach's rules
    re-read. (Not memoised: a search tries each value once per flow, and no two levers share
    both a field and a value.)"""
    facts = state.facts.copy()
    facts.update(lever.patch(value, index))
    held = state.held.copy()
    for rule, holds in reach.tests:
        held[rule] = holds(facts)
    api_points, event_points = points_of(held, search.rules)
    api = search.prepared.score(api_points)
    event = search.prepared.score(event_points)
    style, _ = style_of(api, event, facts, search.rules, search.settings)
    return style, api, event
