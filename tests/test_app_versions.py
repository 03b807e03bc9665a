"""Saved versions and an organisation's rules in the web app, driven through AppTest: save,
list, reopen and compare versions; upload a rules file and see the answer under it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from advisor.advice import assess
from advisor.cli import main
from advisor.comparison import compare
from advisor.export import assessment_to_yaml
from advisor.loader import load_rules, rules_digest
from advisor.models import Assessment
from advisor.ruleset import Ruleset
from advisor.share import encode_link
from advisor.store import FILE_NAME, MAX_LABEL, Store
from advisor.webapp import toolbar
from advisor.webapp.text import markdown_text
from advisor.wording import STYLE_NAMES
from advisor.yamldoc import MAX_BYTES
from tests.test_app import STATUS_SYNC, current, opened, recommendation, run
from tests.test_cli_habits import AZURE_KAFKA

# The same integration once the portal waits for the answer: it turns API-driven.
WAITING = STATUS_SYNC.model_copy(
    update={"flows": (STATUS_SYNC.flows[0].model_copy(update={"needs_response": True}),)}
)
HOUSE_RULE = (
    "rules:\n"
    "  - id: house-calls-for-changes\n"
    "    criterion: complexity\n"
    "    favours: api\n"
    "    points: 100\n"
    "    when: {fact: flow.trigger, op: eq, value: data_change}\n"
    "    explanation: House rule.\n"
)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A store of its own for every test, and cold Streamlit caches."""
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def click(at: AppTest, label: str) -> AppTest:
    (button,) = [button for button in at.button if button.label == label]
    button.click()
    return run(at)


def save(at: AppTest, label: str) -> AppTest:
    at.text_input(key="version-label").input(label)
    return click(at, "Save version")


def upload_assessment(at: AppTest, assessment: Assessment) -> AppTest:
    (uploader,) = [item for item in at.file_uploader if item.label == "Your own YAML file"]
    uploader.set_value(("mine.yaml", assessment_to_yaml(assessment).encode(), "application/yaml"))
    return run(at)


def upload_rules(at: AppTest, name: str, data: bytes) -> AppTest:
    (uploader,) = [
        item for item in at.file_uploader if item.label == "Your organisation's rules (YAML)"
    ]
    uploader.set_value((name, data, "application/yaml"))
    return run(at)


def listed(at: AppTest) -> list[tuple[str, str]]:
    """The versions table: (name, recommendation), as shown."""
    (table,) = [frame for frame in at.dataframe if "Saved" in frame.value.columns]
    return list(zip(table.value["Version"], table.value["Recommendation"], strict=True))


def tables(at: AppTest) -> dict[str, Any]:
    """The comparison's tables, by their first column: Answer, Flow, Risk."""
    return {str(frame.value.columns[0]): frame.value for frame in at.dataframe}


def rules_label(at: AppTest) -> str:
    (label,) = [
        node.proto.popover.label
        for node in at.get("popover")
        if node.proto.popover.label.startswith("Rules: ")
    ]
    return str(label)


def check_lines(at: AppTest) -> list[str]:
    """What the Rules menu shows under `advisor rules check`."""
    (code,) = [
        item.value for item in at.code if item.value.startswith(("error: ", "warning: ", "ok: "))
    ]
    return code.splitlines()


def cli_check(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, folder: Path, name: str
) -> list[str]:
    """`advisor rules check NAME` in `folder`: its lines, standard error then standard out."""
    monkeypatch.chdir(folder)
    capsys.readouterr()
    main(["rules", "check", name])
    out, err = capsys.readouterr()
    return err.splitlines() + out.splitlines()


# ---------------------------------------------------------------------------------------------


def test_versions_are_saved_listed_newest_first_and_kept_in_the_store(ruleset: Ruleset) -> None:
    at = opened(encode_link(STATUS_SYNC))
    assert any(caption.value == "No version is saved yet." for caption in at.caption)
    at = save(at, "Kick-off")
    assert [item.value for item in at.success] == [markdown_text("Saved “Kick-off”.")]
    at = upload_assessment(at, WAITING)
    at = save(at, "Portal waits")
    expected = [
        ("Portal waits", STYLE_NAMES[assess(WAITING, ruleset).recommendation]),
        ("Kick-off", STYLE_NAMES[assess(STATUS_SYNC, ruleset).recommendation]),
    ]
    assert listed(at) == expected
    assert expected[0][1] != expected[1][1]
    saved = Store().versions(STATUS_SYNC.name)
    assert [version.label for version in saved] == ["Portal waits", "Kick-off"]
    assert Store().open(saved[0]) == WAITING
    assert saved[0].rules_digest == rules_digest(ruleset)


def test_a_refused_name_says_why_and_saves_nothing() -> None:
    at = save(opened(encode_link(STATUS_SYNC)), "   ")
    assert [item.value for item in at.error] == [
        markdown_text("Give the version a name, such as “Before the design review”.")
    ]
    at = save(at, "v1")
    at = save(at, "v1")
    assert "saved already" in at.error[0].value
    assert [name for name, _ in listed(at)] == ["v1"]
    assert at.text_input(key="version-label").max_chars == MAX_LABEL


def test_the_versions_of_another_assessment_stay_in_reach() -> None:
    at = save(opened(encode_link(STATUS_SYNC)), "v1")
    at = click(at, "A blank assessment")
    assert at.session_state["answers"]["name"] != STATUS_SYNC.name
    # blank answers are incomplete: nothing to save yet, but every version is there to reopen
    assert "Save version" not in [button.label for button in at.button]
    assert "Answer the flagged questions to save these answers as a version." in [
        caption.value for caption in at.caption
    ]
    assert at.selectbox(key="versions-of").options == [f"{STATUS_SYNC.name} (1)"]
    at = click(at, "Reopen")
    assert current(at) == STATUS_SYNC


def test_reopening_a_version_replaces_the_answers() -> None:
    at = save(opened(encode_link(STATUS_SYNC)), "Kick-off")
    at = upload_assessment(at, WAITING)
    assert current(at) == WAITING
    assert recommendation(at) == "API-driven"
    picker = at.selectbox(key="version-picked")
    (kick_off,) = [option for option in picker.options if option.startswith("Kick-off · ")]
    picker.select(kick_off)
    at = click(run(at), "Reopen")
    assert current(at) == STATUS_SYNC
    assert recommendation(at) == "Event-driven"
    assert [item.value for item in at.success] == [markdown_text("Reopened “Kick-off”.")]
    assert at.session_state["versions"] is False  # the menu closes on the answers reopened


def test_deleting_a_version_asks_first() -> None:
    at = save(opened(encode_link(STATUS_SYNC)), "Kick-off")
    at = save(at, "Second")
    at = click(at, "Delete")  # the picked one: the last saved
    assert "Delete “Second” for good?" in at.warning[0].value
    at = click(at, "Keep it")
    assert [name for name, _ in listed(at)] == ["Second", "Kick-off"]
    at = click(click(at, "Delete"), "Delete for good")
    assert [name for name, _ in listed(at)] == ["Kick-off"]
    assert [version.label for version in Store().versions(STATUS_SYNC.name)] == ["Kick-off"]


def compared(first: Assessment, then: Assessment, label: str) -> AppTest:
    """`first` saved as Kick-off, `then` saved as `label`, and the two compared."""
    at = save(opened(encode_link(first)), "Kick-off")
    at = save(upload_assessment(at, then), label)
    at.selectbox(key="compare-old").select(at.selectbox(key="compare-old").options[-1])
    new = at.selectbox(key="compare-new")
    new.select(next(option for option in new.options if option.startswith(label)))
    return click(run(at), "Compare")


def test_two_versions_compared_side_by_side(ruleset: Ruleset) -> None:
    at = compared(STATUS_SYNC, WAITING, "Portal waits")
    expected = compare(STATUS_SYNC, assess(STATUS_SYNC, ruleset), WAITING, assess(WAITING, ruleset))
    shown = " ".join(item.value for item in at.markdown)
    assert "**Kick\\-off**" in shown and "**Portal waits**" in shown
    assert (
        f"The recommendation changed: {STYLE_NAMES[expected.old_recommendation]} → "
        f"{STYLE_NAMES[expected.new_recommendation]}."
    ) in shown
    answers = tables(at)["Answer"]
    assert [change.field for change in expected.answers] == ["flows.status-changed.needs_response"]
    assert list(answers["Answer"]) == [
        "Flows › status-changed › Does the initiator wait for an answer?"
    ]
    assert list(answers["Before"]) == ["no"] and list(answers["After"]) == ["yes"]
    (flow,) = expected.flows
    assert flow.started and flow.stopped
    (listing,) = [item.value for item in at.markdown if item.value.startswith("- **")]
    # each rule in its version's own numbers: one that stopped in Before's, one that started
    # in After's, placeholders filled in
    before, after = (
        {
            reason.rule: reason.explanation
            for result in [assess(version, ruleset)]
            for flow_result in result.flows
            if flow_result.id == flow.flow
            for reason in flow_result.reasons
        }
        for version in (STATUS_SYNC, WAITING)
    )
    assert listing.splitlines() == [
        f"- **{markdown_text(flow.flow)}**: {STYLE_NAMES[flow.old_style]} → "
        f"{STYLE_NAMES[flow.new_style]}",
        *(f"    - now holding: {markdown_text(f'{r}: {after[r]}')}" for r in flow.started),
        *(f"    - no longer holding: {markdown_text(f'{r}: {before[r]}')}" for r in flow.stopped),
    ]
    assert "{" not in listing
    titles = {risk.id: risk.title for risk in ruleset.risks}
    risks = tables(at)["Risk"]
    assert list(risks["Id"]) == [*expected.added_risks, *expected.removed_risks]
    assert list(risks["Risk"]) == [titles[risk] for risk in risks["Id"]]
    at = click(at, "Close")
    assert "Answer" not in tables(at)


def test_rules_that_start_or_stop_holding_are_explained_in_each_versions_numbers() -> None:
    relaxed = STATUS_SYNC.model_copy(
        update={"flows": (STATUS_SYNC.flows[0].model_copy(update={"max_delay_seconds": 86400}),)}
    )
    at = compared(STATUS_SYNC, relaxed, "A day behind")
    (listing,) = [item.value for item in at.markdown if item.value.startswith("- **")]
    assert "{" not in listing, "a placeholder left unfilled"
    assert "1 day" in listing  # After's delay, in a rule that started holding


def test_a_version_compares_with_the_answers_on_screen() -> None:
    at = save(opened(encode_link(STATUS_SYNC)), "Kick-off")
    assert at.selectbox(key="compare-new").value == 0  # the answers on screen
    at = click(at, "Compare")
    assert any("No answer and no part of the advice changed" in item.value for item in at.info)
    at = upload_assessment(at, WAITING)  # the comparison follows the answers
    assert list(tables(at)["Answer"]["Answer"]) == [
        "Flows › status-changed › Does the initiator wait for an answer?"
    ]


def test_a_store_that_cannot_be_read_is_named_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "data" / FILE_NAME
    path.parent.mkdir()
    path.write_bytes(b"not a database at all\n" * 64)
    at = opened(encode_link(STATUS_SYNC))
    (error,) = at.error
    assert "is damaged or not a database of saved versions" in error.value
    assert "Move it aside" in error.value
    assert recommendation(at) == "Event-driven"  # the rest of the page works


# ---------------------------------------------------------------------------------------------
# An organisation's rules
# ---------------------------------------------------------------------------------------------


def test_a_long_file_name_is_cut_short_in_the_toolbar() -> None:
    name = "our-very-long-organisation-rules-file.yaml"
    at = upload_rules(opened(encode_link(STATUS_SYNC)), name, HOUSE_RULE.encode())
    assert rules_label(at) == f"Rules: built-in + {markdown_text(name[:23])}…"
    assert markdown_text(name) in " ".join(caption.value for caption in at.caption)


def test_uploaded_rules_give_the_answer_until_the_built_in_ones_are_back(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text(HOUSE_RULE, encoding="utf-8")
    theirs = load_rules([ours])
    builtin, under_ours = (
        STYLE_NAMES[assess(STATUS_SYNC, rules).recommendation] for rules in (ruleset, theirs)
    )
    assert builtin != under_ours
    at = opened(encode_link(STATUS_SYNC))
    assert rules_label(at) == "Rules: built-in"
    assert recommendation(at) == builtin
    at = upload_rules(at, "ours.yaml", HOUSE_RULE.encode())
    assert rules_label(at) == "Rules: built-in + ours\\.yaml"
    assert recommendation(at) == under_ours
    assert check_lines(at)[-1].startswith("ok: ")
    at = save(at, "Under our rules")
    (saved,) = Store().versions(STATUS_SYNC.name)
    assert saved.rules_digest == rules_digest(theirs)  # what `advisor assess --rules` records
    at = click(at, "Back to the built-in rules")
    assert rules_label(at) == "Rules: built-in"
    assert recommendation(at) == builtin


def test_a_bad_rules_file_is_refused_in_the_command_lines_words(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ruleset: Ruleset,
) -> None:
    bad = "rules:\n  - id: x\n    favours: sideways\n"
    (tmp_path / "ours.yaml").write_text(bad, encoding="utf-8")
    expected = cli_check(capsys, monkeypatch, tmp_path, "ours.yaml")
    assert expected and all(line.startswith("error: ours.yaml:") for line in expected)
    at = upload_rules(opened(encode_link(STATUS_SYNC)), "ours.yaml", bad.encode())
    assert check_lines(at) == expected
    assert "ours\\.yaml was not taken" in at.error[0].value
    assert rules_label(at) == "Rules: built-in"
    assert recommendation(at) == STYLE_NAMES[assess(STATUS_SYNC, ruleset).recommendation]


def test_a_rules_file_with_a_dead_broker_choice_warns_as_the_command_line_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ours.yaml").write_text(AZURE_KAFKA, encoding="utf-8")
    expected = cli_check(capsys, monkeypatch, tmp_path, "ours.yaml")
    assert expected[0].startswith("warning: ours.yaml:2:5:") and expected[-1].startswith("ok: ")
    at = upload_rules(opened(encode_link(STATUS_SYNC)), "ours.yaml", AZURE_KAFKA.encode())
    assert check_lines(at) == expected
    assert rules_label(at) == "Rules: built-in + ours\\.yaml"


def test_a_rules_file_over_the_size_limit_is_refused_as_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    large = ("# padding\n" * 110_000).encode()
    (tmp_path / "big.yaml").write_bytes(large)
    expected = cli_check(capsys, monkeypatch, tmp_path, "big.yaml")
    at = upload_rules(opened(encode_link(STATUS_SYNC)), "big.yaml", large)
    assert check_lines(at) == expected
    assert "size limit" in expected[0]


def test_a_rules_file_opens_up_to_the_limit_an_assessment_file_has() -> None:
    at = opened(encode_link(STATUS_SYNC))
    (uploader,) = [item for item in at.file_uploader if item.label.startswith("Your organisation")]
    assert uploader.proto.max_upload_size_mb == toolbar.UPLOAD_MB
    padded = HOUSE_RULE + "#" * (MAX_BYTES - len(HOUSE_RULE) - 1) + "\n"
    assert len(padded.encode()) == MAX_BYTES
    at = upload_rules(at, "ours.yaml", padded.encode())
    assert rules_label(at) == "Rules: built-in + ours\\.yaml"


def test_the_rules_are_the_sessions_own(tmp_path: Path) -> None:
    at = upload_rules(opened(encode_link(STATUS_SYNC)), "ours.yaml", HOUSE_RULE.encode())
    assert rules_label(at) == "Rules: built-in + ours\\.yaml"
    other = opened(encode_link(STATUS_SYNC))
    assert rules_label(other) == "Rules: built-in"
    assert not (tmp_path / "data").exists()  # nothing stored


def test_names_are_shown_as_text_never_as_markdown() -> None:
    hostile = "![x](http://example.org/p.png) **loud** <b>x</b> :red[y]"
    at = save(opened(encode_link(STATUS_SYNC)), hostile)
    assert [item.value for item in at.success] == [markdown_text(f"Saved “{hostile}”.")]
    assert listed(at)[0][0] == hostile  # a table cell holds text as it is
    at = click(at, "Compare")  # with the answers on screen
    assert f"**{markdown_text(hostile)}**" in [item.value for item in at.markdown]
    name = f"{hostile[:20]}.yaml"
    at = upload_rules(at, name, HOUSE_RULE.encode())
    assert rules_label(at) == f"Rules: built-in + {markdown_text(name[:23])}…"
