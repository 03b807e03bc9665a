"""One visitor's answers in `st.session_state`, and widgets bound to them.

Widgets lose their state when they are not drawn (another flow is picked, a flow is removed), so
the answers live in a plain dict of our own: each widget is seeded from it when drawn and writes
back to it in its change callback. Replacing the answers wholesale (an example, an upload, a
link) or changing their shape (a flow added or removed, a system's id changed) starts a new
generation of widget keys, so that every widget is seeded afresh.

The systems table is the exception: its edits are cumulative, against the systems it started
from, so it keeps its key (a new key would throw away an edit typed while the page reruns) and
starts afresh only when the answers are replaced wholesale.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from advisor.advice import assess
from advisor.errors import InputError, Problem
from advisor.models import Assessment, Result
from advisor.questionnaire import (
    Answers,
    FieldKey,
    answers_from,
    blank_answers,
    keep_defaults,
    unmark,
)
from advisor.ruleset import Ruleset
from advisor.share import decode_link
from advisor.webapp.diagram import Blueprint
from advisor.webapp.resources import default_example

ANSWERS = "answers"
GENERATION = "generation"
TABLE = "table"  # the systems table: (its generation, the systems it started from, edits folded)
FLOW = "flow"
NOTICE = "notice"
LAST_GOOD = "last-good"
LAST_ASSESSED = "last-assessed"  # (assessment, rule set, result) of the last assessment made
REFUSED = "refused"  # numbers refused at their field: {answer path: what was said}
OPEN_MENU = "open-menu"  # the Open popover's state: closed once something is opened
LINK_PARAM = "a"


def start() -> None:
    """On a visitor's first run: the assessment from the link, or the default example."""
    if ANSWERS in st.session_state:
        return
    link = st.query_params.get(LINK_PARAM)
    if link is None:
        replace(answers_from(default_example()))
        return
    try:
        replace(answers_from(decode_link(link)))
    except InputError as error:
        replace(blank_answers(), problems=error.problems, title="This link could not be opened")
        del st.query_params[LINK_PARAM]


def answers() -> Answers:
    return st.session_state[ANSWERS]  # type: ignore[no-any-return]


def replace(new: Answers, *, problems: tuple[Problem, ...] = (), title: str | None = None) -> None:
    """Start over from other answers; `problems` are shown until the next replacement."""
    st.session_state[ANSWERS] = new
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    table_generation = st.session_state[TABLE][0] + 1 if TABLE in st.session_state else 0
    st.session_state[TABLE] = (table_generation, copy.deepcopy(new["systems"]), {})
    st.session_state[FLOW] = 0
    st.session_state[NOTICE] = (title, problems) if problems else None
    st.session_state.pop(LAST_GOOD, None)
    st.session_state.pop(REFUSED, None)


def report(title: str, problems: tuple[Problem, ...]) -> None:
    """Say why something could not be opened, keeping the answers as they are."""
    st.session_state[NOTICE] = (title, problems)


def dismiss() -> None:
    st.session_state[NOTICE] = None


def load(assessment: Assessment) -> None:
    replace(answers_from(assessment))


def change(new: Answers, *, flow: int | None = None) -> None:
    """A structural edit (a flow added or removed, the systems table): reseed every widget."""
    st.session_state[ANSWERS] = new
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.session_state.pop(REFUSED, None)
    if flow is not None:
        st.session_state[FLOW] = flow


def keep(section: str, index: int | None = None) -> None:
    """Keep the defaults of a section (or of one flow) as the user's answers."""
    change(keep_defaults(answers(), section, index))


def close_open_menu() -> None:
    """Close the Open popover (from a callback, before it is drawn): something was opened."""
    st.session_state[OPEN_MENU] = False


def restore(new: Answers, *, flow: int | None = None) -> None:
    """Other answers of the same visit (undo, redo, a what-if applied): every widget is seeded
    afresh, the systems table too when the systems differ; the notice and the blueprint stay."""
    if new["systems"] != answers()["systems"]:
        generation = st.session_state[TABLE][0] + 1
        st.session_state[TABLE] = (generation, copy.deepcopy(new["systems"]), {})
    change(new, flow=flow)


def table() -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """The systems table's key, the systems it started from and the edits in the answers."""
    generation, base, folded = st.session_state[TABLE]
    return f"t{generation}:systems", base, folded


def fold_table(new: Answers, edits: dict[str, Any]) -> None:
    """Answers with the table's (cumulative) edits folded in. Other widgets start afresh only
    when a system's id changed, which their choices of systems may hold."""
    ids_changed = [system.get("id") for system in new["systems"]] != [
        system.get("id") for system in answers()["systems"]
    ]
    generation, base, _ = st.session_state[TABLE]
    st.session_state[TABLE] = (generation, base, copy.deepcopy(edits))
    if ids_changed:
        change(new)
    else:
        st.session_state[ANSWERS] = new


def notice() -> tuple[str | None, tuple[Problem, ...]] | None:
    return st.session_state.get(NOTICE)


def flow_index() -> int:
    count = len(answers()["flows"])
    index = int(st.session_state.get(FLOW, 0))
    return max(0, min(index, count - 1))


def key(path: FieldKey) -> str:
    """The widget key for an answer in this generation."""
    return f"g{st.session_state.get(GENERATION, 0)}:" + ".".join(map(str, path))


def get(path: FieldKey) -> Any:
    node: Any = answers()
    for part in path:
        node = node[part]
    return node


def put(path: FieldKey, value: Any) -> None:
    """The one place a single answer changes: the user's own from now on, no longer a default,
    and no longer refused."""
    node: Any = answers()
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    unmark(answers(), path)
    refused_now = st.session_state.get(REFUSED)
    if refused_now:
        refused_now.pop(path, None)


def refuse(path: FieldKey, message: str) -> None:
    """Say at the field why a value was not taken; the answer keeps its value."""
    st.session_state.setdefault(REFUSED, {})[path] = message


def refused(path: FieldKey) -> str | None:
    return (st.session_state.get(REFUSED) or {}).get(path)


Check = Callable[[Any], "str | None"]


def bound(
    widget: Callable[..., Any],
    path: FieldKey,
    *args: Any,
    seed: Callable[[Any], Any] = lambda value: value,
    check: Check | None = None,
    variant: str = "",
    **kwargs: Any,
) -> Any:
    """Draw `widget` showing the answer at `path`; the user's changes go back into the answers.

    `check` says why a value cannot be taken (a number out of its bounds): the answer then keeps
    its value, the widget shows it again, and `refused(path)` says why. A `variant` is part of
    the widget's key: a widget whose options' labels change gets a new key with them (a select
    holds the label the browser last showed, not the value behind it).
    """
    widget_key = key(path) + (f"~{variant}" if variant else "")
    if widget_key not in st.session_state:
        st.session_state[widget_key] = seed(get(path))
    return widget(
        *args,
        key=widget_key,
        on_change=_store,
        args=(widget_key, path, seed, check),
        **kwargs,
    )


def _store(
    widget_key: str, path: FieldKey, seed: Callable[[Any], Any], check: Check | None
) -> None:
    value = st.session_state[widget_key]
    why = check(value) if check is not None and value is not None else None
    if why is not None:
        refuse(path, why)
        st.session_state[widget_key] = seed(get(path))
        return
    put(path, list(value) if isinstance(value, tuple) else value)


def assessed(assessment: Assessment, ruleset: Ruleset) -> Result:
    """`assess(assessment, ruleset)`, made again only when the answers or the rules changed: a
    rerun that opens a menu or picks a view or a flow keeps the result it has (an estate of a
    thousand flows takes a third of a second to assess)."""
    last: tuple[Assessment, Ruleset, Result] | None = st.session_state.get(LAST_ASSESSED)
    if last is not None and last[1] is ruleset and last[0] == assessment:
        return last[2]
    result = assess(assessment, ruleset)
    st.session_state[LAST_ASSESSED] = (assessment, ruleset, result)
    return result


@dataclass(frozen=True)
class Good:
    """The result of the last complete answers, kept on screen while the answers are not."""

    assessment: Assessment
    result: Result
    drawing: Blueprint


def remember(
    assessment: Assessment | None, result: Result | None, drawing: Blueprint | None
) -> Good | None:
    """The result of the last complete answers: the one given, or the one before it."""
    if assessment is not None and result is not None and drawing is not None:
        good = Good(assessment, result, drawing)
        st.session_state[LAST_GOOD] = good
        return good
    found: Good | None = st.session_state.get(LAST_GOOD)
    return found
