"""The levers of the what-if analysis: which inputs can move, and to which candidate values.

Which inputs and values are tried comes from the rules in force, so that an organisation's own
rules get a faithful analysis:
- an input is a lever only when a scoring or hybrid rule reads a fact it feeds (directly, or
  through a derived fact such as `polling.quota_share`);
- a number is tried at the nearest value that reads each of its rules' comparisons the other
  way (the threshold, or one step beyond it); thresholds on derived facts such as
  `polling.calls_per_day` are turned back into the input's own unit and tried with a step
  either side, since derived facts are rounded;
- a choice is tried at every value the model allows that makes some condition read differently;
- a goal is added or dropped when some rule asks about it.

A lever's `patch` gives the facts a candidate value changes, from `advisor.facts` (nothing here
computes a fact). Pure: models in, plain objects out; `advisor.search` tries the values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache, partial
from typing import Any, NamedTuple

from advisor.engine import Compiled, compiled, points_of, to_score
from advisor.facts import (
    FACTS,
    MINUTES_A_DAY,
    POLLED_TRIGGERS,
    FactValue,
    callee_limit,
    delay_for_polls,
    estimated_peak,
    owners_of,
    polling_facts,
    polls_a_day,
)
from advisor.models import (
    MAX_DELAY_SECONDS,
    MAX_EVENTS_PER_DAY,
    MAX_PAYLOAD_KB,
    MAX_PEAK_PER_SECOND,
    MAX_RATE_LIMIT,
    Assessment,
    Flow,
    Result,
    Style,
    System,
)
from advisor.ruleset import (
    Condition,
    Predicate,
    Ruleset,
    Settings,
    compile_condition,
    compile_settled,
)

SEARCH_FACTOR = 1000.0  # numbers are searched within this factor of their current value
MAX_CONSUMERS = 50
PLACEHOLDER = "new-consumer"
LIMIT_WHEN_NONE = 600  # a limit to try where none is known and rules only ask whether one exists
SCORES_KEPT = 10_000  # scores remembered per rule set
CANDIDATES_KEPT = 10_000  # candidate values remembered

Facts = dict[str, FactValue]
Patch = Callable[[Any, int], Facts]  # a candidate value, a flow's index -> the facts it changes
Values = Callable[[], Iterable[Any]]

# ---------------------------------------------------------------------------------------------
# What the rules read, prepared once per rule set
# ---------------------------------------------------------------------------------------------

# The polling facts a number of polls a day moves (the number of calls, their share of the
# quota, the calls that find nothing), and those the number of events moves: the calls that find
# nothing. Whether polling applies at all follows from the trigger, which is never proposed.
_WASTE = frozenset({"polling.wasted_calls_per_day", "polling.waste_ratio"})
_CALLS = frozenset({"polling.calls_per_day", "polling.quota_share"}) | _WASTE
_POLLING = _CALLS | {"polling.applies"}

# The facts each input feeds, directly or through the facts derived from it.
FEEDS: dict[str, frozenset[str]] = {
    "stage": frozenset({"context.stage"}),
    "team_event_experience": frozenset({"context.team_event_experience"}),
    "cloud": frozenset({"context.cloud"}),
    "existing_broker": frozenset({"context.existing_broker"}),
    "goal": frozenset({"context.goals"}),
    "emits_events": frozenset({"source.emits_events"}),
    "api_rate_limit_per_minute": frozenset(
        {
            "source.api_rate_limit_per_minute",
            "callee.api_rate_limit_per_minute",
            "polling.quota_share",
        }
    ),
    "needs_response": frozenset({"flow.needs_response"}),
    "max_delay_seconds": frozenset({"flow.max_delay_seconds"}) | _CALLS,
    "events_per_day": frozenset({"flow.events_per_day", "flow.peak_per_second"}) | _WASTE,
    "peak_per_second": frozenset({"flow.peak_per_second"}),
    "consistency": frozenset({"flow.consistency"}),
    "ordering": frozenset({"flow.ordering"}),
    "payload_kb": frozenset({"flow.payload_kb"}),
    "targets": frozenset({"flow.consumers", "flow.owners", "callee.api_rate_limit_per_minute"})
    | _CALLS,
}


@cache
def feeds(name: str, polled: bool, estimated_peak: bool, limited: bool = True) -> frozenset[str]:
    """The facts an input feeds: polling facts only where targets would poll (and their share
    of the quota only where the source has a limit), the peak only where it is estimated from
    the daily volume."""
    feeds = FEEDS[name]
    if not polled:
        feeds = feeds - _POLLING
    if not limited and name != "api_rate_limit_per_minute":
        feeds = feeds - {"polling.quota_share"}
    if name == "events_per_day" and not estimated_peak:
        feeds = feeds - {"flow.peak_per_second"}
    return feeds


CONTEXT_INPUTS = ("stage", "team_event_experience", "cloud", "existing_broker")
# What starts a flow is its nature, not a change anyone would make, so it is never proposed.
FLOW_INPUTS = (
    "needs_response",
    "max_delay_seconds",
    "events_per_day",
    "peak_per_second",
    "consistency",
    "ordering",
    "payload_kb",
    "targets",
)

Tests = dict[str, list[tuple[Condition, Predicate]]]


class Input(NamedTuple):
    """An input rules read: what changing it can reach, the flows it feeds, a way to make its
    lever, and (where it feeds each flow differently) what it can reach in each of them."""

    reach: Reach
    flows: tuple[int, ...]
    make: Callable[[], Lever]
    reach_in: Callable[[int], Reach] | None = None  # a flow's index -> what it reaches there


class Reach:
    """The scoring rules an input can change, whether it can change a hybrid rule, and the most
    it can move a flow's lead (event score minus API score)."""

    __slots__ = (
        "guards",
        "hybrid",
        "moving",
        "rule_set",
        "rules",
        "swing",
        "terms",
        "tests",
    )

    def __init__(
        self,
        *,
        rules: tuple[int, ...],
        hybrid: bool,
        compiled: Compiled,
        settings: Settings,
        moving: frozenset[str],
    ) -> None:
        self.moving = moving  # the facts the input feeds
        self.rules = rules
        self.rule_set = frozenset(rules)
        self.hybrid = hybrid
        # Looked up once here rather than for every candidate value: the rules' conditions.
        self.tests = tuple((index, compiled.holds[index]) for index in rules)
        # For scoring by differences: each rule's condition, its API and event points, and
        # the criterion budget it counts against (-1: none).
        group_of = budget_groups(compiled)
        # The most the rules can move the lead: all their points, but no more than its budget
        # for the rules of a criterion that has one.
        api = event = 0.0
        budgeted: dict[int, float] = {}
        for index in rules:
            if group_of[index] >= 0:
                group = group_of[index]
                budgeted[group] = budgeted.get(group, 0.0) + compiled.points[index]
            else:
                api += compiled.api_points[index]
                event += compiled.event_points[index]
        for group, points in budgeted.items():
            _, budget, for_api = compiled.budgets[group]
            if for_api:
                api += min(points, budget)
            else:
                event += min(points, budget)
        self.swing = to_score(api, settings) + to_score(event, settings)
        self.terms = tuple(
            (
                index,
                compiled.holds[index],
                compiled.api_points[index],
                compiled.event_points[index],
                group_of[index],
            )
            for index in rules
        )
        # The rules whose answer a flow's other facts may settle, whatever values the `moving`
        # facts take (a rule for flows that need no response, and a flow that needs one): on
        # such a flow the input cannot change them (`Search.settled`).
        self.guards = tuple(
            (index, settled)
            for index in rules
            if (settled := compile_settled(compiled.rules[index].when, moving)) is not None
        )


def budget_groups(compiled: Compiled) -> tuple[int, ...]:
    """For each scoring rule, the place in `compiled.budgets` of the budget it counts against,
    or -1."""
    group_of = [-1] * len(compiled.holds)
    for group, (members, _, _) in enumerate(compiled.budgets):
        for index in members:
            group_of[index] = group
    return tuple(group_of)


EXACT_PARTS = 1024  # points in whole 1/1024ths ...
EXACT_TOTAL = 2.0**40  # ... adding up to less than this: every sum of them is exact in binary


def exact_sums(compiled: Compiled) -> bool:
    """Whether every sum of the rules' points (and budgets) is exact in binary, so that it is
    the same in any order: then a score can be had by adding and taking away the points of the
    rules that change, rather than summing them all again in rules order."""
    amounts = [*compiled.points, *(budget for _, budget, _ in compiled.budgets)]
    return sum(compiled.points) < EXACT_TOTAL and all(
        float(amount * EXACT_PARTS).is_integer() for amount in amounts
    )


class Prepared:
    """What the search needs to know about a rule set."""

    __slots__ = (
        "crossed",
        "exact",
        "goals",
        "hybrid_goals",
        "hybrid_reads",
        "inputs",
        "reaches",
        "rule_goals",
        "rules",
        "scores",
        "settings",
        "tests",
        "thresholds_of",
    )

    def __init__(
        self,
        *,
        rules: Compiled,
        settings: Settings,
        tests: Tests,
        goals: tuple[str, ...],
        rule_goals: tuple[frozenset[str], ...],
        hybrid_goals: frozenset[str],
    ) -> None:
        self.rules = rules
        self.settings = settings
        self.tests = tests  # every leaf test of the scoring and hybrid rules, by fact
        self.goals = goals  # the goals some rule asks about
        self.rule_goals = rule_goals  # the goals each scoring rule asks about
        self.hybrid_goals = hybrid_goals  # the goals the hybrid rules ask about
        self.hybrid_reads = frozenset(rules.hybrid_readers)  # the facts hybrid rules read
        self.exact = exact_sums(rules)
        self.reaches: dict[tuple[frozenset[str], str], Reach] = {}
        self.inputs: dict[tuple[bool, bool, bool], tuple[tuple[int, str, Reach], ...]] = {}
        self.scores: dict[float, float] = {}
        self.thresholds_of: dict[str, tuple[float, ...]] = {}
        self.crossed: dict[tuple[str, float, bool], tuple[float, ...]] = {}

    def thresholds(self, fact: str) -> tuple[float, ...]:
        """The numbers that rules compare a fact with."""
        known = self.thresholds_of.get(fact)
        if known is None:
            known = self.thresholds_of[fact] = tuple(thresholds_in(self.tests, fact))
        return known

    def crossings(self, fact: str, current: float, *, whole: bool) -> tuple[float, ...]:
        """`_crossings` for this rule set, remembered: batch runs meet the same values often."""
        key = (fact, current, whole)
        known = self.crossed.get(key)
        if known is None:
            if len(self.crossed) >= CANDIDATES_KEPT:
                self.crossed.clear()
            known = self.crossed[key] = tuple(_crossings(self.tests, fact, current, whole=whole))
        return known

    def score(self, points: float) -> float:
        """`to_score(points)`, remembered: rounding is slow, and the sums of a rule set's points
        are few."""
        known = self.scores.get(points)
        if known is None:
            if len(self.scores) >= SCORES_KEPT:
                self.scores.clear()
            known = self.scores[points] = to_score(points, self.settings)
        return known

    def flow_inputs(
        self, polls: bool, estimated_peak: bool, limited: bool
    ) -> tuple[tuple[int, str, Reach], ...]:
        """A flow's own inputs that some rule reads: their order, name and reach (`feeds`)."""
        key = (polls, estimated_peak, limited)
        known = self.inputs.get(key)
        if known is not None:
            return known
        inputs = []
        for order, name in enumerate(FLOW_INPUTS):
            reach = self.reach(feeds(name, polls, estimated_peak, limited))
            if reach.rules or reach.hybrid:
                inputs.append((order, name, reach))
        self.inputs[key] = tuple(inputs)
        return self.inputs[key]

    def reach(self, feeds: frozenset[str], goal: str = "") -> Reach:
        """What changing these facts (or, with `goal`, adding or dropping it) can do."""
        known = self.reaches.get((feeds, goal))
        if known is not None:
            return known
        rules = self.rules
        indexes = sorted({index for fact in feeds for index in rules.readers.get(fact, ())})
        hybrid = any(fact in rules.hybrid_readers for fact in feeds)
        if goal:
            indexes = [index for index in indexes if goal in self.rule_goals[index]]
            hybrid = goal in self.hybrid_goals
        reach = Reach(
            rules=tuple(indexes),
            hybrid=hybrid,
            compiled=rules,
            settings=self.settings,
            moving=feeds,
        )
        self.reaches[(feeds, goal)] = reach
        return reach


_prepared_cache: list[tuple[Ruleset, Prepared]] = []


def prepare(ruleset: Ruleset) -> Prepared:
    """What the search needs to know about a rule set, kept for the last rule set seen."""
    if _prepared_cache and _prepared_cache[0][0] is ruleset:
        return _prepared_cache[0][1]
    tests: Tests = {}
    conditions = [rule.when for rule in ruleset.rules] + [rule.when for rule in ruleset.hybrid]
    for condition in conditions:
        for test in condition.tests():
            tests.setdefault(test.fact or "", []).append((test, compile_condition(test)))
    asked = {str(test.value) for test, _ in tests.get("context.goals", ())}

    def goals_in(condition: Condition) -> frozenset[str]:
        return frozenset(
            str(test.value) for test in condition.tests() if test.fact == "context.goals"
        )

    prepared = Prepared(
        rules=compiled(ruleset),
        settings=ruleset.settings,
        tests=tests,
        goals=tuple(goal for goal in FACTS["context.goals"].values if goal in asked),
        rule_goals=tuple(goals_in(rule.when) for rule in ruleset.rules),
        hybrid_goals=frozenset().union(*(goals_in(rule.when) for rule in ruleset.hybrid)),
    )
    _prepared_cache[:] = [(ruleset, prepared)]
    return prepared


# ---------------------------------------------------------------------------------------------
# Flows, levers and the estate
# ---------------------------------------------------------------------------------------------


class FlowState:
    __slots__ = (
        "api",
        "api_points",
        "close",
        "event",
        "event_points",
        "facts",
        "flow",
        "held",
        "hybrid_rule",
        "polls",
        "style",
    )

    def __init__(
        self,
        *,
        flow: Flow,
        facts: Facts,
        held: list[bool],
        api_points: float,
        event_points: float,
        api: float,
        event: float,
        style: Style,
        close: bool,
        polls: bool,
        hybrid_rule: bool,
    ) -> None:
        self.flow = flow
        self.facts = facts
        self.held = held
        self.api_points = api_points
        self.event_points = event_points
        self.api = api
        self.event = event
        self.style = style
        self.close = close  # decided within the margin
        self.polls = polls  # targets would have to poll the source to learn of changes
        self.hybrid_rule = hybrid_rule  # some hybrid rule holds now


class Lever:
    """One input that may change, and how its candidate values change the facts."""

    __slots__ = (
        "by_flow",
        "current",
        "field",
        "flows",
        "kind",
        "order",
        "patch",
        "subject",
        "values",
    )

    def __init__(
        self,
        *,
        kind: str,
        order: tuple[int, ...],
        field: str,
        current: Any,
        flows: tuple[int, ...],
        patch: Patch,
        values: Values,
        subject: str = "",
        by_flow: bool = False,
    ) -> None:
        self.kind = kind  # which input: stage, goal, emits_events, max_delay_seconds, ...
        self.order = order  # deterministic rank among levers
        self.field = field  # its path: context.<name>, systems.<id>.<name>, flows.<id>.<name>
        self.current = current  # its value now
        self.flows = flows  # the flows whose facts it changes
        self.patch = patch
        self.values = values  # candidate values, nearest first
        self.subject = subject  # the goal, system or flow it belongs to, for the summary
        self.by_flow = by_flow  # whether `patch` gives each flow other facts for one value


class Estate:
    """One assessment as the search sees it: each flow's state, the style counts, and every
    input that rules read, with a way to make its lever."""

    def __init__(
        self,
        assessment: Assessment,
        ruleset: Ruleset,
        result: Result,
        facts: Sequence[Facts],
        held: Sequence[Sequence[bool]] | None = None,
    ) -> None:
        self.assessment = assessment
        self.ruleset = ruleset
        self.result = result
        self.prepared = prepare(ruleset)
        self.rules = self.prepared.rules
        self.settings = ruleset.settings
        self.owners = {system.id: system.owner for system in assessment.systems}
        self.limits = {system.id: system.api_rate_limit_per_minute for system in assessment.systems}
        # made when a flow's first lever is; they hold no reference back to the estate, so that
        # an analysis is freed as soon as it is done, not left to the cycle collector
        self.flow_inputs: dict[int, FlowInputs] = {}
        self.spare = _Spare(set(self.owners))
        self.states: list[FlowState] = []
        rules = self.rules
        margin = self.settings.style_margin
        for index, (flow, known, scored) in enumerate(
            zip(assessment.flows, facts, result.flows, strict=True)
        ):
            flow_held = (
                [holds(known) for holds in rules.holds] if held is None else list(held[index])
            )
            api_points, event_points = points_of(flow_held, rules)
            lead = scored.scores.event - scored.scores.api
            self.states.append(
                FlowState(
                    flow=flow,
                    facts=known,
                    held=flow_held,
                    api_points=api_points,
                    event_points=event_points,
                    api=scored.scores.api,
                    event=scored.scores.event,
                    style=scored.style,
                    close=-margin < lead < margin,
                    polls=flow.trigger in POLLED_TRIGGERS,
                    hybrid_rule=any(holds(known) for holds in rules.hybrid_holds),
                )
            )
        self.style_counts: dict[Style, int] = {}
        for state in self.states:
            self.style_counts[state.style] = self.style_counts.get(state.style, 0) + 1

    def inputs(self) -> Iterator[Input]:
        """Every input that rules read, with what it can reach, the flows it feeds and a way to
        make its lever: the context, the goals, the source systems, then each flow's inputs."""
        every = tuple(range(len(self.states)))
        prepared = self.prepared
        for order, name in enumerate(CONTEXT_INPUTS):
            reach = prepared.reach(FEEDS[name])
            if reach.rules or reach.hybrid:
                yield Input(reach, every, partial(self._context_lever, name, (0, order)))
        for order, goal in enumerate(prepared.goals):
            reach = prepared.reach(FEEDS["goal"], goal)
            if reach.rules or reach.hybrid:
                yield Input(reach, every, partial(self._goal_lever, goal, (1, order)))
        sourced: dict[str, list[int]] = {}  # system id -> the flows it is the source of
        touched: dict[str, list[int]] = {}  # system id -> the flows it is source or target of
        for index, state in enumerate(self.states):
            sourced.setdefault(state.flow.source, []).append(index)
            for system_id in dict.fromkeys((state.flow.source, *state.flow.targets)):
                touched.setdefault(system_id, []).append(index)
        for order, system in enumerate(self.assessment.systems):
            flows = tuple(sourced.get(system.id, ()))
            if flows:
                reach = prepared.reach(FEEDS["emits_events"])
                if reach.rules or reach.hybrid:
                    yield Input(reach, flows, partial(self._emits_lever, system, flows, order))
            called = tuple(touched.get(system.id, ()))  # its limit counts as source or callee
            if not called:
                continue
            reach = prepared.reach(self._feeds("api_rate_limit_per_minute", called))
            if reach.rules or reach.hybrid:
                yield Input(
                    reach,
                    called,
                    partial(self._limit_lever, system, called, order),
                    partial(self._limit_reach, system.id),
                )
        for index in every:
            state = self.states[index]
            inputs = prepared.flow_inputs(
                state.polls,
                state.flow.peak_per_second is None,
                state.facts["source.api_rate_limit_per_minute"] is not None,
            )
            for order, name, reach in inputs:
                yield Input(reach, (index,), partial(self._flow_lever, index, name, order))

    def _feeds(self, name: str, flows: tuple[int, ...]) -> frozenset[str]:
        """The facts an input feeds in these flows (`feeds`)."""
        polled = any(self.states[index].polls for index in flows)
        estimated = name == "events_per_day" and any(
            self.states[index].flow.peak_per_second is None for index in flows
        )
        return feeds(name, polled, estimated)

    # -- the levers -----------------------------------------------------------------------------

    def _context_lever(self, name: str, order: tuple[int, ...]) -> Lever:
        fact = f"context.{name}"
        current = getattr(self.assessment.context, name)
        return Lever(
            kind=name,
            order=order,
            field=fact,
            current=current,
            flows=tuple(range(len(self.states))),
            patch=_set(fact),
            values=_choices(fact, current, self.prepared.tests),
        )

    def _goal_lever(self, goal: str, order: tuple[int, ...]) -> Lever:
        goals = self.assessment.context.goals
        known = FACTS["context.goals"].values
        toggled = tuple(sorted(set(goals) ^ {goal}, key=known.index))
        return Lever(
            kind="goal",
            order=order,
            field="context.goals",
            current=goals,
            flows=tuple(range(len(self.states))),
            patch=lambda value, _index: {"context.goals": frozenset(value)},
            values=_constant([toggled]),
            subject=goal,
        )

    def _emits_lever(self, system: System, flows: tuple[int, ...], order: int) -> Lever:
        return Lever(
            kind="emits_events",
            order=(2, order, 0),
            field=f"systems.{system.id}.emits_events",
            current=system.emits_events,
            flows=flows,
            patch=_set("source.emits_events"),
            values=_constant([not system.emits_events]),
            subject=system.label,
        )

    def _limit_reach(self, system_id: str, index: int) -> Reach:
        return self.prepared.reach(self._limit_feeds(system_id, index))

    def _limit_feeds(self, system_id: str, index: int) -> frozenset[str]:
        """The facts a system's rate limit feeds in one flow, as its lever's patch changes them:
        the source's limit and (where targets poll) its share of the quota when the system is
        the source; the called side's limit when it is called, as source or as a target."""
        state = self.states[index]
        flow = state.flow
        moved: set[str] = set()
        if flow.source == system_id:
            moved.add("source.api_rate_limit_per_minute")
            if state.polls:
                moved.add("polling.quota_share")
        called = (flow.source,) if flow.caller == "target" else flow.targets
        if system_id in called:
            moved.add("callee.api_rate_limit_per_minute")
        return frozenset(moved)

    def _limit_lever(self, system: System, flows: tuple[int, ...], order: int) -> Lever:
        current = system.api_rate_limit_per_minute
        states, prepared = self.states, self.prepared

        limits = self.limits

        def patch(value: Any, index: int) -> Facts:
            flow = states[index].flow
            changed = {**limits, system.id: value}
            facts: Facts = {
                "callee.api_rate_limit_per_minute": callee_limit(
                    flow.caller, changed[flow.source], [changed[t] for t in flow.targets]
                )
            }
            if flow.source == system.id:
                facts["source.api_rate_limit_per_minute"] = None if value is None else float(value)
                facts.update(
                    polling_facts(
                        flow.trigger,
                        flow.consumers,
                        flow.max_delay_seconds,
                        value,
                        flow.events_per_day,
                        flow.items_polled_one_by_one,
                    )
                )
            return facts

        def values() -> list[Any]:
            exact_fact = "source.api_rate_limit_per_minute"
            callee_fact = "callee.api_rate_limit_per_minute"
            exact = (
                ()
                if current is None
                else prepared.crossings(exact_fact, current, whole=True)
                + prepared.crossings(callee_fact, current, whole=True)
            )
            points: list[float] = []
            for index in flows:
                flow = states[index].flow
                if flow.source == system.id and flow.trigger in POLLED_TRIGGERS:
                    calls = polls_a_day(
                        flow.consumers, flow.max_delay_seconds, flow.items_polled_one_by_one
                    )
                    points += [
                        calls / (t * MINUTES_A_DAY)
                        for t in prepared.thresholds("polling.quota_share")
                        if t > 0
                    ]
            if current is None:  # a limit where none is known: the mildest limits first
                finite = [point for point in points if math.isfinite(point)]
                near = {max(1, math.floor(point)) for point in finite}
                near |= {max(1, math.ceil(point)) for point in finite}
                near |= {  # the threshold and a step either side, for lt/le/ge/gt alike
                    max(1, int(value) + step)
                    for fact in (exact_fact, callee_fact)
                    for value in prepared.thresholds(fact)
                    for step in (-1, 0, 1)
                }
                if not near and callee_fact in prepared.tests:
                    near = {LIMIT_WHEN_NONE}  # only whether a limit exists is asked
                return sorted(near, reverse=True)
            return [
                None,
                *_numbers(points, current, whole=True, low=1.0, high=MAX_RATE_LIMIT, exact=exact),
            ]

        return Lever(
            kind="api_rate_limit_per_minute",
            order=(2, order, 1),
            field=f"systems.{system.id}.api_rate_limit_per_minute",
            current=current,
            flows=flows,
            patch=patch,
            values=values,
            subject=system.label,
            by_flow=True,
        )

    def _flow_lever(self, index: int, name: str, order: int) -> Lever:
        flow = self.states[index].flow
        inputs = self.flow_inputs.get(index)
        if inputs is None:
            inputs = self.flow_inputs[index] = FlowInputs(self, index)
        current, patch, values = getattr(inputs, name)()
        return Lever(
            kind=name,
            order=(3, index, order),
            field=f"flows.{flow.id}.{name}",
            current=current,
            flows=(index,),
            patch=patch,
            values=values,
            subject=flow.id,
        )


class FlowInputs:
    """A flow's own inputs: for each, its current value, how a new value changes the facts,
    and the candidate values the rules suggest."""

    def __init__(self, estate: Estate, index: int) -> None:
        state = estate.states[index]
        self.flow = flow = state.flow
        self.facts = state.facts
        self.tests = estate.prepared.tests
        self.prepared = estate.prepared
        self.settings = estate.settings
        self.source = estate.assessment.system(flow.source)
        self.limit = self.source.api_rate_limit_per_minute
        self.polls = flow.trigger in POLLED_TRIGGERS
        self.owners = estate.owners
        self.limits_by_id = estate.limits
        self.spare = estate.spare  # not the estate itself: that would make a reference cycle

    def _polled(
        self,
        trigger: str | None = None,
        consumers: float | None = None,
        delay: float | None = None,
        events: float | None = None,
    ) -> Facts:
        flow = self.flow
        return polling_facts(
            flow.trigger if trigger is None else trigger,
            flow.consumers if consumers is None else consumers,
            flow.max_delay_seconds if delay is None else delay,
            self.limit,
            flow.events_per_day if events is None else events,
            flow.items_polled_one_by_one,
        )

    def _points(self, fact: str) -> tuple[float, ...]:
        return self.prepared.thresholds(fact)

    def _crossings(self, fact: str, current: float, *, whole: bool) -> tuple[float, ...]:
        return self.prepared.crossings(fact, current, whole=whole)

    def needs_response(self) -> tuple[Any, Patch, Values]:
        current = self.flow.needs_response
        return current, _set("flow.needs_response"), _constant([not current])

    def consistency(self) -> tuple[Any, Patch, Values]:
        current = self.flow.consistency
        values = _choices("flow.consistency", current, self.tests)
        return current, _set("flow.consistency"), values

    def ordering(self) -> tuple[Any, Patch, Values]:
        current = self.flow.ordering
        values = _choices("flow.ordering", current, self.tests)
        return current, _set("flow.ordering"), values

    def max_delay_seconds(self) -> tuple[Any, Patch, Values]:
        flow = self.flow

        def values() -> tuple[Any, ...]:
            exact = self._crossings("flow.max_delay_seconds", flow.max_delay_seconds, whole=False)
            points: list[float] = []
            if self.polls:
                consumers, items = flow.consumers, flow.items_polled_one_by_one
                events = flow.events_per_day

                def delay(calls: float) -> float:
                    return delay_for_polls(calls, consumers, items)

                points += [delay(t) for t in self._points("polling.calls_per_day") if t > 0]
                if self.limit is not None:
                    quota = self.limit * MINUTES_A_DAY
                    points += [
                        delay(t * quota) for t in self._points("polling.quota_share") if t > 0
                    ]
                points += [
                    delay(events + t)
                    for t in self._points("polling.wasted_calls_per_day")
                    if events + t > 0
                ]
                if events > 0:
                    points += [
                        delay(events / (1 - t))
                        for t in self._points("polling.waste_ratio")
                        if t < 1
                    ]
            return _numbers(
                points,
                flow.max_delay_seconds,
                whole=False,
                low=0.001,
                high=MAX_DELAY_SECONDS,
                exact=exact,
            )

        return (
            flow.max_delay_seconds,
            lambda value, _index: {
                "flow.max_delay_seconds": float(value),
                **self._polled(delay=value),
            },
            values,
        )

    def events_per_day(self) -> tuple[Any, Patch, Values]:
        flow = self.flow
        derived_peak = flow.peak_per_second is None
        calls = polls_a_day(flow.consumers, flow.max_delay_seconds, flow.items_polled_one_by_one)

        def values() -> tuple[Any, ...]:
            exact = self._crossings("flow.events_per_day", flow.events_per_day, whole=True)
            points: list[float] = []
            if derived_peak:
                factor = 1 / estimated_peak(1.0, self.settings.peak_factor)
                points += [t * factor for t in self._points("flow.peak_per_second")]
            if self.polls:
                points += [calls - t for t in self._points("polling.wasted_calls_per_day")]
                points += [calls * (1 - t) for t in self._points("polling.waste_ratio")]
            return _numbers(
                points,
                flow.events_per_day,
                whole=True,
                low=1.0,
                high=MAX_EVENTS_PER_DAY,
                exact=exact,
            )

        def patch(value: Any, _index: int) -> Facts:
            facts: Facts = {"flow.events_per_day": float(value), **self._polled(events=value)}
            if derived_peak:
                facts["flow.peak_per_second"] = estimated_peak(
                    float(value), self.settings.peak_factor
                )
            return facts

        return flow.events_per_day, patch, values

    def peak_per_second(self) -> tuple[Any, Patch, Values]:
        peak = self.facts["flow.peak_per_second"]
        assert isinstance(peak, float)
        return self._own_fact("flow.peak_per_second", peak, MAX_PEAK_PER_SECOND)

    def payload_kb(self) -> tuple[Any, Patch, Values]:
        return self._own_fact("flow.payload_kb", self.flow.payload_kb, MAX_PAYLOAD_KB)

    def _own_fact(self, fact: str, current: float, high: float) -> tuple[Any, Patch, Values]:
        """A positive number that feeds its one fact alone: its candidates are the rules'
        thresholds on that fact."""
        return (
            current,
            lambda value, _index: {fact: float(value)},
            lambda: _numbers(
                (),
                current,
                whole=False,
                low=0.0,
                high=high,
                strict=True,
                exact=self._crossings(fact, current, whole=False),
            ),
        )

    def targets(self) -> tuple[Any, Patch, Values]:
        flow = self.flow

        def values() -> Iterator[Any]:
            current = flow.consumers
            exact = self._crossings("flow.consumers", current, whole=True)
            points: list[float] = []
            if self.polls:
                events = flow.events_per_day
                per_consumer = polls_a_day(1, flow.max_delay_seconds, flow.items_polled_one_by_one)

                def consumers(calls: float) -> float:
                    return calls / per_consumer

                points += [consumers(t) for t in self._points("polling.calls_per_day")]
                if self.limit is not None:
                    quota = self.limit * MINUTES_A_DAY
                    points += [consumers(t * quota) for t in self._points("polling.quota_share")]
                points += [
                    consumers(events + t) for t in self._points("polling.wasted_calls_per_day")
                ]
                points += [
                    consumers(events / (1 - t))
                    for t in self._points("polling.waste_ratio")
                    if t < 1
                ]
            if "flow.owners" in self.tests:  # dropping targets may leave only the source's team
                exact += tuple(range(1, current))
            counts = _numbers(points, current, whole=True, low=1.0, high=MAX_CONSUMERS, exact=exact)
            for count in counts:  # made one by one: the search often stops at the first
                if count > MAX_CONSUMERS:
                    continue
                if count <= current:
                    yield flow.targets[:count]
                    continue
                yield flow.targets + self.spare.ids()[: count - current]

        def patch(value: Any, _index: int) -> Facts:
            count = len(value)
            return {
                "callee.api_rate_limit_per_minute": callee_limit(
                    flow.caller, self.limit, [self.limits_by_id.get(target) for target in value]
                ),
                "flow.consumers": float(count),
                "flow.owners": owners_of(
                    self.source.owner, [self.owners.get(target) for target in value]
                ),
                **self._polled(consumers=count),
            }

        return flow.targets, patch, values


class _Spare:
    """Ids for up to `MAX_CONSUMERS` consumers to add, none of them an existing system's, made
    when first needed."""

    __slots__ = ("made", "taken")

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.made: tuple[str, ...] | None = None

    def ids(self) -> tuple[str, ...]:
        if self.made is None:
            self.made = _placeholders(self.taken, MAX_CONSUMERS)
        return self.made


def _placeholders(taken: set[str], count: int) -> tuple[str, ...]:
    """Ids for consumers to add, none of them an existing system's."""
    if count == MAX_CONSUMERS and not any(name.startswith(PLACEHOLDER) for name in taken):
        return _USUAL_PLACEHOLDERS  # no system's id is one of them: the usual ids, made once
    names: list[str] = []
    number = 0
    while len(names) < count:
        number += 1
        name = f"{PLACEHOLDER}-{number}"
        if name not in taken:
            names.append(name)
    return tuple(names)


_USUAL_PLACEHOLDERS = tuple(f"{PLACEHOLDER}-{number}" for number in range(1, MAX_CONSUMERS + 1))


def cost(lever: Lever, value: Any) -> float:
    current = lever.current
    if lever.kind == "targets":
        current, value = len(current), len(value)
    if (
        isinstance(value, int | float)
        and isinstance(current, int | float)
        and not isinstance(value, bool)
        and not isinstance(current, bool)
    ):
        high, low = max(value, current), min(value, current)
        return math.log2(high / low) if low > 0 else math.log2(1 + high)
    return 1.0


def as_input(value: Any) -> Any:
    """A value as it would be written in the assessment (JSON, also valid YAML)."""
    if isinstance(value, frozenset | tuple):
        return list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set(fact: str) -> Patch:
    return lambda value, _index: {fact: value}


def _constant(values: list[Any]) -> Values:
    return lambda: values


def thresholds_in(tests: Tests, fact: str) -> list[float]:
    """The numbers that rules compare a fact with."""
    return [
        float(test.value)
        for test, _ in tests.get(fact, ())
        if test.op in ("lt", "le", "gt", "ge", "eq", "ne")
        and isinstance(test.value, int | float)
        and not isinstance(test.value, bool)
    ]


def _choices(fact: str, current: str, tests: Tests) -> Values:
    """The values of a choice that make some condition read differently, nearest first.

    Values that every condition reads alike give the same result, so only the one nearest to
    the current value (in the model's order) is tried.
    """

    def values() -> list[Any]:
        options = FACTS[fact].values
        leaves = [holds for _, holds in tests.get(fact, ())]

        def signature(value: str) -> tuple[bool, ...]:
            changed = {fact: value}  # every fact the leaves read
            return tuple(holds(changed) for holds in leaves)

        seen = {signature(current)}
        here = options.index(current)
        chosen = []
        for value in sorted(
            options, key=lambda v: (abs(options.index(v) - here), options.index(v))
        ):
            mark = signature(value)
            if mark not in seen:
                seen.add(mark)
                chosen.append(value)
        return chosen

    return values


def _crossings(tests: Tests, fact: str, current: float, *, whole: bool) -> list[float]:
    """For each test comparing the fact with a number, the nearest value that reads it the
    other way: the threshold itself, or one step beyond it."""
    values: list[float] = []
    for test, holds in tests.get(fact, ()):
        if (
            test.op not in ("lt", "le", "gt", "ge", "eq", "ne")
            or not isinstance(test.value, int | float)
            or isinstance(test.value, bool)
        ):
            continue
        threshold = float(test.value)
        step = 1.0 if whole else step_of(threshold)
        now = holds({fact: current})
        if test.op in ("eq", "ne"):
            equal = current == threshold
            values += [threshold - step, threshold + step] if equal else [threshold]
        elif test.op in ("ge", "lt"):  # reads differently from the threshold upwards
            values.append(threshold - step if (test.op == "ge") == now else threshold)
        else:  # gt, le: reads differently above the threshold
            values.append(threshold if (test.op == "gt") == now else threshold + step)
    return values


def _numbers(
    points: Iterable[float],
    current: float,
    *,
    whole: bool,
    low: float,
    high: float,
    strict: bool = False,
    exact: Iterable[float] = (),
) -> tuple[Any, ...]:
    """`_candidates`, remembered for the latest `CANDIDATES_KEPT` arguments: batch runs meet
    the same values often."""
    return _candidates(tuple(points), current, whole, low, high, strict, tuple(exact))


@lru_cache(maxsize=CANDIDATES_KEPT, typed=True)
def _candidates(
    points: tuple[float, ...],
    current: float,
    whole: bool,
    low: float,
    high: float,
    strict: bool,
    exact: tuple[float, ...],
) -> tuple[Any, ...]:
    """Candidate values: `exact` ones, and around each derived threshold in `points` the value
    itself and a step either side (derived facts are rounded, so the crossing may shift).

    `low` is the smallest value the input allows (`strict`: it must be above it), `high` the
    largest. Values beyond `SEARCH_FACTOR` of the current one are not tried. Nearest to the
    current value first.
    """
    candidates: set[float] = {round(float(value), 6) for value in exact}
    for point in points:
        if not math.isfinite(point):
            continue
        if whole:
            below, above = float(math.floor(point)), float(math.ceil(point))
            candidates.update((below - 1, below, above, above + 1))
            continue
        step = step_of(point)
        below = math.floor(point / step) * step
        above = math.ceil(point / step) * step
        candidates.update(round(value, 6) for value in (below - step, below, above, above + step))
    allowed = []
    for value in candidates:
        if value < low or (strict and value <= low) or value > high or value == current:
            continue
        if whole and not value.is_integer():
            continue
        if current > 0 and value > 0:
            if max(value, current) / min(value, current) > SEARCH_FACTOR:
                continue
        elif max(value, current) > SEARCH_FACTOR:
            continue
        allowed.append(int(value) if whole else value)
    return tuple(sorted(allowed, key=lambda value: (abs(value - current), value)))


def step_of(point: float) -> float:
    """One step of a number: 1 from 10 upwards, else a tenth of its order of magnitude."""
    size = abs(point)
    if size >= 10 or size == 0:
        return 1.0
    return float(10 ** (math.floor(math.log10(size)) - 1))
