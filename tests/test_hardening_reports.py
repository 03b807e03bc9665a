"""User text in the decision record never becomes a code block; the rules cache never runs
code it did not write itself."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import pickle
import re
from pathlib import Path

import pytest

from advisor import assess, cache, loader
from advisor.loader import load_rules, parse_assessment
from advisor.report import to_markdown
from advisor.ruleset import Ruleset

INDENTED = """\
name: "    Indented name"
description: "    rm -rf /\\n        still code?\\tx"
systems: [{id: a, name: "    Indented system"}, {id: b}]
flows:
  - {id: f, source: a, targets: [b], trigger: user_action, description: "    flow"}
"""


def test_indented_user_text_never_becomes_a_code_block(ruleset: Ruleset) -> None:
    assessment = parse_assessment(INDENTED, "in.yaml")
    text = to_markdown(assessment, assess(assessment, ruleset), ruleset, date=datetime.date.today())
    indented = [line for line in text.splitlines() if re.match(r"( {4,}|\t)", line)]
    assert indented == []
    assert "\n\nrm -rf /" in text  # the description, as a paragraph
    list_items = [line for line in text.splitlines() if re.match(r"[*-] {5,}", line)]
    assert list_items == []  # five spaces after a bullet would be code inside the item


# ---------------------------------------------------------------------------------------------
# The rules cache
# ---------------------------------------------------------------------------------------------


class RunsCode:
    """A pickle that, when loaded, creates a file: what a planted cache entry could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.marker,))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    return folder


def entry(folder: Path) -> Path:
    (found,) = folder.glob("ruleset-*.pickle")
    return found


def test_a_planted_pickle_is_never_loaded(folder: Path, tmp_path: Path) -> None:
    fresh = load_rules()
    marker = tmp_path / "ran"
    entry(folder).write_bytes(pickle.dumps(RunsCode(marker)))  # as another user could
    assert load_rules() == fresh
    assert not marker.exists()


def test_an_entry_signed_with_another_key_is_never_loaded(folder: Path, tmp_path: Path) -> None:
    fresh = load_rules()
    marker = tmp_path / "ran"
    body = pickle.dumps(RunsCode(marker))
    path = entry(folder)
    forged = hmac.new(b"k" * 32, path.name.encode() + b"\x00" + body, hashlib.sha256).digest()
    path.write_bytes(forged + body)
    assert load_rules() == fresh
    assert not marker.exists()


def test_a_signed_entry_is_used(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = load_rules()
    assert (folder / cache.KEY_FILE).stat().st_mode & 0o777 == 0o600

    def refuse_to_build(texts: object) -> Ruleset:
        raise AssertionError("the cached rule set was not used")

    monkeypatch.setattr(loader, "build_ruleset", refuse_to_build)
    assert load_rules() == fresh


@pytest.mark.parametrize("spoil", ["readable", "symlink", "hard-link", "short"])
def test_a_key_that_others_could_know_turns_the_cache_off(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: str
) -> None:
    load_rules()
    key = folder / cache.KEY_FILE
    if spoil == "readable":
        key.chmod(0o644)
    elif spoil == "symlink":
        elsewhere = tmp_path / "known"
        elsewhere.write_bytes(b"k" * 32)
        elsewhere.chmod(0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    elif spoil == "hard-link":
        os.link(key, tmp_path / "copy")
    else:
        key.write_bytes(b"k")
    built: list[object] = []
    real = loader.build_ruleset
    monkeypatch.setattr(loader, "build_ruleset", lambda texts: built.append(1) or real(texts))
    assert load_rules().rules
    assert built == [1]  # built afresh: the entry was not trusted
