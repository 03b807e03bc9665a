"""The rule engine: a validated assessment and rule set in, a result out. Pure: no I/O.

How a flow is decided (the numbers come from the rules' `scoring` section):
1. Every rule whose condition holds gives its points to one side; a side's score is its points
   as a share of `saturation`, capped at 100.
2. A side that leads by `style_margin` or more decides the flow. A closer call is hybrid when
   both scores reach `hybrid_floor`, otherwise it goes to the leader (API on a tie). Wherever
   events win, the flow is hybrid instead (thin event plus API call-back) when a hybrid rule
   holds, so that a large payload is never a pure event flow however the call went.
3. Confidence is 0.5 + 0.5 x min(1, lead / (style_margin + confidence_span)).
The integration is api when every flow is api, event when every flow is event, and hybrid
otherwise; its scores and confidence are the means over its flows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat

from advisor._numbers import fmean
from advisor.facts import Facts, FactValue, derive
from advisor.models import (
    Assessment,
    Broker,
    Flow,
    FlowResult,
    Polling,
    Reason,
    Result,
    Risk,
    Scores,
    Style,
    StyleDecision,
)
from advisor.ruleset import (
    NO_BROKER,
    Condition,
    HybridRule,
    Predicate,
    Rule,
    Ruleset,
    Settings,
    compile_condition,
    fill,
    placeholders,
)


@dataclass(frozen=True)
class Scored:
    """A result without the what-if analysis, with what the analysis starts from: each flow's
    facts and which scoring rules hold for it."""

    result: Result
    facts: list[dict[str, FactValue]]
    held: list[list[bool]]


def score(assessment: Assessment, ruleset: Ruleset) -> Scored:
    """Score every flow, then the whole integration, its broker and its risks."""
    facts = [flow_facts(assessment, flow, ruleset.settings) for flow in assessment.flows]
    rules = compiled(ruleset)
    held = [[holds(flow_fact) for holds in rules.holds] for flow_fact in facts]
    flows = [
        score_flow(flow, flow_fact, ruleset, flow_held)
        for flow, flow_fact, flow_held in zip(assessment.flows, facts, held, strict=True)
    ]
    result = Result(
        name=assessment.name,
        recommendation=recommend(flows),
        confidence=round(fmean(flow.confidence for flow in flows), 2),
        scores=_mean_scores(flows),
        flows=tuple(flows),
        broker=choose_broker(assessment, flows, facts, ruleset),
        risks=find_risks(flows, facts, ruleset),
    )
    return Scored(result=result, facts=facts, held=held)


def flow_facts(assessment: Assessment, flow: Flow, settings: Settings) -> dict[str, FactValue]:
    """Everything a rule may ask about one flow, as named facts (`advisor.facts.derive`)."""
    return derive(assessment, flow, settings.peak_factor)


# ---------------------------------------------------------------------------------------------
# Rules compiled once per rule set
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A rule set's conditions as plain functions, and which rules read which facts."""

    rules: tuple[Rule, ...]
    holds: tuple[Predicate, ...]
    points: tuple[float, ...]
    for_api: tuple[bool, ...]
    api_points: tuple[float, ...]  # each rule's points for the API side (0 for event rules)
    event_points: tuple[float, ...]  # and for the event side
    hybrid: tuple[HybridRule, ...]
    hybrid_holds: tuple[Predicate, ...]
    readers: dict[str, tuple[int, ...]]  # fact -> indexes of the scoring rules that read it
    hybrid_readers: dict[str, tuple[int, ...]]  # fact -> indexes of the hybrid rules
    risk_holds: tuple[Predicate, ...]
    quoted: tuple[tuple[str, ...], ...]  # the facts each rule's explanation quotes
    # Rules grouped by criterion and side, with the criterion's budget, where it has one.
    budgets: tuple[tuple[tuple[int, ...], float, bool], ...]
    made: dict[tuple[int, tuple[FactValue, ...], float | None], Reason] = field(
        default_factory=dict
    )

    REASONS_KEPT = 20_000

    def reason(self, index: int, facts: Facts, points: float | None = None) -> Reason:
        """Rule `index`'s reason with these facts, counting `points` where its criterion's budget
        cuts them (else the rule's own). A rule quoting the same values and counting the same
        points gives the same (immutable) reason, so each is made once; a long batch run keeps
        the latest few."""
        key = (index, tuple(map(facts.get, self.quoted[index])), points)
        made = self.made.get(key)
        if made is None:
            rule = self.rules[index]
            made = Reason.model_construct(
                rule=rule.id,
                criterion=rule.criterion,
                favours=rule.favours,
                points=rule.points if points is None else points,
                explanation=fill(rule.explanation, facts),
            )
            if len(self.made) >= self.REASONS_KEPT:
                self.made.clear()
            self.made[key] = made
        return made


_compiled_cache: list[tuple[Ruleset, Compiled]] = []


def compiled(ruleset: Ruleset) -> Compiled:
    """The compiled form of a rule set, kept for the last rule set seen (batch runs use one)."""
    if _compiled_cache and _compiled_cache[0][0] is ruleset:
        return _compiled_cache[0][1]
    result = Compiled(
        rules=ruleset.rules,
        holds=tuple(compile_condition(rule.when) for rule in ruleset.rules),
        points=tuple(rule.points for rule in ruleset.rules),
        for_api=tuple(rule.favours == "api" for rule in ruleset.rules),
        api_points=tuple(rule.points if rule.favours == "api" else 0.0 for rule in ruleset.rules),
        event_points=tuple(
            rule.points if rule.favours == "event" else 0.0 for rule in ruleset.rules
        ),
        hybrid=ruleset.hybrid,
        hybrid_holds=tuple(compile_condition(rule.when) for rule in ruleset.hybrid),
        readers=_readers(rule.when for rule in ruleset.rules),
        hybrid_readers=_readers(rule.when for rule in ruleset.hybrid),
        risk_holds=tuple(compile_condition(rule.when) for rule in ruleset.risks),
        quoted=tuple(placeholders(rule.explanation) for rule in ruleset.rules),
        budgets=_budgets(ruleset),
    )
    _compiled_cache[:] = [(ruleset, result)]
    return result


def _budgets(ruleset: Ruleset) -> tuple[tuple[tuple[int, ...], float, bool], ...]:
    """For each criterion with a budget and each side: its rules' indexes, the budget, and
    whether the side is API."""
    groups = []
    for criterion in ruleset.criteria:
        if criterion.budget is None:
            continue
        for side in ("api", "event"):
            members = tuple(
                index
                for index, rule in enumerate(ruleset.rules)
                if rule.criterion == criterion.id and rule.favours == side
            )
            if sum(ruleset.rules[index].points for index in members) > criterion.budget:
                groups.append((members, criterion.budget, side == "api"))
    return tuple(groups)


def _readers(conditions: Iterable[Condition]) -> dict[str, tuple[int, ...]]:
    readers: dict[str, list[int]] = {}
    for index, condition in enumerate(conditions):
        for name in dict.fromkeys(condition.facts_used()):
            readers.setdefault(name, []).append(index)
    return {name: tuple(indexes) for name, indexes in readers.items()}


@dataclass(frozen=True)
class _Tally:
    api: float
    event: float
    reasons: tuple[Reason, ...]


def tally(facts: dict[str, FactValue], ruleset: Ruleset, held: Sequence[bool]) -> _Tally:
    """Every rule that holds (`held`, in rules order), with the points it counts and its reason.

    Where a criterion's rules give one side more than its budget, each counts its share of the
    budget (in proportion to its points), so that the reasons still add up to the score.
    """
    rules = compiled(ruleset)
    totals = budget_totals(held, rules)
    cut = _budgeted(held, rules, totals)
    holding = compress(range(len(held)), held)
    if cut:
        reasons = tuple(rules.reason(index, facts, cut.get(index)) for index in holding)
    else:
        reasons = tuple(map(rules.reason, holding, repeat(facts)))
    api, event = points_of(held, rules, totals)
    return _Tally(api=api, event=event, reasons=reasons)


def budget_totals(held: Sequence[bool], rules: Compiled) -> list[float]:
    """For each criterion's side with a budget (`rules.budgets`), the points of its rules that
    hold, summed in rules order, before the budget cuts them."""
    points = rules.points
    return [
        sum(compress(map(points.__getitem__, members), map(held.__getitem__, members)))
        for members, _, _ in rules.budgets
    ]


def _budgeted(held: Sequence[bool], rules: Compiled, totals: Sequence[float]) -> dict[int, float]:
    """The rules whose points a budget cuts, with the points each then counts: shares of the
    budget in proportion to their points, in tenths that add up to the budget exactly."""
    counted: dict[int, float] = {}
    for (members, budget, _), given in zip(rules.budgets, totals, strict=True):
        if given <= budget:
            continue
        holding = [index for index in members if held[index]]
        exact = [rules.points[index] * budget / given * 10 for index in holding]
        tenths = [int(share) for share in exact]
        left = round(budget * 10) - sum(tenths)
        by_remainder = sorted(range(len(exact)), key=lambda at: (tenths[at] - exact[at], at))
        for at in by_remainder[:left]:
            tenths[at] += 1
        counted.update((index, tenth / 10) for index, tenth in zip(holding, tenths, strict=True))
    return counted


def points_of(
    held: Sequence[bool], rules: Compiled, totals: Sequence[float] | None = None
) -> tuple[float, float]:
    """API and event points of the rules that hold, summed in rules order, each criterion's
    side cut to its budget where it has one (`totals`: `budget_totals`, if already known).

    The other side's rules add 0.0, which leaves a float sum exactly as it was.
    """
    api = sum(compress(rules.api_points, held))
    event = sum(compress(rules.event_points, held))
    if totals is None:
        totals = budget_totals(held, rules)
    for (_, budget, for_api), given in zip(rules.budgets, totals, strict=True):
        if given > budget:
            if for_api:
                api -= given - budget
            else:
                event -= given - budget
    return api, event


def to_score(points: float, settings: Settings) -> float:
    return round(min(100.0, 100.0 * points / settings.saturation), 1)


def score_flow(
    flow: Flow,
    facts: dict[str, FactValue],
    ruleset: Ruleset,
    held: Sequence[bool],
) -> FlowResult:
    """One flow's scores, style and reasons, from whether each scoring rule holds (`held`)."""
    counted = tally(facts, ruleset, held)
    settings = ruleset.settings
    scores = Scores(api=to_score(counted.api, settings), event=to_score(counted.event, settings))
    style, decision = decide(scores, facts, ruleset)
    return FlowResult(
        id=flow.id,
        source=flow.source,
        targets=flow.targets,
        style=style,
        confidence=confidence(scores, settings),
        scores=scores,
        decision=decision,
        reasons=counted.reasons,
        polling=_polling_from(facts),
    )


def _polling_from(facts: dict[str, FactValue]) -> Polling | None:
    if not facts["polling.applies"]:
        return None
    calls, share, wasted = (
        facts["polling.calls_per_day"],
        facts["polling.quota_share"],
        facts["polling.wasted_calls_per_day"],
    )
    assert isinstance(calls, float) and isinstance(wasted, float)
    assert share is None or isinstance(share, float)
    return Polling(calls_per_day=int(calls), quota_share=share, wasted_calls_per_day=int(wasted))


def decide(
    scores: Scores, facts: dict[str, FactValue], ruleset: Ruleset
) -> tuple[Style, StyleDecision]:
    """The style of one flow from its two scores (see the module's docstring)."""
    settings = ruleset.settings
    rules = compiled(ruleset)
    style, how = style_of(scores.api, scores.event, facts, rules, settings)
    lead = scores.event - scores.api
    margin = settings.style_margin
    if isinstance(how, int):
        rule = rules.hybrid[how]
        return style, StyleDecision(rule=rule.id, explanation=fill(rule.explanation, facts))
    if how == "margin" and style == "event":
        return style, StyleDecision(
            rule="style_margin",
            explanation=f"Events lead by {lead:g} points, at least the margin of {margin:g}.",
        )
    if how == "margin":
        return style, StyleDecision(
            rule="style_margin",
            explanation=f"APIs lead by {-lead:g} points, at least the margin of {margin:g}.",
        )
    floor = settings.hybrid_floor
    if style == "hybrid":
        return style, StyleDecision(
            rule="hybrid_floor",
            explanation=(
                f"A close call (a lead of {abs(lead):g} points, under the margin of {margin:g}) "
                f"with both scores at least {floor:g}: combine a thin event with API calls."
            ),
        )
    return style, StyleDecision(
        rule="hybrid_floor",
        explanation=(
            f"A close call (a lead of {abs(lead):g} points, under the margin of {margin:g}); "
            f"with a score under {floor:g} a hybrid is not worth it, so the "
            + ("event side wins." if style == "event" else "simpler API side wins.")
        ),
    )


def style_of(
    api: float, event: float, facts: Facts, rules: Compiled, settings: Settings
) -> tuple[Style, int | str]:
    """The style from two scores, and how: a hybrid rule's index, "margin" or "floor"."""
    lead = event - api
    margin = settings.style_margin
    if -lead >= margin:
        return "api", "margin"
    if lead < margin and min(api, event) >= settings.hybrid_floor:
        return "hybrid", "floor"
    if lead <= 0:
        return "api", "floor"
    # Events win, by the margin or in a close call: still a thin event plus an API call-back
    # where a hybrid rule holds (a payload too large for a broker, a follow-up that must agree).
    for index, holds in enumerate(rules.hybrid_holds):
        if holds(facts):
            return "hybrid", index
    return "event", ("margin" if lead >= margin else "floor")


def confidence(scores: Scores, settings: Settings) -> float:
    lead = abs(scores.event - scores.api)
    return round(0.5 + 0.5 * min(1.0, lead / (settings.style_margin + settings.confidence_span)), 2)


def recommend(flows: Sequence[FlowResult]) -> Style:
    """api when every flow is api, event when every flow is event, hybrid otherwise."""
    return recommendation_of([flow.style for flow in flows])


def recommendation_of(styles: Iterable[Style]) -> Style:
    """The whole integration's style from its flows' styles alone: the flows decide, and a
    close call shows in confidence, never as a hybrid of flows that agree."""
    distinct = set(styles)
    if len(distinct) == 1:
        return distinct.pop()
    return "hybrid"


def _mean_scores(flows: Sequence[FlowResult]) -> Scores:
    return Scores(
        api=mean_score([flow.scores.api for flow in flows]),
        event=mean_score([flow.scores.event for flow in flows]),
    )


def mean_score(scores: Sequence[float]) -> float:
    return round(fmean(scores), 1)


def integration_facts(
    assessment: Assessment, flows: Sequence[FlowResult], facts: Sequence[dict[str, FactValue]]
) -> dict[str, FactValue]:
    """What broker choices may ask: the context and the event-driven flows' load."""
    evented = [
        flow_fact
        for flow, flow_fact in zip(flows, facts, strict=True)
        if flow.style in ("event", "hybrid")
    ]
    context = assessment.context

    def number(fact: dict[str, FactValue], name: str) -> float:
        value = fact[name]
        return float(value) if isinstance(value, float | int) else 0.0

    def total(name: str) -> float:
        return sum(number(fact, name) for fact in evented)

    return {
        "context.stage": context.stage,
        "context.team_event_experience": context.team_event_experience,
        "context.cloud": context.cloud,
        "context.existing_broker": context.existing_broker,
        "context.goals": frozenset(context.goals),
        "integration.event_flows": float(len(evented)),
        "integration.peak_per_second": total("flow.peak_per_second"),
        "integration.events_per_day": total("flow.events_per_day"),
        "integration.max_consumers": max(
            (number(fact, "flow.consumers") for fact in evented), default=0.0
        ),
        "integration.orderings": frozenset(str(fact["flow.ordering"]) for fact in evented),
        "integration.sources_emit": all(fact["source.emits_events"] is True for fact in evented),
    }


def choose_broker(
    assessment: Assessment,
    flows: Sequence[FlowResult],
    facts: Sequence[dict[str, FactValue]],
    ruleset: Ruleset,
) -> Broker | None:
    """The first broker choice whose condition holds; None when nothing is event-driven.

    A choice of `none` (no broker needed) gives a broker whose `choice` is None, with the why.
    """
    if not any(flow.style in ("event", "hybrid") for flow in flows):
        return None
    whole = integration_facts(assessment, flows, facts)
    running = assessment.context.existing_broker
    for choice in ruleset.broker_selection:
        if choice.choose == "existing" and running == "none":
            continue  # no broker runs yet: this choice cannot keep one
        if choice.when is None or choice.when.holds(whole):
            broker_id = running if choice.choose == "existing" else choice.choose
            option = ruleset.broker(broker_id)
            return Broker(
                choice=None if option.id == NO_BROKER else option.id,
                name=option.name,
                why=fill(choice.why, whole),
                rule=choice.id,
            )
    return None  # only where the fallbacks all keep an existing broker and none runs


def find_risks(
    flows: Sequence[FlowResult], facts: Sequence[dict[str, FactValue]], ruleset: Ruleset
) -> tuple[Risk, ...]:
    """Every risk with the flows it applies to, in rules order; risks that apply to none drop."""
    styled = [
        {**flow_fact, "flow.style": flow.style}
        for flow, flow_fact in zip(flows, facts, strict=True)
    ]
    risks = []
    for rule, holds in zip(ruleset.risks, compiled(ruleset).risk_holds, strict=True):
        applies = tuple(flow.id for flow, fact in zip(flows, styled, strict=True) if holds(fact))
        if applies:
            risks.append(
                Risk(id=rule.id, title=rule.title, mitigation=rule.mitigation, flows=applies)
            )
    return tuple(risks)
