"""The assessment format (input) and the result (output), as frozen pydantic models.

Field names and meanings follow the published contract; the JSON Schema that editors use is
generated from these classes (`advisor schema`).
"""

from collections import Counter
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    Strict,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from advisor.errors import did_you_mean

Stage = Literal["early", "growing", "scaling"]
Experience = Literal["none", "some", "strong"]
Cloud = Literal["aws", "gcp", "azure", "on_prem", "other"]
BrokerId = Literal[
    "none", "kafka", "rabbitmq", "sns_sqs", "eventbridge", "pubsub", "service_bus", "other"
]
Goal = Literal[
    "simplicity",
    "control",
    "real_time",
    "scalability",
    "decoupling",
    "analytics",
    "rate_limit_relief",
]
Trigger = Literal["user_action", "data_change", "schedule", "telemetry"]
Initiator = Literal["source", "target"]
Consistency = Literal["strong", "eventual"]
Ordering = Literal["none", "per_key", "global"]
Style = Literal["api", "event", "hybrid"]
Status = Literal["proposed", "accepted", "rejected", "deprecated", "superseded"]
STATUSES: tuple[Status, ...] = ("proposed", "accepted", "rejected", "deprecated", "superseded")

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
# Upper bounds of every number an assessment holds: far beyond any real integration, and low
# enough that no sum, product or what-if candidate made of them overflows a float.
MAX_POLLED_ITEMS = 10_000_000
MAX_RATE_LIMIT = 1_000_000_000  # calls a minute
MAX_DELAY_SECONDS = 315_360_000  # ten years
MAX_EVENTS_PER_DAY = 1_000_000_000_000
MAX_PEAK_PER_SECOND = 1_000_000_000.0
MAX_PAYLOAD_KB = 1_000_000_000.0  # a terabyte


def _visible(text: str) -> str:
    """Text that people read must show something: not only spaces."""
    if not text.strip():
        raise PydanticCustomError("blank_text", "must hold more than spaces")
    return text


Visible = AfterValidator(_visible)

# Values taken as they are written: no true for 1, no "off" for false, no "2" for 2 (a number
# may still be written as a whole number where a decimal is expected).
T = TypeVar("T")
Exact = Annotated[T, Strict()]
Identifier = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=64)]
PersonName = Annotated[str, Field(min_length=1, max_length=200)]
# One line of text: a record's id or file name, never a line break (it goes in front matter).
ONE_LINE_PATTERN = r"^[^\r\n]+$"
Reference = Annotated[str, Field(min_length=1, max_length=200, pattern=ONE_LINE_PATTERN)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)


class Context(_Frozen):
    """Facts about the organisation that apply to every flow."""

    stage: Stage = Field("growing", description="How far the business has grown.")
    team_event_experience: Experience = Field(
        "some", description="How well the team knows brokers, schemas and async debugging."
    )
    cloud: Cloud = Field("other", description="Where the systems mostly run.")
    existing_broker: BrokerId = Field("none", description="A message broker already in use.")
    goals: tuple[Goal, ...] = Field((), description="What matters most to the business.")

    @field_validator("goals")
    @classmethod
    def _goals_unique(cls, goals: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted(goal for goal, count in Counter(goals).items() if count > 1)
        if twice:
            raise PydanticCustomError(
                "duplicate_goal", "goal '{goal}' is listed twice", {"goal": twice[0]}
            )
        return goals


class System(_Frozen):
    """One application, SaaS tool or service taking part in the integration."""

    id: Identifier = Field(description="Unique id, lower case: letters, digits, - and _.")
    name: Annotated[str, Visible] | None = Field(
        None, min_length=1, max_length=200, description="Display name."
    )
    emits_events: Exact[bool] = Field(
        False, description="It can publish its changes: webhooks, CDC or a native stream."
    )
    api_rate_limit_per_minute: Exact[int] | None = Field(
        None,
        ge=1,
        le=MAX_RATE_LIMIT,
        description="API calls a minute it allows; omit when there is no known limit.",
    )
    owner: Annotated[str, Visible] | None = Field(
        None, min_length=1, max_length=200, description="Team or vendor that owns it."
    )

    @property
    def label(self) -> str:
        return self.name or self.id


class Flow(_Frozen):
    """One kind of data moving from a source system to one or more targets."""

    id: Identifier = Field(description="Unique id, lower case: letters, digits, - and _.")
    description: str | None = Field(None, max_length=2000)
    source: Identifier = Field(description="The id of the system where the data starts.")
    targets: tuple[Identifier, ...] = Field(
        min_length=1, description="Ids of the systems that receive it (its consumers)."
    )
    trigger: Trigger = Field(description="What starts the flow.")
    needs_response: Exact[bool] = Field(
        False, description="The initiator waits for data or for success or failure."
    )
    max_delay_seconds: Exact[float] = Field(
        3600,
        ge=0.001,
        le=MAX_DELAY_SECONDS,
        description="How stale the targets may be at most, in seconds (up to ten years).",
    )
    events_per_day: Exact[int] = Field(
        100,
        ge=1,
        le=MAX_EVENTS_PER_DAY,
        description="Average messages or requests a day (at least 1: a flow that runs).",
    )
    peak_per_second: Exact[float] | None = Field(
        None,
        gt=0,
        le=MAX_PEAK_PER_SECOND,
        description="Busiest rate; derived from events_per_day when omitted.",
    )
    consistency: Consistency = Field("eventual", description="Must targets agree at once?")
    ordering: Ordering = Field("none", description="Which messages must arrive in order.")
    payload_kb: Exact[float] = Field(
        1, gt=0, le=MAX_PAYLOAD_KB, description="Typical size of one message, in KB."
    )
    initiator: Initiator | None = Field(
        None,
        description="Which side starts the exchange: source (it sends, pushes or calls the "
        "targets) or target (the targets call the source, as in a lookup or a scheduled pull). "
        "Omitted: target for a schedule, source otherwise.",
    )
    items_polled_one_by_one: Exact[int] = Field(
        1,
        ge=1,
        le=MAX_POLLED_ITEMS,
        description="How many items a poller would have to ask about one at a time, where the "
        "source's API has no 'changes since' query (3,000 parcels tracked one by one). "
        "Multiplies the polling bill.",
    )

    @property
    def consumers(self) -> int:
        return len(self.targets)

    @property
    def caller(self) -> Initiator:
        """The side that starts the exchange, with the default by trigger filled in."""
        return self.initiator or default_initiator(self.trigger)


def default_initiator(trigger: str) -> Initiator:
    """Who starts a flow that does not say: a schedule's job pulls, otherwise the source sends."""
    return "target" if trigger == "schedule" else "source"


class Assessment(_Frozen):
    """An integration to assess: its context, its systems and the flows between them."""

    name: Annotated[str, Visible] = Field(
        min_length=1, max_length=200, description="What the integration is called."
    )
    description: str | None = Field(None, max_length=5000)
    context: Context = Field(default_factory=Context)
    systems: tuple[System, ...] = Field(min_length=1)
    flows: tuple[Flow, ...] = Field(min_length=1)
    # The decision record's metadata (MADR 4.0 front matter); none of it changes the advice.
    status: Status | None = Field(
        None,
        description="Where the decision stands: proposed, accepted, rejected, deprecated or "
        "superseded (default: proposed; `advisor assess --status` wins over it).",
    )
    supersedes: Reference | None = Field(
        None,
        description="The decision record this one replaces, e.g. ADR-0007 or "
        "0007-order-events.md (`advisor assess --supersedes` wins over it).",
    )
    decision_makers: tuple[PersonName, ...] = Field(
        (), description="Who makes the decision: names, for the record's front matter."
    )
    informed: tuple[PersonName, ...] = Field(
        (), description="Who is kept up to date on the decision: names or teams."
    )

    @field_validator("decision_makers", "informed")
    @classmethod
    def _names_unique(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise PydanticCustomError(
                "duplicate_name", "'{name}' is listed twice", {"name": twice[0]}
            )
        return names

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems = reference_problems(self)
        if problems:
            raise PydanticCustomError(
                "invalid_reference",
                "{summary}",
                {
                    "summary": "; ".join(
                        f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems
                    ),
                    "problems": tuple(problems),
                },
            )
        return self

    @cached_property
    def systems_by_id(self) -> dict[str, System]:
        return {system.id: system for system in self.systems}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, without the index of systems (the update may change them)."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("systems_by_id", None)
        return copied

    def system(self, system_id: str) -> System:
        return self.systems_by_id[system_id]


Loc = tuple[str | int, ...]


def reference_problems(assessment: Assessment) -> list[tuple[Loc, str]]:
    """Cross-field checks: unique ids, flows naming existing systems, no flow to itself."""
    problems: list[tuple[Loc, str]] = []
    system_ids = [system.id for system in assessment.systems]
    problems += _duplicates("systems", system_ids, "system")
    problems += _duplicates("flows", [flow.id for flow in assessment.flows], "flow")
    known = set(system_ids)
    for index, flow in enumerate(assessment.flows):
        where: Loc = ("flows", index)
        if flow.source not in known:
            problems.append(((*where, "source"), _unknown_system(flow.source, system_ids)))
        seen: set[str] = set()
        for position, target in enumerate(flow.targets):
            at: Loc = (*where, "targets", position)
            if target not in known:
                problems.append((at, _unknown_system(target, system_ids)))
            elif target == flow.source:
                problems.append((at, f"flow {flow.id!r} targets its own source {target!r}"))
            if target in seen:
                problems.append((at, f"target {target!r} is listed twice"))
            seen.add(target)
    return problems


def _duplicates(section: str, ids: list[str], kind: str) -> list[tuple[Loc, str]]:
    first: dict[str, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, item_id in enumerate(ids):
        if item_id in first:
            problems.append(
                (
                    (section, index, "id"),
                    f"{kind} id {item_id!r} is used twice (first at {section}[{first[item_id]}])",
                )
            )
        else:
            first[item_id] = index
    return problems


KNOWN_IDS_SHOWN = 10  # known ids listed in one message, at most


def _unknown_system(name: str, known: list[str]) -> str:
    """One unknown id at one place (the loader sums up many uses of unknown ids before they
    reach here), with a "did you mean" or the first known ids."""
    message = f"no system has the id {name!r}"
    hint = did_you_mean(name, known)
    if hint:
        return message + hint
    listed = list(dict.fromkeys(known))
    shown = ", ".join(listed[:KNOWN_IDS_SHOWN])
    more = len(listed) - KNOWN_IDS_SHOWN
    return message + f"; known systems: {shown}" + (f" and {more:,} more" if more > 0 else "")


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


class Scores(_Frozen):
    api: float = Field(ge=0, le=100)
    event: float = Field(ge=0, le=100)


class Reason(_Frozen):
    """One rule that fired, and the points it gave."""

    rule: str
    criterion: str
    favours: Literal["api", "event"]
    points: float
    explanation: str


class Polling(_Frozen):
    """What keeping the targets fresh by polling the source would cost."""

    calls_per_day: int = Field(description="Polls a day that keep every target within the delay.")
    quota_share: float | None = Field(
        description="Share of the source's daily API quota; null when it has no known limit."
    )
    wasted_calls_per_day: int = Field(description="Polls that would find nothing new.")


class StyleDecision(_Frozen):
    """Why the flow got its style: the margin and, for hybrid, the rule that asked for it."""

    rule: str
    explanation: str


class FlowResult(_Frozen):
    id: str
    style: Style
    confidence: float = Field(ge=0, le=1)
    scores: Scores
    decision: StyleDecision
    reasons: tuple[Reason, ...]
    polling: Polling | None
    source: str | None = Field(None, description="The id of the flow's source system.")
    targets: tuple[str, ...] = Field((), description="The ids of its target systems.")


class Broker(_Frozen):
    choice: str | None = Field(
        description="The broker's id; null when no broker is needed (`why` says how the events "
        "travel instead, e.g. the source's webhooks straight into a single consumer)."
    )
    name: str
    why: str
    rule: str


class Risk(_Frozen):
    id: str
    title: str
    mitigation: str
    flows: tuple[str, ...]


class Change(_Frozen):
    """A smallest change to the inputs that would flip a recommendation."""

    scope: Literal["integration", "flow"] = Field(
        description="What it flips: the whole integration's recommendation, or one flow's style."
    )
    flow: str | None = Field(
        None, description="The id of the flow whose style it flips; null for the integration."
    )
    field: str = Field(
        description="The input that changes, as a path into the assessment: context.<name>, "
        "systems.<id>.<name> or flows.<id>.<name>."
    )
    current: JsonValue = Field(description="Its value now, as the assessment holds it.")
    proposed: JsonValue = Field(description="The value that would flip the answer.")
    outcome: Style = Field(description="The style the scope would then get.")
    summary: str


class Generator(_Frozen):
    """What made a result: the program and its version."""

    name: str = "integration-advisor"
    version: str = Field(description="The advisor's version.")


RESULT_FORMAT_VERSION = "2"


class Result(_Frozen):
    name: str
    recommendation: Style
    confidence: float = Field(ge=0, le=1)
    scores: Scores
    flows: tuple[FlowResult, ...]
    broker: Broker | None
    risks: tuple[Risk, ...]
    what_would_change: tuple[Change, ...] | None = None  # None: not analysed
    what_would_change_complete: bool | None = Field(
        None,
        description="Whether the analysis tried every input (true), or stopped at its budget "
        "of candidate evaluations with the changes found so far (false); null when not analysed.",
    )
    format_version: str = Field(
        RESULT_FORMAT_VERSION,
        description='The version of this result format: "2" adds format_version, generator, '
        "rules_digest, date, input and each flow's source and targets to version 1's keys.",
    )
    generator: Generator | None = Field(None, description="The program that made the result.")
    rules_digest: str | None = Field(
        None,
        description="sha256:<hex> over the rules files' bytes, concatenated in load order; "
        "null when the rules did not come from files.",
    )
    date: str | None = Field(
        None, description="The decision's date (YYYY-MM-DD); written only when one was given."
    )
    input: str | None = Field(
        None,
        description='The assessment file as given (a relative path), or "-" for standard '
        "input or a web form.",
    )
