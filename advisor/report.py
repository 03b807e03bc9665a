"""Turning a result into something to read or to hand to other tools. Pure: strings out."""

from __future__ import annotations

import json
import math
import textwrap

from advisor.facts import format_number, format_percent
from advisor.models import Assessment, FlowResult, Result

STYLE_NAMES = {"api": "API-driven", "event": "Event-driven", "hybrid": "Hybrid"}


def to_json(result: Result) -> str:
    """The contract's JSON result: stable key order, UTF-8, a newline at the end."""
    if _plain_numbers(result):  # pydantic writes the very same text, several times faster
        return result.model_dump_json(indent=2) + "\n"
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _plain_numbers(result: Result) -> bool:
    """No number that pydantic would write differently from `json`: 1e-05 (as 0.00001), and
    Infinity or NaN (as null)."""
    numbers = [result.confidence, result.scores.api, result.scores.event]
    for flow in result.flows:
        numbers += (flow.confidence, flow.scores.api, flow.scores.event)
        numbers += [reason.points for reason in flow.reasons]
        if flow.polling is not None:
            polling = flow.polling
            numbers += (polling.calls_per_day, polling.wasted_calls_per_day)
            if polling.quota_share is not None:
                numbers.append(polling.quota_share)
    # map, filter, min: the check runs in C, not once per number in Python
    finite = all(map(math.isfinite, numbers))
    return finite and min(map(abs, filter(None, numbers)), default=1.0) >= 1e-4


def polling_summary(flow: FlowResult) -> str | None:
    if flow.polling is None:
        return None
    polling = flow.polling
    text = f"polling would take {format_number(polling.calls_per_day)} calls a day"
    if polling.quota_share is not None:
        text += f" ({format_percent(polling.quota_share)} of the source's API quota)"
    else:
        text += " (the source has no known rate limit)"
    return text + f", {format_number(polling.wasted_calls_per_day)} of them finding nothing new"


def to_text(assessment: Assessment, result: Result, width: int = 100) -> str:
    """A readable summary for the terminal."""
    lines = [
        result.name,
        "=" * min(width, len(result.name)),
        f"Recommendation: {STYLE_NAMES[result.recommendation]} "
        f"(confidence {result.confidence:.2f}; scores: API {result.scores.api:g}, "
        f"events {result.scores.event:g})",
    ]
    if result.broker is not None:
        lines.append(f"Broker: {result.broker.name}")
        lines += _wrapped(result.broker.why, width, "  ")
    lines += ["", "Flows"]
    for flow in result.flows:
        declared = next(item for item in assessment.flows if item.id == flow.id)
        lines.append(
            f"- {flow.id}: {STYLE_NAMES[flow.style]} (API {flow.scores.api:g}, "
            f"events {flow.scores.event:g}; confidence {flow.confidence:.2f}) "
            f"{declared.source} -> {', '.join(declared.targets)}"
        )
        lines += _wrapped(flow.decision.explanation, width, "    ")
        for reason in flow.reasons:
            lines += _wrapped(
                f"{'+' if reason.favours == 'event' else '-'} {reason.points:g} "
                f"{'events' if reason.favours == 'event' else 'API'} [{reason.rule}] "
                f"{reason.explanation}",
                width,
                "    ",
                "      ",
            )
        polling = polling_summary(flow)
        if polling:
            lines += _wrapped(polling[0].upper() + polling[1:] + ".", width, "    ")
    if result.risks:
        lines += ["", "Risks"]
        for risk in result.risks:
            lines += _wrapped(
                f"- {risk.title} ({', '.join(risk.flows)}): {risk.mitigation}", width, "", "  "
            )
    if result.what_would_change:
        lines += ["", "What would change the answer"]
        for change in result.what_would_change:
            lines += _wrapped(f"- {change.summary}", width, "", "  ")
    return "\n".join(lines) + "\n"


def _wrapped(text: str, width: int, first: str, rest: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first]
