"""Saved versions of assessments: named milestones kept in a local SQLite database.

Each version holds the assessment as canonical YAML (what `advisor assess` reads, written by
`export.assessment_to_yaml`), the assessment's name, the version's own name (the milestone:
"Before the design review"), when it was saved (UTC), the recommendation it had and the digest
of the rules that gave it.

Where: `versions.sqlite3` in $ADVISOR_DATA_DIR; when that is unset or empty, in
$XDG_DATA_HOME/integration-advisor, else ~/.local/share/integration-advisor. `make run` sets
ADVISOR_DATA_DIR to `data/` in the checkout. The folder and the database are made on the first
save; looking for versions in a store that does not exist finds none and creates nothing.

Bounds, each refused with a message that says what to do:
- a version's name: 1 to MAX_LABEL (80) characters, one line, unique within its assessment;
- MAX_VERSIONS (50) versions kept per assessment: delete one to save another;
- MAX_ASSESSMENTS (200) assessments with saved versions;
- the assessment's YAML: at most MAX_BYTES (1 MiB), the limit of any assessment file, so that
  every version can be opened again.

The database says which layout it has with `PRAGMA user_version` (SCHEMA_VERSION): one written
by a newer release is refused, never changed. Every write is one transaction (`BEGIN
IMMEDIATE`): a save that fails, or is refused, leaves the store as it was, and saves made at the
same moment (two browser tabs, two visitors) wait for each other, up to BUSY_TIMEOUT seconds.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import printable
from advisor.export import assessment_to_yaml
from advisor.loader import parse_assessment
from advisor.models import Assessment
from advisor.yamldoc import MAX_BYTES

FILE_NAME = "versions.sqlite3"
SCHEMA_VERSION = 1
MAX_LABEL = 80  # characters in a version's name
MAX_VERSIONS = 50  # versions kept per assessment
MAX_ASSESSMENTS = 200  # assessments with saved versions
BUSY_TIMEOUT = 10.0  # seconds a save waits for another one to finish

_SCHEMA = """
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    assessment TEXT NOT NULL,
    label TEXT NOT NULL,
    created TEXT NOT NULL,
    recommendation TEXT,
    rules_digest TEXT,
    yaml TEXT NOT NULL,
    UNIQUE (assessment, label)
);
CREATE INDEX versions_by_assessment ON versions (assessment, created);
"""
_COLUMNS = "id, assessment, label, created, recommendation, rules_digest"


class StoreError(Exception):
    """A version could not be saved, listed or opened; the message says why and what to do."""


@dataclass(frozen=True)
class Version:
    """One saved version, without its YAML (`Store.text` reads that)."""

    id: int
    assessment: str  # the assessment's name
    label: str  # the version's own name: the milestone
    created: datetime.datetime  # UTC
    recommendation: str | None  # api, event or hybrid, as it was when saved
    rules_digest: str | None  # sha256:<hex> of the rules that gave it

    @property
    def when(self) -> str:
        return self.created.strftime("%Y-%m-%d %H:%M UTC")


def data_dir() -> Path:
    chosen = os.environ.get("ADVISOR_DATA_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return Path(base) / "integration-advisor"


def check_label(label: str) -> str:
    """The version's name as it is kept (spaces around it dropped), or why it is refused."""
    label = label.strip()
    if not label:
        raise StoreError("Give the version a name, such as “Before the design review”.")
    if len(label) > MAX_LABEL:
        raise StoreError(
            f"A version's name holds up to {MAX_LABEL} characters; this one has {len(label)}. "
            "Write a shorter one."
        )
    if printable(label) != label:
        raise StoreError("A version's name is one line of text: leave out line breaks and tabs.")
    return label


class Store:
    """The saved versions in one database file. Each call opens its own connection, so one
    Store may serve several threads (Streamlit runs each visitor in a thread of its own)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / FILE_NAME

    # -- reading ------------------------------------------------------------------------------

    def assessments(self) -> list[tuple[str, int]]:
        """The assessments with saved versions, by name, with how many each has."""
        with self._reading() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT assessment, COUNT(*) FROM versions GROUP BY assessment ORDER BY assessment"
            ).fetchall()
        return [(str(name), int(count)) for name, count in rows]

    def versions(self, assessment: str) -> list[Version]:
        """The versions of the assessment with this name, the newest first."""
        with self._reading() as db:
            if db is None:
                return []
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM versions WHERE assessment = ? "
                "ORDER BY created DESC, id DESC",
                (assessment,),
            ).fetchall()
        return [_version(row) for row in rows]

    def version(self, version_id: int) -> Version:
        """A saved version by its id."""
        with self._reading() as db:
            row = (
                None
                if db is None
                else db.execute(
                    f"SELECT {_COLUMNS} FROM versions WHERE id = ?", (version_id,)
                ).fetchone()
            )
        if row is None:
            raise StoreError("This version is no longer saved (it was deleted meanwhile).")
        return _version(row)

    def text(self, version_id: int) -> str:
        """The YAML of a saved version."""
        with self._reading() as db:
            row = (
                None
                if db is None
                else db.execute("SELECT yaml FROM versions WHERE id = ?", (version_id,)).fetchone()
            )
        if row is None:
            raise StoreError("This version is no longer saved (it was deleted meanwhile).")
        return str(row[0])

    def open(self, version: Version) -> Assessment:
        """The assessment as it was saved."""
        return parse_assessment(self.text(version.id), f"version “{version.label}”")

    # -- writing ------------------------------------------------------------------------------

    def save(
        self,
        assessment: Assessment,
        label: str,
        *,
        recommendation: str | None = None,
        rules_digest: str | None = None,
        now: datetime.datetime | None = None,
    ) -> Version:
        """Keep the assessment as a new version named `label`, or say why not."""
        label = check_label(label)
        text = assessment_to_yaml(assessment, modeline=False)
        size = len(text.encode("utf-8"))
        if size > MAX_BYTES:
            raise StoreError(
                f"This assessment is too large to save ({size:,} bytes as YAML; a version holds "
                f"up to {MAX_BYTES:,}, as an assessment file does)."
            )
        created = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
        name = assessment.name
        with self._writing() as db:
            taken = db.execute(
                "SELECT label FROM versions WHERE assessment = ?", (name,)
            ).fetchall()
            if any(row[0] == label for row in taken):
                raise StoreError(
                    f"A version named “{label}” of this assessment is saved already: "
                    "choose another name, or delete that version first."
                )
            if len(taken) >= MAX_VERSIONS:
                raise StoreError(
                    f"This assessment has {len(taken)} saved versions, the most kept for one "
                    "assessment: delete one you no longer need, then save again."
                )
            if not taken:
                (count,) = db.execute("SELECT COUNT(DISTINCT assessment) FROM versions").fetchone()
                if count >= MAX_ASSESSMENTS:
                    raise StoreError(
                        f"Versions of {count} assessments are saved, the most kept: delete the "
                        "versions of one you no longer need, then save again."
                    )
            cursor = db.execute(
                "INSERT INTO versions "
                "(assessment, label, created, recommendation, rules_digest, yaml) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, label, _stamp(created), recommendation, rules_digest, text),
            )
            version_id = int(cursor.lastrowid or 0)
        return Version(version_id, name, label, created, recommendation, rules_digest)

    def delete(self, version_id: int) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM versions WHERE id = ?", (version_id,))

    # -- the database -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection, or None when no version was ever saved here."""
        if not self.path.exists():
            yield None
            return
        with self._errors():
            db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT
            )
            try:
                yield db if self._checked(db) else None
            finally:
                db.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction, made in full or not at all; the folder and schema on first use."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"{self.path.parent}: cannot make the folder for saved versions "
                f"({error.strerror or error}); set ADVISOR_DATA_DIR to a folder you can write."
            ) from None
        with self._errors():
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    if not self._checked(db):
                        for statement in _SCHEMA.split(";"):
                            if statement.strip():
                                db.execute(statement)
                        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                db.close()

    def _checked(self, db: sqlite3.Connection) -> bool:
        """Whether the database holds our versions (False: empty, so far); refused when it is
        something else, or of a newer layout."""
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return True
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: was written by a newer release of Integration Advisor (layout "
                f"{version}; this one reads layout {SCHEMA_VERSION}). Update it, or set "
                "ADVISOR_DATA_DIR to another folder."
            )
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master").fetchall()]
        if tables:
            raise StoreError(
                f"{self.path}: is an SQLite database, but not one of saved versions (it holds "
                f"{', '.join(map(str, tables[:5]))}). Move it aside, or set ADVISOR_DATA_DIR to "
                "another folder."
            )
        return False

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's and the system's failures as a sentence naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            reason = str(error)
            if "not a database" in reason or "malformed" in reason:
                raise StoreError(
                    f"{self.path}: is damaged or not a database of saved versions ({reason}). "
                    "Move it aside: the next save starts a new one."
                ) from None
            if "locked" in reason or "busy" in reason:
                raise StoreError(
                    f"{self.path}: is busy with another save that did not finish within "
                    f"{BUSY_TIMEOUT:g} seconds; try again."
                ) from None
            raise StoreError(
                f"{self.path}: cannot be used ({reason}); check that the folder can be written, "
                "or set ADVISOR_DATA_DIR to another folder."
            ) from None
        except OSError as error:
            raise StoreError(f"{self.path}: cannot be used ({error.strerror or error}).") from None


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _version(row: tuple[object, ...]) -> Version:
    version_id, assessment, label, created, recommendation, digest = row
    moment = datetime.datetime.strptime(str(created), "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.UTC
    )
    return Version(
        int(str(version_id)),
        str(assessment),
        str(label),
        moment,
        None if recommendation is None else str(recommendation),
        None if digest is None else str(digest),
    )
