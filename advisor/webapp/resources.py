"""The rules and the examples: the built-in ones, the same for every visitor, loaded once and
cached; and a visitor's own rules file, laid on top of the built-in rules for their session.

Nothing per visitor is cached here; answers, results and a visitor's rules stay in each session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from advisor.loader import load_assessment, load_rules, rules_digest
from advisor.models import Assessment
from advisor.paths import examples_dir
from advisor.rulecheck import check_file
from advisor.ruleset import Ruleset
from advisor.webapp.text import markdown_text
from advisor.yamldoc import MAX_BYTES

DEFAULT_EXAMPLE = "gifting-orders.yaml"
ICON = str(Path(__file__).with_name("icon.svg"))  # served by the app: no font from the internet
# A rules file opens up to the command line's limit, yamldoc.MAX_BYTES (1 MiB), as an assessment
# does: the browser's own check is set above it (see toolbar.UPLOAD_MB), and a larger file is
# refused in the words of `advisor rules check`.
MAX_UPLOAD_MB = 2
OWN_RULES = "own-rules"  # the visitor's rules file in force: an OwnRules, or None
RULES_CHECKED = "rules-checked"  # the last rules file checked: (its name, the check's lines)
RULES_UPLOADS = "rules-uploads"  # a new uploader after each change, so the same file is re-read
SHOWN_NAME = 24  # characters of a rules file's name shown in the toolbar


@dataclass(frozen=True)
class Example:
    file: str
    assessment: Assessment

    @property
    def title(self) -> str:
        return self.assessment.name


@dataclass(frozen=True)
class OwnRules:
    file: str
    ruleset: Ruleset
    digest: str | None


@st.cache_resource(show_spinner=False)
def builtin_rules() -> Ruleset:
    """The default rules; a frozen model, safe to share between sessions."""
    return load_rules()


def rules() -> Ruleset:
    """The rules the answer follows in this session: the built-in ones, or the visitor's file
    on top of them."""
    own: OwnRules | None = st.session_state.get(OWN_RULES)
    return own.ruleset if own else builtin_rules()


def rules_file() -> str | None:
    """The name of the visitor's rules file in force, if any."""
    own: OwnRules | None = st.session_state.get(OWN_RULES)
    return own.file if own else None


def digest() -> str | None:
    """sha256:<hex> of the rules in force (see `loader.rules_digest`)."""
    return digest_of(rules())


def digest_of(ruleset: Ruleset) -> str | None:
    """sha256:<hex> of the files `ruleset` was built from (see `loader.rules_digest`). A
    visitor's own file is no file on the server: its digest is the one taken on upload."""
    if ruleset.sources and not os.path.isabs(ruleset.sources[-1]):
        own: OwnRules | None = st.session_state.get(OWN_RULES)
        if own is not None and own.ruleset is ruleset:
            return own.digest
    return rules_digest(ruleset)


def rules_label() -> str:
    """The toolbar's word for the rules in force: `Rules: built-in + ours.yaml`."""
    file = rules_file()
    if file is None:
        return "Rules: built-in"
    shown = file if len(file) <= SHOWN_NAME else file[: SHOWN_NAME - 1] + "…"
    return f"Rules: built-in + {markdown_text(shown)}"


def rules_choice() -> None:
    """Upload an organisation's rules file, checked as `advisor rules check FILE` checks it;
    or go back to the built-in rules. For this session only: nothing is stored."""
    file = rules_file()
    if file is None:
        st.caption(
            "The answer follows the built-in rules. Upload your organisation's rules file to "
            "lay it on top of them, as `advisor assess --rules FILE` does. It counts for this "
            "visit only: nothing is stored."
        )
    else:
        st.caption(
            f"The answer follows the built-in rules with **{markdown_text(file)}** on top, "
            "for this visit only."
        )
        st.button(
            "Back to the built-in rules",
            icon=":material/undo:",
            on_click=_builtin,
            width="stretch",
        )
    upload_key = f"rules-upload-{st.session_state.get(RULES_UPLOADS, 0)}"
    with st.container(key="ia-rules-upload"):  # look.py hides the browser's own limit, in MB
        st.file_uploader(
            "Your organisation's rules (YAML)",
            type=["yaml", "yml"],
            key=upload_key,
            max_upload_size=MAX_UPLOAD_MB,
            on_change=_take_rules_file,
            args=(upload_key,),
            help=(
                "A rules file in the format `advisor rules check` reads: its rules, brokers and "
                "risks are added to the built-in ones, or replace those of the same id."
            ),
        )
        st.caption(f"Up to {MAX_BYTES:,} bytes (1 MiB), as `advisor rules check` reads.")
    checked = st.session_state.get(RULES_CHECKED)
    if checked is not None:
        name, lines = checked
        refused = any(line.startswith("error:") for line in lines)
        if refused:
            st.error(
                f"**{markdown_text(name)} was not taken**: the answer still follows the rules "
                "it did.",
                icon=":material/error:",
            )
        st.caption(f"What `advisor rules check` says of {markdown_text(name)}:")
        st.code("\n".join(lines), language=None, wrap_lines=True)


def _take_rules_file(upload_key: str) -> None:
    uploaded = st.session_state.get(upload_key)
    if uploaded is None:
        return
    checked = check_file(uploaded.name, uploaded.getvalue())
    st.session_state[RULES_CHECKED] = (uploaded.name, checked.lines)
    if checked.ruleset is not None:
        st.session_state[OWN_RULES] = OwnRules(uploaded.name, checked.ruleset, checked.digest)
    st.session_state[RULES_UPLOADS] = st.session_state.get(RULES_UPLOADS, 0) + 1


def _builtin() -> None:
    st.session_state[OWN_RULES] = None
    st.session_state[RULES_CHECKED] = None


@st.cache_resource(show_spinner=False)
def examples() -> tuple[Example, ...]:
    """The bundled example assessments, in file-name order, the default first."""
    paths = sorted(examples_dir().glob("*.yaml"), key=lambda p: (p.name != DEFAULT_EXAMPLE, p.name))
    return tuple(Example(path.name, load_assessment(path, path.name)) for path in paths)


def default_example() -> Assessment:
    return examples()[0].assessment


def example(file: str) -> Assessment:
    for item in examples():
        if item.file == file:
            return item.assessment
    raise KeyError(file)
