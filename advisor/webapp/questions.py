"""The questionnaire: the context, the systems and the flows, in the rules' own words."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Sequence
from typing import Any, TypedDict

import pandas as pd
import streamlit as st

from advisor.models import Result
from advisor.questionnaire import (
    DELAY_UNITS,
    DESCRIPTION_LABEL,
    FLOW_ANSWERS,
    NAME_LABEL,
    Checked,
    FieldKey,
    Progress,
    Section,
    add_flow,
    apply_system_edits,
    choices,
    copy_flow,
    delay_in_units,
    delay_seconds,
    out_of_range,
    progress,
    question,
    remove_flow,
    same_edits,
    say_delay,
    where,
)
from advisor.ruleset import Ruleset
from advisor.webapp import state
from advisor.webapp.text import html_text, markdown_text
from advisor.wording import STYLE_NAMES, format_confidence, format_number, format_score

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
    _flags(checked, path)


def _flags(checked: Checked, path: FieldKey) -> None:
    """A value just refused at this field, then the answer's problems."""
    refused = state.refused(path)
    flag(([refused] if refused else []) + list(checked.at(*path)))


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
    """A number of the input `key`, with decimals (a whole number when `seed=int`).

    The box has no bounds of its own (a browser would keep a value out of them to itself,
    outlined in red): a number out of the model's bounds reaches the server, which keeps the
    answer as it was and says so at the field, with the bound."""
    decimals = {"seed": float, "step": 1.0, "format": "%g"}
    asked = {**decimals, **kwargs, **_asked(ruleset, key)}
    _ask(checked, st.number_input, path, check=_within(key, path), **asked)


def _within(key: str, path: FieldKey) -> Callable[[Any], str | None]:
    """Why a number typed for `key` cannot be kept: its bound, and the answer kept instead."""

    def check(value: Any) -> str | None:
        why = out_of_range(key, float(value))
        if why is None:
            return None
        kept = state.get(path)
        kept_words = "no value" if kept is None else format_number(kept)
        return f"{format_number(float(value))} {why}; kept {kept_words}."

    return check


def _progress(section: Section, ruleset: Ruleset, *, index: int | None = None) -> None:
    """How many of a section's answers are confirmed, which are still the questionnaire's
    defaults, and a button to keep them as they are."""
    if not section.defaults:
        if section.answers and index is None:
            st.caption(f"All {section.answers} answers confirmed.")
        return
    answers = state.answers()
    shown = [where(answers, ruleset, key)[1] for key in section.defaults]
    if index is not None:  # one flow's: its questions alone
        shown = [place.split(" › ", 1)[-1] for place in shown]
    listed = "; ".join(shown[:SHOWN_DEFAULTS]) + (
        f"; and {len(shown) - SHOWN_DEFAULTS} more" if len(shown) > SHOWN_DEFAULTS else ""
    )
    if section.confirmed == 0 and index is not None:
        said = f"None of its {section.answers} answers is confirmed yet: each is a default."
    else:
        said = (
            f"{section.confirmed} of {section.answers} answers confirmed; still at their "
            f"defaults: {markdown_text(listed)}."
        )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"{said} Change them, or keep them as they are.")
        st.button(
            "Keep these defaults",
            key=state.key(("keep", section.name, -1 if index is None else index)),
            icon=":material/done_all:",
            type="tertiary",
            on_click=state.keep,
            args=(section.name, index),
            help="Mark these answers as yours, as they are now.",
        )


SHOWN_DEFAULTS = 4  # defaults named in a section's line; the rest are counted


def overview(counted: Progress) -> None:
    """Confirmed answers over all, and section by section."""
    parts = " · ".join(
        f"{section.name} {section.confirmed} of {section.answers}"
        for section in counted.sections
        if section.answers
    )
    if counted.defaults:
        st.caption(
            f"Confirmed: {counted.confirmed} of {counted.answers} answers ({parts}). The "
            "others still hold the questionnaire's defaults."
        )
    else:
        st.caption(f"Every answer confirmed ({parts}).")


# ---------------------------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------------------------


def context_section(ruleset: Ruleset, checked: Checked) -> None:
    _progress(progress(state.answers()).section("Context"), ruleset)
    _ask(checked, st.text_input, ("name",), NAME_LABEL, max_chars=200)
    _ask(
        checked,
        st.text_area,
        ("description",),
        DESCRIPTION_LABEL,
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
        "renames it in the flows too. By keyboard: Tab into the table, move with the arrow "
        "keys, press Enter (or start typing) to edit a cell, Enter again to keep the change or "
        "Escape to drop it."
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
            step=1,  # no bound here: a value out of the model's is flagged under the table
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
    # Below the table, not above it: a row's new defaults, and the button that keeps them,
    # appear while it is being edited, and must not push the table from under the pointer.
    _progress(progress(state.answers()).section("Systems"), ruleset)
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
    if not flows:
        st.caption(
            "No flow yet. A flow is one kind of data moving from a source system to its "
            "targets: add one, then answer its questions."
        )
        return
    with st.container(border=True):
        _verdict(result, flows[index].get("id"), new=index in checked.new_flows)
        _flow_progress(ruleset, index)
        _flow_form(ruleset, checked, index)


def _flow_progress(ruleset: Ruleset, index: int) -> None:
    section = progress(state.answers()).section("Flows")
    mine = tuple(key for key in section.defaults if key[1] == index)
    _progress(Section("Flows", len(FLOW_ANSWERS), mine), ruleset, index=index)


def _verdict(result: Result | None, flow_id: Any, *, new: bool = False) -> None:
    """The style this flow gets right now, next to the answers that decide it."""
    if new:
        st.markdown(
            '<div class="ia-verdict">New flow: not counted in the recommendation until you '
            "answer one of its questions (or keep its defaults).</div>",
            unsafe_allow_html=True,
        )
        return
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


# Up to this many flows are picked from a row of pills; more (an estate of hundreds) from a list:
# a pill each would fill the tab and take the browser seconds to draw.
PILLS_AT_MOST = 30


def _flow_picker(flows: list[dict[str, Any]], checked: Checked, result: Result | None) -> int:
    styles = {flow.id: flow.style for flow in result.flows} if result else {}

    def label(position: int, markdown: bool = True) -> str:  # pills read Markdown
        flow_id = flows[position].get("id") or f"flow {position + 1}"
        shown = markdown_text(flow_id) if markdown else str(flow_id)
        if position in checked.new_flows:
            return f"{shown} · new"
        if any(key[:2] == ("flows", position) for key in checked.fields):
            return f"⚠ {shown}"
        style = styles.get(flow_id)
        return f"{shown} · {STYLE_NAMES[style]}" if style else shown

    many = len(flows) > PILLS_AT_MOST
    picker_key = state.key(("flow-list",) if many else ("flow-picker",))
    if picker_key not in st.session_state:
        st.session_state[picker_key] = state.flow_index()
    picked: int | None
    if many:  # a list shows its items as plain text: the ids as they are, no Markdown
        picked = st.selectbox(
            f"Flows: pick one of the {len(flows):,} to answer its questions",
            options=list(range(len(flows))),
            format_func=lambda position: label(position, markdown=False),
            key=picker_key,
            on_change=_pick_flow,
            args=(picker_key,),
        )
    else:
        picked = st.pills(
            "Flows: pick one to answer its questions",
            options=list(range(len(flows))),
            format_func=label,
            key=picker_key,
            required=True,
            on_change=_pick_flow,
            args=(picker_key,),
        )
    return int(picked if picked is not None and picked < len(flows) else state.flow_index())


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
    options = list(systems) + ([source] if source and source not in systems else [])
    _ask(
        checked,
        st.selectbox,
        (*at, "source"),
        options=options,
        format_func=system_label,
        placeholder="Choose a system",
        variant=_labels(options, system_label),
        **_asked(ruleset, "flow.source"),
    )
    targets = list(flow.get("targets") or [])
    options = list(systems) + [target for target in targets if target not in systems]
    _ask(
        checked,
        st.multiselect,
        (*at, "targets"),
        options=options,
        format_func=system_label,
        placeholder="Choose one or more systems",
        variant=_labels(options, system_label),
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

    amount, unit, volume = st.columns([1.3, 0.9, 1.4], vertical_alignment="bottom")
    _delay(ruleset, (*at, "max_delay_seconds"), amount, unit)
    with volume:
        _number(
            ruleset,
            checked,
            "flow.events_per_day",
            (*at, "events_per_day"),
            seed=int,
            step=100,
            format=None,
        )
    _flags(checked, (*at, "max_delay_seconds"))
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
        step=1,
        format=None,
    )


def _labels(options: Sequence[Any], label: Callable[[Any], str]) -> str:
    """A short digest of the labels a select shows, for its key: a select holds the label the
    browser last showed, so when labels change (a system renamed) it must start afresh from the
    answer, which holds the id, or it would hand back a label where an id belongs."""
    shown = "\n".join(label(option) for option in options)
    return hashlib.blake2b(shown.encode("utf-8"), digest_size=4).hexdigest()


def _delay(ruleset: Ruleset, path: FieldKey, amount_column: Any, unit_column: Any) -> None:
    """How fresh the targets must be, as a number and a unit (seconds, minutes, hours, days);
    the answer stays in seconds."""
    amount_key, unit_key = state.key(path), state.key(path) + "~unit"
    if amount_key not in st.session_state or unit_key not in st.session_state:
        st.session_state[amount_key], st.session_state[unit_key] = delay_in_units(state.get(path))
    amount_column.number_input(
        key=amount_key,
        step=1.0,
        format="%g",
        on_change=_delay_changed,
        args=(path, amount_key, unit_key),
        **_asked(ruleset, "flow.max_delay_seconds"),
    )
    unit_column.selectbox(
        "Unit",
        list(DELAY_UNITS),
        key=unit_key,
        on_change=_delay_changed,
        args=(path, amount_key, unit_key),
        help="The number beside it is in this unit: 5 and minutes is 5 minutes (300 seconds).",
    )


def _delay_changed(path: FieldKey, amount_key: str, unit_key: str) -> None:
    amount, unit = st.session_state[amount_key], st.session_state[unit_key]
    kept = state.get(path)
    seconds = None if amount is None else round(delay_seconds(float(amount), unit), 6)
    why = (
        "is needed"
        if seconds is None
        else out_of_range("flow.max_delay_seconds", seconds, say_delay)
    )
    if why is None:
        state.put(path, seconds)
        return
    typed = "A delay" if amount is None else f"{format_number(float(amount))} {unit}"
    kept_words = "no value" if kept is None else say_delay(kept)
    state.refuse(path, f"{typed} {why}; kept {kept_words}.")
    st.session_state[amount_key], st.session_state[unit_key] = delay_in_units(kept)
