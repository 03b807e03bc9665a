"""The answer, next to the questions: recommendation, blueprint, flows, what would change it,
the broker and the risks. Drawn from the result alone; nothing is decided here."""

from __future__ import annotations

import streamlit as st

from advisor.blueprint import VIEW_NAMES, VIEWS
from advisor.models import Assessment, Change, FlowResult, Result
from advisor.narrative import Narrative
from advisor.questionnaire import Checked
from advisor.ruleset import Ruleset
from advisor.webapp import diagram, resources, viewer
from advisor.webapp.diagram import Blueprint
from advisor.webapp.text import html_text, markdown_text
from advisor.wording import (
    STYLE_NAMES,
    confidence_meaning,
    format_confidence,
    format_number,
    format_percent,
    format_points,
    format_score,
    plural,
)

STYLE_CLASS = {"api": "ia-api", "event": "ia-event", "hybrid": "ia-hybrid"}


def _html(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def _e(text: object) -> str:
    return html_text(text)


def problems(checked: Checked, before: Blueprint | None) -> None:
    """In place of the answer while some answers are incomplete: what to fix, and the
    blueprint as it was before, faded, so that the page does not jump."""
    items = "".join(
        f"<li><code>{_e(problem.path)}</code> {_e(problem.message)}</li>"
        if problem.path
        else f"<li>{_e(problem.message)}</li>"
        for problem in checked.problems
    )
    with st.container(key="ia-summary"):
        _html(
            '<div class="ia-card ia-missing"><div class="ia-verdict-box">'
            '<div class="ia-label ia-for">Almost there</div>'
            '<div class="ia-style">Fix the flagged answers</div>'
            '<div class="ia-sub">The recommendation returns as soon as they are fixed; each '
            "is also flagged next to its question.</div></div>"
            f'<ul class="ia-problems">{items}</ul></div>'
        )
    if before is not None and before.svg is not None:
        with st.container(border=True, key="ia-blueprint-before"):
            st.image(before.svg, width="content")
            st.caption("The blueprint as it was before the flagged answers.")


def answer(assessment: Assessment, result: Result, drawing: Blueprint) -> None:
    """The recommendation and the blueprint, across the page. The recommendation stays in
    sight while the questions below it scroll."""
    with st.container(key="ia-summary"):
        recommendation(assessment, result)
    blueprint(drawing, result)


def reasons(assessment: Assessment, result: Result, ruleset: Ruleset) -> None:
    """Why, beside the questions: what would change it, the risks, every flow's reasons."""
    what_would_change(result)
    risks(result)
    flows(assessment, result, ruleset)


def recommendation(assessment: Assessment, result: Result) -> None:
    counts = dict.fromkeys(STYLE_NAMES, 0)
    for flow in result.flows:
        counts[flow.style] += 1
    split = ", ".join(
        f"{count} {STYLE_NAMES[style].lower()}" for style, count in counts.items() if count
    )
    total = len(result.flows)
    broker = (
        f'<div class="ia-broker"><span class="ia-label">Broker</span> '
        f"<strong>{_e(result.broker.name)}</strong>: {_e(result.broker.why)}</div>"
        if result.broker
        else '<div class="ia-broker"><span class="ia-label">Broker</span> '
        "none needed: every flow is API-driven.</div>"
    )
    _html(
        f'<div class="ia-card {STYLE_CLASS[result.recommendation]}"><div class="ia-verdict-box">'
        f'<div class="ia-label ia-for">Recommendation for {_e(assessment.name)}</div>'
        f'<div class="ia-style">{_e(STYLE_NAMES[result.recommendation])}</div>'
        f'<div class="ia-sub" title="{_e(_meaning())}">confidence '
        f"{format_confidence(result.confidence)} · {total} "
        f"flow{'s' if total != 1 else ''}: {_e(split)}</div>"
        f'<div class="ia-meaning">{_e(_meaning())}</div></div>'
        f"{_bars(result.scores.api, result.scores.event)}"
        f"{broker}</div>"
    )


def _meaning() -> str:
    """What confidence means under the rules in force (the web app uses the default ones)."""
    settings = resources.rules().settings
    return confidence_meaning(settings.style_margin + settings.confidence_span)


def _bars(api: float, event: float) -> str:
    return (
        '<div class="ia-bars">'
        f'<div class="ia-bar"><span>API</span><div><i class="ia-api-bar" '
        f'style="width:{api:.0f}%"></i></div><b>{format_score(api)} of 100</b></div>'
        f'<div class="ia-bar"><span>Events</span><div><i class="ia-event-bar" '
        f'style="width:{event:.0f}%"></i></div><b>{format_score(event)} of 100</b></div>'
        "</div>"
    )


def blueprint(drawing: Blueprint, result: Result) -> None:
    """The view picker and the flow picker above the blueprint, which zooms and pans."""
    with st.container(horizontal=True, vertical_alignment="bottom", key="ia-blueprint-pickers"):
        st.segmented_control(
            "Blueprint",
            VIEWS,
            format_func=VIEW_NAMES.__getitem__,
            key=diagram.VIEW_KEY,
            on_change=diagram.view_picked,
            help="The overview summarises every flow; the other views draw one kind in full.",
        )
        st.selectbox(
            "Focus on a flow",
            [None, *(flow.id for flow in result.flows)],
            format_func=lambda flow_id: "Every flow" if flow_id is None else flow_id,
            key=diagram.FLOW_KEY,
            on_change=diagram.flow_picked,
            help="That flow in full, with the other flows of its systems greyed.",
            width=260,
        )
    if drawing.svg is None:
        st.warning(
            f"The blueprint could not be drawn: {markdown_text(drawing.problem)}",
            icon=":material/warning:",
        )
        return
    with st.container(border=True, key="ia-blueprint"):
        st.iframe(
            viewer.page(drawing.svg, "Integration blueprint"),
            height=viewer.frame_height(drawing.svg),
        )


def flows(assessment: Assessment, result: Result, ruleset: Ruleset) -> None:
    st.markdown("#### Flow by flow")
    declared = {flow.id: flow for flow in assessment.flows}
    titles = {criterion.id: criterion.title for criterion in ruleset.criteria}
    story = Narrative(assessment, result, ruleset)
    for flow in result.flows:
        spec = declared[flow.id]
        route = f"{markdown_text(assessment.system(spec.source).label)} → " + ", ".join(
            markdown_text(assessment.system(target).label) for target in spec.targets
        )
        with st.expander(  # names are user text: shown as text, never as Markdown
            f"**{markdown_text(flow.id)}** · {STYLE_NAMES[flow.style]} · {route}",
            expanded=len(result.flows) <= 2,
        ):
            st.button(
                "Show in the blueprint",
                key=f"ia-focus-{flow.id}",
                icon=":material/center_focus_strong:",
                type="tertiary",
                on_click=diagram.focus,
                args=(flow.id,),
            )
            _flow(flow, titles, story.flow_summary(flow.id))


def _flow(flow: FlowResult, titles: dict[str, str], because: str) -> None:
    rows = "".join(
        f'<tr><td class="ia-pts {"ia-api-text" if r.favours == "api" else "ia-event-text"}">'
        f"{format_points(r.points)} {'API' if r.favours == 'api' else 'events'}</td>"
        f"<td>{_e(r.explanation)}<div class='ia-rule'>{_e(titles.get(r.criterion, r.criterion))}"
        f" · rule <code>{_e(r.rule)}</code></div></td></tr>"
        for r in flow.reasons
    )
    polling = ""
    if flow.polling is not None:
        share = (
            f"{format_percent(flow.polling.quota_share)} of the source's API quota"
            if flow.polling.quota_share is not None
            else "the source has no known rate limit"
        )
        polling = (
            '<div class="ia-polling"><span class="ia-label">If the targets polled</span> '
            f"{plural(flow.polling.calls_per_day, 'call')} a day ({_e(share)}), "
            f"{format_number(flow.polling.wasted_calls_per_day)} of them finding nothing new"
            "</div>"
        )
    _html(
        f'<div class="ia-flow {STYLE_CLASS[flow.style]}">'
        f'<div class="ia-sub">API {format_score(flow.scores.api)} of 100 · events '
        f"{format_score(flow.scores.event)} of 100 · confidence "
        f"{format_confidence(flow.confidence)}</div>"
        f'<div class="ia-decision">{_e(because)}</div>'
        f"{polling}"
        f'<table class="ia-reasons">{rows}</table></div>'
    )


def what_would_change(result: Result) -> None:
    st.markdown("#### What would change the answer")
    if not result.what_would_change:
        st.caption("No single change to one answer would change a recommendation.")
        return
    changes = result.what_would_change
    _changes(changes[:SHOWN_CHANGES])
    if len(changes) > SHOWN_CHANGES:
        with st.expander(f"{len(changes) - SHOWN_CHANGES} more"):
            _changes(changes[SHOWN_CHANGES:])


SHOWN_CHANGES = 6


def _changes(changes: tuple[Change, ...]) -> None:
    items = "".join(
        f"<li><span class='ia-tag {STYLE_CLASS[change.outcome]}'>"
        f"{_e(STYLE_NAMES[change.outcome])}</span> {_e(change.summary)}</li>"
        for change in changes
    )
    _html(f'<ul class="ia-changes">{items}</ul>')


def risks(result: Result) -> None:
    st.markdown("#### Risks to plan for")
    if not result.risks:
        st.caption("None of the rules' risks apply.")
        return
    items = "".join(
        f"<li><strong>{_e(risk.title)}</strong> <span class='ia-rule'>"
        f"({_e(', '.join(risk.flows))})</span><br>{_e(risk.mitigation)}</li>"
        for risk in result.risks
    )
    _html(f'<ul class="ia-risks">{items}</ul>')
