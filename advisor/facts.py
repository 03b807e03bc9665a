"""The vocabulary that rules are written in, and the one place that derives it from the inputs.

Rules never see the assessment itself, only these facts, so every name a rule may use is listed
here with its kind, and rules files are checked against this list when they load. `derive` turns
one flow and its context into facts; the engine, the what-if analysis and the reports all use it,
and nothing else computes a fact. The polling formula (`polls_a_day`) and its inverse
(`delay_for_polls`) sit side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from advisor.models import (
    Assessment,
    BrokerId,
    Cloud,
    Consistency,
    Experience,
    Flow,
    Goal,
    Initiator,
    Ordering,
    Stage,
    Style,
    Trigger,
)
from advisor.wording import format_duration, format_number, format_percent

FactValue = bool | float | str | frozenset[str] | None
Facts = Mapping[str, FactValue]
Kind = Literal["bool", "number", "enum", "set"]
Scope = Literal["flow", "risk", "integration"]

SECONDS_A_DAY = 86_400
MINUTES_A_DAY = 1_440
# Only where a record changes or a device reports must the targets learn of it by themselves,
# so only there would they have to poll.
POLLED_TRIGGERS = frozenset({"data_change", "telemetry"})


@dataclass(frozen=True)
class Fact:
    name: str
    kind: Kind
    description: str
    values: tuple[str, ...] = ()
    nullable: bool = False
    scopes: frozenset[Scope] = frozenset({"flow", "risk"})


def _enum(alias: object) -> tuple[str, ...]:
    return tuple(str(value) for value in get_args(alias))


_CONTEXT_SCOPES: frozenset[Scope] = frozenset({"flow", "risk", "integration"})

FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact("flow.trigger", "enum", "What starts the flow.", _enum(Trigger)),
        Fact("flow.needs_response", "bool", "The initiator waits for an answer."),
        Fact("flow.max_delay_seconds", "number", "How stale the targets may be, in seconds."),
        Fact("flow.events_per_day", "number", "Average messages or requests a day."),
        Fact("flow.peak_per_second", "number", "Busiest rate (given, or derived)."),
        Fact("flow.consistency", "enum", "Must targets agree at once?", _enum(Consistency)),
        Fact("flow.ordering", "enum", "Which messages must arrive in order.", _enum(Ordering)),
        Fact("flow.payload_kb", "number", "Typical size of one message, in KB."),
        Fact("flow.consumers", "number", "How many targets receive the flow."),
        Fact(
            "flow.initiator",
            "enum",
            "Which side starts the exchange: the source, or the targets calling it.",
            _enum(Initiator),
        ),
        Fact(
            "flow.items_polled_one_by_one",
            "number",
            "Items a poller would have to ask about one at a time.",
        ),
        Fact(
            "flow.owners",
            "enum",
            "Whether source and targets belong to the same owner.",
            ("same", "different", "unknown"),
        ),
        Fact("source.emits_events", "bool", "The source can publish its changes."),
        Fact(
            "source.api_rate_limit_per_minute",
            "number",
            "The source's API rate limit.",
            nullable=True,
        ),
        Fact(
            "callee.api_rate_limit_per_minute",
            "number",
            "The tightest API rate limit of the side that is called (the source when the "
            "targets call it, else the targets).",
            nullable=True,
        ),
        Fact("polling.applies", "bool", "Targets would have to poll the source to learn of it."),
        Fact("polling.calls_per_day", "number", "Polls a day to meet the delay.", nullable=True),
        Fact("polling.quota_share", "number", "Share of the source's quota.", nullable=True),
        Fact("polling.wasted_calls_per_day", "number", "Polls finding nothing new.", nullable=True),
        Fact("polling.waste_ratio", "number", "Share of polls finding nothing.", nullable=True),
        Fact(
            "flow.style",
            "enum",
            "The style the flow got.",
            _enum(Style),
            scopes=frozenset({"risk"}),
        ),
        Fact(
            "context.stage",
            "enum",
            "How far the business has grown.",
            _enum(Stage),
            scopes=_CONTEXT_SCOPES,
        ),
        Fact(
            "context.team_event_experience",
            "enum",
            "The team's experience with events.",
            _enum(Experience),
            scopes=_CONTEXT_SCOPES,
        ),
        Fact(
            "context.cloud", "enum", "Where the systems run.", _enum(Cloud), scopes=_CONTEXT_SCOPES
        ),
        Fact(
            "context.existing_broker",
            "enum",
            "A broker already in use.",
            _enum(BrokerId),
            scopes=_CONTEXT_SCOPES,
        ),
        Fact("context.goals", "set", "What matters most.", _enum(Goal), scopes=_CONTEXT_SCOPES),
        Fact(
            "integration.event_flows",
            "number",
            "Flows that are event-driven or hybrid.",
            scopes=frozenset({"integration"}),
        ),
        Fact(
            "integration.peak_per_second",
            "number",
            "Summed peak rate of the event-driven and hybrid flows.",
            scopes=frozenset({"integration"}),
        ),
        Fact(
            "integration.events_per_day",
            "number",
            "Summed daily messages of the event-driven and hybrid flows.",
            scopes=frozenset({"integration"}),
        ),
        Fact(
            "integration.max_consumers",
            "number",
            "Most consumers of any event-driven or hybrid flow.",
            scopes=frozenset({"integration"}),
        ),
        Fact(
            "integration.sources_emit",
            "bool",
            "Every event-driven or hybrid flow's source can publish its changes.",
            scopes=frozenset({"integration"}),
        ),
        Fact(
            "integration.orderings",
            "set",
            "Orderings that event-driven or hybrid flows need.",
            _enum(Ordering),
            scopes=frozenset({"integration"}),
        ),
    )
}


def derive(assessment: Assessment, flow: Flow, peak_factor: float) -> dict[str, FactValue]:
    """Every fact a rule may ask about one flow: its inputs, what follows from them (consumers,
    owners, the called side's limit, the polling bill) and the organisation's context.

    `peak_factor` is the rules' estimate of the busiest second, in average seconds, for a flow
    that gives no `peak_per_second`.
    """
    source = assessment.system(flow.source)
    targets = [assessment.system(target) for target in flow.targets]
    context = assessment.context
    limit = source.api_rate_limit_per_minute
    events = float(flow.events_per_day)
    consumers = float(flow.consumers)
    initiator = flow.caller
    facts: dict[str, FactValue] = {
        "flow.trigger": flow.trigger,
        "flow.needs_response": flow.needs_response,
        "flow.max_delay_seconds": flow.max_delay_seconds,
        "flow.events_per_day": events,
        "flow.peak_per_second": (
            estimated_peak(events, peak_factor)
            if flow.peak_per_second is None
            else flow.peak_per_second
        ),
        "flow.consistency": flow.consistency,
        "flow.ordering": flow.ordering,
        "flow.payload_kb": flow.payload_kb,
        "flow.consumers": consumers,
        "flow.initiator": initiator,
        "flow.items_polled_one_by_one": float(flow.items_polled_one_by_one),
        "flow.owners": owners_of(source.owner, [target.owner for target in targets]),
        "source.emits_events": source.emits_events,
        "source.api_rate_limit_per_minute": None if limit is None else float(limit),
        "callee.api_rate_limit_per_minute": callee_limit(
            initiator, limit, [target.api_rate_limit_per_minute for target in targets]
        ),
        "context.stage": context.stage,
        "context.team_event_experience": context.team_event_experience,
        "context.cloud": context.cloud,
        "context.existing_broker": context.existing_broker,
        "context.goals": frozenset(context.goals),
    }
    facts.update(
        polling_facts(
            flow.trigger,
            consumers,
            flow.max_delay_seconds,
            limit,
            events,
            float(flow.items_polled_one_by_one),
        )
    )
    return facts


def estimated_peak(events_per_day: float, peak_factor: float) -> float:
    """The busiest second when a flow gives none: `peak_factor` average seconds."""
    return events_per_day / SECONDS_A_DAY * peak_factor


def polls_a_day(consumers: float, max_delay_seconds: float, items: float = 1.0) -> float:
    """Polls a day that keep every target within the delay: each target asks about each item
    once per `max_delay_seconds`."""
    return consumers * items * SECONDS_A_DAY / max_delay_seconds


def delay_for_polls(calls_per_day: float, consumers: float, items: float = 1.0) -> float:
    """The inverse of `polls_a_day`: the delay at which polling costs `calls_per_day`."""
    return consumers * items * SECONDS_A_DAY / calls_per_day


def polling_facts(
    trigger: str,
    consumers: float,
    max_delay_seconds: float,
    limit: float | None,
    events: float,
    items: float = 1.0,
) -> dict[str, FactValue]:
    """The `polling.*` facts of one flow: calls a day (whole), the share of the source's daily
    quota (None without a limit) and the polls that would find nothing new.

    Polling applies only where targets must learn of changes by themselves (`POLLED_TRIGGERS`).
    """
    if trigger not in POLLED_TRIGGERS:
        return {
            "polling.applies": False,
            "polling.calls_per_day": None,
            "polling.quota_share": None,
            "polling.wasted_calls_per_day": None,
            "polling.waste_ratio": None,
        }
    calls = float(max(1, round(polls_a_day(consumers, max_delay_seconds, items))))
    wasted = max(0.0, calls - events)
    return {
        "polling.applies": True,
        "polling.calls_per_day": calls,
        "polling.quota_share": None if limit is None else round(calls / (limit * MINUTES_A_DAY), 4),
        "polling.wasted_calls_per_day": wasted,
        "polling.waste_ratio": wasted / calls,
    }


def owners_of(source_owner: str | None, target_owners: Sequence[str | None]) -> str:
    """same, different or unknown: whether the targets belong to the source's owner."""
    known = [owner for owner in target_owners if owner is not None]
    if source_owner is None or not known:
        return "unknown"
    return "different" if any(owner != source_owner for owner in known) else "same"


def callee_limit(
    initiator: str, source_limit: int | None, target_limits: Sequence[int | None]
) -> float | None:
    """The tightest rate limit of the side that is called: the source's when the targets call
    it, else the lowest of the targets' (None where no limit is known)."""
    limits = [source_limit] if initiator == "target" else list(target_limits)
    known = [limit for limit in limits if limit is not None]
    return float(min(known)) if known else None


def format_fact(value: FactValue, name: str = "") -> str:
    """How a fact reads inside an explanation: 17280 not 17280.0, a share as a percentage
    (`polling.quota_share` 0.35 as 35%), a duration in its largest sensible unit
    (`flow.max_delay_seconds` 86400 as 1 day)."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value)) or "none"
    if isinstance(value, float | int):
        if name.endswith(("_share", "_ratio")):
            return format_percent(float(value))
        if name.endswith("_seconds"):
            return format_duration(float(value))
        return format_number(float(value))
    return value
