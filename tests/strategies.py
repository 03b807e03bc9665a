"""Generated assessments that use the whole of the format: any Unicode text, any valid id, any
number a field allows (up to its bound), every optional field set or not."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from advisor.models import (
    MAX_DELAY_SECONDS,
    MAX_EVENTS_PER_DAY,
    MAX_PAYLOAD_KB,
    MAX_PEAK_PER_SECOND,
    MAX_RATE_LIMIT,
    Assessment,
)

IDENTIFIERS = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60).filter(
    str.strip  # text that people read shows something: not only spaces
)


def positive(high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=high, exclude_min=True, allow_nan=False)


DELAY = st.floats(min_value=0.001, max_value=MAX_DELAY_SECONDS, allow_nan=False)


@st.composite
def assessments(draw: st.DrawFn, max_systems: int = 6, max_flows: int = 4) -> Assessment:
    ids = draw(st.lists(IDENTIFIERS, min_size=2, max_size=max_systems, unique=True))
    systems = [
        {
            "id": system_id,
            "name": draw(st.none() | TEXT),
            "emits_events": draw(st.booleans()),
            "api_rate_limit_per_minute": draw(st.none() | st.integers(1, MAX_RATE_LIMIT)),
            "owner": draw(st.none() | TEXT),
        }
        for system_id in ids
    ]
    flow_ids = draw(st.lists(IDENTIFIERS, min_size=1, max_size=max_flows, unique=True))
    flows = []
    for flow_id in flow_ids:
        source = draw(st.sampled_from(ids))
        others = [system_id for system_id in ids if system_id != source]
        flows.append(
            {
                "id": flow_id,
                "description": draw(st.none() | TEXT),
                "source": source,
                "targets": draw(st.lists(st.sampled_from(others), min_size=1, unique=True)),
                "trigger": draw(
                    st.sampled_from(["user_action", "data_change", "schedule", "telemetry"])
                ),
                "needs_response": draw(st.booleans()),
                "max_delay_seconds": draw(DELAY),
                "events_per_day": draw(st.integers(1, MAX_EVENTS_PER_DAY)),
                "peak_per_second": draw(st.none() | positive(MAX_PEAK_PER_SECOND)),
                "consistency": draw(st.sampled_from(["strong", "eventual"])),
                "ordering": draw(st.sampled_from(["none", "per_key", "global"])),
                "payload_kb": draw(positive(MAX_PAYLOAD_KB)),
            }
        )
    goals = ["simplicity", "control", "real_time", "scalability", "decoupling", "analytics"]
    context: dict[str, Any] = {
        "stage": draw(st.sampled_from(["early", "growing", "scaling"])),
        "team_event_experience": draw(st.sampled_from(["none", "some", "strong"])),
        "cloud": draw(st.sampled_from(["aws", "gcp", "azure", "on_prem", "other"])),
        "existing_broker": draw(
            st.sampled_from(["none", "kafka", "rabbitmq", "sns_sqs", "pubsub", "other"])
        ),
        "goals": draw(st.lists(st.sampled_from([*goals, "rate_limit_relief"]), unique=True)),
    }
    return Assessment.model_validate(
        {
            "name": draw(TEXT),
            "description": draw(st.none() | TEXT),
            "context": context,
            "systems": systems,
            "flows": flows,
        }
    )
