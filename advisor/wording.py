"""One vocabulary: the words and units every output uses, so that the terminal, the reports,
the blueprint, the web app and the what-if analysis name a thing the same way.

Pure and a leaf: it imports only the models' types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.models import FlowResult

# A style as a heading or a table cell, and inside a sentence
STYLE_NAMES = {"api": "API-driven", "event": "Event-driven", "hybrid": "Hybrid"}
STYLE_IN_TEXT = {"api": "API-driven", "event": "event-driven", "hybrid": "hybrid"}
SIDE_NAMES = {"api": "API-driven", "event": "Event-driven"}
TRIGGER_NAMES = {
    "user_action": "User action",
    "data_change": "Data change",
    "schedule": "Schedule",
    "telemetry": "Telemetry",
}
ORDERING_NAMES = {"none": "None", "per_key": "Per key", "global": "Global"}


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


def format_number(number: float) -> str:
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 1:
        return f"{number:.1f}".rstrip("0").rstrip(".")
    return f"{number:.3g}"


def format_percent(share: float) -> str:
    """A share as a percentage: whole percents, and "< 1%" for a share above 0 but under 1%."""
    percent = share * 100
    if 0 < percent < 0.5:
        return "< 1%"
    return f"{percent:,.0f}%"


_UNITS = (("day", 86_400.0), ("hour", 3_600.0), ("minute", 60.0), ("second", 1.0))


def format_duration(seconds: float) -> str:
    """A duration in the largest unit that says it exactly, to a tenth: 86,400 s is "1 day",
    900 s "15 minutes", 5,400 s "1.5 hours", 3,599 s "3,599 seconds"."""
    for unit, size in _UNITS:
        count = seconds / size
        if count >= 1 and abs(count * 10 - round(count * 10)) < 1e-9:
            return f"{format_number(count)} {unit}{'' if count == 1 else 's'}"
    return f"{format_number(seconds)} seconds"
