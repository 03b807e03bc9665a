"""The words of the what-if analysis: each change found, as one sentence ("If the team had
strong event experience, the whole integration would be event-driven."), and the change itself
as a path into the assessment and JSON values, so that `whatif.apply_change` can make it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from advisor.levers import FlowState, Lever, Prepared, as_input, cost, step_of
from advisor.models import Assessment, Change, Style
from advisor.ruleset import Ruleset
from advisor.wording import STYLE_IN_TEXT, format_duration, format_number

INTEGRATION = "integration"
EDGE_COST = 0.02  # a change under about 1.4% of the value: one step off a threshold


def change(
    scope: str,
    lever: Lever,
    value: Any,
    outcome: Style,
    assessment: Assessment,
    ruleset: Ruleset,
    states: Sequence[FlowState],
    prepared: Prepared,
) -> Change:
    """The change that sets `lever` to `value`, which makes `scope` (`INTEGRATION` or a flow's
    id) `outcome`, with its summary."""
    condition = phrase(lever, value, assessment, ruleset, states)
    if scope == INTEGRATION:
        consequence = f"the whole integration would be {STYLE_IN_TEXT[outcome]}"
    else:
        consequence = f"flow {scope} would be {STYLE_IN_TEXT[outcome]}"
    edge = _on_threshold(lever, prepared) if _one_step(lever, value) else ""
    if edge:
        condition += f" ({edge} sits exactly on a rule's threshold: a borderline input)"
    return Change.model_construct(  # every value is made here, from validated input
        scope="integration" if scope == INTEGRATION else "flow",
        flow=None if scope == INTEGRATION else scope,
        field=lever.field,
        current=as_input(lever.current),
        proposed=as_input(value),
        outcome=outcome,
        summary=f"{condition}, {consequence}.",
    )


def _on_threshold(lever: Lever, prepared: Prepared) -> str:
    """The lever's current value, in words, where a rule compares it with exactly that
    value (3,600 s against relaxed-delay's 3,600): the answer then hangs on one step."""
    fact = _THRESHOLD_FACTS.get(lever.kind)
    current = lever.current
    if fact is None or current is None:
        return ""
    if lever.kind == "targets":
        current = len(current)
    if float(current) not in prepared.thresholds(fact):
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


def _one_step(lever: Lever, value: Any) -> bool:
    """Whether a number moves by one step (a whole number by 1, a decimal by a tenth of its
    order of magnitude, see `levers.step_of`) or by under `EDGE_COST`: advice that hangs on an
    edge."""
    current = len(lever.current) if lever.kind == "targets" else lever.current
    proposed = len(value) if lever.kind == "targets" else value
    if not isinstance(current, int | float) or not isinstance(proposed, int | float):
        return False
    if isinstance(current, bool) or isinstance(proposed, bool):
        return False
    step = max(1.0, step_of(float(current))) if float(current).is_integer() else step_of(current)
    return abs(proposed - current) <= step + 1e-9 or cost(lever, value) < EDGE_COST


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


def phrase(
    lever: Lever,
    value: Any,
    assessment: Assessment,
    ruleset: Ruleset,
    states: Sequence[FlowState],
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
        (index,) = lever.flows  # a flow's own lever: its one flow
        state = states[index]
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
        if len(value) < len(current):
            dropped = ", ".join(assessment.system(target).label for target in current[len(value) :])
            change = f"without {dropped}"
        else:
            change = f"adding {len(value) - len(current)} more"
        return (
            f"With {len(value)} consumer{'s' if len(value) != 1 else ''} of {flow} "
            f"instead of {len(current)} ({change})"
        )
    return f"If {lever.field} were {json.dumps(as_input(value))}"  # pragma: no cover


def _broker(ruleset: Ruleset, broker_id: str) -> str:
    try:
        return ruleset.broker(broker_id).name
    except KeyError:
        return broker_id
