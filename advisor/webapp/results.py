"""The answer, next to the questions: recommendation, blueprint, flows, what would change it,
the broker and the risks. Drawn from the result alone; nothing is decided here."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

import streamlit as st

from advisor.alttext import VIEW_STYLES, describe, flow_lines
from advisor.blueprint import VIEW_NAMES, VIEWS
from advisor.models import Assessment, Change, FlowResult, Result, Scores
from advisor.narrative import Narrative
from advisor.questionnaire import Answers, FieldKey, Note, Progress
from advisor.ruleset import Ruleset
from advisor.webapp import diagram, history, resources, viewer
from advisor.webapp.diagram import Blueprint
from advisor.webapp.text import html_text, markdown_text
from advisor.wording import (
    STYLE_IN_TEXT,
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


def status(progress: Progress, notes: tuple[Note, ...], *, stale: bool) -> None:
    """One line above the answer, always there (so that nothing below it moves): whether it is
    out of date (the answers are incomplete: it is the last complete answers' result, greyed),
    and whether it rests on answers still at their defaults."""
    if stale:
        first = notes[0] if notes else None
        where = f" ({_e(first.section)} › {_e(first.place)})" if first and first.place else ""
        count = plural(len(notes), "answer")
        text = (
            f"<b>Out of date:</b> {count} to fix{where}. Shown: the result of the last "
            "complete answers, until they are fixed."
        )
        # The kept result is greyed and marked, in this element's own style sheet: grey, not
        # faint, so that its text keeps its contrast (WCAG AA) while it is out of date.
        style = (
            "<style>.st-key-ia-summary .ia-card > *, .st-key-ia-blueprint, .ia-flow, "
            ".ia-change, .ia-changes, .ia-risks, .ia-pin { filter: grayscale(1); } "
            ".st-key-ia-summary .ia-card { position: relative; border-style: dashed; "
            "border-left-color: #98a2b3; } "
            '.st-key-ia-summary .ia-card::after { content: "Out of date"; position: absolute; '
            "top: -.6rem; right: .8rem; padding: 0 .4rem; background: #ffffff; "
            "font-size: .72rem; font-weight: 700; color: #b42318; "
            "text-transform: uppercase; letter-spacing: .06em; }</style>"
        )
        _html(_status_line("ia-stale", f"⚠ {text}") + style)
        return
    new = len(progress.new_flows)
    defaults = sum(1 for key in progress.defaults if not _in_new_flow(key, progress))
    parts = []
    if defaults:
        parts.append(
            f"rests on {plural(defaults, 'answer')} still at the questionnaire's defaults "
            f"({_by_section(progress)}): change them or keep them, in each section"
        )
    if new:
        parts.append(f"does not count {plural(new, 'new flow')} yet (answer its questions)")
    if parts:
        text = "This recommendation " + "; ".join(parts) + "."
        _html(_status_line("ia-defaults", f"ⓘ {_e(text)}"))
    else:
        _html(
            _status_line(
                "ia-confirmed",
                "✓ Every answer confirmed: the recommendation rests on your answers alone.",
            )
        )


_STATUS_COLOURS = {"ia-stale": "#b42318", "ia-defaults": "#475467", "ia-confirmed": "#067647"}


# One line high on a wide screen, two on a phone, whatever it says: the page below it never
# moves when it changes (the whole of it is in its title, and at the questions).
_STATUS_STYLE = (
    "<style>.ia-status { font-size: .88rem; line-height: 1.4; margin: 0 0 .5rem; overflow: hidden; "
    "display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 1; "
    "height: 1.4em; } @media (max-width: 640px) { .ia-status { -webkit-line-clamp: 2; "
    "height: 2.8em; } }</style>"
)


def _status_line(kind: str, markup: str) -> str:
    """The status line, in small text (its colours pass WCAG AA on white)."""
    title = html_text(re.sub(r"<[^>]+>", "", html.unescape(markup)))
    return (
        f'<div class="ia-status {kind}" role="status" title="{title}" '
        f'style="color: {_STATUS_COLOURS[kind]};">{markup}</div>{_STATUS_STYLE}'
    )


def _in_new_flow(key: FieldKey, progress: Progress) -> bool:
    return key[:1] == ("flows",) and key[1] in progress.new_flows


def _by_section(progress: Progress) -> str:
    counts = []
    for section in progress.sections:
        shown = [key for key in section.defaults if not _in_new_flow(key, progress)]
        if shown:
            counts.append(f"{section.name} {len(shown)}")
    return ", ".join(counts)


def start_here(answers: Answers, notes: tuple[Note, ...]) -> None:
    """In place of the answer before any flow can be scored: what to do first."""
    systems = len(answers.get("systems") or [])
    flows = len(answers.get("flows") or [])
    steps = (
        (systems >= 2, "Systems: add the systems taking part, one row each (at least two)."),
        (flows >= 1, "Flows: add a flow from one system to others."),
        (False, "Answer the flow's questions: the recommendation and the blueprint follow."),
    )
    items = "".join(
        f'<li class="{"ia-done" if done else ""}">{"✓ " if done else ""}{_e(step)}</li>'
        for done, step in steps
    )
    with st.container(key="ia-summary"):
        _html(
            '<div class="ia-card ia-missing ia-empty"><div class="ia-verdict-box">'
            f'<div class="ia-label ia-for">{_e(answers.get("name") or "New integration")}</div>'
            '<div class="ia-style">Start here</div>'
            '<div class="ia-sub">Nothing is scored yet: no flow is complete. Describe the '
            "integration below.</div></div>"
            f'<ol class="ia-steps">{items}</ol></div>'
        )


def problems(notes: tuple[Note, ...]) -> None:
    """What to fix while the answers are incomplete, each at its question in the
    questionnaire's words (and flagged there too)."""
    if not notes:
        return
    items = "".join(
        f"<li><b>{_e(note.section)}{' › ' + _e(note.place) if note.place else ''}</b>: "
        f"{_e(note.message)}</li>"
        for note in notes
    )
    _html(
        '<div class="ia-fix"><div class="ia-label">Answers to fix</div>'
        f'<ul class="ia-problems">{items}</ul></div>'
    )


def answer(assessment: Assessment, result: Result) -> None:
    """The recommendation across the page, above the questions; `bar` keeps it in sight."""
    with st.container(key="ia-summary"):
        recommendation(assessment, result)


def bar(assessment: Assessment | None, result: Result | None) -> None:
    """The answer in one line (style, confidence, broker), pinned to the top of the window once
    the card above the questions has scrolled away (look.py: a sticky bar shown only when
    stuck). Always drawn, so that the questions below keep their place in the page."""
    if assessment is None or result is None:
        line = (
            '<span class="ia-pin-style">No recommendation</span>'
            "<span>until the flagged answers are fixed</span>"
        )
        accent = "ia-pin-missing"
    else:
        broker = result.broker.name if result.broker else "none needed"
        line = (
            f'<span class="ia-pin-style">{_e(STYLE_NAMES[result.recommendation])}</span>'
            f"<span>confidence {format_confidence(result.confidence)}</span>"
            f'<span><span class="ia-label">Broker</span> {_e(broker)}</span>'
            f'<span class="ia-pin-name">{_e(assessment.name)}</span>'
        )
        accent = STYLE_CLASS[result.recommendation]
    with st.container(key="ia-pin"):
        _html(f'<div class="ia-pin {accent}" aria-hidden="true">{line}</div>')


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
        f'<div class="ia-sub">confidence '
        f"{format_confidence(result.confidence)} · {total} "
        f"flow{'s' if total != 1 else ''}: {_e(split)}</div>"
        f"{_confidence_note(total)}</div>"
        f"{_bars(result.scores.api, result.scores.event)}"
        f"{broker}</div>"
    )


def _meaning() -> str:
    """What confidence means under the rules in force (the web app uses the default ones)."""
    settings = resources.rules().settings
    return confidence_meaning(settings.style_margin + settings.confidence_span)


def _confidence_note(flows: int) -> str:
    """Confidence in the reports' words and what it is not; with several flows, why it can be
    high while the scores beside it are close: both are means over the flows (engine.score)."""
    note = f'<div class="ia-meaning">{_e(_meaning())} It is not a probability.</div>'
    if flows < 2:
        return note
    return note + (
        '<details class="ia-meaning"><summary>Why it can be high while the scores are close'
        f"</summary>For the whole integration it is the mean of the {flows} flows' "
        "confidences, and the scores are the means of their scores: the means can be close "
        "while each flow is decided clearly, one way or the other.</details>"
    )


def _lead(scores: Scores) -> str:
    """Which side leads a flow and by how much, the lead its confidence measures."""
    if scores.api == scores.event:
        return "a dead heat"
    side = "API" if scores.api > scores.event else "events"
    return f"{side} {format_score(abs(scores.api - scores.event))} points ahead"


def _bars(api: float, event: float) -> str:
    return (
        '<div class="ia-bars">'
        f'<div class="ia-bar"><span>API</span><div><i class="ia-api-bar" '
        f'style="width:{api:.0f}%"></i></div><b>{format_score(api)} of 100</b></div>'
        f'<div class="ia-bar"><span>Events</span><div><i class="ia-event-bar" '
        f'style="width:{event:.0f}%"></i></div><b>{format_score(event)} of 100</b></div>'
        "</div>"
    )


def blueprint(drawing: Blueprint, result: Result, assessment: Assessment) -> None:
    """The view picker and the flow picker above the blueprint, which zooms and pans; the
    picture's text alternative says who talks to whom (advisor.alttext)."""
    st.header("Blueprint", anchor=False)
    diagram.pickers(result)
    with st.container(horizontal=True, vertical_alignment="bottom", key="ia-blueprint-pickers"):
        st.segmented_control(
            "View",
            VIEWS,
            format_func=VIEW_NAMES.__getitem__,
            key=diagram.VIEW_KEY,
            on_change=diagram.view_picked,
            help="The overview summarises every flow; the other views draw one kind in full.",
        )
        st.selectbox(
            "Focus on a flow",
            [diagram.EVERY_FLOW, *(flow.id for flow in result.flows)],
            format_func=lambda flow_id: flow_id or "Every flow",
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
    if drawing.flow is None and not flow_lines(assessment, result, drawing.view):
        drawn = " or ".join(STYLE_IN_TEXT[style] for style in sorted(VIEW_STYLES[drawing.view]))
        st.info(
            f"The {VIEW_NAMES[drawing.view]} view has nothing to draw: no flow is {drawn}. "
            "The overview shows every flow.",
            icon=":material/info:",
        )
        return
    words = describe(assessment, result, drawing.view, drawing.flow)
    with st.container(border=True, key="ia-blueprint"):
        st.iframe(
            viewer.page(drawing.svg, "Integration blueprint", words),
            height=viewer.frame_height(drawing.svg, COLUMN_PX),
            alt="Integration blueprint, zoomable",
        )
    _html(
        f'<details class="ia-words"><summary>The blueprint in words</summary>{_e(words)}</details>'
    )


COLUMN_PX = 560  # the blueprint's column on a 1,280 px wide window, to size its frame


def flows(assessment: Assessment, result: Result, ruleset: Ruleset) -> None:
    st.header("Flow by flow", anchor=False)
    charted = result.flows[:SHOWN_FLOWS]
    if len(charted) <= CHART_OPEN:
        _html(score_chart(charted))
    else:  # a long chart would push the flows' reasons far down
        title = (
            f"Scores of the {len(charted)} flows"
            if len(charted) == len(result.flows)
            else f"Scores of the first {len(charted)} of {len(result.flows):,} flows"
        )
        with st.expander(title):
            _html(score_chart(charted))
    declared = {flow.id: flow for flow in assessment.flows}
    titles = {criterion.id: criterion.title for criterion in ruleset.criteria}
    story = Narrative(assessment, result, ruleset)

    def route(flow_id: str, written: Callable[[str], str] = str) -> str:
        spec = declared[flow_id]
        return f"{written(assessment.system(spec.source).label)} → " + ", ".join(
            written(assessment.system(target).label) for target in spec.targets
        )

    def shown(flow: FlowResult, expanded: bool) -> None:
        with st.expander(  # names are user text: shown as text, never as Markdown
            f"**{markdown_text(flow.id)}** · {STYLE_NAMES[flow.style]} · "
            f"{route(flow.id, markdown_text)}",
            expanded=expanded,
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

    for flow in result.flows[:SHOWN_FLOWS]:
        shown(flow, expanded=len(result.flows) <= 2)
    others = {flow.id: flow for flow in result.flows[SHOWN_FLOWS:]}
    if others:
        picked = st.selectbox(
            f"The other {len(others):,} flows",
            [None, *others],
            format_func=lambda flow_id: (
                "Pick one to see its reasons"
                if flow_id is None
                else f"{flow_id} · {STYLE_NAMES[others[flow_id].style]} · {route(flow_id)}"
            ),
            key=FLOW_PICK_KEY,
            help="Each flow's scores, decision and reasons, as for the flows above.",
        )
        if picked in others:
            shown(others[picked], expanded=True)


# Flows listed (and charted) each in its own section; the others (an estate of hundreds of
# flows) are picked from one list, so that a large assessment's page stays quick to send and to
# draw: a section and a chart row each for 1,234 flows made 20,000 elements in the browser.
SHOWN_FLOWS = 50
FLOW_PICK_KEY = "ia-flow-pick"


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
        f"{format_confidence(flow.confidence)} ({_lead(flow.scores)})</div>"
        f'<div class="ia-decision">{_e(because)}</div>'
        f"{polling}"
        f'<table class="ia-reasons">{rows}</table></div>'
    )


def what_would_change(result: Result) -> None:
    """Each change with a button that applies it to the answers (Undo takes it back)."""
    st.header("What would change the answer", anchor=False)
    applied = history.last()
    if applied is not None and applied.what_if:
        with st.container(horizontal=True, vertical_alignment="center", key="ia-applied"):
            st.caption(f"{markdown_text(applied.label)}")
            st.button(
                "Undo",
                key="ia-whatif-undo",
                icon=":material/undo:",
                on_click=history.undo,
                help="Take the applied change back: the answers as they were before it.",
            )
    if not result.what_would_change:
        st.caption("No single change to one answer would change a recommendation.")
        return
    st.caption("Apply one to see the answer and the blueprint it gives; Undo takes it back.")
    changes = result.what_would_change
    _changes(changes[:SHOWN_CHANGES], 0)
    if len(changes) > SHOWN_CHANGES:
        with st.expander(f"{len(changes) - SHOWN_CHANGES} more"):
            _changes(changes[SHOWN_CHANGES:CHANGE_BUTTONS], SHOWN_CHANGES)
            if len(changes) > CHANGE_BUTTONS:
                _other_changes(changes[CHANGE_BUTTONS:], CHANGE_BUTTONS)


SHOWN_CHANGES = 6
# Changes with a button of their own; the others (an estate of hundreds of flows has
# thousands) are picked from one list, so that a large assessment's page stays quick to draw.
CHANGE_BUTTONS = 50


def _changes(changes: tuple[Change, ...], start: int) -> None:
    for number, change in enumerate(changes, start):
        with st.container(
            horizontal=True, vertical_alignment="center", wrap=False, key=f"ia-change-{number}"
        ):
            st.markdown(  # the margin makes up for the one Markdown takes back at the end
                '<ul class="ia-changes" style="margin-bottom:1rem">'
                f"<li><span class='ia-tag {STYLE_CLASS[change.outcome]}'>"
                f"{_e(STYLE_NAMES[change.outcome])}</span> {_e(change.summary)}</li></ul>",
                unsafe_allow_html=True,
                width="stretch",
            )
            st.button(
                "Apply",
                key=f"ia-apply-{number}",
                icon=":material/play_arrow:",
                on_click=history.apply,
                args=(change,),
                help="Put this change into the answers; Undo takes it back.",
            )


def _other_changes(changes: tuple[Change, ...], start: int) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom", key="ia-change-other"):
        st.selectbox(
            f"{len(changes):,} other changes",
            range(len(changes)),
            format_func=lambda index: (
                f"{STYLE_NAMES[changes[index].outcome]}: {changes[index].summary}"
            ),
            key="ia-change-pick",
            help="Each would change a recommendation on its own; pick one to apply it.",
        )
        st.button(
            "Apply",
            key="ia-apply-other",
            icon=":material/play_arrow:",
            on_click=_apply_picked,
            args=(changes,),
            help="Put this change into the answers; Undo takes it back.",
        )


def _apply_picked(changes: tuple[Change, ...]) -> None:
    history.apply(changes[st.session_state.get("ia-change-pick") or 0])


def risks(result: Result) -> None:
    st.header("Risks to plan for", anchor=False)
    if not result.risks:
        st.caption("None of the rules' risks apply.")
        return
    items = "".join(
        f"<li><strong>{_e(risk.title)}</strong> <span class='ia-rule'>"
        f"({_e(', '.join(risk.flows))})</span><br>{_e(risk.mitigation)}</li>"
        for risk in result.risks
    )
    _html(f'<ul class="ia-risks">{items}</ul>')


CHART_WIDTH = 400  # px; narrower screens scale it down
CHART_OPEN = 12  # flows charted in the open; more go in an expander
_BAR_LEFT = 58
_TRACK = 290
_ROW = 54
_LABEL_CHARS = 48


def score_chart(flows: Sequence[FlowResult]) -> str:
    """The flows' API and events scores as paired bars on the 0-100 scale, inline SVG with
    the same numbers as its accessible name. Flow ids are escaped text, no script or link."""
    height = len(flows) * _ROW + 4
    described = "; ".join(
        f"{flow.id} ({STYLE_NAMES[flow.style]}): API {format_score(flow.scores.api)}, events "
        f"{format_score(flow.scores.event)}"
        for flow in flows
    )
    name = _e(f"Scores per flow, out of 100: {described}")
    parts = [
        f'<svg role="img" aria-label="{name}" class="ia-score-chart" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" '
        'style="max-width:100%;height:auto" font-size="13" fill="#475467">'
        f"<title>{name}</title>"
    ]
    for index, flow in enumerate(flows):
        top = index * _ROW + 2
        label = f"{flow.id} · {STYLE_NAMES[flow.style]}"
        if len(label) > _LABEL_CHARS:
            label = label[: _LABEL_CHARS - 1] + "…"
        parts.append(f'<text x="0" y="{top + 14}" font-size="14" fill="#101828">{_e(label)}</text>')
        for row, (side, score, colour) in enumerate(
            (("API", flow.scores.api, "#1f5fa8"), ("Events", flow.scores.event, "#c2410c"))
        ):
            y = top + 20 + row * 15
            width = round(_TRACK * min(max(score, 0), 100) / 100, 1)
            parts.append(
                f'<text x="0" y="{y + 9}">{side}</text>'
                f'<rect x="{_BAR_LEFT}" y="{y}" width="{_TRACK}" height="10" rx="3" '
                'fill="#f2f4f7"/>'
                f'<rect x="{_BAR_LEFT}" y="{y}" width="{width}" height="10" rx="3" '
                f'fill="{colour}"/>'
                f'<text x="{_BAR_LEFT + _TRACK + 6}" y="{y + 9}" fill="#101828">'
                f"{format_score(score)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
