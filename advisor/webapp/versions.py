"""Saved versions: keep the answers as a named version (a milestone), list the versions kept,
reopen one, and compare two side by side, as `advisor diff OLD NEW` does.

The versions live in the local database of `advisor.store`; what is being compared lives in
this visitor's session.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from advisor.advice import assess
from advisor.comparison import Comparison, compare
from advisor.errors import InputError
from advisor.models import Assessment, Result
from advisor.questionnaire import answer_words
from advisor.ruleset import Ruleset
from advisor.store import MAX_LABEL, MAX_VERSIONS, Store, StoreError, Version
from advisor.webapp import resources, state
from advisor.webapp.text import markdown_text
from advisor.wording import STYLE_NAMES, format_confidence

MENU = "versions"  # the Versions menu: open or not
LABEL = "version-label"  # the name typed for the next version
OF = "versions-of"  # the assessment whose versions are listed
PICKED = "version-picked"  # the version to reopen or delete
OLD = "compare-old"
NEW = "compare-new"
NOTE = "versions-note"  # the outcome of the last save or delete: (ok, text)
DELETING = "version-deleting"  # a version whose deletion awaits confirmation
COMPARING = "comparing"  # (old version id, new version id or CURRENT)
CURRENT = 0  # "the answers on screen", where a version id is expected: ids start at 1


def panel(assessment: Assessment | None, result: Result | None) -> None:
    """The Versions menu: save, list, reopen, delete, pick two to compare; wide enough for its
    list's three columns (look.py)."""
    with st.container(key="ia-versions-menu"):
        _panel(assessment, result)


def _panel(assessment: Assessment | None, result: Result | None) -> None:
    store = Store()
    _save_form(assessment, result, store)
    _note()
    try:
        kept = store.assessments()
    except StoreError as error:
        st.error(markdown_text(error), icon=":material/error:")
        return
    if not kept:
        st.caption("No version is saved yet.")
        return
    names = [name for name, _ in kept]
    if st.session_state.get(OF) not in names:
        current = state.answers().get("name")
        st.session_state[OF] = current if current in names else names[0]
    st.selectbox(
        "Versions of",
        names,
        key=OF,
        format_func=lambda name: f"{name} ({dict(kept)[name]})",
        help=f"Every assessment with saved versions; each keeps up to {MAX_VERSIONS}.",
    )
    try:
        versions = store.versions(st.session_state[OF])
    except StoreError as error:
        st.error(markdown_text(error), icon=":material/error:")
        return
    _listing(versions)
    _reopen(versions, store)
    _compare_picker(versions, assessment)


def _save_form(assessment: Assessment | None, result: Result | None, store: Store) -> None:
    if assessment is None or result is None:
        st.caption("Answer the flagged questions to save these answers as a version.")
        return
    st.text_input(
        "Name this version",
        key=LABEL,
        max_chars=MAX_LABEL,
        placeholder="Before the design review",
        help=(
            "A milestone, up to 80 characters. The version keeps the answers as they are now, "
            "with their recommendation, in this computer's local database."
        ),
    )
    st.button(
        "Save version",
        icon=":material/bookmark_add:",
        on_click=_save,
        args=(assessment, result.recommendation, store),
        width="stretch",
    )


def _save(assessment: Assessment, recommendation: str, store: Store) -> None:
    try:
        saved = store.save(
            assessment,
            st.session_state.get(LABEL) or "",
            recommendation=recommendation,
            rules_digest=resources.digest(),
        )
    except StoreError as error:
        st.session_state[NOTE] = (False, str(error))
        return
    st.session_state[NOTE] = (True, f"Saved “{saved.label}”.")
    st.session_state[LABEL] = ""
    st.session_state[OF] = saved.assessment
    st.session_state[PICKED] = saved.id


def _note() -> None:
    note = st.session_state.get(NOTE)
    if note is None:
        return
    ok, text = note
    if ok:
        st.success(markdown_text(text), icon=":material/check:")
    else:
        st.error(markdown_text(text), icon=":material/error:")


def _recommendation(version: Version) -> str:
    return STYLE_NAMES.get(version.recommendation or "", "")


def _listing(versions: list[Version]) -> None:
    table = pd.DataFrame(
        {
            "Version": [version.label for version in versions],
            "Saved": [version.when for version in versions],
            "Recommendation": [_recommendation(version) for version in versions],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="versions-table")


def _described(versions: list[Version]) -> dict[int, str]:
    return {
        version.id: f"{version.label} · {version.when} · {_recommendation(version)}"
        for version in versions
    }


def _reopen(versions: list[Version], store: Store) -> None:
    described = _described(versions)
    if st.session_state.get(PICKED) not in described:
        st.session_state[PICKED] = versions[0].id
    st.selectbox("Version", list(described), key=PICKED, format_func=described.__getitem__)
    picked = next(version for version in versions if version.id == st.session_state[PICKED])
    deleting = st.session_state.get(DELETING) == picked.id
    if deleting:
        st.warning(f"Delete “{markdown_text(picked.label)}” for good?", icon=":material/warning:")
    left, right = st.columns(2)
    if deleting:
        left.button(
            "Delete for good",
            icon=":material/delete_forever:",
            on_click=_delete,
            args=(picked, store),
            width="stretch",
        )
        right.button("Keep it", on_click=_keep, width="stretch")
        return
    left.button(
        "Reopen",
        icon=":material/restore:",
        on_click=_open,
        args=(picked, store),
        width="stretch",
        help="Replaces the answers on screen with this version's: save them first to keep them.",
    )
    right.button(
        "Delete",
        icon=":material/delete:",
        on_click=_ask_delete,
        args=(picked.id,),
        width="stretch",
    )


def _open(version: Version, store: Store) -> None:
    try:
        assessment = store.open(version)
    except StoreError as error:
        st.session_state[NOTE] = (False, str(error))
        return
    except InputError as error:
        state.report(f"Version “{version.label}” could not be opened", error.problems)
        return
    state.load(assessment)
    st.session_state[NOTE] = (True, f"Reopened “{version.label}”.")
    st.session_state[MENU] = False  # the answers reopened in sight


def _ask_delete(version_id: int) -> None:
    st.session_state[DELETING] = version_id


def _keep() -> None:
    st.session_state[DELETING] = None


def _delete(version: Version, store: Store) -> None:
    st.session_state[DELETING] = None
    try:
        store.delete(version.id)
    except StoreError as error:
        st.session_state[NOTE] = (False, str(error))
        return
    if st.session_state.get(COMPARING) and version.id in st.session_state[COMPARING]:
        st.session_state[COMPARING] = None
    st.session_state[NOTE] = (True, f"Deleted “{version.label}”.")


def _compare_picker(versions: list[Version], assessment: Assessment | None) -> None:
    described = _described(versions)
    newer = dict(described)
    if assessment is not None:
        newer = {CURRENT: "The answers on screen", **described}
    if len(newer) < 2:
        return
    st.markdown("**Compare two versions**")
    if st.session_state.get(OLD) not in described:
        st.session_state[OLD] = versions[-1].id if len(versions) > 1 else versions[0].id
    if st.session_state.get(NEW) not in newer:
        st.session_state[NEW] = next(item for item in newer if item != st.session_state[OLD])
    st.selectbox("From", list(described), key=OLD, format_func=described.__getitem__)
    st.selectbox("To", list(newer), key=NEW, format_func=newer.__getitem__)
    st.button(
        "Compare",
        icon=":material/compare_arrows:",
        on_click=_start_comparing,
        width="stretch",
        disabled=st.session_state[OLD] == st.session_state[NEW],
    )


def _start_comparing() -> None:
    st.session_state[COMPARING] = (st.session_state[OLD], st.session_state[NEW])
    st.session_state[MENU] = False  # the comparison in sight


def _stop_comparing() -> None:
    st.session_state[COMPARING] = None


# ---------------------------------------------------------------------------------------------
# The comparison, side by side, above the questions
# ---------------------------------------------------------------------------------------------


def comparison(assessment: Assessment | None, result: Result | None, ruleset: Ruleset) -> None:
    """The two versions picked, side by side: their answers, recommendations and flows, and
    the rules that started or stopped holding. Both are assessed under the rules in force."""
    chosen = st.session_state.get(COMPARING)
    if not chosen:
        return
    old_id, new_id = chosen
    store = Store()
    try:
        old = store.version(old_id)
        old_assessment = store.open(old)
        if new_id == CURRENT:
            if assessment is None or result is None:
                st.caption("The comparison returns once every answer is complete.")
                return
            new_label, new_when, new_assessment = "The answers on screen", "now", assessment
            new_result = result
        else:
            new = store.version(new_id)
            new_label, new_when, new_assessment = new.label, new.when, store.open(new)
            new_result = assess(new_assessment, ruleset, what_if=False)
    except (StoreError, InputError) as error:
        st.session_state[COMPARING] = None
        st.error(markdown_text(error), icon=":material/error:")
        return
    old_result = assess(old_assessment, ruleset, what_if=False)
    changes = compare(old_assessment, old_result, new_assessment, new_result)
    with st.container(border=True, key="ia-comparison"):
        top, close = st.columns([6, 1], vertical_alignment="center")
        top.header("Compare versions", anchor=False)
        close.button(
            "Close",
            icon=":material/close:",
            type="tertiary",
            on_click=_stop_comparing,
            key="comparison-close",
        )
        file = resources.rules_file()
        rules = "built-in" if file is None else f"built-in + {markdown_text(file)}"
        st.caption(f"Both assessed under the rules in force now ({rules}).")
        left, right = st.columns(2)
        for column, label, when, shown, shown_result in (
            (left, old.label, old.when, old_assessment, old_result),
            (right, new_label, new_when, new_assessment, new_result),
        ):
            with column:
                _side(label, when, shown, shown_result)
        _changes(changes, ruleset, _explained(old_result), _explained(new_result))


def _explained(result: Result) -> dict[tuple[str, str], str]:
    """Each flow's reasons as the version's own numbers fill them in, by (flow, rule)."""
    return {
        (flow.id, reason.rule): reason.explanation
        for flow in result.flows
        for reason in flow.reasons
    }


def _side(label: str, when: str, assessment: Assessment, result: Result) -> None:
    st.markdown(f"**{markdown_text(label)}**")
    st.caption(f"{markdown_text(assessment.name)} · {markdown_text(when)}")
    broker = result.broker.name if result.broker else "none"
    st.markdown(
        f"{STYLE_NAMES[result.recommendation]} · confidence "
        f"{format_confidence(result.confidence)} · broker: {markdown_text(broker)}"
    )


def _changes(
    changes: Comparison,
    ruleset: Ruleset,
    before: dict[tuple[str, str], str],
    after: dict[tuple[str, str], str],
) -> None:
    """What changed from the left-hand version (Before) to the right-hand one (After); a rule
    that stopped holding is explained in the numbers of Before, one that started in those of
    After (`before`, `after`: explanations by flow and rule)."""
    if not changes.differs:
        st.info("No answer and no part of the advice changed.", icon=":material/check:")
        return
    if changes.old_recommendation != changes.new_recommendation:
        st.markdown(
            f"The recommendation changed: {STYLE_NAMES[changes.old_recommendation]} → "
            f"{STYLE_NAMES[changes.new_recommendation]}."
        )
    st.markdown("**Answers that changed**")
    if changes.answers:
        st.dataframe(
            pd.DataFrame(
                {
                    "Answer": [answer_words(ruleset, change.field) for change in changes.answers],
                    "Before": [_shown(change.old) for change in changes.answers],
                    "After": [_shown(change.new) for change in changes.answers],
                }
            ),
            hide_index=True,
            width="stretch",
            key="comparison-answers",
        )
    else:
        st.caption("No answer changed.")

    def rule(flow: str, rule_id: str, explained: dict[tuple[str, str], str]) -> str:
        said = explained.get((flow, rule_id))
        return markdown_text(f"{rule_id}: {said}" if said else rule_id)

    lines = []
    for flow in changes.flows:
        style = (
            f"{STYLE_NAMES[flow.old_style]} → {STYLE_NAMES[flow.new_style]}"
            if flow.old_style != flow.new_style
            else f"still {STYLE_NAMES[flow.new_style]}"
        )
        lines.append(f"- **{markdown_text(flow.flow)}**: {style}")
        lines += [f"    - now holding: {rule(flow.flow, id_, after)}" for id_ in flow.started]
        lines += [
            f"    - no longer holding: {rule(flow.flow, id_, before)}" for id_ in flow.stopped
        ]
    lines += [f"- **{markdown_text(flow)}**: added" for flow in changes.added_flows]
    lines += [f"- **{markdown_text(flow)}**: removed" for flow in changes.removed_flows]
    if lines:
        st.markdown("**Flows that changed, and why**")
        st.markdown("\n".join(lines))
    if changes.old_broker != changes.new_broker:
        st.markdown(
            f"Broker: {markdown_text(changes.old_broker or 'none')} → "
            f"{markdown_text(changes.new_broker or 'none')}"
        )
    if changes.added_risks or changes.removed_risks:
        titles = {risk.id: risk.title for risk in ruleset.risks}
        risks = [(titles.get(risk, risk), risk, "new") for risk in changes.added_risks]
        risks += [(titles.get(risk, risk), risk, "gone") for risk in changes.removed_risks]
        st.markdown("**Risks**")
        st.dataframe(
            pd.DataFrame(risks, columns=["Risk", "Id", "Change"]),
            hide_index=True,
            width="stretch",
            key="comparison-risks",
        )


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(_shown, value))
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return str(value)
