"""The questionnaire's answers as plain data, and the way between them and an assessment.

Answers are JSON-like dicts and lists that a user may leave half-finished: a flow may name a
system that was just removed, an id may be blank. `validate_answers` turns them into an
assessment when they are complete, and otherwise says what is wrong, field by field, in the
same words the command line uses for a file. Editing helpers return new answers and never
change the ones they are given.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

import yaml

from advisor.errors import InputError, Problem
from advisor.loader import format_path, parse_assessment
from advisor.models import (
    Assessment,
    BrokerId,
    Cloud,
    Consistency,
    Context,
    Experience,
    Flow,
    Goal,
    Initiator,
    Ordering,
    Stage,
    System,
    Trigger,
)
from advisor.ruleset import Question, Ruleset
from advisor.wording import format_number

Answers = dict[str, Any]
FieldKey = tuple[str | int, ...]

SOURCE = "questionnaire"
SYSTEM_FIELDS = ("id", "name", "emits_events", "api_rate_limit_per_minute", "owner")
FLOW_FIELDS = tuple(Flow.model_fields)
CONTEXT_FIELDS = tuple(Context.model_fields)

# ---------------------------------------------------------------------------------------------
# Words: questions from the rules, and plain names for every choice
# ---------------------------------------------------------------------------------------------

_CHOICE_NAMES: dict[str, dict[str, str]] = {
    "context.stage": {"early": "Early", "growing": "Growing", "scaling": "Scaling"},
    "context.team_event_experience": {"none": "None", "some": "Some", "strong": "Strong"},
    "context.cloud": {
        "aws": "AWS",
        "gcp": "Google Cloud",
        "azure": "Azure",
        "on_prem": "On premises",
        "other": "Elsewhere or mixed",
    },
    "context.existing_broker": {"none": "None", "other": "Another broker"},
    "context.goals": {
        "simplicity": "Simplicity",
        "control": "Control",
        "real_time": "Real-time automation",
        "scalability": "Scalability",
        "decoupling": "Decoupling",
        "analytics": "Analytics streaming",
        "rate_limit_relief": "Relief from API rate limits",
    },
    "flow.trigger": {
        "user_action": "A user action",
        "data_change": "A data change",
        "schedule": "A schedule",
        "telemetry": "Telemetry",
    },
    "flow.initiator": {
        "source": "The source (it sends or calls)",
        "target": "The targets (they call the source)",
    },
    "flow.consistency": {
        "eventual": "No, they may lag (eventual)",
        "strong": "Yes, at once (strong)",
    },
    "flow.ordering": {
        "none": "No",
        "per_key": "Per key (one order, one ticket)",
        "global": "All of them, globally",
    },
}

_CHOICE_VALUES: dict[str, Any] = {
    "context.stage": Stage,
    "context.team_event_experience": Experience,
    "context.cloud": Cloud,
    "context.existing_broker": BrokerId,
    "context.goals": Goal,
    "flow.trigger": Trigger,
    "flow.initiator": Initiator,
    "flow.consistency": Consistency,
    "flow.ordering": Ordering,
}


def question(ruleset: Ruleset, key: str) -> Question:
    """The label and help the rules give an input (`flow.trigger`), or a plain fallback."""
    found = ruleset.questions.get(key)
    if found is not None:
        return found
    words = key.rsplit(".", 1)[-1].replace("_", " ")
    return Question(label=words[0].upper() + words[1:], help=words)


def choices(ruleset: Ruleset, key: str) -> dict[str, str]:
    """Every allowed value of a choice (`flow.trigger`), in the model's order, with its name."""
    names = dict(_CHOICE_NAMES.get(key, {}))
    if key == "context.existing_broker":
        for broker in ruleset.brokers:
            names.setdefault(broker.id, broker.name)
    values: tuple[str, ...] = get_args(_CHOICE_VALUES[key])
    return {value: names.get(value, value) for value in values}


def describe_delay(seconds: float | None) -> str:
    """`90` -> `1.5 minutes`: a delay in the unit a person would use."""
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return ""
    size, unit = next(((size, unit) for size, unit in _UNITS if seconds >= size), (1, "second"))
    text = format_number(round(seconds / size, 1))
    return f"{text} {unit}" + ("" if text == "1" else "s")


_UNITS = ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second"))


# ---------------------------------------------------------------------------------------------
# Answers from and to an assessment
# ---------------------------------------------------------------------------------------------


def answers_from(assessment: Assessment) -> Answers:
    """Every answer of an assessment, defaults filled in, as plain lists and dicts."""
    data = assessment.model_dump(mode="python")
    answers: Answers = _plain(data)
    answers["description"] = answers.get("description") or ""
    for flow in answers["flows"]:
        flow["description"] = flow.get("description") or ""
    return answers


def blank_answers() -> Answers:
    """A fresh start: two systems and one flow between them, every other answer at its default."""
    return answers_from(
        Assessment(
            name="New integration",
            systems=(
                System(id="source", name="Source system"),
                System(id="target", name="Target system"),
            ),
            flows=(Flow(id="flow-1", source="source", targets=("target",), trigger="data_change"),),
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def to_data(answers: Answers) -> dict[str, Any]:
    """The answers as an assessment document would hold them: blanks and unknowns left out."""
    data: dict[str, Any] = {"name": answers.get("name")}
    description = _text(answers.get("description"))
    if description is not None:
        data["description"] = description
    data["context"] = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in (answers.get("context") or {}).items()
    }
    data["systems"] = [_system_data(system) for system in answers.get("systems") or []]
    data["flows"] = [_flow_data(flow) for flow in answers.get("flows") or []]
    for name in ("status", "supersedes", "decision_makers", "informed"):  # kept as they came
        value = answers.get(name)
        if value:
            data[name] = list(value) if isinstance(value, list | tuple) else value
    return data


def _text(value: Any) -> Any:
    """An empty box is an unanswered question; anything else is kept exactly as typed."""
    return None if value == "" else value


def _system_data(system: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if system.get("id") is not None:
        data["id"] = system["id"]
    for name in ("name", "owner"):
        value = _text(system.get(name))
        if value is not None:
            data[name] = value
    data["emits_events"] = bool(system.get("emits_events"))
    rate = _whole(system.get("api_rate_limit_per_minute"))
    if rate is not None:
        data["api_rate_limit_per_minute"] = rate
    return data


def _flow_data(flow: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in FLOW_FIELDS:
        value = flow.get(name)
        if name == "description":
            value = _text(value)
        elif name == "targets":
            value = list(value or [])
        elif name in ("events_per_day", "items_polled_one_by_one"):
            value = _whole(value)
        if value is not None:
            data[name] = value
    return data


def _whole(value: Any) -> Any:
    """Whole numbers from a table or a number box arrive as 120.0; the model wants 120."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Validation, field by field
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """The assessment when the answers are complete; otherwise the problems, by field."""

    assessment: Assessment | None
    problems: tuple[Problem, ...] = ()
    fields: dict[FieldKey, tuple[str, ...]] = field(default_factory=dict)

    def at(self, *key: str | int) -> tuple[str, ...]:
        """The messages for one field, e.g. `at("flows", 0, "source")`."""
        return self.fields.get(key, ())


def validate_answers(answers: Answers) -> Checked:
    data = to_data(answers)
    try:
        return Checked(Assessment.model_validate(data))
    except ValueError:
        pass
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        assessment = parse_assessment(text, SOURCE)
    except InputError as error:
        problems = tuple(
            Problem(SOURCE, problem.message, path=problem.path) for problem in error.problems
        )
        return Checked(None, problems, _by_field(problems, data))
    return Checked(assessment)  # pragma: no cover - the model accepted it the second time


def _by_field(problems: Sequence[Problem], data: dict[str, Any]) -> dict[FieldKey, tuple[str, ...]]:
    places = sorted(
        ((format_path(loc, data), key) for loc, key in _places(data)),
        key=lambda place: -len(place[0]),
    )
    found: dict[FieldKey, list[str]] = {}
    for problem in problems:
        path = problem.path or ""
        key: FieldKey = ()
        for text, candidate in places:
            if path == text or path.startswith((text + ".", text + "[")):
                key = candidate
                break
        found.setdefault(key, []).append(problem.message)
    return {key: tuple(messages) for key, messages in found.items()}


def _places(data: dict[str, Any]) -> Iterable[tuple[FieldKey, FieldKey]]:
    """(location in the data, the field it belongs to) for every field the answers have."""
    for name in ("name", "description", "context", "systems", "flows"):
        yield (name,), (name,)
    for name in CONTEXT_FIELDS:
        yield ("context", name), ("context", name)
    for index, _ in enumerate(data["systems"]):
        yield ("systems", index), ("systems", index)
        for name in SYSTEM_FIELDS:
            yield ("systems", index, name), ("systems", index, name)
    for index, flow in enumerate(data["flows"]):
        yield ("flows", index), ("flows", index)
        for name in FLOW_FIELDS:
            yield ("flows", index, name), ("flows", index, name)
        for position, _ in enumerate(flow.get("targets", ())):
            yield ("flows", index, "targets", position), ("flows", index, "targets")


# ---------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(.*?)-?(\d+)$")


def unique_id(stem: str, taken: Iterable[Any]) -> str:
    """`stem-1`, `stem-2`, ...: the first that no one uses yet."""
    used = {item for item in taken if isinstance(item, str)}
    number = 1
    while f"{stem}-{number}" in used:
        number += 1
    return f"{stem}-{number}"


def add_flow(answers: Answers) -> Answers:
    """The answers with a new flow at the end, between the first two systems."""
    updated = copy.deepcopy(answers)
    ids = [system.get("id") for system in updated["systems"] if system.get("id")]
    flow: dict[str, Any] = _plain(
        Flow(id="flow", source="source", targets=("target",), trigger="data_change").model_dump()
    )
    flow["id"] = unique_id("flow", [item.get("id") for item in updated["flows"]])
    flow["description"] = ""
    flow["source"] = ids[0] if ids else None
    flow["targets"] = ids[1:2]
    updated["flows"].append(flow)
    return updated


def copy_flow(answers: Answers, index: int) -> Answers:
    """The answers with a copy of one flow right after it, under a new id."""
    updated = copy.deepcopy(answers)
    flow = copy.deepcopy(updated["flows"][index])
    match = _NUMBERED.match(str(flow.get("id") or "flow"))
    stem = match.group(1) if match and match.group(1) else str(flow.get("id") or "flow")
    flow["id"] = unique_id(stem, [item.get("id") for item in updated["flows"]])
    updated["flows"].insert(index + 1, flow)
    return updated


def remove_flow(answers: Answers, index: int) -> Answers:
    updated = copy.deepcopy(answers)
    del updated["flows"][index]
    return updated


TableEdits = Mapping[str, Any]


def apply_system_edits(
    answers: Answers,
    edits: TableEdits,
    *,
    base: Sequence[Mapping[str, Any]] | None = None,
    previous: TableEdits | None = None,
) -> Answers:
    """The answers after a systems-table edit (`edited_rows`, `added_rows`, `deleted_rows`).

    A table's edits are cumulative, against the systems it started from: `base` (by default the
    answers' own) with `previous`, the edits already in the answers. A system whose id changes
    takes its flows with it (unless another system has the new id); a removed system stays
    named by its flows, which validation then flags. A new row without an id gets `system-N`.
    """
    start = answers["systems"] if base is None else base
    before = dict(_table_rows(start, previous or {}))
    after = _table_rows(start, edits)
    updated = copy.deepcopy(answers)
    updated["systems"] = [system for _, system in after]
    named = [system.get("id") for system in updated["systems"]]
    for row, system in after:
        old, new = before.get(row, {}).get("id"), system.get("id")
        if not (isinstance(old, str) and isinstance(new, str)) or old == new:
            continue
        if old not in named and named.count(new) == 1:
            _rename_in_flows(updated["flows"], old, new)
    return updated


def _table_rows(
    base: Sequence[Mapping[str, Any]], edits: TableEdits
) -> list[tuple[tuple[str, int], dict[str, Any]]]:
    """The table's rows after its edits, each with where it stands in the table: a row of
    `base` by its index, or the n-th added row."""
    systems = [dict(system) for system in base]
    for row, changes in (edits.get("edited_rows") or {}).items():
        index = int(row)
        if 0 <= index < len(systems):
            for name, value in changes.items():
                if name in SYSTEM_FIELDS:
                    systems[index][name] = _cell(name, value)
    deleted = {int(row) for row in edits.get("deleted_rows") or ()}
    rows = [
        (("base", index), system) for index, system in enumerate(systems) if index not in deleted
    ]
    for number, added in enumerate(edits.get("added_rows") or ()):
        system = {name: _cell(name, added.get(name)) for name in SYSTEM_FIELDS}
        if not system["id"]:
            system["id"] = unique_id("system", [item.get("id") for _, item in rows])
        rows.append((("added", number), system))
    return rows


def _cell(name: str, value: Any) -> Any:
    if name == "emits_events":
        return bool(value)
    if name == "api_rate_limit_per_minute":
        return _whole(value)
    if value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _rename_in_flows(flows: list[dict[str, Any]], old: str, new: str) -> None:
    for flow in flows:
        if flow.get("source") == old:
            flow["source"] = new
        flow["targets"] = [new if target == old else target for target in flow.get("targets", [])]


def same_edits(one: TableEdits, other: TableEdits) -> bool:
    """Whether two table edit states hold the same edits (a missing part counts as empty)."""

    def normal(edits: TableEdits) -> tuple[Any, ...]:
        return (
            {int(row): dict(changes) for row, changes in (edits.get("edited_rows") or {}).items()},
            [dict(row) for row in edits.get("added_rows") or ()],
            sorted(int(row) for row in edits.get("deleted_rows") or ()),
        )

    return normal(one) == normal(other)
