"""Properties no architect would see broken, over generated flows and organisations.

The lean of a flow is its event score minus its API score: more means more event-leaning.
"""

from __future__ import annotations

import re
from typing import Any, get_args

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisor.advice import assess
from advisor.loader import load_rules
from advisor.models import (
    Assessment,
    Cloud,
    Experience,
    FlowResult,
    Goal,
    Result,
    Stage,
)

RULES = load_rules()
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONTEXTS = st.fixed_dictionaries(
    {
        "stage": st.sampled_from(get_args(Stage)),
        "team_event_experience": st.sampled_from(get_args(Experience)),
        "cloud": st.sampled_from(get_args(Cloud)),
        "existing_broker": st.sampled_from(["none", "kafka", "rabbitmq", "sns_sqs"]),
        "goals": st.lists(st.sampled_from(get_args(Goal)), unique=True, max_size=4),
    }
)

# Opposite organisations: a small team new to events that values simplicity, and a scaling one
# that runs Kafka and wants everything events promise.
EXTREMES = (
    {"stage": "early", "team_event_experience": "none", "cloud": "other", "goals": ["simplicity"]},
    {
        "stage": "scaling",
        "team_event_experience": "strong",
        "cloud": "aws",
        "existing_broker": "kafka",
        "goals": ["real_time", "scalability", "decoupling", "analytics", "rate_limit_relief"],
    },
)


@st.composite
def flows(draw: st.DrawFn, **fixed: Any) -> dict[str, Any]:
    """One flow's inputs (targets are added by `estate`)."""
    flow: dict[str, Any] = {
        "trigger": draw(st.sampled_from(["user_action", "data_change", "schedule", "telemetry"])),
        "needs_response": draw(st.booleans()),
        "max_delay_seconds": draw(st.sampled_from([1, 30, 60, 61, 300, 900, 3599, 3600, 86400])),
        "events_per_day": draw(st.sampled_from([1, 40, 1000, 1001, 20_000, 100_000, 5_000_000])),
        "consistency": draw(st.sampled_from(["strong", "eventual"])),
        "ordering": draw(st.sampled_from(["none", "per_key", "global"])),
        "payload_kb": draw(st.sampled_from([1, 64, 255, 256, 1024, 5000])),
    }
    if draw(st.booleans()):
        flow["initiator"] = draw(st.sampled_from(["source", "target"]))
    if draw(st.booleans()):
        flow["items_polled_one_by_one"] = draw(st.sampled_from([1, 50, 3000]))
    flow.update(fixed)
    return flow


@st.composite
def estates(draw: st.DrawFn, **fixed: Any) -> dict[str, Any]:
    """A source and up to six targets of known or unknown owners, one flow between them."""
    flow = draw(flows(**fixed))
    consumers = draw(st.integers(1, 6))
    source: dict[str, Any] = {"id": "src", "emits_events": draw(st.booleans()), "owner": "a"}
    if draw(st.booleans()):
        source["api_rate_limit_per_minute"] = draw(st.sampled_from([10, 120, 6000]))
    targets = [
        {"id": f"t{i}", "owner": draw(st.sampled_from(["a", "b", None]))} for i in range(consumers)
    ]
    flow.update(id="f", source="src", targets=[target["id"] for target in targets])
    return {
        "name": "Probe",
        "context": draw(CONTEXTS),
        "systems": [source, *targets],
        "flows": [flow],
    }


def judged(data: dict[str, Any]) -> FlowResult:
    result: Result = assess(Assessment.model_validate(data), RULES, what_if=False)
    return result.flows[0]


def lean(data: dict[str, Any]) -> float:
    flow = judged(data)
    return flow.scores.event - flow.scores.api


def with_flow(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    flow = {**data["flows"][0], **changes}
    return {**data, "flows": [flow]}


def with_context(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    return {**data, "context": context}


@SETTINGS
@given(estates(trigger="data_change"))
def test_more_consumers_never_make_a_data_change_less_event_leaning(data: dict[str, Any]) -> None:
    """Consumers added with no owner given (so that only their number changes)."""
    before = lean(data)
    added = [{"id": f"extra{i}"} for i in range(3)]
    grown = {**data, "systems": [*data["systems"], *added]}
    grown = with_flow(grown, targets=[*data["flows"][0]["targets"], *(s["id"] for s in added)])
    assert lean(grown) >= before


@SETTINGS
@given(estates(trigger="data_change"), st.sampled_from([0.5, 0.1, 0.01]))
def test_a_shorter_delay_never_makes_a_data_change_less_event_leaning(
    data: dict[str, Any], factor: float
) -> None:
    delay = data["flows"][0]["max_delay_seconds"]
    assert lean(with_flow(data, max_delay_seconds=delay * factor)) >= lean(data)


@SETTINGS
@given(estates(trigger="data_change"), st.sampled_from([1, 5, 60, 600]))
def test_a_tighter_source_limit_never_makes_a_data_change_less_event_leaning(
    data: dict[str, Any], limit: int
) -> None:
    source = data["systems"][0]
    current = source.get("api_rate_limit_per_minute")
    if current is not None and limit >= current:
        limit, current = current, limit  # tighten: the new limit is the lower one
    looser = {
        **data,
        "systems": [{**source, "api_rate_limit_per_minute": current}, *data["systems"][1:]],
    }
    if current is None:
        looser["systems"][0].pop("api_rate_limit_per_minute")
    tighter = {
        **data,
        "systems": [{**source, "api_rate_limit_per_minute": limit}, *data["systems"][1:]],
    }
    assert lean(tighter) >= lean(looser)


@SETTINGS
@given(estates())
def test_requiring_a_response_never_makes_a_flow_less_api_leaning(data: dict[str, Any]) -> None:
    free = with_flow(data, needs_response=False)
    waiting = with_flow(data, needs_response=True)
    assert lean(waiting) <= lean(free)


@SETTINGS
@given(estates(payload_kb=256), st.sampled_from([256, 1024, 5000, 800_000]))
def test_a_payload_no_broker_carries_is_never_a_pure_event(
    data: dict[str, Any], payload: int
) -> None:
    """256 KiB is what SNS carries by default; SQS, EventBridge and Kafka take about 1 MB."""
    assert judged(with_flow(data, payload_kb=payload)).style != "event"


@SETTINGS
@given(estates(trigger="user_action", needs_response=True))
def test_context_never_turns_a_waiting_user_action_from_api(data: dict[str, Any]) -> None:
    styles = {judged(with_context(data, context)).style for context in EXTREMES}
    assert styles == {"api"}


@SETTINGS
@given(
    estates(trigger="schedule", needs_response=False),
    st.sampled_from([3600, 21600, 86400]),
    st.sampled_from([1, 24, 1000]),
)
def test_context_never_turns_a_scheduled_transfer_to_one_consumer_from_api(
    data: dict[str, Any], delay: int, runs: int
) -> None:
    """A batch: at most hourly, at most a thousand records a day (a schedule firing every
    second at millions a day is a stream on a timer, and may be a close call)."""
    data = with_flow(data, max_delay_seconds=delay, events_per_day=runs)
    one = {**data, "systems": data["systems"][:2]}
    one = with_flow(one, targets=[one["systems"][1]["id"]])
    styles = {judged(with_context(one, context)).style for context in EXTREMES}
    assert styles == {"api"}


@SETTINGS
@given(
    estates(
        trigger="telemetry",
        needs_response=False,
        events_per_day=5_000_000,
        consistency="eventual",
        ordering="per_key",
    )
)
def test_a_busy_stream_to_several_consumers_stays_events_in_any_organisation(
    data: dict[str, Any],
) -> None:
    """Readings that may lag and need order per device only (strong consistency or one global
    order would make it a close call of its own)."""
    # the property is about streams of small readings to several consumers
    assume(len(data["flows"][0]["targets"]) >= 3 and data["flows"][0]["payload_kb"] < 256)
    styles = {judged(with_context(data, context)).style for context in EXTREMES}
    assert styles <= {"event", "hybrid"}


_VOLUME_WORDS = re.compile(r"at scale|high-throughput|partitioned logs", re.IGNORECASE)


@SETTINGS
@given(estates())
def test_no_reason_says_what_the_case_is_not(data: dict[str, Any]) -> None:
    """Every placeholder is filled with a known value, volume words appear only at volume, and a
    reason for one side never argues for the other."""
    flow = judged(data)
    inputs = data["flows"][0]
    busy = inputs["events_per_day"] >= 100_000
    for reason in flow.reasons:
        text = reason.explanation
        assert "{" not in text and "unknown" not in text, reason
        if _VOLUME_WORDS.search(text):
            assert busy or reason.favours == "api", reason
        if reason.favours == "api":
            assert "events deliver" not in text and "publish-subscribe keeps" not in text, reason
        else:
            assert "request-response answers" not in text, reason
