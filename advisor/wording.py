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
    """A share as a percentage: whole percents, and "< 1%" for a share above 0 but under 1%
    (0.6% is not "1%", which would claim more than there is)."""
    percent = share * 100
    if 0 < percent < 1:
        return "< 1%"
    return f"{percent:,.0f}%"


def format_score(score: float) -> str:
    """A score on the 0-100 scale, or points on it: a whole number, or one decimal where it has
    one (65, 32.5), the same in every output."""
    rounded = round(score, 1)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.1f}"


def format_points(points: float) -> str:
    """Points a rule gives a side, signed: +8.3."""
    return f"+{format_score(points)}"


def format_confidence(confidence: float) -> str:
    """Confidence (0..1 in the result) as a whole percentage: 0.86 is 86%."""
    return f"{round(confidence * 100):d}%"


def confidence_meaning(full_lead: float) -> str:
    """What a confidence says, in one line; `full_lead` is the lead at which it reaches 100%
    (the style margin plus `confidence_span`)."""
    return (
        "Confidence says how far each flow's winning side leads (the integration's is the mean "
        "of its flows'): 50% is a dead heat, 100% a lead of "
        f"{format_score(full_lead)} points or more on the 0-100 scale."
    )


# What a report says of the analysis of what would change the answer, when it lists no change.
NOT_ANALYSED = "Not analysed: this report was made without the analysis (--no-what-if)."
NO_SINGLE_CHANGE = (
    "No single change to one input would change the recommendation: it holds firmly against "
    "each input on its own."
)


def plural(count: float, noun: str, nouns: str | None = None) -> str:
    """A count with its noun in agreement: 1 message, 2 messages, 1.5 messages."""
    word = noun if count == 1 else (nouns or noun + "s")
    return f"{format_number(count)} {word}"


def format_size(kb: float) -> str:
    """A message size: KB up to 1,024 KB, then MB to a tenth (8,000 KB is 7.8 MB), then GB
    (100,000,000 KB is 95.4 GB)."""
    if kb >= 1024 * 1024:
        return f"{format_number(round(kb / 1024 / 1024, 1))} GB"
    if kb >= 1024:
        return f"{format_number(round(kb / 1024, 1))} MB"
    return f"{format_number(kb)} KB"


def format_rate(per_second: float, noun: str | None = None) -> str:
    """A rate per second where it reaches 1, else per minute, per hour or per day, to a tenth:
    0.29 is "17.4 a minute"; with a noun, "17.4 messages a minute", "1 message a minute"."""
    count, unit = per_second * 86_400, "a day"
    for size, name in ((1.0, "a second"), (60.0, "a minute"), (3_600.0, "an hour")):
        if per_second * size >= 1:
            count, unit = per_second * size, name
            break
    count = round(count, 1)
    return f"{plural(count, noun) if noun else format_number(count)} {unit}"


_UNITS = (("day", 86_400.0), ("hour", 3_600.0), ("minute", 60.0), ("second", 1.0))


def format_duration(seconds: float) -> str:
    """A duration in the largest unit that says it exactly, to a tenth: 86,400 s is "1 day",
    900 s "15 minutes", 5,400 s "1.5 hours", 3,599 s "3,599 seconds"."""
    for unit, size in _UNITS:
        count = seconds / size
        if count >= 1 and abs(count * 10 - round(count * 10)) < 1e-9:
            return f"{format_number(count)} {unit}{'' if count == 1 else 's'}"
    return f"{format_number(seconds)} seconds"


class Verbatim(str):
    """Text the code has made safe for its place (the front matter's quoted YAML), which the
    Markdown template writes as it is. User text never becomes one."""

    __slots__ = ()
