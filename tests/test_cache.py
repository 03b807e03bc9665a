"""The rules cache gives the same rule set, notices every change, and survives damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import loader
from advisor.advice import assess
from advisor.errors import InputError
from advisor.loader import load_assessment, load_rules
from tests.conftest import ROOT


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    return folder


def test_cached_rules_equal_fresh_ones(cache: Path) -> None:
    fresh = load_rules()
    (entry,) = cache.glob("ruleset-*.pickle")
    cached = load_rules()
    assert cached == fresh
    example = load_assessment(ROOT / "examples" / "clinic-documents.yaml")
    assert assess(example, cached) == assess(example, fresh)
    assert list(cache.glob("ruleset-*.pickle")) == [entry]


def test_a_changed_rules_file_is_not_served_stale(cache: Path, tmp_path: Path) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text("disable: [needs-response]\n", encoding="utf-8")
    assert "needs-response" not in {rule.id for rule in load_rules([ours]).rules}
    ours.write_text("disable: [user-action]\n", encoding="utf-8")
    ids = {rule.id for rule in load_rules([ours]).rules}
    assert "needs-response" in ids and "user-action" not in ids


def test_an_edit_to_the_code_that_validates_rules_is_a_new_entry(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_rules()
    edited = [*loader.code_stamps(), "ruleset.py:edited"]
    monkeypatch.setattr(loader, "code_stamps", lambda: edited)
    load_rules()
    assert len(list(cache.glob("ruleset-*.pickle"))) == 2


def test_a_damaged_cache_entry_is_rebuilt(cache: Path) -> None:
    fresh = load_rules()
    (entry,) = cache.glob("ruleset-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_rules() == fresh


def test_an_unwritable_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(blocker / "cache"))
    assert load_rules().rules


def test_refused_rules_are_not_cached(cache: Path, tmp_path: Path) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text("rules: [{id: x}]\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing required key"):
        load_rules([ours])
    assert not list(cache.glob("*.pickle"))
