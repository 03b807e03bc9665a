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

import annotated_types
import yaml

from advisor.errors import InputError, Problem
from advisor.loader import parse_assessment
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
from advisor.validation import format_path
from advisor.wording import format_duration, format_number

Answers = dict[str, Any]
FieldKey = tuple[str | int, ...]

SOURCE = "questionnaire"
SYSTEM_FIELDS = ("id", "name", "emits_events", "api_rate_limit_per_minute", "owner")
FLOW_FIELDS = tuple(Flow.model_fields)
CONTEXT_FIELDS = tuple(Context.model_fields)
NAME_LABEL = "What is the integration called?"
DESCRIPTION_LABEL = "What does it do? (optional)"

# Which answers are still the questionnaire's own defaults. Answers that come from a file, an
# example or a link are the user's; a blank start, a flow added with "Add a flow" and a row
# added to the systems table hold defaults until the user touches them (or keeps them). The
# context's, a flow's and a system's defaults are listed under this key, beside their answers;
# `to_data` never writes it.
UNCONFIRMED = "_unconfirmed"
CONTEXT_ANSWERS = (
    "name",
    "context.stage",
    "context.team_event_experience",
    "context.cloud",
    "context.existing_broker",
    "context.goals",
)
SYSTEM_ANSWERS = ("emits_events", "api_rate_limit_per_minute")
FLOW_ANSWERS = (
    "source",
    "targets",
    "trigger",
    "needs_response",
    "initiator",
    "max_delay_seconds",
    "events_per_day",
    "consistency",
    "ordering",
    "payload_kb",
    "peak_per_second",
    "items_polled_one_by_one",
)
# A flow fresh from "Add a flow": while none of these is touched, it is not counted.
NEW_FLOW = ("id", "description", *FLOW_ANSWERS)
SECTIONS = ("Context", "Systems", "Flows")

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
    """A fresh start: a name and the context's defaults, still to be confirmed, and neither
    systems nor flows (nothing invented is scored)."""
    answers: Answers = {
        "name": "New integration",
        "description": "",
        "context": _plain(Context().model_dump(mode="python")),
        "systems": [],
        "flows": [],
        "status": None,
        "supersedes": None,
        "decision_makers": [],
        "informed": [],
        UNCONFIRMED: list(CONTEXT_ANSWERS),
    }
    return answers


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def to_data(answers: Answers, *, flows: Sequence[int] | None = None) -> dict[str, Any]:
    """The answers as an assessment document would hold them: blanks and unknowns left out;
    with `flows`, only the flows at those positions."""
    data: dict[str, Any] = {"name": answers.get("name")}
    description = _text(answers.get("description"))
    if description is not None:
        data["description"] = description
    data["context"] = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in (answers.get("context") or {}).items()
    }
    data["systems"] = [_system_data(system) for system in answers.get("systems") or []]
    every = answers.get("flows") or []
    data["flows"] = [
        _flow_data(every[index]) for index in (range(len(every)) if flows is None else flows)
    ]
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
    """The assessment when the answers are complete; otherwise the problems, by field.

    `problems` are in the loader's words, placed in the document the counted answers make
    (`flows[0] (id: a).targets[0]`); `fields` holds the same problems by the answer they are
    about, in the questionnaire's words (a required answer not given is placed on its question).
    `new_flows` are the flows fresh from "Add a flow", which are not counted until touched.
    """

    assessment: Assessment | None
    problems: tuple[Problem, ...] = ()
    fields: dict[FieldKey, tuple[str, ...]] = field(default_factory=dict)
    new_flows: tuple[int, ...] = ()

    def at(self, *key: str | int) -> tuple[str, ...]:
        """The messages for one field, e.g. `at("flows", 0, "source")`."""
        return self.fields.get(key, ())


def validate_answers(answers: Answers) -> Checked:
    every = answers.get("flows") or []
    new = tuple(index for index, flow in enumerate(every) if is_new_flow(flow))
    counted = [index for index in range(len(every)) if index not in new]
    data = to_data(answers, flows=counted)
    try:
        return Checked(Assessment.model_validate(data), new_flows=new)
    except ValueError:
        pass
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        assessment = parse_assessment(text, SOURCE)
    except InputError as error:
        problems = tuple(
            Problem(SOURCE, problem.message, path=problem.path) for problem in error.problems
        )
        fields = _by_field(problems, data, counted)
        if new and not counted and ("flows",) in fields:
            fields[("flows",)] = (_NEW_ONLY,)
        return Checked(None, problems, fields, new)
    return Checked(assessment, new_flows=new)  # pragma: no cover - accepted the second time


_NEW_ONLY = "answer a question of the new flow, or keep its defaults: it counts from then on"
_MISSING = re.compile(r"^missing required key '(\w+)'$")


def _by_field(
    problems: Sequence[Problem], data: dict[str, Any], counted: Sequence[int]
) -> dict[FieldKey, tuple[str, ...]]:
    places = sorted(
        ((format_path(loc, data), key) for loc, key in _places(data, counted)),
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
        missing = _MISSING.match(problem.message)
        if missing and len(key) == 2 and key[0] in ("systems", "flows"):
            key = (*key, missing.group(1))  # a required answer not given: at its question
        found.setdefault(key, []).append(in_our_words(key, problem.message))
    return {key: tuple(messages) for key, messages in found.items()}


def _places(data: dict[str, Any], counted: Sequence[int]) -> Iterable[tuple[FieldKey, FieldKey]]:
    """(location in the data, the field it belongs to) for every field the answers have; the
    data's flows are the counted ones, at their positions in the answers."""
    for name in ("name", "description", "context", "systems", "flows"):
        yield (name,), (name,)
    for name in CONTEXT_FIELDS:
        yield ("context", name), ("context", name)
    for index, _ in enumerate(data["systems"]):
        yield ("systems", index), ("systems", index)
        for name in SYSTEM_FIELDS:
            yield ("systems", index, name), ("systems", index, name)
    for index, flow in enumerate(data["flows"]):
        at = counted[index]
        yield ("flows", index), ("flows", at)
        for name in FLOW_FIELDS:
            yield ("flows", index, name), ("flows", at, name)
        for position, _ in enumerate(flow.get("targets", ())):
            yield ("flows", index, "targets", position), ("flows", at, "targets")


# The loader's words for a few problems that the questionnaire puts its own way.
_EMPTY_LIST = re.compile(r"^needs at least 1 item$")
_NOT_WHOLE = re.compile(r"^expected a whole number(?:, got (.*))?$")
_FIRST_NEEDED = {
    ("systems",): "add the systems taking part (Systems: a row each; a flow links two)",
    ("flows",): "add at least one flow (Flows: Add a flow), and answer its questions",
}


def in_our_words(key: FieldKey, message: str) -> str:
    """A problem with the answer at `key`, said as the questionnaire would say it: `add at least
    one system (...)` for the loader's `needs at least 1 item` at `systems`."""
    if _EMPTY_LIST.match(message):
        if key in _FIRST_NEEDED:
            return _FIRST_NEEDED[key]
        if key[-1:] == ("targets",):
            return "choose at least one system that receives it"
        return "needs at least one"
    if _MISSING.match(message) and key[-1:] in (("source",), ("id",)):
        return "choose a system" if key[-1] == "source" else "needs an id"
    whole = _NOT_WHOLE.match(message)
    if whole:
        got = whole.group(1)
        return "must be a whole number" + (f" (got {got})" if got else "")
    return message


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
    """The answers with a new flow at the end, between the first two systems: every answer a
    default, and the flow not counted until one of them is touched."""
    updated = copy.deepcopy(answers)
    ids = [system.get("id") for system in updated["systems"] if system.get("id")]
    flow: dict[str, Any] = _plain(
        Flow(id="flow", source="source", targets=("target",), trigger="data_change").model_dump()
    )
    flow["id"] = unique_id("flow", [item.get("id") for item in updated["flows"]])
    flow["description"] = ""
    flow["source"] = ids[0] if ids else None
    flow["targets"] = ids[1:2]
    flow[UNCONFIRMED] = list(NEW_FLOW)
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
    before_rows = _table_rows(start, previous or {})
    before = dict(before_rows)
    after = _table_rows(start, edits)
    updated = copy.deepcopy(answers)
    marks = {  # the defaults each row still holds now, whatever the table started from
        row: list(current.get(UNCONFIRMED) or ())
        for (row, _), current in zip(before_rows, answers["systems"], strict=False)
    }
    for row, system in after:
        _mark_system(system, row, before.get(row), marks.get(row))
    updated["systems"] = [system for _, system in after]
    named = [system.get("id") for system in updated["systems"]]
    for row, system in after:
        old, new = before.get(row, {}).get("id"), system.get("id")
        if not (isinstance(old, str) and isinstance(new, str)) or old == new:
            continue
        if old not in named and named.count(new) == 1:
            _rename_in_flows(updated["flows"], old, new)
    return updated


def _mark_system(
    system: dict[str, Any],
    row: tuple[str, int],
    before: Mapping[str, Any] | None,
    marks: list[str] | None,
) -> None:
    """A row's answers still at their defaults: a new row's untouched ones, less any the
    user has changed since."""
    if before is None:  # a row just added: what was typed into it is an answer
        left = [
            name
            for name in SYSTEM_ANSWERS
            if system.get(name) is None or (name == "emits_events" and not system.get(name))
        ]
    else:
        left = [name for name in marks or () if system.get(name) == before.get(name)]
    system.pop(UNCONFIRMED, None)
    if left:
        system[UNCONFIRMED] = left


def _table_rows(
    base: Sequence[Mapping[str, Any]], edits: TableEdits
) -> list[tuple[tuple[str, int], dict[str, Any]]]:
    """The table's rows after its edits, each with where it stands in the table: a row of
    `base` by its index, or the n-th added row."""
    systems = [{k: v for k, v in system.items() if k != UNCONFIRMED} for system in base]
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


# ---------------------------------------------------------------------------------------------
# Defaults still to confirm, and progress
# ---------------------------------------------------------------------------------------------


def is_new_flow(flow: Mapping[str, Any]) -> bool:
    """A flow fresh from "Add a flow" that no one has touched yet."""
    return set(NEW_FLOW) <= set(flow.get(UNCONFIRMED) or ())


def mark(path: FieldKey) -> tuple[FieldKey, str] | None:
    """Where the default mark of the answer at `path` lives, and its name there:
    `("flows", 0, "trigger")` -> `(("flows", 0), "trigger")`; None for an answer never marked."""
    if path == ("name",) or path == ("description",):
        return (), path[0]
    if len(path) == 2 and path[0] == "context":
        return (), f"context.{path[1]}"
    if len(path) == 3 and path[0] in ("systems", "flows") and isinstance(path[1], int):
        return path[:2], str(path[2])
    return None


def unmark(answers: Answers, path: FieldKey) -> None:
    """The answer at `path` is the user's now. Changes `answers` in place: the widgets' change
    callbacks write single answers that way."""
    found = mark(path)
    if found is None:
        return
    owner: Any = answers
    for part in found[0]:
        owner = owner[part]
    marks = owner.get(UNCONFIRMED)
    if marks and found[1] in marks:
        owner[UNCONFIRMED] = [name for name in marks if name != found[1]] or None
        if owner[UNCONFIRMED] is None:
            del owner[UNCONFIRMED]


def keep_defaults(answers: Answers, section: str, index: int | None = None) -> Answers:
    """The answers with the defaults of a section (`Context`, `Systems`, `Flows`, or one flow
    with `index`) kept as the user's answers."""
    updated = copy.deepcopy(answers)
    if section == "Context":
        owners: list[dict[str, Any]] = [updated]
    elif section == "Systems":
        owners = list(updated["systems"])
    else:
        flows = updated["flows"]
        owners = list(flows) if index is None else [flows[index]]
    for owner in owners:
        owner.pop(UNCONFIRMED, None)
    return updated


@dataclass(frozen=True)
class Section:
    """One section's answers that count for the recommendation, and those still defaults."""

    name: str
    answers: int
    defaults: tuple[FieldKey, ...]

    @property
    def confirmed(self) -> int:
        return self.answers - len(self.defaults)


@dataclass(frozen=True)
class Progress:
    sections: tuple[Section, ...]
    new_flows: tuple[int, ...]

    @property
    def answers(self) -> int:
        return sum(section.answers for section in self.sections)

    @property
    def defaults(self) -> tuple[FieldKey, ...]:
        return tuple(key for section in self.sections for key in section.defaults)

    @property
    def confirmed(self) -> int:
        return self.answers - len(self.defaults)

    def section(self, name: str) -> Section:
        return next(section for section in self.sections if section.name == name)


def progress(answers: Answers) -> Progress:
    """Which answers are confirmed and which still hold the questionnaire's defaults, by
    section: the context's, each system's and each flow's (new flows included)."""
    top = set(answers.get(UNCONFIRMED) or ())
    context = tuple(
        ("name",) if name == "name" else ("context", name.split(".", 1)[1])
        for name in CONTEXT_ANSWERS
        if name in top
    )
    systems = answers.get("systems") or []
    flows = answers.get("flows") or []
    return Progress(
        (
            Section("Context", len(CONTEXT_ANSWERS), context),
            Section("Systems", len(SYSTEM_ANSWERS) * len(systems), _marked(systems, "systems")),
            Section("Flows", len(FLOW_ANSWERS) * len(flows), _marked(flows, "flows")),
        ),
        tuple(index for index, flow in enumerate(flows) if is_new_flow(flow)),
    )


def _marked(items: Sequence[Mapping[str, Any]], kind: str) -> tuple[FieldKey, ...]:
    names = SYSTEM_ANSWERS if kind == "systems" else FLOW_ANSWERS
    return tuple(
        (kind, index, name)
        for index, item in enumerate(items)
        for name in names
        if name in (item.get(UNCONFIRMED) or ())
    )


# ---------------------------------------------------------------------------------------------
# Numbers: the bounds the model documents, and delays in a person's units
# ---------------------------------------------------------------------------------------------

_MODELS: dict[str, Any] = {"flow": Flow, "system": System}


@dataclass(frozen=True)
class Bounds:
    low: float | None = None
    low_included: bool = True
    high: float | None = None
    high_included: bool = True
    whole: bool = False


def bounds(key: str) -> Bounds:
    """The bounds the model sets on the number `key` (`flow.events_per_day`)."""
    kind, name = key.split(".", 1)
    info = _MODELS[kind].model_fields[name]
    found: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            found.update(low=item.ge, low_included=True)
        elif isinstance(item, annotated_types.Gt):
            found.update(low=item.gt, low_included=False)
        elif isinstance(item, annotated_types.Le):
            found.update(high=item.le, high_included=True)
        elif isinstance(item, annotated_types.Lt):
            found.update(high=item.lt, high_included=False)
    return Bounds(**found, whole=_whole_number(info.annotation))


def _whole_number(annotation: Any) -> bool:
    """`int`, `Exact[int]` (Annotated: its `__origin__` is int) or either of them or None."""
    return any(
        kind is int or getattr(kind, "__origin__", None) is int
        for kind in (annotation, *get_args(annotation))
    )


def out_of_range(key: str, value: float, shown: Any = format_number) -> str | None:
    """Why the number `value` cannot be the answer to `key`, naming the bound (`shown` says
    a bound as the question does, a delay as `10 years`), or None when it can."""
    limits = bounds(key)
    if not math.isfinite(value):
        return "is not a number"
    if limits.whole and not float(value).is_integer():
        return "must be a whole number"
    low, high = limits.low, limits.high
    if low is not None and (value < low or (value == low and not limits.low_included)):
        least = "the least allowed is" if limits.low_included else "it must be more than"
        return f"is too small: {least} {shown(low)}"
    if high is not None and (value > high or (value == high and not limits.high_included)):
        return f"is too large: the most allowed is {shown(high)}"
    return None


DELAY_UNITS: dict[str, float] = {
    "seconds": 1.0,
    "minutes": 60.0,
    "hours": 3_600.0,
    "days": 86_400.0,
}


def delay_in_units(seconds: float | None) -> tuple[float | None, str]:
    """A delay as a person would enter it: the largest unit that holds it as a whole number or
    to three decimals at most, 90 -> (1.5, "minutes"), 100 -> (100, "seconds")."""
    if seconds is None or not math.isfinite(seconds):
        return None, "seconds"
    for unit, size in reversed(DELAY_UNITS.items()):
        amount = seconds / size
        if amount >= 1 and abs(amount * 1000 - round(amount * 1000)) < 1e-6:
            return round(amount, 3), unit
    return seconds, "seconds"


def delay_seconds(amount: float, unit: str) -> float:
    return amount * DELAY_UNITS[unit]


def say_delay(seconds: float) -> str:
    """A delay in words: `10 years` for the bound of ten years, else `1.5 minutes`."""
    years = seconds / (365 * 86_400)
    if years >= 1 and years.is_integer():
        return f"{format_number(years)} year{'' if years == 1 else 's'}"
    return format_duration(seconds)


# ---------------------------------------------------------------------------------------------
# Where an answer is, in the questionnaire's words
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A problem with the answers, at its question: `Flows`, `flow-1 › Which systems receive
    it?`, and the message in the questionnaire's words."""

    section: str
    place: str
    message: str
    key: FieldKey


def notes(checked: Checked, answers: Answers, ruleset: Ruleset) -> tuple[Note, ...]:
    """Every problem of `checked`, placed at its question in the questionnaire's words."""
    return tuple(
        Note(*where(answers, ruleset, key), message, key)
        for key, messages in checked.fields.items()
        for message in messages
    )


def answer_words(ruleset: Ruleset, path: str) -> str:
    """An answer named by its path in a comparison (`flows.<id>.<name>`, `systems.<id>`,
    `context.<name>`, `name`) in the questionnaire's words: `Flows › order-placed › What
    starts it?`. Ids hold no dot, so the path splits unambiguously."""
    parts = path.split(".", 2)
    if parts[0] in ("name", "description") and len(parts) == 1:
        return f"Context › {NAME_LABEL if parts[0] == 'name' else DESCRIPTION_LABEL}"
    if parts[0] == "context" and len(parts) == 2:
        return f"Context › {question(ruleset, path).label}"
    if parts[0] in ("flows", "systems") and len(parts) >= 2:
        kind, section = ("flow", "Flows") if parts[0] == "flows" else ("system", "Systems")
        if len(parts) == 2:
            return f"{section} › {parts[1]}"
        return f"{section} › {parts[1]} › {question(ruleset, f'{kind}.{parts[2]}').label}"
    return path


def where(answers: Answers, ruleset: Ruleset, key: FieldKey) -> tuple[str, str]:
    """The section and the question an answer belongs to: `("Flows", "flow-1 › What starts
    it?")`; a system or a flow is named by its id, or by its place when it has none."""
    if not key:
        return "Context", "the assessment"
    if key[0] in ("name", "description"):
        return "Context", NAME_LABEL if key[0] == "name" else DESCRIPTION_LABEL
    if key[0] == "context":
        return "Context", question(ruleset, f"context.{key[1]}").label if len(key) > 1 else ""
    kind = "system" if key[0] == "systems" else "flow"
    section = "Systems" if kind == "system" else "Flows"
    if len(key) == 1:
        return section, ""
    items = answers.get(str(key[0])) or []
    index = int(key[1])
    item = items[index] if 0 <= index < len(items) else {}
    named = item.get("id") if isinstance(item.get("id"), str) and item.get("id") else None
    name = named or f"{kind} {index + 1}"
    if len(key) == 2:
        return section, name
    return section, f"{name} › {question(ruleset, f'{kind}.{key[2]}').label}"
