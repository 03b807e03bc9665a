"""Two versions of an assessment side by side: which answers changed, which recommendations and
flows changed with them, and why (the rules that started or stopped holding). Pure: models in,
a comparison and its text out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from advisor.models import Assessment, Result
from advisor.wording import STYLE_NAMES


@dataclass(frozen=True)
class AnswerChange:
    """One input that differs: its path (`flows.<id>.<name>`), and its value before and after
    (None where the item did not exist)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class FlowChange:
    """A flow in both versions whose style or reasons changed."""

    flow: str
    old_style: str
    new_style: str
    started: tuple[str, ...]  # rules that hold now and did not before
    stopped: tuple[str, ...]  # rules that held before and do not now


@dataclass(frozen=True)
class Comparison:
    old_name: str
    new_name: str
    answers: tuple[AnswerChange, ...]
    old_recommendation: str
    new_recommendation: str
    flows: tuple[FlowChange, ...]
    added_flows: tuple[str, ...]
    removed_flows: tuple[str, ...]
    old_broker: str | None
    new_broker: str | None
    added_risks: tuple[str, ...]
    removed_risks: tuple[str, ...]

    @property
    def differs(self) -> bool:
        return bool(
            self.answers
            or self.flows
            or self.added_flows
            or self.removed_flows
            or self.old_recommendation != self.new_recommendation
            or self.old_broker != self.new_broker
            or self.added_risks
            or self.removed_risks
        )


def compare(old: Assessment, old_result: Result, new: Assessment, new_result: Result) -> Comparison:
    """What changed from `old` to `new`, answers first, then what they changed in the advice."""
    old_flows = {flow.id: flow for flow in old_result.flows}
    new_flows = {flow.id: flow for flow in new_result.flows}
    flows = []
    for flow_id, before in old_flows.items():
        after = new_flows.get(flow_id)
        if after is None:
            continue
        held_before = [reason.rule for reason in before.reasons]
        held_after = [reason.rule for reason in after.reasons]
        started = tuple(rule for rule in held_after if rule not in held_before)
        stopped = tuple(rule for rule in held_before if rule not in held_after)
        if before.style != after.style or started or stopped:
            flows.append(FlowChange(flow_id, before.style, after.style, started, stopped))
    old_risks = {risk.id for risk in old_result.risks}
    new_risks = {risk.id for risk in new_result.risks}
    return Comparison(
        old_name=old.name,
        new_name=new.name,
        answers=tuple(_answer_changes(old, new)),
        old_recommendation=old_result.recommendation,
        new_recommendation=new_result.recommendation,
        flows=tuple(flows),
        added_flows=tuple(flow for flow in new_flows if flow not in old_flows),
        removed_flows=tuple(flow for flow in old_flows if flow not in new_flows),
        old_broker=_broker(old_result),
        new_broker=_broker(new_result),
        added_risks=tuple(risk.id for risk in new_result.risks if risk.id not in old_risks),
        removed_risks=tuple(risk.id for risk in old_result.risks if risk.id not in new_risks),
    )


def _broker(result: Result) -> str | None:
    return None if result.broker is None else result.broker.name


def _answer_changes(old: Assessment, new: Assessment) -> list[AnswerChange]:
    changes = [
        AnswerChange(name, getattr(old, name), getattr(new, name))
        for name in ("name", "description")
        if getattr(old, name) != getattr(new, name)
    ]
    old_context, new_context = old.context.model_dump(), new.context.model_dump()
    changes += [
        AnswerChange(f"context.{name}", _plain(value), _plain(new_context[name]))
        for name, value in old_context.items()
        if value != new_context[name]
    ]
    for section in ("systems", "flows"):
        before = {item.id: item.model_dump() for item in getattr(old, section)}
        after = {item.id: item.model_dump() for item in getattr(new, section)}
        for item_id in [*before, *(item for item in after if item not in before)]:
            old_item, new_item = before.get(item_id), after.get(item_id)
            if old_item is None or new_item is None:
                changes.append(
                    AnswerChange(f"{section}.{item_id}", _plain(old_item), _plain(new_item))
                )
                continue
            changes += [
                AnswerChange(f"{section}.{item_id}.{name}", _plain(value), _plain(new_item[name]))
                for name, value in old_item.items()
                if value != new_item[name]
            ]
    return changes


def _plain(value: Any) -> Any:
    """Tuples as lists and whole numbers without a decimal point (30, not 30.0), so that a
    change reads as the assessment would hold it."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Formats: a terminal's text, a pull request's Markdown, a machine's JSON
# ---------------------------------------------------------------------------------------------


def to_json(comparison: Comparison) -> str:
    data = asdict(comparison)
    data["differs"] = comparison.differs
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_text(comparison: Comparison) -> str:
    return "\n".join(_lines(comparison, markdown=False)) + "\n"


def to_markdown(comparison: Comparison) -> str:
    return "\n".join(_lines(comparison, markdown=True)) + "\n"


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


def _lines(comparison: Comparison, *, markdown: bool) -> list[str]:
    def code(text: str) -> str:  # ids and paths: lower-case letters, digits, - _ and .
        return f"`{text}`" if markdown else text

    bullet = "- "
    old, new = comparison.old_recommendation, comparison.new_recommendation
    title = f"{comparison.old_name} -> {comparison.new_name}"
    lines = [f"## {_md(title)}" if markdown else title, ""]
    if not comparison.differs:
        return [*lines, "No answer and no part of the advice changed."]
    lines.append(
        f"Recommendation: {STYLE_NAMES[old]}"
        + (f" -> {STYLE_NAMES[new]}" if old != new else " (unchanged)")
    )
    if comparison.old_broker != comparison.new_broker:
        lines.append(
            f"Broker: {comparison.old_broker or 'none'} -> {comparison.new_broker or 'none'}"
        )
    lines += ["", "Answers that changed:" if comparison.answers else "No answer changed."]
    for answer in comparison.answers:
        lines.append(
            f"{bullet}{code(answer.field)}: {_md(_shown(answer.old), markdown)} -> "
            f"{_md(_shown(answer.new), markdown)}"
        )
    if comparison.flows or comparison.added_flows or comparison.removed_flows:
        lines += ["", "Flows:"]
    for flow in comparison.flows:
        style = (
            f"{STYLE_NAMES[flow.old_style]} -> {STYLE_NAMES[flow.new_style]}"
            if flow.old_style != flow.new_style
            else f"still {STYLE_NAMES[flow.new_style]}"
        )
        why = []
        if flow.started:
            why.append("now holding: " + ", ".join(map(code, flow.started)))
        if flow.stopped:
            why.append("no longer holding: " + ", ".join(map(code, flow.stopped)))
        lines.append(
            f"{bullet}{code(flow.flow)}: {style}" + (f" ({'; '.join(why)})" if why else "")
        )
    lines += [f"{bullet}{code(flow)}: added" for flow in comparison.added_flows]
    lines += [f"{bullet}{code(flow)}: removed" for flow in comparison.removed_flows]
    if comparison.added_risks or comparison.removed_risks:
        lines += ["", "Risks:"]
        lines += [f"{bullet}{code(risk)}: new" for risk in comparison.added_risks]
        lines += [f"{bullet}{code(risk)}: gone" for risk in comparison.removed_risks]
    return lines


_MARKDOWN_SPECIAL = str.maketrans({char: f"\\{char}" for char in "\\`*_{}[]<>()#+-.!|~"})


def _md(text: str, markdown: bool = True) -> str:
    """User text in Markdown as text: every character Markdown reads escaped; in plain text,
    control characters as escapes."""
    shown = "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in text)
    return shown.translate(_MARKDOWN_SPECIAL) if markdown else shown
