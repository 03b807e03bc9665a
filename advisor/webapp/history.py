"""Undo and redo of answer changes, and what-ifs applied to the answers.

Every run compares the answers with a copy of the ones it last saw: whatever changed them (a
widget, the systems table, a flow added or removed, another assessment opened), the copy goes
on the undo list with a few words on what changed. Undo puts the copy back and keeps the undone
answers for redo; a new change drops what could be redone. A what-if from "What would change
the answer" is applied the same way, and undone the same way.

The history is bounded: the last `LIMIT` changes can be undone, the oldest is dropped past it.
It lives in the visitor's session only, like the answers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from advisor.models import Change, System
from advisor.questionnaire import UNCONFIRMED, Answers, unmark
from advisor.webapp import state
from advisor.webapp.text import markdown_text

LIMIT = 50  # changes that can be undone; the oldest is dropped past it
HISTORY = "history"


@dataclass(frozen=True)
class Step:
    """Answers to go back (or forward) to, and what the change between them was."""

    answers: Answers
    label: str
    removal: bool = False  # a flow or a system removed: said out loud, with its undo at hand
    what_if: bool = False


@dataclass
class History:
    seen: Answers  # a copy of the answers as last seen
    undo: list[Step] = field(default_factory=list)  # newest last, at most LIMIT
    redo: list[Step] = field(default_factory=list)  # the next redo last


def _history() -> History:
    found = st.session_state.get(HISTORY)
    if found is None:
        found = st.session_state[HISTORY] = History(seen=copy.deepcopy(state.answers()))
    return found


def record() -> None:
    """Note a change made since the last run (call once a run, after `state.start`)."""
    history = _history()
    current = state.answers()
    if current != history.seen:
        _push(history, current, *describe(history.seen, current))


def _push(history: History, new: Answers, label: str, removal: bool, what_if: bool = False) -> None:
    history.undo.append(Step(history.seen, label, removal=removal, what_if=what_if))
    del history.undo[:-LIMIT]
    history.redo.clear()
    history.seen = snapshot(new, history.seen)


def snapshot(answers: Answers, previous: Answers) -> Answers:
    """A copy of the answers that shares with the previous copy every flow and system that has
    not changed (copies are never changed, only replaced): a long history of a large
    assessment costs about one copy of it and the changes."""
    copied: Answers = {}
    for name, value in answers.items():
        before = previous.get(name)
        if name in ("flows", "systems") and isinstance(value, list) and isinstance(before, list):
            by_id = {item.get("id"): item for item in before if isinstance(item, dict)}
            items = []
            for item in value:  # an old copy is shared once: no two items are one object
                old = by_id.pop(item.get("id"), None) if isinstance(item, dict) else None
                items.append(old if old is not None and old == item else copy.deepcopy(item))
            copied[name] = items
        else:
            copied[name] = copy.deepcopy(value)
    return copied


def undo() -> None:
    history = _history()
    record()  # an edit sent together with the click is the one to undo
    if not history.undo:
        return
    step = history.undo.pop()
    history.redo.append(Step(history.seen, step.label, step.removal, step.what_if))
    _restore(history, step.answers)


def redo() -> None:
    history = _history()
    record()
    if not history.redo:
        return
    step = history.redo.pop()
    history.undo.append(Step(history.seen, step.label, step.removal, step.what_if))
    _restore(history, step.answers)


def _restore(history: History, answers: Answers) -> None:
    history.seen = answers
    state.restore(copy.deepcopy(answers))


def last() -> Step | None:
    """The change an undo would take back."""
    history = _history()
    return history.undo[-1] if history.undo else None


# ---------------------------------------------------------------------------------------------
# What-ifs
# ---------------------------------------------------------------------------------------------


def applied(answers: Answers, change: Change) -> tuple[Answers, int | None] | None:
    """The answers with a what-if's proposed value in place, and the index of the flow it
    changes (None for the context or a system); None when the answers no longer have its
    field. Consumers a what-if adds by id (`new-consumer-1`) become systems of their own."""
    scope, _, rest = change.field.partition(".")
    updated = copy.deepcopy(answers)
    value = copy.deepcopy(change.proposed)
    if scope == "context":
        if rest not in updated.get("context", {}):
            return None
        updated["context"][rest] = value
        unmark(updated, ("context", rest))  # the user's answer from now on
        return updated, None
    owner, _, name = rest.rpartition(".")  # ids hold no dots
    items = updated.get(scope) if scope in ("systems", "flows") else None
    index = next((i for i, item in enumerate(items or ()) if item.get("id") == owner), None)
    if items is None or index is None or name not in items[index]:
        return None
    items[index][name] = value
    unmark(updated, (scope, index, name))
    if scope == "flows" and name == "targets" and isinstance(value, list):
        known = {system.get("id") for system in updated["systems"]}
        updated["systems"] += [
            System(id=target).model_dump(mode="python") for target in value if target not in known
        ]
    return updated, (index if scope == "flows" else None)


def apply(change: Change) -> None:
    """Apply a what-if to the answers, as one change that undo takes back."""
    history = _history()
    record()
    found = applied(state.answers(), change)
    if found is None:
        return
    updated, flow = found
    _push(history, updated, f"Applied: {change.summary}", removal=False, what_if=True)
    state.restore(updated, flow=flow)


# ---------------------------------------------------------------------------------------------
# What changed, in words
# ---------------------------------------------------------------------------------------------


def describe(old: Answers, new: Answers) -> tuple[str, bool]:
    """A few words on what changed between two sets of answers, and whether it was a removal
    of flows or systems."""
    if old.get("name") != new.get("name") and _ids(old, "flows") != _ids(new, "flows"):
        return f"Opened {_quoted(new.get('name'))}", False
    for kind, noun in (("flows", "flow"), ("systems", "system")):
        before, after = _ids(old, kind), _ids(new, kind)
        gone = [item for item in before if item not in after]
        added = [item for item in after if item not in before]
        if gone and not added:
            return f"Removed {_named(noun, gone)}", True
        if added and not gone:
            return f"Added {_named(noun, added)}", False
        if gone and added and len(before) == len(after):
            if len(gone) == 1:
                return f"Renamed {noun} {_quoted(gone[0])} to {_quoted(added[0])}", False
            return f"Changed the {kind}' ids", False
        if gone or added:
            return f"Changed the {kind}", False
    paths = list(_differences(old, new, ()))
    if not paths:  # only which answers are still defaults changed
        return "Kept answers at their defaults", False
    if len(paths) == 1:
        return f"Changed {_where(old, paths[0])}", False
    return f"Changed {len(paths)} answers", False


def _ids(answers: Answers, kind: str) -> list[Any]:
    return [item.get("id") for item in answers.get(kind) or []]


def _quoted(value: Any) -> str:
    return f"“{value}”" if value not in (None, "") else "a blank"


def _named(noun: str, ids: list[Any]) -> str:
    return f"{noun} {_quoted(ids[0])}" if len(ids) == 1 else f"{len(ids)} {noun}s"


def _differences(old: Any, new: Any, path: tuple[Any, ...]) -> Any:
    """The paths of the answers that differ, leaving out the marks of answers still at their
    defaults."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(key for key in new if key not in old)]:
            if key != UNCONFIRMED and old.get(key) != new.get(key):
                yield from _differences(old.get(key), new.get(key), (*path, key))
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and path[:1] in (("flows",), ("systems",))
        and len(path) == 1
    ):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            if before != after:
                yield from _differences(before, after, (*path, index))
    else:
        yield path


def _where(answers: Answers, path: tuple[Any, ...]) -> str:
    """`the max delay seconds of flow “a”` for ("flows", 0, "max_delay_seconds")."""
    words = str(path[-1]).replace("_", " ") if path else "the answers"
    if len(path) == 3 and path[0] in ("flows", "systems"):
        owner = answers[path[0]][path[1]].get("id")
        return f"the {words} of {path[0][:-1]} {_quoted(owner)}"
    if len(path) == 2 and path[0] == "context":
        return f"the {words}"
    return f"the {words}"


# ---------------------------------------------------------------------------------------------
# The buttons
# ---------------------------------------------------------------------------------------------


def controls() -> None:
    """Undo and Redo, with what each would take back or bring again; a removal is said out
    loud beside them."""
    record()  # a change made earlier in this run counts now
    history = _history()
    back = history.undo[-1] if history.undo else None
    again = history.redo[-1] if history.redo else None
    with st.container(horizontal=True, vertical_alignment="center", key="ia-history"):
        st.button(
            "Undo",
            key="ia-undo",
            icon=":material/undo:",
            on_click=undo,
            disabled=back is None,
            help=_help("Undo", back),
        )
        st.button(
            "Redo",
            key="ia-redo",
            icon=":material/redo:",
            on_click=redo,
            disabled=again is None,
            help=_help("Redo", again),
        )
        if back is not None and (back.removal or back.what_if):
            then = "Undo brings it back." if back.removal else "Undo takes it back."
            st.caption(f"{markdown_text(back.label.rstrip('.'))}. {then}")


def _help(verb: str, step: Step | None) -> str:
    limit = f"The last {LIMIT} changes can be undone."
    if step is None:
        return f"Nothing to {verb.lower()}. {limit}"
    return f"{verb}: {markdown_text(step.label)}. {limit}"
