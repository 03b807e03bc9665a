"""The rule engine: a validated assessment and rule set in, a result out. Pure: no I/O.

How a flow is decided (the numbers come from the rules' `scoring` section):
1. Every rule whose condition holds gives its points to one side; a side's score is its points
   as a share of `saturation`, capped at 100.
2. A side that leads by `style_margin` or more decides the flow, except that an event-leaning
   flow becomes hybrid (thin event plus API call-back) when a hybrid rule holds. A closer call is
   hybrid when both scores reach `hybrid_floor`, otherwise it goes to the leader (API on a tie).
3. Confidence is 0.5 + 0.5 x min(1, lead / (style_margin + confidence_span)).
The integration's scores and confidence are the means over its flows; it is api or event when
every flow agrees, hybrid otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advisor._numbers import fmean
from advisor.facts import MINUTES_A_DAY, SECONDS_A_DAY, FactValue
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
from advisor.ruleset import Rule, Ruleset, Settings, compile_condition, fill, placeholders

POLLED_TRIGGERS = frozenset({"data_change", "telemetry"})


def assess(assessment: Assessment, ruleset: Ruleset) -> Result:
    """Score every flow, then the whole integration, its broker and its risks."""
    facts = [flow_facts(assessment, flow, ruleset.settings) for flow in assessment.flows]
    flows = [
        score_flow(flow, flow_fact, ruleset)
        for flow, flow_fact in zip(assessment.flows, facts, strict=True)
    ]
    return Result(
        name=assessment.name,
        recommendation=recommend(flows, ruleset.settings),
        confidence=round(fmean(flow.confidence for flow in flows), 2),
        scores=_mean_scores(flows),
        flows=tuple(flows),
        broker=choose_broker(assessment, flows, facts, ruleset),
        risks=find_risks(flows, facts, ruleset),
    )


def flow_facts(assessment: Assessment, flow: Flow, settings: Settings) -> dict[str, FactValue]:
    """Everything a rule may ask about one flow, as named facts."""
    source = assessment.system(flow.source)
    context = assessment.context
    peak = flow.peak_per_second
    if peak is None:
        peak = flow.events_per_day / SECONDS_A_DAY * settings.peak_factor
    facts: dict[str, FactValue] = {
        "flow.trigger": flow.trigger,
        "flow.needs_response": flow.needs_response,
        "flow.max_delay_seconds": flow.max_delay_seconds,
        "flow.events_per_day": float(flow.events_per_day),
        "flow.peak_per_second": peak,
        "flow.consistency": flow.consistency,
        "flow.ordering": flow.ordering,
        "flow.payload_kb": flow.payload_kb,
        "flow.consumers": float(flow.consumers),
        "flow.owners": _owners(assessment, flow),
        "source.emits_events": source.emits_events,
        "source.api_rate_limit_per_minute": (
            None
            if source.api_rate_limit_per_minute is None
            else float(source.api_rate_limit_per_minute)
        ),
        "context.stage": context.stage,
        "context.team_event_experience": context.team_event_experience,
        "context.cloud": context.cloud,
        "context.existing_broker": context.existing_broker,
        "context.goals": frozenset(context.goals),
    }
    polling = polling_cost(assessment, flow)
    facts["polling.applies"] = polling is not None
    facts["polling.calls_per_day"] = polling.calls_per_day if polling else None
    facts["polling.quota_share"] = polling.quota_share if polling else None
    facts["polling.wasted_calls_per_day"] = polling.wasted_calls_per_day if polling else None
    facts["polling.waste_ratio"] = (
        polling.wasted_calls_per_day / polling.calls_per_day
        if polling and polling.calls_per_day
        else None
    )
    return facts


def polling_cost(assessment: Assessment, flow: Flow) -> Polling | None:
    """What polling the source would cost to keep every target within the delay.

    Only meaningful where targets must learn of changes in the source (data changes, telemetry).
    """
    if flow.trigger not in POLLED_TRIGGERS:
        return None
    calls = flow.consumers * SECONDS_A_DAY / flow.max_delay_seconds
    limit = assessment.system(flow.source).api_rate_limit_per_minute
    return Polling(
        calls_per_day=round(calls, 1),
        quota_share=None if limit is None else round(calls / (limit * MINUTES_A_DAY), 4),
        wasted_calls_per_day=round(max(0.0, calls - flow.events_per_day), 1),
    )


def _owners(assessment: Assessment, flow: Flow) -> str:
    source_owner = assessment.system(flow.source).owner
    target_owners = [assessment.system(target).owner for target in flow.targets]
    known = [owner for owner in target_owners if owner is not None]
    if source_owner is None or not known:
        return "unknown"
    return "different" if any(owner != source_owner for owner in known) else "same"


@dataclass(frozen=True)
class _Tally:
    api: float
    event: float
    reasons: tuple[Reason, ...]


class _Compiled:
    """A rule set's conditions as functions, and the reasons its rules have given so far: a rule
    with the same quoted facts gives the same (immutable) reason, so it is made once."""

    REASONS_KEPT = 20_000

    def __init__(self, ruleset: Ruleset) -> None:
        self.rules = tuple(
            (index, rule, compile_condition(rule.when), placeholders(rule.explanation))
            for index, rule in enumerate(ruleset.rules)
        )
        self.hybrid = tuple((rule, compile_condition(rule.when)) for rule in ruleset.hybrid)
        self.risks = tuple((rule, compile_condition(rule.when)) for rule in ruleset.risks)
        self._reasons: dict[tuple[int, tuple[FactValue, ...]], Reason] = {}

    def reason(
        self, index: int, rule: Rule, quoted: tuple[str, ...], facts: dict[str, FactValue]
    ) -> Reason:
        key = (index, tuple(map(facts.get, quoted)))
        reason = self._reasons.get(key)
        if reason is None:
            reason = Reason(
                rule=rule.id,
                criterion=rule.criterion,
                favours=rule.favours,
                points=rule.points,
                explanation=fill(rule.explanation, facts),
            )
            if len(self._reasons) >= self.REASONS_KEPT:
                self._reasons.clear()
            self._reasons[key] = reason
        return reason


_COMPILED: dict[int, tuple[Ruleset, _Compiled]] = {}


def _compiled(ruleset: Ruleset) -> _Compiled:
    """The rule set compiled once; the few latest are kept (with the rule set, so ids stay)."""
    kept = _COMPILED.get(id(ruleset))
    if kept is None or kept[0] is not ruleset:
        if len(_COMPILED) >= 4:
            _COMPILED.clear()
        kept = _COMPILED[id(ruleset)] = (ruleset, _Compiled(ruleset))
    return kept[1]


def tally(facts: dict[str, FactValue], ruleset: Ruleset) -> _Tally:
    """Every rule that holds, with its points, in rules order."""
    compiled = _compiled(ruleset)
    reasons = tuple(
        compiled.reason(index, rule, quoted, facts)
        for index, rule, test, quoted in compiled.rules
        if test(facts)
    )
    api = sum(reason.points for reason in reasons if reason.favours == "api")
    event = sum(reason.points for reason in reasons if reason.favours == "event")
    return _Tally(api=api, event=event, reasons=reasons)


def to_score(points: float, settings: Settings) -> float:
    return round(min(100.0, 100.0 * points / settings.saturation), 1)


def score_flow(flow: Flow, facts: dict[str, FactValue], ruleset: Ruleset) -> FlowResult:
    counted = tally(facts, ruleset)
    settings = ruleset.settings
    scores = Scores(api=to_score(counted.api, settings), event=to_score(counted.event, settings))
    style, decision = decide(scores, facts, ruleset)
    return FlowResult(
        id=flow.id,
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
    return Polling(calls_per_day=calls, quota_share=share, wasted_calls_per_day=wasted)


def decide(
    scores: Scores, facts: dict[str, FactValue], ruleset: Ruleset
) -> tuple[Style, StyleDecision]:
    """The style of one flow from its two scores (see the module's docstring)."""
    settings = ruleset.settings
    lead = scores.event - scores.api
    margin = settings.style_margin
    if lead >= margin:
        for rule, test in _compiled(ruleset).hybrid:
            if test(facts):
                return "hybrid", StyleDecision(
                    rule=rule.id, explanation=fill(rule.explanation, facts)
                )
        return "event", StyleDecision(
            rule="style_margin",
            explanation=f"Events lead by {lead:g} points, at least the margin of {margin:g}.",
        )
    if -lead >= margin:
        return "api", StyleDecision(
            rule="style_margin",
            explanation=f"APIs lead by {-lead:g} points, at least the margin of {margin:g}.",
        )
    floor = settings.hybrid_floor
    if min(scores.api, scores.event) >= floor:
        return "hybrid", StyleDecision(
            rule="hybrid_floor",
            explanation=(
                f"A close call (a lead of {abs(lead):g} points, under the margin of {margin:g}) "
                f"with both scores at least {floor:g}: combine a thin event with API calls."
            ),
        )
    leader: Style = "event" if lead > 0 else "api"
    return leader, StyleDecision(
        rule="hybrid_floor",
        explanation=(
            f"A close call (a lead of {abs(lead):g} points, under the margin of {margin:g}); "
            f"with a score under {floor:g} a hybrid is not worth it, so the "
            + ("event side wins." if leader == "event" else "simpler API side wins.")
        ),
    )


def confidence(scores: Scores, settings: Settings) -> float:
    lead = abs(scores.event - scores.api)
    return round(0.5 + 0.5 * min(1.0, lead / (settings.style_margin + settings.confidence_span)), 2)


def recommend(flows: Sequence[FlowResult], settings: Settings) -> Style:
    """api or event when every flow agrees; hybrid when they split or the whole is even."""
    styles = {flow.style for flow in flows}
    if len(styles) > 1 or styles == {"hybrid"}:
        return "hybrid"
    whole = _mean_scores(flows)
    close = abs(whole.event - whole.api) < settings.style_margin
    if close and min(whole.api, whole.event) >= settings.hybrid_floor:
        return "hybrid"
    return flows[0].style


def _mean_scores(flows: Sequence[FlowResult]) -> Scores:
    return Scores(
        api=round(fmean(flow.scores.api for flow in flows), 1),
        event=round(fmean(flow.scores.event for flow in flows), 1),
    )


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
    }


def choose_broker(
    assessment: Assessment,
    flows: Sequence[FlowResult],
    facts: Sequence[dict[str, FactValue]],
    ruleset: Ruleset,
) -> Broker | None:
    """The first broker choice whose condition holds; none when nothing is event-driven."""
    if not any(flow.style in ("event", "hybrid") for flow in flows):
        return None
    whole = integration_facts(assessment, flows, facts)
    for choice in ruleset.broker_selection:
        if choice.when is None or choice.when.holds(whole):
            broker_id = (
                assessment.context.existing_broker if choice.choose == "existing" else choice.choose
            )
            option = ruleset.broker(broker_id)
            return Broker(
                choice=option.id, name=option.name, why=fill(choice.why, whole), rule=choice.id
            )
    return None  # unreachable: a rule set always ends its broker choices with a fallback


def find_risks(
    flows: Sequence[FlowResult], facts: Sequence[dict[str, FactValue]], ruleset: Ruleset
) -> tuple[Risk, ...]:
    """Every risk with the flows it applies to, in rules order; risks that apply to none drop."""
    styled = [
        {**flow_fact, "flow.style": flow.style}
        for flow, flow_fact in zip(flows, facts, strict=True)
    ]
    risks = []
    for rule, test in _compiled(ruleset).risks:
        applies = tuple(flow.id for flow, fact in zip(flows, styled, strict=True) if test(fact))
        if applies:
            risks.append(
                Risk(id=rule.id, title=rule.title, mitigation=rule.mitigation, flows=applies)
            )
    return tuple(risks)
