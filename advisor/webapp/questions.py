"""The questionnaire: the context, the systems and the flows, in the rules' own words."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, TypedDict

import pandas as pd
import streamlit as st

from advisor.models import Result
from advisor.questionnaire import (
    Checked,
    FieldKey,
    add_flow,
    apply_system_edits,
    choices,
    copy_flow,
    describe_delay,
    question,
    remove_flow,
    same_edits,
)
from advisor.ruleset import Ruleset
from advisor.webapp import state
from advisor.webapp.text import html_text, markdown_text
from advisor.wording import STYLE_NAMES, format_confidence, format_score

SECTIONS = (":material/tune: Context", ":material/apps: Systems", ":material/swap_horiz: Flows")
ROW_HEIGHT = 35  # pixels; the browser tests find the table's cells by it


def flag(messages: Sequence[str]) -> None:
    """Problems with one field, right under it, in the loader's words."""
    for message in messages:
        st.markdown(f'<div class="ia-flag">⚠ {html_text(message)}</div>', unsafe_allow_html=True)


class Asked(TypedDict):
    label: str
    help: str


def _asked(ruleset: Ruleset, name: str) -> Asked:
    asked = question(ruleset, name)
    return {"label": asked.label, "help": asked.help}


def _ask(checked: Checked, widget: Any, path: FieldKey, *args: Any, **kwargs: Any) -> None:
    """A widget bound to the answer at `path`, with that answer's problems right under it."""
    state.bound(widget, path, *args, **kwargs)
    flag(checked.at(*path))


def _choice(
    ruleset: Ruleset, checked: Checked, key: str, path: FieldKey, *, segmented: bool = False
) -> None:
    """One of the values the input `key` (`flow.trigger`) allows, named in the rules' words."""
    names = choices(ruleset, key)
    named = {"options": list(names), "format_func": names.__getitem__, **_asked(ruleset, key)}
    if segmented:
        _ask(checked, st.segmented_control, path, required=True, width="stretch", **named)
    else:
        _ask(checked, st.selectbox, path, **named)


def _number(ruleset: Ruleset, checked: Checked, key: str, path: FieldKey, **kwargs: Any) -> None:
    """A number of the input `key`, with decimals (a whole number when `seed=int`)."""
    decimals = {"seed": float, "step": 1.0, "format": "%g", "min_value": 0.0}
    _ask(checked, st.number_input, path, **{**decimals, **kwargs, **_asked(ruleset, key)})


# ---------------------------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------------------------


def context_section(ruleset: Ruleset, checked: Checked) -> None:
    _ask(checked, st.text_input, ("name",), "What is the integration called?", max_chars=200)
    _ask(
        checked,
        st.text_area,
        ("description",),
        "What does it do? (optional)",
        height=68,
        max_chars=5000,
    )
    for name in ("stage", "team_event_experience"):
        _choice(ruleset, checked, f"context.{name}", ("context", name), segmented=True)
    left, right = st.columns(2)
    with left:
        _choice(ruleset, checked, "context.cloud", ("context", "cloud"))
    with right:
        _choice(ruleset, checked, "context.existing_broker", ("context", "existing_broker"))
    names = choices(ruleset, "context.goals")
    _ask(
        checked,
        st.pills,
        ("context", "goals"),
        options=list(names),
        format_func=names.__getitem__,
        selection_mode="multi",
        wrap=True,
        **_asked(ruleset, "context.goals"),
    )


# ---------------------------------------------------------------------------------------------
# Systems
# ---------------------------------------------------------------------------------------------


def systems_section(ruleset: Ruleset, checked: Checked) -> None:
    st.caption(
        "Every application, SaaS tool or service taking part. Edit a cell to change it, add a "
        "row at the bottom, or tick rows and press the bin to remove them. Renaming an id "
        "renames it in the flows too."
    )
    table_key, base, _ = state.table()
    table = pd.DataFrame(
        {
            "id": pd.array([row.get("id") for row in base], dtype="string"),
            "name": pd.array([row.get("name") for row in base], dtype="string"),
            "emits_events": pd.array(
                [bool(row.get("emits_events")) for row in base], dtype="boolean"
            ),
            "api_rate_limit_per_minute": pd.array(
                [row.get("api_rate_limit_per_minute") for row in base], dtype="Int64"
            ),
            "owner": pd.array([row.get("owner") for row in base], dtype="string"),
        }
    )
    columns = {
        "id": st.column_config.TextColumn(
            **_asked(ruleset, "system.id"), required=True, max_chars=64, width=110
        ),
        "name": st.column_config.TextColumn(
            **_asked(ruleset, "system.name"), max_chars=200, width=150
        ),
        "emits_events": st.column_config.CheckboxColumn(
            "Publishes",
            help=question(ruleset, "system.emits_events").label
            + " "
            + question(ruleset, "system.emits_events").help,
            default=False,
            width=90,
        ),
        "api_rate_limit_per_minute": st.column_config.NumberColumn(
            "Calls / min",
            help=question(ruleset, "system.api_rate_limit_per_minute").label
            + ". "
            + question(ruleset, "system.api_rate_limit_per_minute").help,
            min_value=1,
            step=1,
            format="%d",
            width=95,
        ),
        "owner": st.column_config.TextColumn(**_asked(ruleset, "system.owner"), max_chars=200),
    }
    st.data_editor(
        table,
        key=table_key,
        column_config=columns,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        placeholder="—",
        row_height=ROW_HEIGHT,
        on_change=_table_changed,
        args=(table_key,),
    )
    if _apply_table_edits(table_key):  # edits that arrived without the change callback
        st.rerun()
    flag(checked.at("systems"))
    for index, row in enumerate(state.answers()["systems"]):
        for name in ("id", "name", "emits_events", "api_rate_limit_per_minute", "owner"):
            messages = checked.at("systems", index, name) + (
                checked.at("systems", index) if name == "id" else ()
            )
            label = row.get("id") or f"row {index + 1}"
            flag([f"{label}, {question(ruleset, 'system.' + name).label}: {m}" for m in messages])


def _table_changed(table_key: str) -> None:
    _apply_table_edits(table_key)


def _apply_table_edits(table_key: str) -> bool:
    """Fold the table's edits into the answers.

    Runs as the table's change callback, before the page is drawn, so an edit is kept even when
    the next click leaves the Systems section (a table that is not drawn loses its edits).
    """
    edits = st.session_state.get(table_key)
    _, base, folded = state.table()
    if edits is None or same_edits(edits, folded):
        return False
    state.fold_table(
        apply_system_edits(state.answers(), edits, base=base, previous=folded), dict(edits)
    )
    return True


# ---------------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------------


def flows_section(ruleset: Ruleset, checked: Checked, result: Result | None) -> None:
    flows = state.answers()["flows"]
    index = _flow_picker(flows, checked, result)
    add, duplicate, remove = st.columns(3)
    add.button("Add a flow", icon=":material/add:", on_click=_add_flow, width="stretch")
    duplicate.button(
        "Duplicate",
        icon=":material/content_copy:",
        on_click=_copy_flow,
        args=(index,),
        width="stretch",
    )
    remove.button(
        "Remove",
        icon=":material/delete:",
        on_click=_remove_flow,
        args=(index,),
        disabled=len(flows) < 2,
        width="stretch",
    )
    flag(checked.at("flows"))
    with st.container(border=True):
        _verdict(result, flows[index].get("id"))
        _flow_form(ruleset, checked, index)


def _verdict(result: Result | None, flow_id: Any) -> None:
    """The style this flow gets right now, next to the answers that decide it."""
    found = next((flow for flow in (result.flows if result else ()) if flow.id == flow_id), None)
    if found is None:
        return
    st.markdown(
        f'<div class="ia-verdict ia-{found.style}"><span class="ia-tag">'
        f"{html.escape(STYLE_NAMES[found.style])}</span> API {format_score(found.scores.api)} "
        f"of 100 · events {format_score(found.scores.event)} of 100 · confidence "
        f"{format_confidence(found.confidence)}</div>",
        unsafe_allow_html=True,
    )


def _flow_picker(flows: list[dict[str, Any]], checked: Checked, result: Result | None) -> int:
    styles = {flow.id: flow.style for flow in result.flows} if result else {}

    def label(position: int) -> str:  # pills read Markdown: the id is shown as text
        flow_id = flows[position].get("id") or f"flow {position + 1}"
        shown = markdown_text(flow_id)
        if any(key[:2] == ("flows", position) for key in checked.fields):
            return f"⚠ {shown}"
        style = styles.get(flow_id)
        return f"{shown} · {STYLE_NAMES[style]}" if style else shown

    picker_key = state.key(("flow-picker",))
    if picker_key not in st.session_state:
        st.session_state[picker_key] = state.flow_index()
    picked = st.pills(
        "Flows: pick one to answer its questions",
        options=list(range(len(flows))),
        format_func=label,
        key=picker_key,
        required=True,
        on_change=_pick_flow,
        args=(picker_key,),
    )
    return int(picked if picked is not None else state.flow_index())


def _pick_flow(picker_key: str) -> None:
    st.session_state[state.FLOW] = st.session_state[picker_key]


def _add_flow() -> None:
    updated = add_flow(state.answers())
    state.change(updated, flow=len(updated["flows"]) - 1)


def _copy_flow(index: int) -> None:
    state.change(copy_flow(state.answers(), index), flow=index + 1)


def _remove_flow(index: int) -> None:
    state.change(remove_flow(state.answers(), index), flow=max(0, index - 1))


def _flow_form(ruleset: Ruleset, checked: Checked, index: int) -> None:
    answers = state.answers()
    flow = answers["flows"][index]
    at = ("flows", index)
    systems = {row["id"]: row.get("name") for row in answers["systems"] if row.get("id")}

    def system_label(system_id: Any) -> str:
        if system_id not in systems:
            return f"⚠ {system_id} (no such system)"
        name = systems[system_id]
        return f"{name} ({system_id})" if name and name != system_id else str(system_id)

    flag(checked.at(*at))
    left, right = st.columns([1, 2])
    with left:
        _ask(checked, st.text_input, (*at, "id"), **_asked(ruleset, "flow.id"), max_chars=64)
    with right:
        asked = _asked(ruleset, "flow.description")
        _ask(checked, st.text_input, (*at, "description"), **asked, max_chars=2000)

    source = flow.get("source")
    _ask(
        checked,
        st.selectbox,
        (*at, "source"),
        options=list(systems) + ([source] if source and source not in systems else []),
        format_func=system_label,
        placeholder="Choose a system",
        **_asked(ruleset, "flow.source"),
    )
    targets = list(flow.get("targets") or [])
    _ask(
        checked,
        st.multiselect,
        (*at, "targets"),
        options=list(systems) + [target for target in targets if target not in systems],
        format_func=system_label,
        placeholder="Choose one or more systems",
        **_asked(ruleset, "flow.targets"),
    )
    _choice(ruleset, checked, "flow.trigger", (*at, "trigger"), segmented=True)
    asked = _asked(ruleset, "flow.needs_response")
    _ask(checked, st.toggle, (*at, "needs_response"), **asked)
    callers = choices(ruleset, "flow.initiator")
    _ask(  # none chosen: the default by trigger
        checked,
        st.segmented_control,
        (*at, "initiator"),
        options=list(callers),
        format_func=callers.__getitem__,
        width="stretch",
        **_asked(ruleset, "flow.initiator"),
    )

    left, right = st.columns(2)
    with left:
        delay = (*at, "max_delay_seconds")
        state.bound(
            st.number_input,
            delay,
            seed=float,
            min_value=0.001,  # a millisecond: the least the format takes
            step=1.0,
            format="%g",
            **_asked(ruleset, "flow.max_delay_seconds"),
        )
        st.caption(describe_delay(flow.get("max_delay_seconds")) or " ")  # the delay in words
        flag(checked.at(*delay))
    with right:
        _number(
            ruleset,
            checked,
            "flow.events_per_day",
            (*at, "events_per_day"),
            seed=int,
            min_value=0,
            step=100,
            format=None,
        )
    for name in ("consistency", "ordering"):
        _choice(ruleset, checked, f"flow.{name}", (*at, name), segmented=True)

    left, right = st.columns(2)
    with left:
        _number(ruleset, checked, "flow.payload_kb", (*at, "payload_kb"))
    with right:
        _number(
            ruleset,
            checked,
            "flow.peak_per_second",
            (*at, "peak_per_second"),
            seed=lambda value: None if value is None else float(value),
            placeholder="Estimated from the daily volume",
        )
    _number(
        ruleset,
        checked,
        "flow.items_polled_one_by_one",
        (*at, "items_polled_one_by_one"),
        seed=int,
        min_value=1,
        step=1,
        format=None,
    )
