"""The blueprint in words: who talks to whom, flow by flow, for those who cannot see the picture.

A text alternative of the drawing (WCAG 1.1.1): the web app's viewer gives it to the image, the
HTML report ties it to the figure. One sentence per flow the view draws, "Source → Target A,
Target B: style (how the messages travel)", in the result's order, after a line that says what
the picture is. Plain text: the caller escapes it for where it goes.
"""

from __future__ import annotations

from advisor.blueprint import View
from advisor.models import Assessment, FlowResult, Result
from advisor.wording import STYLE_NAMES

# The flows each view draws (blueprint._events, blueprint._api); a focused flow draws itself
# (its neighbours are greyed context, named elsewhere).
VIEW_STYLES: dict[View, frozenset[str]] = {
    "overview": frozenset({"api", "event", "hybrid"}),
    "events": frozenset({"event", "hybrid"}),
    "api": frozenset({"api", "hybrid"}),
}
VIEW_WHAT: dict[View, str] = {
    "overview": "every flow",
    "events": "the event and hybrid flows",
    "api": "the API calls and hybrid call-backs",
}


def flow_lines(assessment: Assessment, result: Result, view: View = "overview") -> list[str]:
    """One line per flow that `view` draws: "Source → targets: style (broker)"."""
    styles = VIEW_STYLES[view]
    return [_line(assessment, result, flow) for flow in result.flows if flow.style in styles]


def describe(
    assessment: Assessment, result: Result, view: View = "overview", flow: str | None = None
) -> str:
    """The blueprint of `view` (or of the flow `flow` in focus) in sentences."""
    if flow is not None:
        shown = [item for item in result.flows if item.id == flow]
        what = f"flow {flow} and its neighbours"
    else:
        shown = [item for item in result.flows if item.style in VIEW_STYLES[view]]
        what = VIEW_WHAT[view]
    lines = [_line(assessment, result, item) for item in shown]
    count = f"{len(lines)} flow{'' if len(lines) == 1 else 's'}"
    head = (
        f"Integration blueprint of {assessment.name}, {what} ({count}), "
        f"recommendation {STYLE_NAMES[result.recommendation]}"
    )
    if not lines:
        return f"{head}: no flows to draw."
    return f"{head}. " + " ".join(f"{line}." for line in lines)


def _line(assessment: Assessment, result: Result, flow: FlowResult) -> str:
    declared = {item.id: item for item in assessment.flows}.get(flow.id)
    source = flow.source or (declared.source if declared else None)
    targets = flow.targets or (declared.targets if declared else ())
    known = assessment.systems_by_id
    source_name = known[source].label if source in known else (source or "?")
    target_names = ", ".join(
        known[target].label if target in known else target for target in targets
    )
    return f"{flow.id}: {source_name} → {target_names}: {_how(result, flow)}"


def _how(result: Result, flow: FlowResult) -> str:
    style = STYLE_NAMES[flow.style]
    if flow.style == "api":
        return style
    broker = result.broker
    if broker is None or broker.choice is None:
        return f"{style} (webhooks, no broker)"
    return f"{style} ({broker.name})"
