"""The risks of an integration as backlog items: one per risk, naming every flow it applies to,
as CSV for an issue tracker's importer (Jira's, GitHub's) or as a Markdown task list.

Pure: an assessment, its result and the rules in, text out. The result already groups the flows
per risk, so a risk raised on many flows is one item that names them all.

CSV columns: Summary (the risk and the integration), Description (the mitigation, the flows with
their recommendation, and why the risk applies: its rule's condition), Labels (the risk's id,
one label) and Priority (from the risk's severity, `SEVERITY`, in Jira's default priority
names). Lines end with CRLF, as RFC 4180 says; a cell that a spreadsheet would take for a
formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from advisor.contracts import markdown_text
from advisor.models import Assessment, Result, Risk
from advisor.ruleset import Condition, Ruleset
from advisor.wording import STYLE_IN_TEXT, format_confidence

Severity = Literal["high", "medium", "low"]

# How much harm each default risk (rules/30-risks.yaml) does when left alone: lost or doubled
# business data is high, a slower or costlier system medium, harder debugging low. A risk of
# your own rules that is not listed is medium.
SEVERITY: dict[str, Severity] = {
    "dual-write": "high",  # lost or phantom events
    "idempotency": "high",  # a duplicate applied twice
    "retried-commands": "high",  # a retry that books or charges twice
    "ordering-per-key": "high",  # an older state overwrites a newer one
    "rate-limit": "high",  # calls refused at the busiest time
    "ordering-global": "medium",
    "poison-messages": "medium",
    "callee-availability": "medium",
    "schema-drift": "medium",
    "polling-cost": "medium",
    "tight-coupling": "medium",
    "tracing": "low",
}
DEFAULT_SEVERITY: Severity = "medium"
PRIORITY: dict[Severity, str] = {"high": "High", "medium": "Medium", "low": "Low"}
COLUMNS = ("Summary", "Description", "Labels", "Priority")
MAX_SUMMARY = 255  # characters in a Jira summary
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def severity(risk_id: str) -> Severity:
    return SEVERITY.get(risk_id, DEFAULT_SEVERITY)


def priority(risk_id: str) -> str:
    return PRIORITY[severity(risk_id)]


def ranked(result: Result) -> list[Risk]:
    """The risks, the most severe first (in the rules' order within a severity)."""
    order = list(PRIORITY)
    return sorted(result.risks, key=lambda risk: order.index(severity(risk.id)))


def to_csv(assessment: Assessment, result: Result, ruleset: Ruleset) -> str:
    """One row per risk, the most severe first, under the header Summary, Description, Labels,
    Priority."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for risk in ranked(result):
        writer.writerow(
            _cell(text)
            for text in (
                summary(assessment, risk),
                _description(assessment, result, ruleset, risk),
                risk.id,
                priority(risk.id),
            )
        )
    return stream.getvalue()


def to_markdown(assessment: Assessment, result: Result, ruleset: Ruleset) -> str:
    """A Markdown task list: one `- [ ]` item per risk, the most severe first, with its priority
    and flows, and why and each flow's recommendation beneath."""
    lines = [f"# Risks to mitigate: {markdown_text(assessment.name)}", ""]
    if not result.risks:
        lines.append("No risk was raised.")
    for risk in ranked(result):
        flows = ", ".join(f"`{flow}`" for flow in risk.flows)
        lines += [
            f"- [ ] **{markdown_text(risk.title)}** ({priority(risk.id)} priority; "
            f"{'flow' if len(risk.flows) == 1 else 'flows'} {flows}): "
            f"{markdown_text(risk.mitigation)}",
            f"  - Why: {markdown_text(_why(ruleset, risk))}",
        ]
        for flow in risk.flows:
            lines.append(f"  - {_flow_line(assessment, result, flow, markdown=True)}")
    return "\n".join(lines) + "\n"


def summary(assessment: Assessment, risk: Risk) -> str:
    """The item's title: the risk and the integration, on one line, within Jira's 255 (the
    apostrophe that keeps a formula text included)."""
    text = _cell(" ".join(f"{risk.title} ({assessment.name})".split()))
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def _description(assessment: Assessment, result: Result, ruleset: Ruleset, risk: Risk) -> str:
    flows = "\n".join(
        f"- {_flow_line(assessment, result, flow, markdown=False)}" for flow in risk.flows
    )
    return (
        f"{risk.mitigation}\n\n"
        f"{'Flow' if len(risk.flows) == 1 else 'Flows'}:\n{flows}\n\n"
        f"Why: {_why(ruleset, risk)}\n\n"
        f"Risk {risk.id}, raised by Integration Advisor for the integration "
        f'"{" ".join(assessment.name.split())}".'
    )


def _flow_line(assessment: Assessment, result: Result, flow_id: str, *, markdown: bool) -> str:
    """One flow of a risk: its id, its route and what it was recommended."""
    advice = next(flow for flow in result.flows if flow.id == flow_id)
    flow = next(flow for flow in assessment.flows if flow.id == flow_id)
    source = assessment.system(flow.source).label
    targets = ", ".join(assessment.system(target).label for target in flow.targets)
    route = f"{source} → {targets}"
    recommended = (
        f"recommended {STYLE_IN_TEXT[advice.style]} "
        f"(confidence {format_confidence(advice.confidence)})"
    )
    if markdown:
        return f"`{flow_id}` ({markdown_text(route)}): {recommended}"
    return f"{flow_id} ({' '.join(route.split())}): {recommended}"


def _why(ruleset: Ruleset, risk: Risk) -> str:
    """Why the risk applies to its flows: its rule's condition, in words."""
    rule = next((rule for rule in ruleset.risks if rule.id == risk.id), None)
    if rule is None:
        return "raised by a risk rule that is no longer in the rules."
    return f"the rule {risk.id!r} holds for these flows: {condition_text(rule.when)}."


_OPS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "lt": "is below",
    "le": "is at most",
    "gt": "is above",
    "ge": "is at least",
    "contains": "contains",
    "lacks": "lacks",
}


def condition_text(condition: Condition, *, nested: bool = False) -> str:
    """A rule's condition in words: `flow.style is one of event, hybrid and flow.ordering is
    per_key`; nested groups in brackets."""
    groups = ((condition.all, " and "), (condition.any, " or "))
    for parts, joiner in groups:
        if parts is not None:
            text = joiner.join(condition_text(part, nested=True) for part in parts)
            return f"({text})" if nested and len(parts) > 1 else text
    if condition.not_ is not None:
        return f"not ({condition_text(condition.not_)})"
    if condition.op == "exists":
        return f"{condition.fact} is {'known' if condition.value else 'unknown'}"
    return (
        f"{condition.fact} {_OPS.get(condition.op or '', condition.op)} {_value(condition.value)}"
    )


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, float) and value == int(value):
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cell(text: str) -> str:
    """Text for a CSV cell that no spreadsheet takes for a formula (OWASP's advice)."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text
