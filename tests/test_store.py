"""Saved versions in SQLite: what is saved comes back, bounds are refused, nothing is lost."""

from __future__ import annotations

import datetime
import os
import sqlite3
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from advisor import store
from advisor.advice import assess
from advisor.export import assessment_to_yaml
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.ruleset import Ruleset
from advisor.store import MAX_LABEL, MAX_VERSIONS, SCHEMA_VERSION, Store, StoreError
from advisor.yamldoc import MAX_BYTES
from tests.conftest import EXAMPLES, ROOT, build, minimal

GIFTING = load_assessment(ROOT / "examples" / "gifting-orders.yaml")


@pytest.fixture
def versions(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / store.FILE_NAME)


def named(name: str) -> Assessment:
    return build({**minimal(), "name": name})


def table_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM versions").fetchone()[0])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_comes_back_equal(versions: Store, example: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(example)
    result = assess(assessment, ruleset, what_if=False)
    saved = versions.save(
        assessment, "First draft", recommendation=result.recommendation, rules_digest="sha256:ab"
    )
    (listed,) = versions.versions(assessment.name)
    assert listed == saved
    assert (listed.label, listed.recommendation, listed.rules_digest) == (
        "First draft",
        result.recommendation,
        "sha256:ab",
    )
    assert versions.open(listed) == assessment
    assert versions.text(listed.id) == assessment_to_yaml(assessment, modeline=False)


def test_the_folder_and_schema_are_made_on_the_first_save_only(versions: Store) -> None:
    assert versions.versions(GIFTING.name) == []
    assert versions.assessments() == []
    assert not versions.path.parent.exists()  # looking creates nothing
    versions.save(GIFTING, "v1")
    with sqlite3.connect(versions.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert versions.assessments() == [(GIFTING.name, 1)]


def test_the_default_place_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "mine"))
    assert Store().path == tmp_path / "mine" / "versions.sqlite3"
    monkeypatch.setenv("ADVISOR_DATA_DIR", "")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Store().path == tmp_path / "xdg" / "integration-advisor" / "versions.sqlite3"


def test_versions_are_listed_newest_first_per_assessment(versions: Store) -> None:
    start = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    for day, label in enumerate(["Kick-off", "Design review", "Go live"]):
        versions.save(named("Orders"), label, now=start + datetime.timedelta(days=day))
    versions.save(named("Billing"), "Kick-off", now=start)
    assert [v.label for v in versions.versions("Orders")] == [
        "Go live",
        "Design review",
        "Kick-off",
    ]
    assert versions.versions("Orders")[-1].when == "2026-03-01 09:30 UTC"
    assert versions.assessments() == [("Billing", 1), ("Orders", 3)]
    assert versions.versions("Nothing saved") == []


def test_a_deleted_version_is_gone_and_its_name_free(versions: Store) -> None:
    first = versions.save(GIFTING, "v1")
    versions.save(GIFTING, "v2")
    versions.delete(first.id)
    assert [v.label for v in versions.versions(GIFTING.name)] == ["v2"]
    with pytest.raises(StoreError, match="no longer saved"):
        versions.text(first.id)
    versions.save(GIFTING, "v1")
    assert len(versions.versions(GIFTING.name)) == 2


@pytest.mark.parametrize(
    ("label", "refusal"),
    [
        ("", "Give the version a name"),
        ("   ", "Give the version a name"),
        ("x" * (MAX_LABEL + 1), f"up to {MAX_LABEL} characters; this one has {MAX_LABEL + 1}"),
        ("line one\nline two", "one line of text"),
        ("tab\there", "one line of text"),
    ],
)
def test_a_bad_name_is_refused(versions: Store, label: str, refusal: str) -> None:
    with pytest.raises(StoreError, match=refusal):
        versions.save(GIFTING, label)
    assert versions.versions(GIFTING.name) == []


def test_a_name_at_the_limit_is_kept_without_surrounding_spaces(versions: Store) -> None:
    label = "é" * MAX_LABEL
    assert versions.save(GIFTING, f"  {label} ").label == label


def test_the_same_name_twice_is_refused(versions: Store) -> None:
    versions.save(GIFTING, "Design review")
    with pytest.raises(StoreError, match="“Design review” of this assessment is saved already"):
        versions.save(GIFTING, "Design review")
    versions.save(named("Another"), "Design review")  # another assessment's: fine


def test_the_versions_kept_per_assessment_are_bounded(versions: Store) -> None:
    for number in range(MAX_VERSIONS):
        versions.save(GIFTING, f"v{number}")
    with pytest.raises(StoreError, match=f"{MAX_VERSIONS} saved versions, the most kept"):
        versions.save(GIFTING, "one more")
    assert len(versions.versions(GIFTING.name)) == MAX_VERSIONS
    versions.save(named("Another"), "v0")  # the bound is per assessment


def test_the_number_of_assessments_is_bounded(
    versions: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MAX_ASSESSMENTS", 3)
    for number in range(3):
        versions.save(named(f"Assessment {number}"), "v1")
    with pytest.raises(StoreError, match="Versions of 3 assessments are saved, the most kept"):
        versions.save(named("A fourth"), "v1")
    versions.save(named("Assessment 0"), "v2")  # one already kept may have more versions


def test_an_assessment_too_large_for_a_file_is_refused(versions: Store) -> None:
    extra = [{"id": f"s{n}", "name": "x" * 200, "owner": "y" * 200} for n in range(2500)]
    large = build({**minimal(), "systems": [*minimal()["systems"], *extra]})
    with pytest.raises(StoreError, match=f"too large to save .* up to {MAX_BYTES:,}"):
        versions.save(large, "huge")
    assert not versions.path.exists() or versions.versions(large.name) == []


def test_a_failed_save_leaves_the_store_as_it_was(
    versions: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new row is written, then the commit fails (a full disk): the row is not kept."""
    versions.save(GIFTING, "v1")
    before = versions.path.read_bytes()
    connect = sqlite3.connect

    class FailingCommit:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.db = connect(*args, **kwargs)
            self.inserted = False

        def execute(self, sql: str, *args: Any) -> Any:
            if sql == "COMMIT":
                assert self.inserted
                raise sqlite3.OperationalError("database or disk is full")
            self.inserted |= sql.startswith("INSERT")
            return self.db.execute(sql, *args)

        def close(self) -> None:
            self.db.close()

    monkeypatch.setattr(store.sqlite3, "connect", FailingCommit)
    with pytest.raises(StoreError, match="cannot be used \\(database or disk is full\\)"):
        versions.save(GIFTING, "v2")
    monkeypatch.undo()
    assert [v.label for v in versions.versions(GIFTING.name)] == ["v1"]
    assert table_rows(versions.path) == 1
    assert versions.path.read_bytes() == before


def test_concurrent_saves_all_land_and_respect_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "data" / store.FILE_NAME
    workers = MAX_VERSIONS + 10
    gate = threading.Barrier(workers)
    outcomes: list[str] = []

    def save(number: int) -> None:
        gate.wait()
        try:
            Store(path).save(GIFTING, f"v{number}")
            outcomes.append("saved")
        except StoreError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("saved") == MAX_VERSIONS
    refusals = [outcome for outcome in outcomes if outcome != "saved"]
    assert len(refusals) == 10
    assert all("the most kept for one assessment" in refusal for refusal in refusals)
    assert table_rows(path) == MAX_VERSIONS
    assert len({v.label for v in Store(path).versions(GIFTING.name)}) == MAX_VERSIONS


def test_a_file_that_is_not_a_database_is_named_and_left_alone(versions: Store) -> None:
    versions.path.parent.mkdir(parents=True)
    versions.path.write_bytes(b"name: not a database\n" * 100)
    for attempt in (
        lambda: versions.versions(GIFTING.name),
        lambda: versions.save(GIFTING, "v1"),
    ):
        with pytest.raises(StoreError) as refused:
            attempt()
        message = str(refused.value)
        assert message.startswith(f"{versions.path}: is damaged or not a database")
        assert "Move it aside: the next save starts a new one." in message
        assert "Traceback" not in message
    assert versions.path.read_bytes() == b"name: not a database\n" * 100


def test_another_programs_database_is_not_taken_over(versions: Store) -> None:
    versions.path.parent.mkdir(parents=True)
    with sqlite3.connect(versions.path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match="not one of saved versions \\(it holds invoices\\)"):
        versions.save(GIFTING, "v1")
    with sqlite3.connect(versions.path) as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert names == ["invoices"]


def test_a_newer_layout_is_refused_unchanged(versions: Store) -> None:
    versions.save(GIFTING, "v1")
    with sqlite3.connect(versions.path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = versions.path.read_bytes()
    expected = f"newer release of Integration Advisor \\(layout {SCHEMA_VERSION + 1}; this one"
    with pytest.raises(StoreError, match=expected):
        versions.versions(GIFTING.name)
    with pytest.raises(StoreError, match=expected):
        versions.save(GIFTING, "v2")
    assert versions.path.read_bytes() == before


def test_a_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    with pytest.raises(StoreError, match="cannot make the folder for saved versions"):
        Store(blocker / "data" / store.FILE_NAME).save(GIFTING, "v1")


@pytest.mark.parametrize("given", [None, "elsewhere"])
def test_make_run_keeps_versions_in_data_beside_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None
) -> None:
    """`make run` needs no step of its own: it names the data folder (data/ in the checkout,
    unless ADVISOR_DATA_DIR says otherwise), and the store makes it on the first save. A
    stand-in for the virtual environment's python says what it was given."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()  # newer than pyproject.toml: nothing to install
    python = venv / "bin" / "python"
    python.write_text('#!/bin/sh\nprintf "%s" "$ADVISOR_DATA_DIR"\n', encoding="utf-8")
    python.chmod(0o755)
    environment = {key: value for key, value in os.environ.items() if key != "MAKEFLAGS"}
    environment.pop("ADVISOR_DATA_DIR")
    if given is not None:
        environment["ADVISOR_DATA_DIR"] = str(tmp_path / given)
    printed = subprocess.run(
        ["make", "--no-print-directory", "-s", "run", f"VENV={venv}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = ROOT / "data" if given is None else tmp_path / given
    assert Path(printed) == expected
    assert Store().path.parent != expected  # and the tests keep theirs elsewhere
