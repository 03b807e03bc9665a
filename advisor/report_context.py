"""What the report templates render: one typed context per template, built from a result.

Every figure and sentence is computed here (the sentences in the user's numbers come from
`advisor.narrative`), so the templates hold loops and conditionals only. Values are plain text;
the templates' environments escape them for HTML or Markdown.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from advisor import __version__
from advisor.alttext import describe
from advisor.models import (
    STATUSES,
    Assessment,
    Change,
    Flow,
    FlowResult,
    Reason,
    Result,
    Style,
)
from advisor.narrative import (
    ASSUMED_INTRO,
    Confirmation,
    Driver,
    Matrix,
    Narrative,
    OptionLine,
    TraceRow,
    assumed,
    join,
)
from advisor.questionnaire import choices, question
from advisor.ruleset import NO_BROKER, Ruleset
from advisor.wording import (
    NO_SINGLE_CHANGE,
    NOT_ANALYSED,
    ORDERING_NAMES,
    SIDE_NAMES,
    STYLE_NAMES,
    TRIGGER_NAMES,
    confidence_meaning,
    format_confidence,
    format_duration,
    format_number,
    format_percent,
    format_points,
    format_rate,
    format_score,
    format_size,
    plural,
)

OPTIONS = {
    "api": "Systems call each other's APIs: request-response, and polling where targets must "
    "learn of changes.",
    "event": "Sources publish changes to a broker and consumers subscribe: publish-subscribe.",
    "hybrid": "Each flow takes the style its own evidence favours: APIs where a caller needs an "
    "answer or the authoritative record, events where changes fan out, or a thin event with an "
    "API call-back.",
}
NO_DATA = "—"


# ---------------------------------------------------------------------------------------------
# Pieces shared by both templates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    """The decision record's metadata (MADR 4.0 front matter), shown by both reports."""

    status: str
    date: str
    decision_makers: tuple[str, ...]
    consulted: tuple[str, ...]
    informed: tuple[str, ...]
    supersedes: str
    file_name: str  # the suggested file name for the record: NNNN-title.md

    @property
    def people(self) -> tuple[tuple[str, str], ...]:
        """(role, names) for each role, "none named" where a list is empty."""
        return tuple(
            (role, ", ".join(names) if names else "none named")
            for role, names in (
                ("Decision-makers", self.decision_makers),
                ("Consulted", self.consulted),
                ("Informed", self.informed),
            )
        )


@dataclass(frozen=True)
class Evidence:
    """One rule that fired in one flow, as a head-to-head cell shows it."""

    flow: str
    points: str
    text: str


@dataclass(frozen=True)
class CriterionRow:
    """A head-to-head row: what each style offers, and this integration's evidence for each,
    with each side's points as a mean over the flows (they add up to the scores)."""

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
    because: str
    reasons: tuple[ReasonLine, ...]
    polling: str
    changes: tuple[ChangeLine, ...]


@dataclass(frozen=True)
class BrokerView:
    name: str
    choice: str
    why: str
    summary: str
    flows: str


@dataclass(frozen=True)
class RiskView:
    id: str
    title: str
    mitigation: str
    flows: str
    owners: str


@dataclass(frozen=True)
class ContractRow:
    """One channel or operation of the contracts `advisor contracts` drafts, for the report."""

    flow: str
    style: str
    file: str
    part: str  # the channel's address, or the operation's method and path


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
    """A considered option: its score like the others', and one line per criterion."""

    style: Style
    name: str
    description: str
    score: str
    chosen: bool
    lines: tuple[OptionLine, ...]


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
    meta: Meta
    running_head: Any  # markupsafe.Markup: a CSS string for the printed pages' header
    recommendation: Style
    recommendation_name: str
    confidence: str
    confidence_meaning: str
    confidence_width: str
    api: str
    event: str
    api_width: str
    event_width: str
    because: str
    reasons: tuple[Driver, ...]  # the three heaviest drivers, for the first page
    costs: tuple[Answer, ...]
    counts: tuple[Answer, ...]
    drivers: tuple[Driver, ...]
    assumed: tuple[str, ...]  # answers the file leaves out that the rules weigh by number
    assumed_intro: str
    options: tuple[OptionView, ...]
    matrix: Matrix
    criteria: tuple[CriterionRow, ...]
    flows: tuple[FlowRow, ...]
    details: tuple[FlowDetail, ...]
    broker: BrokerView | None
    no_broker: str
    risks: tuple[RiskView, ...]
    confirmation: tuple[Confirmation, ...]
    diagram: Any  # markupsafe.Markup: the blueprint as inline SVG, or None
    wide_diagram: bool  # wider than tall: printed on a landscape page of its own
    changes: tuple[ChangeLine, ...]
    no_change: str
    context: tuple[Answer, ...]
    systems: tuple[SystemRow, ...]
    flow_inputs: tuple[FlowInputRow, ...]
    trace: tuple[TraceRow, ...]
    rules: str
    rules_digest: str
    version: str
    # the focused views (events, API calls) that show what the overview summarises
    diagram_views: tuple[DiagramView, ...] = ()
    contracts: tuple[ContractRow, ...] = ()  # every channel and operation, flow by flow
    # the blueprint's text alternative: who talks to whom, flow by flow (advisor.alttext)
    blueprint_words: str = ""


@dataclass(frozen=True)
class MarkdownReport:
    """Everything `report.md.j2` (a MADR 4.0 decision record) shows."""

    front_matter: Any  # wording.Verbatim: YAML, quoted here, passed through as it is
    meta: Meta
    title: str
    problem: str
    description: str
    flow_context: tuple[str, ...]
    organisation: str
    drivers: tuple[Driver, ...]
    assumed: tuple[str, ...]  # answers the file leaves out that the rules weigh by number
    assumed_intro: str
    options: tuple[OptionView, ...]
    matrix: Matrix
    chosen: str
    because: str
    confidence: str
    confidence_meaning: str
    flows: tuple[FlowRow, ...]
    good: tuple[str, ...]
    bad: tuple[str, ...]
    confirmation: tuple[Confirmation, ...]
    broker: BrokerView | None
    risks: tuple[RiskView, ...]
    changes: tuple[ChangeLine, ...]
    flow_changes: tuple[FlowDetail, ...]
    no_change: str
    blueprint: str  # a blueprint file beside the record to show, or ""
    mermaid: Any  # wording.Verbatim: the blueprint as a Mermaid flowchart, escaped by mermaid.py
    context: tuple[Answer, ...]
    systems: tuple[SystemRow, ...]
    flow_inputs: tuple[FlowInputRow, ...]
    trace: tuple[TraceRow, ...]
    rules: str
    rules_digest: str
    version: str


@dataclass(frozen=True)
class RecordInfo:
    """What the record says about itself, beyond the assessment: see `report.Record`."""

    date: datetime.date
    status: str
    supersedes: str | None
    blueprint: str | None = None


def html_context(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    diagram: Any,
    record: RecordInfo,
    *,
    wide_diagram: bool = False,
) -> HtmlReport:
    from markupsafe import Markup

    facts = _Facts(assessment, result, ruleset)
    drivers = facts.story.drivers()
    meta = facts.meta(record)
    head = f"{_shortened(assessment.name, 80)} · {meta.status.capitalize()} · {meta.date}"
    return HtmlReport(
        title=assessment.name,
        description=assessment.description or "",
        meta=meta,
        running_head=Markup(css_string(head)),
        recommendation=result.recommendation,
        recommendation_name=STYLE_NAMES[result.recommendation],
        confidence=format_confidence(result.confidence),
        confidence_meaning=facts.confidence_meaning(),
        confidence_width=_width(result.confidence * 100),
        api=format_score(result.scores.api),
        event=format_score(result.scores.event),
        api_width=_width(result.scores.api),
        event_width=_width(result.scores.event),
        because=facts.story.chosen_because(),
        reasons=tuple(driver for driver in drivers if driver.key != "organisation")[:3],
        assumed=assumed(assessment),
        assumed_intro=ASSUMED_INTRO,
        costs=facts.costs(),
        counts=facts.counts(),
        drivers=drivers,
        options=facts.options(),
        matrix=facts.story.matrix(),
        criteria=facts.criteria(),
        flows=facts.flow_rows(),
        details=facts.details(),
        broker=facts.broker(),
        no_broker=_NO_BROKER,
        risks=facts.risks(),
        confirmation=facts.story.confirmation(),
        diagram=diagram,
        wide_diagram=wide_diagram,
        changes=facts.changes(),
        no_change=facts.no_change(),
        context=facts.context(),
        systems=facts.systems(),
        flow_inputs=facts.flow_inputs(),
        trace=facts.story.trace(),
        rules=facts.rules_line(),
        rules_digest=result.rules_digest or "",
        version=__version__,
        contracts=_contract_rows(assessment, result, ruleset),
        blueprint_words=describe(assessment, result),
    )


def _contract_rows(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> tuple[ContractRow, ...]:
    from advisor.contracts import contract_parts

    styles = {flow.id: STYLE_NAMES[flow.style] for flow in result.flows}
    return tuple(
        ContractRow(part.flow, styles[part.flow], part.file, part.where)
        for part in contract_parts(assessment, result, ruleset)
    )


def markdown_context(
    assessment: Assessment, result: Result, ruleset: Ruleset, record: RecordInfo
) -> MarkdownReport:
    from advisor.mermaid import flowchart
    from advisor.wording import Verbatim

    facts = _Facts(assessment, result, ruleset)
    meta = facts.meta(record)
    return MarkdownReport(
        front_matter=Verbatim(front_matter(meta)),
        meta=meta,
        title=facts.title(),
        problem=facts.problem(),
        description=assessment.description or "",
        flow_context=facts.flow_context(),
        organisation=facts.story.context_line(),
        drivers=facts.story.drivers(),
        assumed=assumed(assessment),
        assumed_intro=ASSUMED_INTRO,
        options=facts.options(),
        matrix=facts.story.matrix(),
        chosen=STYLE_NAMES[result.recommendation],
        because=facts.story.chosen_because(),
        confidence=format_confidence(result.confidence),
        confidence_meaning=facts.confidence_meaning(),
        flows=facts.flow_rows(),
        good=facts.good(),
        bad=facts.bad(),
        confirmation=facts.story.confirmation(),
        broker=facts.broker(),
        risks=facts.risks(),
        changes=facts.changes(),
        flow_changes=tuple(detail for detail in facts.details() if detail.changes),
        no_change=facts.no_change(),
        blueprint=record.blueprint or "",
        mermaid=Verbatim(flowchart(assessment, result)),
        context=facts.context(),
        systems=facts.systems(),
        flow_inputs=facts.flow_inputs(),
        trace=facts.story.trace(),
        rules=facts.rules_line(),
        rules_digest=result.rules_digest or "",
        version=__version__,
    )


# ---------------------------------------------------------------------------------------------
# The front matter and the record's file name
# ---------------------------------------------------------------------------------------------


def front_matter(meta: Meta) -> str:
    """The record's YAML front matter, every value a double-quoted YAML string, so that no
    name (a colon, a `#`, a line break, a quote) can break it or be read as anything else."""
    lines = [
        "---",
        f"# Suggested file name: {meta.file_name} (NNNN: the next number in your decisions folder)",
        f"status: {meta.status if meta.status in STATUSES else yaml_text(meta.status)}",
        f"date: {meta.date}",
        f"decision-makers: {yaml_list(meta.decision_makers)}",
        f"consulted: {yaml_list(meta.consulted)}",
        f"informed: {yaml_list(meta.informed)}",
    ]
    if meta.supersedes:
        lines.append(f"supersedes: {yaml_text(meta.supersedes)}")
    lines.append("---")
    return "\n".join(lines)


def yaml_text(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text`: JSON's escapes (which YAML shares),
    and \\u escapes for the characters YAML does not keep raw (DEL, C1 controls, NEL, a BOM) and
    for < > & (a renderer that shows front matter as text must not find HTML in it)."""
    quoted = []
    for char in json.dumps(text, ensure_ascii=False):
        code = ord(char)
        if _yaml_printable(char) and char not in "<>&":  # no HTML, should it be shown raw
            quoted.append(char)
        elif code <= 0xFFFF:
            quoted.append(f"\\u{code:04x}")
        else:
            quoted.append(f"\\U{code:08x}")
    return "".join(quoted)


def _yaml_printable(char: str) -> bool:
    code = ord(char)
    return (
        code in (0x09, 0x0A, 0x0D)
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ) and code not in (0xFEFF,)


def yaml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(yaml_text(item) for item in items) + "]"


def css_string(text: str) -> str:
    """A CSS string holding `text`, every character but letters, digits and spaces written as
    a hex escape: nothing in it can end the string, the rule or the <style> element."""
    escaped = (
        char if char.isascii() and (char.isalnum() or char == " ") else f"\\{ord(char):x} "
        for char in " ".join(text.split())
    )
    return '"' + "".join(escaped) + '"'


def _shortened(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_NOT_KEBAB = re.compile(r"[^a-z0-9]+")


def record_file_name(title: str) -> str:
    """`NNNN-<title in kebab case>.md`, as MADR names its records (at most 60 characters of
    title; `decision` when the title has no letter or digit a file name can hold)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    kebab = _NOT_KEBAB.sub("-", ascii_text.lower()).strip("-")[:60].rstrip("-")
    return f"NNNN-{kebab or 'decision'}.md"


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
        self.story = Narrative(assessment, result, ruleset)

    # -- the record -----------------------------------------------------------------------------

    def title(self) -> str:
        chosen = STYLE_NAMES[self.result.recommendation]
        return f"{self.assessment.name}: {chosen.lower()} integration"

    def meta(self, record: RecordInfo) -> Meta:
        assessment = self.assessment
        involved = dict.fromkeys(
            system_id for flow in assessment.flows for system_id in (flow.source, *flow.targets)
        )
        consulted = tuple(
            dict.fromkeys(
                system.owner
                for system in assessment.systems
                if system.id in involved and system.owner is not None
            )
        )
        return Meta(
            status=record.status,
            date=record.date.isoformat(),
            decision_makers=assessment.decision_makers,
            consulted=consulted,
            informed=assessment.informed,
            supersedes=record.supersedes or "",
            file_name=record_file_name(self.title()),
        )

    def confidence_meaning(self) -> str:
        settings = self.ruleset.settings
        return confidence_meaning(settings.style_margin + settings.confidence_span)

    def problem(self) -> str:
        assessment = self.assessment
        owners = list(dict.fromkeys(s.owner for s in assessment.systems if s.owner is not None))
        owned = f", owned by {plural(len(owners), 'team')} ({join(owners)})" if owners else ""
        return (
            f"{plural(len(assessment.flows), 'flow')} of data between "
            f"{plural(len(assessment.systems), 'system')}{owned} must be integrated. Should each "
            "flow be API-driven (request-response), event-driven (publish-subscribe through a "
            "broker) or hybrid, and what does that make of the integration as a whole?"
        )

    def flow_context(self) -> tuple[str, ...]:
        """Each flow in a line, in the user's numbers."""
        lines = []
        for flow in self.assessment.flows:
            route = self._route(flow)
            waits = (
                "the caller waits for the answer"
                if flow.needs_response
                else "nobody waits for an answer"
            )
            noun = "request" if flow.needs_response else "message"
            parts = [
                f"{flow.id}: {route}",
                f"started by {_CAUSES[flow.trigger]}",
                waits,
                f"about {plural(flow.events_per_day, noun)} a day",
                f"the targets at most {format_duration(flow.max_delay_seconds)} behind",
                f"{format_size(flow.payload_kb)} a message",
            ]
            if flow.consistency == "strong":
                parts.append("the targets must agree at once")
            if flow.ordering != "none":
                parts.append("per-key order" if flow.ordering == "per_key" else "one total order")
            lines.append("; ".join(parts))
        return tuple(lines)

    def counts(self) -> tuple[Answer, ...]:
        flows = self.result.flows
        answers = [
            Answer("Systems", format_number(len(self.assessment.systems))),
            Answer("Flows", format_number(len(flows))),
        ]
        answers += [
            Answer(f"{STYLE_NAMES[style]} flows", format_number(_count(flows, style)))
            for style in ("api", "event", "hybrid")
            if _count(flows, style)
        ]
        broker = self.result.broker
        answers.append(Answer("Broker", broker.name if broker else "None needed"))
        answers.append(Answer("Risks to manage", format_number(len(self.result.risks))))
        return tuple(answers)

    def costs(self) -> tuple[Answer, ...]:
        """What the recommended design costs to run, and what it saves."""
        kept = [flow for flow in self.result.flows if flow.style == "api" and flow.polling]
        avoided = [flow for flow in self.result.flows if flow.style != "api" and flow.polling]
        costs = []
        broker = self.result.broker
        if broker is None:
            costs.append(Answer("Broker", "none: every flow is API-driven"))
        elif broker.choice is None:
            costs.append(Answer("Broker", f"{broker.name}: the sources' webhooks deliver"))
        else:
            costs.append(Answer("Broker", f"{broker.name}, to run and watch"))
        if kept:
            total = sum(flow.polling.calls_per_day for flow in kept if flow.polling)
            costs.append(
                Answer(
                    "Polling kept",
                    f"{plural(total, 'call')} a day on {join(self._polling_shares(kept))}",
                )
            )
        if avoided:
            total = sum(flow.polling.calls_per_day for flow in avoided if flow.polling)
            costs.append(
                Answer(
                    "Polling avoided",
                    f"{plural(total, 'call')} a day that events save ("
                    f"{join(flow.id for flow in avoided)})",
                )
            )
        if not kept and not avoided:
            costs.append(Answer("Polling", "none: no target has to learn of changes by itself"))
        costs.append(
            Answer(
                "Risks to manage",
                f"{plural(len(self.result.risks), 'risk')}, each with its mitigation below",
            )
        )
        return tuple(costs)

    def _polling_shares(self, flows: Sequence[FlowResult]) -> list[str]:
        shares = []
        for flow in flows:
            polling = flow.polling
            if polling is None:
                continue
            share = (
                f", {format_percent(polling.quota_share)} of its source's quota"
                if polling.quota_share is not None
                else ""
            )
            shares.append(f"{flow.id} ({plural(polling.calls_per_day, 'call')}{share})")
        return shares

    # -- head to head -----------------------------------------------------------------------------

    def criteria(self) -> tuple[CriterionRow, ...]:
        """The head-to-head: every piece of evidence under the side it favours, with each
        side's points on the 0-100 scale (means over the flows, as in the matrix)."""
        matrix = {row.criterion: row for row in self.story.matrix().rows}
        rows = []
        for criterion in self.ruleset.criteria:
            evidence: dict[str, list[Evidence]] = {"api": [], "event": []}
            for flow in self.result.flows:
                for reason in flow.reasons:
                    if reason.criterion == criterion.id:
                        evidence[reason.favours].append(_evidence(flow.id, reason))
            points = matrix[criterion.title].points
            api, event = (
                float(points["api"].replace(",", "")),
                float(points["event"].replace(",", "")),
            )
            if not evidence["api"] and not evidence["event"]:
                leans, verdict = "none", "Neutral: no evidence either way"
            elif api == event:
                leans, verdict = "even", "Evenly balanced"
            else:
                leans = "api" if api > event else "event"
                verdict = f"Favours {SIDE_NAMES[leans].lower()}"
            rows.append(
                CriterionRow(
                    title=criterion.title,
                    api_claim=criterion.api,
                    event_claim=criterion.event,
                    api_evidence=tuple(evidence["api"]),
                    event_evidence=tuple(evidence["event"]),
                    api_points=points["api"],
                    event_points=points["event"],
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
                    confidence=format_confidence(flow.confidence),
                    api=format_score(flow.scores.api),
                    event=format_score(flow.scores.event),
                    calls=format_number(polling.calls_per_day) if polling else NO_DATA,
                    quota=(
                        NO_DATA
                        if polling is None
                        else "no known limit"
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
            details.append(
                FlowDetail(
                    id=flow.id,
                    description=declared.description or "",
                    source=self.labels[declared.source],
                    targets=", ".join(self.labels[target] for target in declared.targets),
                    style=flow.style,
                    style_name=STYLE_NAMES[flow.style],
                    confidence=format_confidence(flow.confidence),
                    api=format_score(flow.scores.api),
                    event=format_score(flow.scores.event),
                    api_width=_width(flow.scores.api),
                    event_width=_width(flow.scores.event),
                    because=self.story.flow_summary(flow.id),
                    reasons=tuple(
                        ReasonLine(
                            criterion=criteria.get(reason.criterion, reason.criterion),
                            side=reason.favours,
                            side_name=SIDE_NAMES[reason.favours],
                            points=format_points(reason.points),
                            explanation=reason.explanation,
                        )
                        for reason in flow.reasons
                    ),
                    polling=self._polling_line(flow),
                    changes=self._changes(flow.id),
                )
            )
        return tuple(details)

    def _polling_line(self, flow: FlowResult) -> str:
        polling = flow.polling
        if polling is None:
            return ""
        declared = self.declared[flow.id]
        text = (
            f"Keeping {plural(declared.consumers, 'target')} within "
            f"{format_duration(declared.max_delay_seconds)} by polling would take "
            f"{plural(polling.calls_per_day, 'call')} a day"
        )
        if polling.quota_share is not None:
            text += f" ({format_percent(polling.quota_share)} of the source's API quota)"
        else:
            text += " (the source has no known rate limit)"
        return (
            text + f", {format_number(polling.wasted_calls_per_day)} of them finding nothing new."
        )

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
            summary=summary,
            flows=join(evented),
        )

    def risks(self) -> tuple[RiskView, ...]:
        views = []
        for risk in self.result.risks:
            systems = dict.fromkeys(
                system_id
                for flow_id in risk.flows
                for system_id in (self.declared[flow_id].source, *self.declared[flow_id].targets)
            )
            owners = list(
                dict.fromkeys(
                    owner
                    for owner in (self.assessment.system(s).owner for s in systems)
                    if owner is not None
                )
            )
            views.append(
                RiskView(
                    id=risk.id,
                    title=risk.title,
                    mitigation=risk.mitigation,
                    flows=", ".join(risk.flows),
                    owners=", ".join(owners) if owners else "none named",
                )
            )
        return tuple(views)

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
            return NOT_ANALYSED
        return NO_SINGLE_CHANGE

    # -- the record: options, consequences -------------------------------------------------------

    def options(self) -> tuple[OptionView, ...]:
        views = []
        for style in ("api", "event", "hybrid"):
            lines = list(self.story.option_lines(style))
            lines += self._beyond_the_criteria(style)
            views.append(
                OptionView(
                    style=style,
                    name=STYLE_NAMES[style],
                    description=OPTIONS[style],
                    score=format_score(self.story.option_score(style)),
                    chosen=style == self.result.recommendation,
                    lines=tuple(lines),
                )
            )
        return tuple(views)

    def _beyond_the_criteria(self, style: str) -> list[OptionLine]:
        """What an option costs that no criterion scores: a broker, a second style."""
        cases = self.story.cases
        if style == "event":
            broker = self.result.broker
            if broker is not None and broker.choice is None:
                return [
                    OptionLine(
                        "Neutral",
                        "no broker is needed: the sources' webhooks deliver, with retries "
                        "and a log of failed deliveries (outside the scores).",
                    )
                ]
            return [
                OptionLine(
                    "Bad",
                    "a message broker must run, with schemas, retries, dead-letter queues "
                    "and monitoring (a cost outside the scores).",
                )
            ]
        if style == "hybrid":
            leads = {case.lead for case in cases}
            if leads == {"api"}:
                return [
                    OptionLine(
                        "Bad",
                        "every flow would take API calls anyway, so a second style would "
                        "carry nothing: it scores as API-driven does, and the simpler option "
                        "is chosen (outside the scores).",
                    )
                ]
            if leads == {"event"}:
                return [
                    OptionLine(
                        "Neutral",
                        "every flow takes events (with an API call-back where it is hybrid): "
                        "this option is the event-driven one (outside the scores).",
                    )
                ]
            return [
                OptionLine(
                    "Bad",
                    "two integration styles must be built, run and monitored (a cost outside "
                    "the scores).",
                )
            ]
        return []

    def good(self) -> tuple[str, ...]:
        """Consequences of the chosen option that help: each flow in its style, the broker."""
        good = [self.story.flow_summary(flow.id) for flow in self.result.flows]
        broker = self.result.broker
        if broker is not None:
            good.append(f"{broker.name} carries the event-driven flows: {broker.why}")
        return tuple(good)

    def bad(self) -> tuple[str, ...]:
        """Consequences that need managing: the risks, one line for each set of flows."""
        by_flows: dict[tuple[str, ...], list[str]] = {}
        for risk in self.result.risks:
            by_flows.setdefault(risk.flows, []).append(risk.title[:1].lower() + risk.title[1:])
        return tuple(
            f"{join(flows)} must manage {join(titles)} (see Risks and mitigations)"
            for flows, titles in by_flows.items()
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
                    f"{plural(system.api_rate_limit_per_minute, 'call')} a minute"
                    if system.api_rate_limit_per_minute is not None
                    else "No known limit"
                ),
                owner=system.owner or NO_DATA,
            )
            for system in self.assessment.systems
        )

    def flow_inputs(self) -> tuple[FlowInputRow, ...]:
        peak_factor = self.ruleset.settings.peak_factor
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
                    format_rate(flow.peak_per_second)
                    if flow.peak_per_second is not None
                    else f"{format_rate(flow.events_per_day / 86_400 * peak_factor)} (estimated)"
                ),
                consistency=flow.consistency.capitalize(),
                ordering=ORDERING_NAMES[flow.ordering],
                payload=format_size(flow.payload_kb),
                polled_items=format_number(flow.items_polled_one_by_one),
            )
            for flow in self.assessment.flows
        )

    def rules_line(self) -> str:
        ruleset = self.ruleset
        return (
            f"{plural(len(ruleset.rules), 'scoring rule')}, "
            f"{plural(len(ruleset.hybrid), 'hybrid rule')}, "
            f"{plural(len(ruleset.broker_selection), 'broker choice')} and "
            f"{plural(len(ruleset.risks), 'risk')}"
        )


_CAUSES = {
    "user_action": "a person's action",
    "data_change": "a change in the source's data",
    "schedule": "a schedule",
    "telemetry": "devices' readings",
}


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def _evidence(flow_id: str, reason: Reason) -> Evidence:
    return Evidence(flow=flow_id, points=format_points(reason.points), text=reason.explanation)


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


def _width(score: float) -> str:
    """A bar's width in percent, for CSS."""
    return f"{max(0.0, min(100.0, score)):.1f}%"


def _count(flows: Sequence[FlowResult], style: str) -> int:
    return sum(1 for flow in flows if flow.style == style)
