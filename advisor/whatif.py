"""What would change the answer: the smallest single changes to the inputs that flip a flow's
style, or the whole integration's recommendation. Pure: models in, models out.

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

Each candidate is scored by re-evaluating only the rules that read the facts it changes, for the
flows it touches, with the engine's own building blocks; a lever that cannot move a score across
a decision boundary (its rules carry too few points) is not searched at all. For a number the
value closest to the current one that flips wins (for each style it can flip to). Per scope (the
integration, each flow) the cheapest change to each other style is kept, then the next cheapest,
`PER_SCOPE` in all: a choice, a yes/no or a goal costs 1, a number costs log2 of the factor it
changes by (a doubling costs 1).

A change's `field` is a path into the assessment (`context.goals`, `systems.<id>.<name>`,
`flows.<id>.<name>`) and `current` and `proposed` are JSON values, so `apply_change` can make it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache, partial
from typing import Any, NamedTuple

from advisor.engine import (
    Compiled,
    compiled,
    flow_facts,
    points_of,
    recommendation_of,
    style_of,
    to_score,
)
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
    Change,
    Flow,
    Result,
    Style,
    System,
)
from advisor.ruleset import Condition, Predicate, Ruleset, Settings, compile_condition
from advisor.wording import STYLE_IN_TEXT, format_duration, format_number

PER_SCOPE = 3
# Evaluations of one flow under one candidate value, at most, in one analysis: the largest file
# the loader accepts (about 12,000 flows) needs about a third of this; past it, the analysis
# stops and says so, rather than keep a server busy.
EVALUATIONS = 250_000
SEARCH_FACTOR = 1000.0  # numbers are searched within this factor of their current value
MAX_CONSUMERS = 50
PLACEHOLDER = "new-consumer"
EDGE_COST = 0.02  # a change under about 1.4% of the value: one step off a threshold
LIMIT_WHEN_NONE = 600  # a limit to try where none is known and rules only ask whether one exists
INTEGRATION = "integration"
SCORES_KEPT = 10_000  # scores remembered per rule set
CANDIDATES_KEPT = 10_000  # candidate values remembered

_SLACK = 0.2  # score points of slack in the bounds, for rounding

Facts = dict[str, FactValue]
Patch = Callable[[Any, int], Facts]  # a candidate value, a flow's index -> the facts it changes


def what_would_change(
    assessment: Assessment, ruleset: Ruleset, result: Result
) -> tuple[Change, ...]:
    """The smallest single changes that flip the recommendation or a flow's style.

    The integration's changes come first, then each flow's in the assessment's order; at most
    `PER_SCOPE` per scope, cheapest first. `result` must be `assess(assessment, ruleset)`.
    """
    facts = [flow_facts(assessment, flow, ruleset.settings) for flow in assessment.flows]
    return explore(assessment, ruleset, result, facts).changes


class Explored(NamedTuple):
    changes: tuple[Change, ...]
    complete: bool  # False: the budget of evaluations ran out before every input was tried


def explore(
    assessment: Assessment,
    ruleset: Ruleset,
    result: Result,
    facts: Sequence[Facts],
    held: Sequence[Sequence[bool]] | None = None,
    *,
    budget: int | None = None,
) -> Explored:
    """`what_would_change`, reusing the facts the engine has already derived (and, as `held`,
    which of the scoring rules hold for each flow), within `budget` evaluations of one flow
    under one candidate value (`EVALUATIONS` by default)."""
    analysis = _Analysis(assessment, ruleset, result, facts, held)
    analysis.left = EVALUATIONS if budget is None else budget
    changes = analysis.run()
    return Explored(changes=changes, complete=not analysis.cut)


def apply_change(assessment: Assessment, change: Change) -> Assessment:
    """The assessment with one change made: `change.field` set to `change.proposed`.

    Targets that do not exist yet (placeholder consumers) are added as plain systems.
    """
    value: Any = change.proposed
    section, *rest = change.field.split(".")
    if section == "context":
        (name,) = rest
        if name == "goals":
            value = tuple(value)
        context = assessment.context.model_copy(update={name: value})
        return assessment.model_copy(update={"context": context})
    item_id, name = rest
    if section == "systems":
        systems = tuple(
            system.model_copy(update={name: value}) if system.id == item_id else system
            for system in assessment.systems
        )
        return assessment.model_copy(update={"systems": systems})
    if section != "flows":
        raise ValueError(f"cannot apply a change to {change.field!r}")
    if name == "targets":
        value = tuple(value)
        known = {system.id for system in assessment.systems}
        added = tuple(System(id=target) for target in value if target not in known)
        assessment = assessment.model_copy(update={"systems": assessment.systems + added})
    flows = tuple(
        flow.model_copy(update={name: value}) if flow.id == item_id else flow
        for flow in assessment.flows
    )
    return assessment.model_copy(update={"flows": flows})


# ---------------------------------------------------------------------------------------------
# What the rules read, prepared once per rule set
# ---------------------------------------------------------------------------------------------

_POLLING = frozenset(
    {
        "polling.applies",
        "polling.calls_per_day",
        "polling.quota_share",
        "polling.wasted_calls_per_day",
        "polling.waste_ratio",
    }
)

# The facts each input feeds, directly or through the facts derived from it.
_FEEDS: dict[str, frozenset[str]] = {
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
    "max_delay_seconds": frozenset({"flow.max_delay_seconds"}) | _POLLING,
    "events_per_day": frozenset({"flow.events_per_day", "flow.peak_per_second"}) | _POLLING,
    "peak_per_second": frozenset({"flow.peak_per_second"}),
    "consistency": frozenset({"flow.consistency"}),
    "ordering": frozenset({"flow.ordering"}),
    "payload_kb": frozenset({"flow.payload_kb"}),
    "targets": frozenset({"flow.consumers", "flow.owners", "callee.api_rate_limit_per_minute"})
    | _POLLING,
}


@cache
def _feeds(name: str, polled: bool, estimated_peak: bool) -> frozenset[str]:
    feeds = _FEEDS[name]
    if not polled:
        feeds = feeds - _POLLING
    if name == "events_per_day" and not estimated_peak:
        feeds = feeds - {"flow.peak_per_second"}
    return feeds


_CONTEXT_INPUTS = ("stage", "team_event_experience", "cloud", "existing_broker")
# What starts a flow is its nature, not a change anyone would make, so it is never proposed.
_FLOW_INPUTS = (
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


class _Reach:
    """The scoring rules an input can change, whether it can change a hybrid rule, and the most
    it can move a flow's lead (event score minus API score)."""

    __slots__ = (
        "api_terms",
        "event_terms",
        "hybrid",
        "rules",
        "swing",
        "tests",
    )

    def __init__(
        self,
        *,
        rules: tuple[int, ...],
        hybrid: bool,
        swing: float,
        compiled: Compiled,
    ) -> None:
        self.rules = rules
        self.hybrid = hybrid
        self.swing = swing
        # Looked up once here rather than for every candidate value: the rules' conditions,
        # and each rule with its points and side.
        self.tests = tuple((index, compiled.holds[index]) for index in rules)
        self.api_terms = tuple(
            (index, compiled.points[index]) for index in rules if compiled.for_api[index]
        )
        self.event_terms = tuple(
            (index, compiled.points[index]) for index in rules if not compiled.for_api[index]
        )


class _Prepared:
    """What the search needs to know about a rule set."""

    __slots__ = (
        "crossed",
        "goals",
        "hybrid_goals",
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
        self.reaches: dict[tuple[frozenset[str], str], _Reach] = {}
        self.inputs: dict[tuple[bool, bool], tuple[tuple[int, str, _Reach], ...]] = {}
        self.scores: dict[float, float] = {}
        self.thresholds_of: dict[str, tuple[float, ...]] = {}
        self.crossed: dict[tuple[str, float, bool], tuple[float, ...]] = {}

    def thresholds(self, fact: str) -> tuple[float, ...]:
        """The numbers that rules compare a fact with."""
        known = self.thresholds_of.get(fact)
        if known is None:
            known = self.thresholds_of[fact] = tuple(_thresholds(self.tests, fact))
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

    def flow_inputs(self, polls: bool, estimated_peak: bool) -> tuple[tuple[int, str, _Reach], ...]:
        """A flow's own inputs that some rule reads: their order, name and reach."""
        key = (polls, estimated_peak)
        known = self.inputs.get(key)
        if known is not None:
            return known
        inputs = []
        for order, name in enumerate(_FLOW_INPUTS):
            reach = self.reach(_feeds(name, polls, estimated_peak))
            if reach.rules or reach.hybrid:
                inputs.append((order, name, reach))
        self.inputs[key] = tuple(inputs)
        return self.inputs[key]

    def reach(self, feeds: frozenset[str], goal: str = "") -> _Reach:
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
        api = sum(rules.api_points[index] for index in indexes)
        event = sum(rules.event_points[index] for index in indexes)
        reach = _Reach(
            rules=tuple(indexes),
            hybrid=hybrid,
            swing=to_score(api, self.settings) + to_score(event, self.settings),
            compiled=rules,
        )
        self.reaches[(feeds, goal)] = reach
        return reach


_prepared_cache: list[tuple[Ruleset, _Prepared]] = []


def _prepare(ruleset: Ruleset) -> _Prepared:
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

    prepared = _Prepared(
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
# The search
# ---------------------------------------------------------------------------------------------


_Box = tuple[float, float, float, float]  # lowest and highest API score, then event score
_Values = Callable[[], Iterable[Any]]


class _FlowState:
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


class _Lever:
    """One input that may change, and how its candidate values change the facts."""

    __slots__ = (
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
        values: _Values,
        subject: str = "",
    ) -> None:
        self.kind = kind  # which input: stage, goal, emits_events, max_delay_seconds, ...
        self.order = order  # deterministic rank among levers
        self.field = field  # its path: context.<name>, systems.<id>.<name>, flows.<id>.<name>
        self.current = current  # its value now
        self.flows = flows  # the flows whose facts it changes
        self.patch = patch
        self.values = values  # candidate values, nearest first
        self.subject = subject  # the goal, system or flow it belongs to, for the summary


class _Found:
    __slots__ = ("cost", "lever", "outcome", "rank", "value")

    def __init__(self, lever: _Lever, value: Any, outcome: Style, cost: float, rank: int) -> None:
        self.lever = lever
        self.value = value
        self.outcome = outcome
        self.cost = cost
        self.rank = rank  # the value's place among the lever's candidates


class _Analysis:
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
        self.facts = facts
        self.held = held
        self.prepared = _prepare(ruleset)
        self.rules = self.prepared.rules
        self.settings = ruleset.settings
        self.left = EVALUATIONS  # evaluations the search may still make
        self.cut = False  # whether it ran out of them
        self.owners = {system.id: system.owner for system in assessment.systems}
        self.limits = {system.id: system.api_rate_limit_per_minute for system in assessment.systems}
        self.flow_inputs: dict[int, _FlowInputs] = {}  # made when a flow's first lever is
        self.spare: tuple[str, ...] | None = None  # placeholder ids, made when first needed
        self.states: list[_FlowState] = []
        margin = self.settings.style_margin
        for index, (flow, known, scored) in enumerate(
            zip(assessment.flows, facts, result.flows, strict=True)
        ):
            flow_held = (
                [holds(known) for holds in self.rules.holds] if held is None else list(held[index])
            )
            api_points, event_points = points_of(flow_held, self.rules)
            lead = scored.scores.event - scored.scores.api
            self.states.append(
                _FlowState(
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
                    hybrid_rule=any(holds(known) for holds in self.rules.hybrid_holds),
                )
            )
        self.styles = {state.style for state in self.states}
        self.style_counts: dict[Style, int] = {}
        for state in self.states:
            self.style_counts[state.style] = self.style_counts.get(state.style, 0) + 1
        self.alone = [self._hybrid_elsewhere((index,)) for index in range(len(self.states))]

    # -- driving ------------------------------------------------------------------------------

    def run(self) -> tuple[Change, ...]:
        whole: list[_Found] = []
        per_flow: list[list[_Found]] = [[] for _ in self.states]
        for reach, flows, make in self._inputs():
            if self._worth(reach, flows):
                self._search(flows, make, reach, whole, per_flow)
                if self.cut:
                    break
        chosen = _cheapest(whole)
        said = {_same_change(found) for found in chosen}
        changes = [self._change(INTEGRATION, found) for found in chosen]
        for state, found_here in zip(self.states, per_flow, strict=True):
            fresh = [found for found in found_here if _same_change(found) not in said]
            changes += [self._change(state.flow.id, found) for found in _cheapest(fresh)]
        return tuple(changes)

    def _inputs(self) -> Iterable[tuple[_Reach, tuple[int, ...], Callable[[], _Lever]]]:
        """Every input that rules read, with what it can reach, the flows it feeds and a way to
        make its lever: the context, the goals, the source systems, then each flow's inputs."""
        every = tuple(range(len(self.states)))
        prepared = self.prepared
        for order, name in enumerate(_CONTEXT_INPUTS):
            reach = prepared.reach(_FEEDS[name])
            if reach.rules or reach.hybrid:
                yield reach, every, partial(self._context_lever, name, (0, order))
        for order, goal in enumerate(prepared.goals):
            reach = prepared.reach(_FEEDS["goal"], goal)
            if reach.rules or reach.hybrid:
                yield reach, every, partial(self._goal_lever, goal, (1, order))
        sourced: dict[str, list[int]] = {}  # system id -> the flows it is the source of
        touched: dict[str, list[int]] = {}  # system id -> the flows it is source or target of
        for index, state in enumerate(self.states):
            sourced.setdefault(state.flow.source, []).append(index)
            for system_id in dict.fromkeys((state.flow.source, *state.flow.targets)):
                touched.setdefault(system_id, []).append(index)
        for order, system in enumerate(self.assessment.systems):
            flows = tuple(sourced.get(system.id, ()))
            if flows:
                reach = prepared.reach(_FEEDS["emits_events"])
                if reach.rules or reach.hybrid:
                    yield reach, flows, partial(self._emits_lever, system, flows, order)
            called = tuple(touched.get(system.id, ()))  # its limit counts as source or callee
            if not called:
                continue
            reach = prepared.reach(self._feeds("api_rate_limit_per_minute", called))
            if reach.rules or reach.hybrid:
                yield reach, called, partial(self._limit_lever, system, called, order)
        for index in every:
            state = self.states[index]
            inputs = prepared.flow_inputs(state.polls, state.flow.peak_per_second is None)
            for order, name, reach in inputs:
                yield reach, (index,), partial(self._flow_lever, index, name, order)

    def _feeds(self, name: str, flows: tuple[int, ...]) -> frozenset[str]:
        """The facts an input feeds in these flows: polling facts only where targets would
        poll, the peak only where it is estimated from the daily volume."""
        polled = any(self.states[index].polls for index in flows)
        estimated = name == "events_per_day" and any(
            self.states[index].flow.peak_per_second is None for index in flows
        )
        return _feeds(name, polled, estimated)

    def _worth(self, reach: _Reach, flows: tuple[int, ...]) -> bool:
        """A quick test: may the lever flip one of these flows? (The whole follows its flows.)"""
        margin = self.settings.style_margin
        for index in flows:
            state = self.states[index]
            lead = state.event - state.api
            if state.close:
                return True
            if state.style == "api":
                if lead + reach.swing > -margin - _SLACK:
                    return True
            elif reach.hybrid or lead - reach.swing < margin + _SLACK:
                return True
        return False  # the whole follows its flows' styles: no flow moves, nothing moves

    def _search(
        self,
        flows: tuple[int, ...],
        make: Callable[[], _Lever],
        reach: _Reach,
        whole: list[_Found],
        per_flow: list[list[_Found]],
    ) -> None:
        """Try the lever's values, nearest first, until each reachable outcome has its flip."""
        boxes = {index: self._box(index, reach) for index in flows}
        styles = {index: self._reachable(index, box, reach.hybrid) for index, box in boxes.items()}
        wanted = {
            index: others
            for index, reachable in styles.items()
            if (others := reachable - {self.states[index].style})
        }
        if self.alone[flows[0]] if len(flows) == 1 else self._hybrid_elsewhere(flows):
            whole_wanted: set[Style] = set()  # the lever cannot move the whole off hybrid
        else:
            whole_wanted = self._reachable_whole(styles) - {self.result.recommendation}
        if not wanted and not whole_wanted:
            return
        lever = make()
        for rank, value in enumerate(lever.values()):
            evaluated = lever.flows if whole_wanted else tuple(wanted)
            if len(evaluated) > self.left:
                self.cut = True
                return
            self.left -= len(evaluated)
            outcomes = {index: self._evaluate(lever, reach, value, index) for index in evaluated}
            for index in list(wanted):
                style = outcomes[index][0]
                if style in wanted[index]:
                    per_flow[index].append(_Found(lever, value, style, _cost(lever, value), rank))
                    wanted[index].discard(style)
                    if not wanted[index]:
                        del wanted[index]
            if whole_wanted:
                outcome = self._recommendation(outcomes)
                if outcome in whole_wanted:
                    whole.append(_Found(lever, value, outcome, _cost(lever, value), rank))
                    whole_wanted.discard(outcome)
            if not wanted and not whole_wanted:
                return

    def _hybrid_elsewhere(self, flows: tuple[int, ...]) -> bool:
        """Whether the flows the lever leaves alone already make the whole hybrid (they have two
        styles, or one is hybrid), so that the recommendation is and stays hybrid."""
        left = dict(self.style_counts)
        for index in flows:
            left[self.states[index].style] -= 1
        styles = [style for style, count in left.items() if count]
        return len(styles) > 1 or "hybrid" in styles

    def _evaluate(
        self, lever: _Lever, reach: _Reach, value: Any, index: int
    ) -> tuple[Style, float, float]:
        """The flow's style and scores with the lever set to `value`: only the reach's rules
        re-read. (Not memoised: a search tries each value once per flow, and no two levers share
        both a field and a value.)"""
        state = self.states[index]
        facts = state.facts.copy()
        facts.update(lever.patch(value, index))
        held = state.held.copy()
        for rule, holds in reach.tests:
            held[rule] = holds(facts)
        api_points, event_points = points_of(held, self.rules)
        api = self.prepared.score(api_points)
        event = self.prepared.score(event_points)
        style, _ = style_of(api, event, facts, self.rules, self.settings)
        return style, api, event

    def _recommendation(self, outcomes: dict[int, tuple[Style, float, float]]) -> Style:
        counts = dict(self.style_counts)
        for index, (style, _, _) in outcomes.items():
            counts[self.states[index].style] -= 1
            counts[style] = counts.get(style, 0) + 1
        return recommendation_of(style for style, count in counts.items() if count)

    # -- bounds: what can a lever reach at all? ----------------------------------------------

    def _box(self, index: int, reach: _Reach) -> _Box:
        """The lowest and highest scores the flow may get when only the reach's rules may
        change."""
        state = self.states[index]
        held = state.held
        api_low, event_low = state.api_points, state.event_points
        api_high, event_high = api_low, event_low
        for rule, points in reach.api_terms:
            if held[rule]:
                api_low -= points
            else:
                api_high += points
        for rule, points in reach.event_terms:
            if held[rule]:
                event_low -= points
            else:
                event_high += points
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

    # -- the levers -----------------------------------------------------------------------------

    def _context_lever(self, name: str, order: tuple[int, ...]) -> _Lever:
        fact = f"context.{name}"
        current = getattr(self.assessment.context, name)
        return _Lever(
            kind=name,
            order=order,
            field=fact,
            current=current,
            flows=tuple(range(len(self.states))),
            patch=_set(fact),
            values=_choices(fact, current, self.prepared.tests),
        )

    def _goal_lever(self, goal: str, order: tuple[int, ...]) -> _Lever:
        goals = self.assessment.context.goals
        known = FACTS["context.goals"].values
        toggled = tuple(sorted(set(goals) ^ {goal}, key=known.index))
        return _Lever(
            kind="goal",
            order=order,
            field="context.goals",
            current=goals,
            flows=tuple(range(len(self.states))),
            patch=lambda value, _index: {"context.goals": frozenset(value)},
            values=_constant([toggled]),
            subject=goal,
        )

    def _emits_lever(self, system: System, flows: tuple[int, ...], order: int) -> _Lever:
        return _Lever(
            kind="emits_events",
            order=(2, order, 0),
            field=f"systems.{system.id}.emits_events",
            current=system.emits_events,
            flows=flows,
            patch=_set("source.emits_events"),
            values=_constant([not system.emits_events]),
            subject=system.label,
        )

    def _limit_lever(self, system: System, flows: tuple[int, ...], order: int) -> _Lever:
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

        return _Lever(
            kind="api_rate_limit_per_minute",
            order=(2, order, 1),
            field=f"systems.{system.id}.api_rate_limit_per_minute",
            current=current,
            flows=flows,
            patch=patch,
            values=values,
            subject=system.label,
        )

    def _flow_lever(self, index: int, name: str, order: int) -> _Lever:
        flow = self.states[index].flow
        inputs = self.flow_inputs.get(index)
        if inputs is None:
            inputs = self.flow_inputs[index] = _FlowInputs(self, index)
        current, patch, values = getattr(inputs, name)()
        return _Lever(
            kind=name,
            order=(3, index, order),
            field=f"flows.{flow.id}.{name}",
            current=current,
            flows=(index,),
            patch=patch,
            values=values,
            subject=flow.id,
        )

    def placeholders(self) -> tuple[str, ...]:
        """Ids for up to `MAX_CONSUMERS` consumers to add, none of them an existing system's."""
        if self.spare is None:
            self.spare = _placeholders(set(self.owners), MAX_CONSUMERS)
        return self.spare

    # -- reporting ----------------------------------------------------------------------------

    def _change(self, scope: str, found: _Found) -> Change:
        lever = found.lever
        condition = _phrase(lever, found.value, self.assessment, self.ruleset, self.states)
        if scope == INTEGRATION:
            consequence = f"the whole integration would be {STYLE_IN_TEXT[found.outcome]}"
        else:
            consequence = f"flow {scope} would be {STYLE_IN_TEXT[found.outcome]}"
        edge = self._on_threshold(lever) if _one_step(lever, found.value) else ""
        if edge:
            condition += f" ({edge} sits exactly on a rule's threshold: a borderline input)"
        return Change.model_construct(  # every value is made here, from validated input
            scope="integration" if scope == INTEGRATION else "flow",
            flow=None if scope == INTEGRATION else scope,
            field=lever.field,
            current=_as_input(lever.current),
            proposed=_as_input(found.value),
            outcome=found.outcome,
            summary=f"{condition}, {consequence}.",
        )

    def _on_threshold(self, lever: _Lever) -> str:
        """The lever's current value, in words, where a rule compares it with exactly that
        value (3,600 s against relaxed-delay's 3,600): the answer then hangs on one step."""
        fact = _THRESHOLD_FACTS.get(lever.kind)
        current = lever.current
        if fact is None or current is None:
            return ""
        if lever.kind == "targets":
            current = len(current)
        if float(current) not in self.prepared.thresholds(fact):
            return ""
        return format_number(float(current))


_THRESHOLD_FACTS = {
    "max_delay_seconds": "flow.max_delay_seconds",
    "events_per_day": "flow.events_per_day",
    "peak_per_second": "flow.peak_per_second",
    "payload_kb": "flow.payload_kb",
    "targets": "flow.consumers",
    "api_rate_limit_per_minute": "source.api_rate_limit_per_minute",
}


def _one_step(lever: _Lever, value: Any) -> bool:
    """Whether a number moves by one step (a whole number by 1, a decimal by a tenth of its
    order of magnitude, see `_step`) or by under `EDGE_COST`: advice that hangs on an edge."""
    current = len(lever.current) if lever.kind == "targets" else lever.current
    proposed = len(value) if lever.kind == "targets" else value
    if not isinstance(current, int | float) or not isinstance(proposed, int | float):
        return False
    if isinstance(current, bool) or isinstance(proposed, bool):
        return False
    step = max(1.0, _step(float(current))) if float(current).is_integer() else _step(current)
    return abs(proposed - current) <= step + 1e-9 or _cost(lever, value) < EDGE_COST


def _same_change(found: _Found) -> tuple[str, str, str]:
    """What makes two found changes the same advice: the field, the value and the outcome."""
    return found.lever.field, json.dumps(_as_input(found.value)), found.outcome


class _FlowInputs:
    """A flow's own inputs: for each, its current value, how a new value changes the facts,
    and the candidate values the rules suggest."""

    def __init__(self, analysis: _Analysis, index: int) -> None:
        state = analysis.states[index]
        self.flow = flow = state.flow
        self.facts = state.facts
        self.tests = analysis.prepared.tests
        self.prepared = analysis.prepared
        self.settings = analysis.settings
        self.source = analysis.assessment.system(flow.source)
        self.limit = self.source.api_rate_limit_per_minute
        self.polls = flow.trigger in POLLED_TRIGGERS
        self.owners = analysis.owners
        self.limits_by_id = analysis.limits
        self.analysis = analysis

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

    def needs_response(self) -> tuple[Any, Patch, _Values]:
        current = self.flow.needs_response
        return current, _set("flow.needs_response"), _constant([not current])

    def consistency(self) -> tuple[Any, Patch, _Values]:
        current = self.flow.consistency
        values = _choices("flow.consistency", current, self.tests)
        return current, _set("flow.consistency"), values

    def ordering(self) -> tuple[Any, Patch, _Values]:
        current = self.flow.ordering
        values = _choices("flow.ordering", current, self.tests)
        return current, _set("flow.ordering"), values

    def max_delay_seconds(self) -> tuple[Any, Patch, _Values]:
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

    def events_per_day(self) -> tuple[Any, Patch, _Values]:
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

    def peak_per_second(self) -> tuple[Any, Patch, _Values]:
        peak = self.facts["flow.peak_per_second"]
        assert isinstance(peak, float)
        return (
            peak,
            lambda value, _index: {"flow.peak_per_second": float(value)},
            lambda: _numbers(
                (),
                peak,
                whole=False,
                low=0.0,
                high=MAX_PEAK_PER_SECOND,
                strict=True,
                exact=self._crossings("flow.peak_per_second", peak, whole=False),
            ),
        )

    def payload_kb(self) -> tuple[Any, Patch, _Values]:
        current = self.flow.payload_kb
        return (
            current,
            lambda value, _index: {"flow.payload_kb": float(value)},
            lambda: _numbers(
                (),
                current,
                whole=False,
                low=0.0,
                high=MAX_PAYLOAD_KB,
                strict=True,
                exact=self._crossings("flow.payload_kb", current, whole=False),
            ),
        )

    def targets(self) -> tuple[Any, Patch, _Values]:
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
                yield flow.targets + self.analysis.placeholders()[: count - current]

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


def _placeholders(taken: set[str], count: int) -> tuple[str, ...]:
    """Ids for consumers to add, none of them an existing system's."""
    names: list[str] = []
    number = 0
    while len(names) < count:
        number += 1
        name = f"{PLACEHOLDER}-{number}"
        if name not in taken:
            names.append(name)
    return tuple(names)


def _cheapest(found: list[_Found]) -> list[_Found]:
    """The cheapest change to each other outcome, then the next cheapest, `PER_SCOPE` in all."""
    ordered = sorted(found, key=lambda item: (round(item.cost, 9), item.lever.order, item.rank))
    chosen: list[_Found] = []
    for item in ordered:
        if all(item.outcome != other.outcome for other in chosen):
            chosen.append(item)
    chosen += [item for item in ordered if item not in chosen]
    return sorted(chosen[:PER_SCOPE], key=ordered.index)


def _cost(lever: _Lever, value: Any) -> float:
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


def _as_input(value: Any) -> Any:
    """A value as it would be written in the assessment (JSON, also valid YAML)."""
    if isinstance(value, frozenset | tuple):
        return list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set(fact: str) -> Patch:
    return lambda value, _index: {fact: value}


def _constant(values: list[Any]) -> _Values:
    return lambda: values


def _thresholds(tests: Tests, fact: str) -> list[float]:
    """The numbers that rules compare a fact with."""
    return [
        float(test.value)
        for test, _ in tests.get(fact, ())
        if test.op in ("lt", "le", "gt", "ge", "eq", "ne")
        and isinstance(test.value, int | float)
        and not isinstance(test.value, bool)
    ]


def _choices(fact: str, current: str, tests: Tests) -> _Values:
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
        step = 1.0 if whole else _step(threshold)
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
        step = _step(point)
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


def _step(point: float) -> float:
    """One step of a number: 1 from 10 upwards, else a tenth of its order of magnitude."""
    size = abs(point)
    if size >= 10 or size == 0:
        return 1.0
    return float(10 ** (math.floor(math.log10(size)) - 1))


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------

_TRIGGERS = {
    "user_action": "a user action",
    "data_change": "a data change",
    "schedule": "a schedule",
    "telemetry": "telemetry",
}
_EXPERIENCE = {"none": "no", "some": "some", "strong": "strong"}
_STAGES = {"early": "at an early stage", "growing": "growing", "scaling": "scaling up"}
_CLOUDS = {
    "aws": "on AWS",
    "gcp": "on Google Cloud",
    "azure": "on Azure",
    "on_prem": "on premises",
    "other": "elsewhere",
}
_ORDERINGS = {"none": "no order", "per_key": "order per key", "global": "one global order"}
_GOALS = {
    "simplicity": "simplicity",
    "control": "control over data transfer",
    "real_time": "real-time automation",
    "scalability": "scalability",
    "decoupling": "decoupling",
    "analytics": "analytics streaming",
    "rate_limit_relief": "relief from API rate limits",
}


def _phrase(
    lever: _Lever,
    value: Any,
    assessment: Assessment,
    ruleset: Ruleset,
    states: Sequence[_FlowState],
) -> str:
    """The condition half of a summary: "If the team had strong event experience"."""
    kind, current, subject = lever.kind, lever.current, lever.subject
    if kind == "stage":
        return f"If the business were {_STAGES[value]} instead of {_STAGES[current]}"
    if kind == "team_event_experience":
        return (
            f"If the team had {_EXPERIENCE.get(value, value)} event experience "
            f"instead of {_EXPERIENCE.get(current, current)}"
        )
    if kind == "cloud":
        return f"If the systems ran {_CLOUDS[value]} instead of {_CLOUDS[current]}"
    if kind == "existing_broker":
        if value == "none":
            return f"If no broker were in use (instead of {_broker(ruleset, current)})"
        return f"If {_broker(ruleset, value)} were already in use"
    if kind == "goal":
        if subject in value:
            return f"If {_GOALS.get(subject, subject)} were a goal"
        return f"If {_GOALS.get(subject, subject)} were not a goal"
    if kind == "emits_events":
        return f"If {subject} {'could' if value else 'could not'} publish its changes"
    if kind == "api_rate_limit_per_minute":
        if value is None:
            return f"If {subject} had no API rate limit"
        if current is None:
            return f"If {subject} allowed only {format_number(value)} API calls a minute"
        return (
            f"If {subject} allowed {format_number(value)} API calls a minute "
            f"instead of {format_number(current)}"
        )
    flow = f"flow {subject}"
    if kind == "trigger":
        return f"If {flow} were started by {_TRIGGERS[value]} instead of {_TRIGGERS[current]}"
    if kind == "needs_response":
        waits = "waited" if value else "did not wait"
        return f"If the initiator of {flow} {waits} for a response"
    if kind == "max_delay_seconds":
        return (
            f"If {flow} could lag by up to {format_duration(value)} "
            f"instead of {format_duration(current)}"
        )
    if kind == "events_per_day":
        return (
            f"With {format_number(value)} messages a day on {flow} "
            f"instead of {format_number(current)}"
        )
    if kind == "peak_per_second":
        state = next(state for state in states if state.flow.id == subject)
        if state.flow.peak_per_second is None:
            return (
                f"With peaks of {format_number(value)} messages a second on {flow} "
                f"(now estimated at {format_number(current)})"
            )
        return (
            f"With peaks of {format_number(value)} messages a second on {flow} "
            f"instead of {format_number(current)}"
        )
    if kind == "consistency":
        if value == "eventual":
            return f"If the targets of {flow} could lag behind (eventual consistency)"
        return f"If the targets of {flow} had to agree at once (strong consistency)"
    if kind == "ordering":
        return f"If {flow} needed {_ORDERINGS[value]} instead of {_ORDERINGS[current]}"
    if kind == "payload_kb":
        return (
            f"With messages of {format_number(value)} KB on {flow} "
            f"instead of {format_number(current)} KB"
        )
    if kind == "targets":
        labels = {system.id: system.label for system in assessment.systems}
        if len(value) < len(current):
            dropped = ", ".join(labels[target] for target in current[len(value) :])
            change = f"without {dropped}"
        else:
            change = f"adding {len(value) - len(current)} more"
        return (
            f"With {len(value)} consumer{'s' if len(value) != 1 else ''} of {flow} "
            f"instead of {len(current)} ({change})"
        )
    return f"If {lever.field} were {json.dumps(_as_input(value))}"  # pragma: no cover


def _broker(ruleset: Ruleset, broker_id: str) -> str:
    try:
        return ruleset.broker(broker_id).name
    except KeyError:
        return broker_id
