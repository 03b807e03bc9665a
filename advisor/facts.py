"""The vocabulary that rules are written in: named facts about a flow or the whole integration.

Rules never see the assessment itself, only these facts, so every name a rule may use is listed
here with its kind, and rules files are checked against this list when they load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from advisor.models import (
    BrokerId,
    Cloud,
    Consistency,
    Experience,
    Goal,
    Ordering,
    Stage,
    Style,
    Trigger,
)

FactValue = bool | float | str | frozenset[str] | None
Facts = Mapping[str, FactValue]
Kind = Literal["bool", "number", "enum", "set"]
Scope = Literal["flow", "risk", "integration"]

SECONDS_A_DAY = 86_400
MINUTES_A_DAY = 1_440


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
            "integration.orderings",
            "set",
            "Orderings that event-driven or hybrid flows need.",
            _enum(Ordering),
            scopes=frozenset({"integration"}),
        ),
    )
}


def format_fact(value: FactValue) -> str:
    """How a fact reads inside an explanation: 17280 not 17280.0, 0.35 as 35%."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value)) or "none"
    if isinstance(value, float | int):
        return format_number(float(value))
    return value


def format_number(number: float) -> str:
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 1:
        return f"{number:.1f}".rstrip("0").rstrip(".")
    return f"{number:.3g}"


def format_percent(share: float) -> str:
    percent = share * 100
    if percent >= 10:
        return f"{percent:,.0f}%"
    return f"{percent:.2g}%"
