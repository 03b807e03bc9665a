"""What the report templates render: one typed context per template, built from a result.

Every figure and sentence is computed here, so the templates hold loops and conditionals only.
Values are plain text; the templates' environments escape them for HTML or Markdown.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from advisor import __version__
from advisor.models import Assessment, Change, Flow, FlowResult, Reason, Result, Style
from advisor.questionnaire import choices, question
from advisor.ruleset import NO_BROKER, Ruleset
from advisor.wording import (
    ORDERING_NAMES,
    SIDE_NAMES,
    STYLE_IN_TEXT,
    STYLE_NAMES,
    TRIGGER_NAMES,
    format_duration,
    format_number,
    format_percent,
    polling_summary,
)

OPTIONS = {
    "api": "Systems call each other's APIs: request-response, and polling where targets must "
    "learn of changes.",
    "event": "Sources publish changes to a broker and consumers subscribe: publish-subscribe.",
    "hybrid": "APIs where a caller needs an answer or the authoritative record; events where "
    "changes fan out; or a thin event with an API call-back.",
}
NO_DATA = "—"


# ---------------------------------------------------------------------------------------------
# Pieces shared by both templates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One rule that fired in one flow, as a head-to-head cell shows it."""

    flow: str
    rule: str
    points: str
    text: str


@dataclass(frozen=True)
class CriterionRow:
    """A head-to-head row: what each style offers, and this integration's evidence for each."""

    title: str
    api_claim: str
    event_claim: str
    api_evidence: tuple[Evidence, ...]
    event_evidence: tuple[Evidence, ...]
    api_points: str
    event_points: str
    leans: str  # api, event, even or none
    verdict: str


@dataclass(frozen=True)
class FlowRow:
    """A flow in the at-a-glance table."""

    id: str
    route: str
    trigger: str
    style: Style
    style_name: str
    confidence: str
    api: str
    event: str
    calls: str
    quota: str
    wasted: str


@dataclass(frozen=True)
class ReasonLine:
    rule: str
    criterion: str
    side: str  # api or event
    side_name: str
    points: str
    explanation: str


@dataclass(frozen=True)
class ChangeLine:
    """One thing that would change the answer."""

    summary: str
    field: str
    now: str
    would_be: str
    outcome: Style
    outcome_name: str


@dataclass(frozen=True)
class FlowDetail:
    id: str
    description: str
    source: str
    targets: str
    style: Style
    style_name: str
    confidence: str
    api: str
    event: str
    api_width: str
    event_width: str
    decision_rule: str
    decision: str
    reasons: tuple[ReasonLine, ...]
    polling: str
    changes: tuple[ChangeLine, ...]


@dataclass(frozen=True)
class BrokerView:
    name: str
    choice: str
    why: str
    rule: str
    summary: str
    flows: str


@dataclass(frozen=True)
class RiskView:
    id: str
    title: str
    mitigation: str
    flows: str


@dataclass(frozen=True)
class Answer:
    """One question of the assessment and its answer."""

    question: str
    answer: str


@dataclass(frozen=True)
class SystemRow:
    id: str
    name: str
    emits_events: str
    rate_limit: str
    owner: str


@dataclass(frozen=True)
class FlowInputRow:
    id: str
    source: str
    targets: str
    trigger: str
    initiator: str
    needs_response: str
    max_delay: str
    events_per_day: str
    peak: str
    consistency: str
    ordering: str
    payload: str
    polled_items: str


@dataclass(frozen=True)
class OptionView:
    """A considered option, with its pros and cons for this integration."""

    style: Style
    name: str
    description: str
    score: str
    chosen: bool
    good: tuple[str, ...]
    bad: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# The two contexts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagramView:
    """A focused view of the blueprint, shown under the overview: what it shows, and its SVG."""

    caption: str
    svg: Any  # markupsafe.Markup: inline SVG whose labels the blueprint escaped


@dataclass(frozen=True)
class HtmlReport:
    """Everything `report.html.j2` shows."""

    title: str
    description: str
    recommendation: Style
    recommendation_name: str
    confidence: str
    confidence_width: str
    api: str
    event: str
    api_width: str
    event_width: str
    because: str
    counts: tuple[Answer, ...]
    criteria: tuple[CriterionRow, ...]
    flows: tuple[FlowRow, ...]
    details: tuple[FlowDetail, ...]
    broker: BrokerView | None
    no_broker: str
    risks: tuple[RiskView, ...]
    diagram: Any  # markupsafe.Markup: the blueprint as inline SVG, or None
    changes: tuple[ChangeLine, ...]
    no_change: str
    context: tuple[Answer, ...]
    systems: tuple[SystemRow, ...]
    flow_inputs: tuple[FlowInputRow, ...]
    rules: str
    version: str
    # the focused views (events, API calls) that show what the overview summarises
    diagram_views: tuple[DiagramView, ...] = ()


@dataclass(frozen=True)
class MarkdownReport:
    """Everything `report.md.j2` (a MADR 4.0 decision record) shows."""

    title: str
    status: str
    date: str
    problem: str
    description: str
    drivers: tuple[str, ...]
    options: tuple[OptionView, ...]
    chosen: str
    because: str
    flows: tuple[FlowRow, ...]
    good: tuple[str, ...]
    bad: tuple[str, ...]
    broker: BrokerView | None
    risks: tuple[RiskView, ...]
    changes: tuple[ChangeLine, ...]
    flow_changes: tuple[FlowDetail, ...]
    no_change: str
    context: tuple[Answer, ...]
    systems: tuple[SystemRow, ...]
    flow_inputs: tuple[FlowInputRow, ...]
    rules: str
    version: str


def html_context(
    assessment: Assessment, result: Result, ruleset: Ruleset, diagram: Any
) -> HtmlReport:
    facts = _Facts(assessment, result, ruleset)
    return HtmlReport(
        title=assessment.name,
        description=assessment.description or "",
        recommendation=result.recommendation,
        recommendation_name=STYLE_NAMES[result.recommendation],
        confidence=_percent(result.confidence),
        confidence_width=_width(result.confidence * 100),
        api=_score(result.scores.api),
        event=_score(result.scores.event),
        api_width=_width(result.scores.api),
        event_width=_width(result.scores.event),
        because=facts.because(),
        counts=facts.counts(),
        criteria=facts.criteria(),
        flows=facts.flow_rows(),
        details=facts.details(),
        broker=facts.broker(),
        no_broker=_NO_BROKER,
        risks=facts.risks(),
        diagram=diagram,
        changes=facts.changes(),
        no_change=facts.no_change(),
        context=facts.context(),
        systems=facts.systems(),
        flow_inputs=facts.flow_inputs(),
        rules=facts.rules_line(),
        version=__version__,
    )


def markdown_context(
    assessment: Assessment, result: Result, ruleset: Ruleset, date: datetime.date
) -> MarkdownReport:
    facts = _Facts(assessment, result, ruleset)
    chosen = STYLE_NAMES[result.recommendation]
    return MarkdownReport(
        title=f"{assessment.name}: {chosen.lower()} integration",
        status="proposed",
        date=date.isoformat(),
        problem=facts.problem(),
        description=assessment.description or "",
        drivers=facts.drivers(),
        options=facts.options(),
        chosen=chosen,
        because=facts.because(),
        flows=facts.flow_rows(),
        good=facts.good(),
        bad=facts.bad(),
        broker=facts.broker(),
        risks=facts.risks(),
        changes=facts.changes(),
        flow_changes=tuple(detail for detail in facts.details() if detail.changes),
        no_change=facts.no_change(),
        context=facts.context(),
        systems=facts.systems(),
        flow_inputs=facts.flow_inputs(),
        rules=facts.rules_line(),
        version=__version__,
    )


# ---------------------------------------------------------------------------------------------
# Building them
# ---------------------------------------------------------------------------------------------

_NO_BROKER = "No flow is event-driven or hybrid, so no message broker is needed."


class _Facts:
    """The sentences and figures both reports are made of."""

    def __init__(self, assessment: Assessment, result: Result, ruleset: Ruleset) -> None:
        self.assessment = assessment
        self.result = result
        self.ruleset = ruleset
        self.declared = {flow.id: flow for flow in assessment.flows}
        self.labels = {system.id: system.label for system in assessment.systems}

    # -- the decision -----------------------------------------------------------------------------

    def because(self) -> str:
        """Why the whole integration got its recommendation, in one clause."""
        result = self.result
        styles = {flow.style for flow in result.flows}
        scores = f"API {_score(result.scores.api)} against events {_score(result.scores.event)}"
        if len(styles) > 1:
            groups = [
                f"{_join([flow.id for flow in result.flows if flow.style == style])} "
                f"{'is' if _count(result.flows, style) == 1 else 'are'} "
                f"{STYLE_IN_TEXT[style]}"
                for style in ("api", "event", "hybrid")
                if style in styles
            ]
            return "its flows need different styles: " + "; ".join(groups)
        style = next(iter(styles))
        every = "the only flow" if len(result.flows) == 1 else f"all {len(result.flows)} flows"
        if result.recommendation == "hybrid" and style != "hybrid":
            return (
                f"{every} lean {STYLE_IN_TEXT[style]}, but the scores taken together are "
                f"close ({scores}), so both styles have their place"
            )
        if style == "hybrid":
            return (
                f"{every} {'is' if len(result.flows) == 1 else 'are'} best served by a thin event "
                f"with an API call-back ({scores})"
            )
        chiefly = _join(self._strongest(style, 3))
        return (
            f"{every} {'favours' if len(result.flows) == 1 else 'favour'} "
            f"{'request-response' if style == 'api' else 'publish-subscribe'} ({scores}), "
            f"chiefly for {chiefly}"
        )

    def _strongest(self, side: str, count: int) -> list[str]:
        """The rules that gave `side` the most points over all flows."""
        totals: dict[str, float] = {}
        for flow in self.result.flows:
            for reason in flow.reasons:
                if reason.favours == side:
                    totals[reason.rule] = totals.get(reason.rule, 0.0) + reason.points
        ranked = sorted(totals, key=lambda rule: -totals[rule])
        return ranked[:count] or ["the rules' balance"]

    def problem(self) -> str:
        flows, systems = len(self.assessment.flows), len(self.assessment.systems)
        return (
            f"{_plural(flows, 'flow')} of data between {_plural(systems, 'system')} must be "
            "integrated. Should each flow be API-driven (request-response), event-driven "
            "(publish-subscribe through a broker) or hybrid, and what does that make of the "
            "integration as a whole?"
        )

    def counts(self) -> tuple[Answer, ...]:
        flows = self.result.flows
        answers = [
            Answer("Systems", str(len(self.assessment.systems))),
            Answer("Flows", str(len(flows))),
        ]
        answers += [
            Answer(f"{STYLE_NAMES[style]} flows", str(_count(flows, style)))
            for style in ("api", "event", "hybrid")
            if _count(flows, style)
        ]
        broker = self.result.broker
        answers.append(Answer("Broker", broker.name if broker else "None needed"))
        answers.append(Answer("Risks to manage", str(len(self.result.risks))))
        return tuple(answers)

    # -- head to head -----------------------------------------------------------------------------

    def criteria(self) -> tuple[CriterionRow, ...]:
        rows = []
        for criterion in self.ruleset.criteria:
            evidence: dict[str, list[Evidence]] = {"api": [], "event": []}
            totals = {"api": 0.0, "event": 0.0}
            for flow in self.result.flows:
                for reason in flow.reasons:
                    if reason.criterion == criterion.id:
                        evidence[reason.favours].append(_evidence(flow.id, reason))
                        totals[reason.favours] += reason.points
            api, event = totals["api"], totals["event"]
            if not api and not event:
                leans, verdict = "none", "No evidence either way"
            elif api == event:
                leans, verdict = "even", "Evenly balanced"
            else:
                leans = "api" if api > event else "event"
                verdict = f"Favours {STYLE_IN_TEXT[leans]}"
            rows.append(
                CriterionRow(
                    title=criterion.title,
                    api_claim=criterion.api,
                    event_claim=criterion.event,
                    api_evidence=tuple(evidence["api"]),
                    event_evidence=tuple(evidence["event"]),
                    api_points=_points(api),
                    event_points=_points(event),
                    leans=leans,
                    verdict=verdict,
                )
            )
        return tuple(rows)

    # -- flows ------------------------------------------------------------------------------------

    def flow_rows(self) -> tuple[FlowRow, ...]:
        rows = []
        for flow in self.result.flows:
            declared = self.declared[flow.id]
            polling = flow.polling
            rows.append(
                FlowRow(
                    id=flow.id,
                    route=self._route(declared),
                    trigger=TRIGGER_NAMES[declared.trigger],
                    style=flow.style,
                    style_name=STYLE_NAMES[flow.style],
                    confidence=_percent(flow.confidence),
                    api=_score(flow.scores.api),
                    event=_score(flow.scores.event),
                    calls=format_number(polling.calls_per_day) if polling else NO_DATA,
                    quota=(
                        NO_DATA
                        if polling is None
                        else "no limit"
                        if polling.quota_share is None
                        else format_percent(polling.quota_share)
                    ),
                    wasted=format_number(polling.wasted_calls_per_day) if polling else NO_DATA,
                )
            )
        return tuple(rows)

    def _route(self, flow: Flow) -> str:
        return f"{self.labels[flow.source]} → {', '.join(self.labels[t] for t in flow.targets)}"

    def details(self) -> tuple[FlowDetail, ...]:
        details = []
        criteria = {criterion.id: criterion.title for criterion in self.ruleset.criteria}
        for flow in self.result.flows:
            declared = self.declared[flow.id]
            summary = polling_summary(flow)
            details.append(
                FlowDetail(
                    id=flow.id,
                    description=declared.description or "",
                    source=self.labels[declared.source],
                    targets=", ".join(self.labels[target] for target in declared.targets),
                    style=flow.style,
                    style_name=STYLE_NAMES[flow.style],
                    confidence=_percent(flow.confidence),
                    api=_score(flow.scores.api),
                    event=_score(flow.scores.event),
                    api_width=_width(flow.scores.api),
                    event_width=_width(flow.scores.event),
                    decision_rule=flow.decision.rule,
                    decision=flow.decision.explanation,
                    reasons=tuple(
                        ReasonLine(
                            rule=reason.rule,
                            criterion=criteria.get(reason.criterion, reason.criterion),
                            side=reason.favours,
                            side_name=SIDE_NAMES[reason.favours],
                            points=_points(reason.points),
                            explanation=reason.explanation,
                        )
                        for reason in flow.reasons
                    ),
                    polling=(summary[0].upper() + summary[1:] + ".") if summary else "",
                    changes=self._changes(flow.id),
                )
            )
        return tuple(details)

    # -- broker and risks -------------------------------------------------------------------------

    def broker(self) -> BrokerView | None:
        broker = self.result.broker
        if broker is None:
            return None
        try:
            summary = self.ruleset.broker(broker.choice or NO_BROKER).summary
        except KeyError:
            summary = ""
        evented = [flow.id for flow in self.result.flows if flow.style in ("event", "hybrid")]
        return BrokerView(
            name=broker.name,
            choice=broker.choice or NO_BROKER,
            why=broker.why,
            rule=broker.rule,
            summary=summary,
            flows=", ".join(evented),
        )

    def risks(self) -> tuple[RiskView, ...]:
        return tuple(
            RiskView(
                id=risk.id,
                title=risk.title,
                mitigation=risk.mitigation,
                flows=", ".join(risk.flows),
            )
            for risk in self.result.risks
        )

    # -- what would change the answer -------------------------------------------------------------

    def changes(self) -> tuple[ChangeLine, ...]:
        return self._changes(None)

    def _changes(self, flow_id: str | None) -> tuple[ChangeLine, ...]:
        """The changes that flip one flow, or with None the whole integration."""
        return tuple(
            _change_line(change)
            for change in self.result.what_would_change or ()
            if change.flow == flow_id
        )

    def no_change(self) -> str:
        if self.result.what_would_change is None:
            return "Not analysed: this report was made without the analysis (--no-what-if)."
        return (
            "No single change to one input would change the recommendation: it holds "
            "firmly against each input on its own."
        )

    # -- the record: drivers, options, consequences -----------------------------------------------

    def drivers(self) -> tuple[str, ...]:
        """The strongest reasons over all flows, then the organisation's context."""
        weighed = sorted(
            ((flow.id, reason) for flow in self.result.flows for reason in flow.reasons),
            key=lambda item: -item[1].points,
        )
        drivers = [
            f"{flow_id}: {reason.explanation} (rule {reason.rule}: {_points(reason.points)} for "
            f"{STYLE_IN_TEXT[reason.favours]})"
            for flow_id, reason in weighed[:6]
        ]
        context = self.assessment.context
        if context.goals:
            goals = choices(self.ruleset, "context.goals")
            drivers.append("Goals: " + ", ".join(goals[goal].lower() for goal in context.goals))
        drivers.append(
            f"Team experience with events: {context.team_event_experience}; "
            f"business stage: {context.stage}"
        )
        return tuple(drivers)

    def options(self) -> tuple[OptionView, ...]:
        result = self.result
        scores = {"api": result.scores.api, "event": result.scores.event}
        views = []
        for style in ("api", "event", "hybrid"):
            good, bad = self._pros_and_cons(style)
            views.append(
                OptionView(
                    style=style,
                    name=STYLE_NAMES[style],
                    description=OPTIONS[style],
                    score=_score(scores[style]) if style in scores else "",
                    chosen=style == result.recommendation,
                    good=good,
                    bad=bad,
                )
            )
        return tuple(views)

    def _pros_and_cons(self, style: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        flows = self.result.flows
        if style == "hybrid":
            apis = [flow.id for flow in flows if flow.style == "api"]
            events = [flow.id for flow in flows if flow.style in ("event", "hybrid")]
            good = ["each flow gets the style its own evidence favours"]
            if apis and events:
                good.append(
                    f"{_join(apis)} keep{'s' if len(apis) == 1 else ''} request-response while "
                    f"{_join(events)} publish{'es' if len(events) == 1 else ''} changes"
                )
            bad = ["two integration styles to build, operate and monitor"]
            if not events:
                bad.append("no flow here needs events, so the broker would carry nothing")
            if not apis and not any(flow.style == "hybrid" for flow in flows):
                bad.append("no flow here needs request-response")
            return tuple(good), tuple(bad)
        other = "event" if style == "api" else "api"
        good = self._criterion_lines(style, "it")
        bad = self._criterion_lines(other, STYLE_IN_TEXT[other])
        if style == "api":
            for flow in flows:
                summary = polling_summary(flow)
                if summary:
                    bad.append(f"for {flow.id}, {summary}")
        else:
            bad.append("a message broker to run, with schemas, retries and monitoring")
        return tuple(good), tuple(bad)

    def _criterion_lines(self, side: str, favours: str) -> list[str]:
        """One line per criterion where `side` has evidence, naming the flows and rules."""
        lines = []
        for criterion in self.ruleset.criteria:
            cited: dict[str, list[str]] = {}
            for flow in self.result.flows:
                for reason in flow.reasons:
                    if reason.criterion == criterion.id and reason.favours == side:
                        cited.setdefault(flow.id, []).append(reason.rule)
            if cited:
                where = "; ".join(f"{flow}: {', '.join(rules)}" for flow, rules in cited.items())
                lines.append(
                    f"the evidence on {criterion.title.lower()} favours {favours} ({where})"
                )
        return lines

    def good(self) -> tuple[str, ...]:
        """Consequences of the chosen option that help."""
        good = [
            f"{flow.id} is {STYLE_IN_TEXT[flow.style]}: {flow.decision.explanation}"
            for flow in self.result.flows
        ]
        broker = self.result.broker
        if broker is not None:
            good.append(f"{broker.name} carries the event-driven flows: {broker.why}")
        return tuple(good)

    def bad(self) -> tuple[str, ...]:
        """Consequences that need managing: the risks."""
        return tuple(
            f"{_join(risk.flows)} {'carries' if len(risk.flows) == 1 else 'carry'} a risk to "
            f"manage: {risk.title[:1].lower() + risk.title[1:]}"
            for risk in self.result.risks
        )

    # -- the inputs -------------------------------------------------------------------------------

    def context(self) -> tuple[Answer, ...]:
        """The questions on the context, asked and answered in the web questionnaire's words."""
        context = self.assessment.context

        def answered(key: str, *values: str) -> Answer:
            names = choices(self.ruleset, key)
            given = ", ".join(names[value] for value in values) or "None given"
            return Answer(question(self.ruleset, key).label, given)

        return (
            answered("context.stage", context.stage),
            answered("context.team_event_experience", context.team_event_experience),
            answered("context.cloud", context.cloud),
            answered("context.existing_broker", context.existing_broker),
            answered("context.goals", *context.goals),
        )

    def systems(self) -> tuple[SystemRow, ...]:
        return tuple(
            SystemRow(
                id=system.id,
                name=system.label,
                emits_events="Yes" if system.emits_events else "No",
                rate_limit=(
                    f"{format_number(system.api_rate_limit_per_minute)} a minute"
                    if system.api_rate_limit_per_minute is not None
                    else "No known limit"
                ),
                owner=system.owner or NO_DATA,
            )
            for system in self.assessment.systems
        )

    def flow_inputs(self) -> tuple[FlowInputRow, ...]:
        return tuple(
            FlowInputRow(
                id=flow.id,
                source=flow.source,
                targets=", ".join(flow.targets),
                trigger=TRIGGER_NAMES[flow.trigger],
                initiator=(
                    ("The source" if flow.caller == "source" else "The targets")
                    + ("" if flow.initiator else " (default)")
                ),
                needs_response="Yes" if flow.needs_response else "No",
                max_delay=format_duration(flow.max_delay_seconds),
                events_per_day=format_number(flow.events_per_day),
                peak=(
                    f"{format_number(flow.peak_per_second)}/s"
                    if flow.peak_per_second is not None
                    else "Estimated"
                ),
                consistency=flow.consistency.capitalize(),
                ordering=ORDERING_NAMES[flow.ordering],
                payload=f"{format_number(flow.payload_kb)} KB",
                polled_items=format_number(flow.items_polled_one_by_one),
            )
            for flow in self.assessment.flows
        )

    def rules_line(self) -> str:
        ruleset = self.ruleset
        return (
            f"{len(ruleset.rules)} scoring rules, {len(ruleset.hybrid)} hybrid rules, "
            f"{len(ruleset.broker_selection)} broker choices and {len(ruleset.risks)} risks"
        )


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def _evidence(flow_id: str, reason: Reason) -> Evidence:
    return Evidence(
        flow=flow_id, rule=reason.rule, points=_points(reason.points), text=reason.explanation
    )


def _change_line(change: Change) -> ChangeLine:
    return ChangeLine(
        summary=change.summary,
        field=change.field,
        now=_shown(change.current),
        would_be=_shown(change.proposed),
        outcome=change.outcome,
        outcome_name=STYLE_NAMES[change.outcome],
    )


def _shown(value: JsonValue) -> str:
    """A change's value as a person reads it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_number(float(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value).replace("_", " ")


def _score(score: float) -> str:
    return f"{score:g}"


def _points(points: float) -> str:
    return f"+{points:g}"


def _percent(share: float) -> str:
    return f"{round(share * 100):d}%"


def _width(score: float) -> str:
    """A bar's width in percent, for CSS."""
    return f"{max(0.0, min(100.0, score)):.1f}%"


def _count(flows: Sequence[FlowResult], style: str) -> int:
    return sum(1 for flow in flows if flow.style == style)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _join(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
