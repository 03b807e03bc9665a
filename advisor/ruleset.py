"""Rules as data: the schema of a rules file, declarative conditions, and how files combine.

A rules file may hold any of the sections below; the default rules are split over several files
and an organisation's own files are laid on top of them (same id: replaced; `disable`: removed).
Every name a condition uses is checked against `advisor.facts.FACTS` when the file loads.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator
from pydantic_core import PydanticCustomError

from advisor.errors import did_you_mean
from advisor.facts import FACTS, Fact, Facts, FactValue, Scope, format_fact
from advisor.models import Context, Flow, System
from advisor.wording import format_size

RULE_ID = r"^[a-z0-9][a-z0-9_-]*$"
MAX_THRESHOLD = 1e15  # the largest number a condition may compare with, either side of 0
CHAINED_PARTS = 8  # all/any of more parts are tested in a loop, not in nested calls
# A number as written: no true for 1, no "5" for 5.
Number = Annotated[float, Strict()]
NO_BROKER = "none"  # the broker option that means: no broker is needed
Op = Literal["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "contains", "lacks", "exists"]
_OPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "bool": ("eq", "ne", "exists"),
    "enum": ("eq", "ne", "in", "not_in", "exists"),
    "number": ("eq", "ne", "lt", "le", "gt", "ge", "exists"),
    "set": ("contains", "lacks", "exists"),
}
_KIND_NAMES = {"bool": "true or false", "enum": "a choice", "number": "a number", "set": "a set"}
_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")


class _Frozen(BaseModel):
    # Built on first validation: a rule set read from the cache needs no validators at all.
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, defer_build=True, allow_inf_nan=False
    )


def _error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose text is already written (pydantic would re-format braces)."""
    return PydanticCustomError(kind, "{message}", {"message": message})


class Condition(_Frozen):
    """A test on facts: `{fact, op, value}`, or `{all: [...]}`, `{any: [...]}`, `{not: {...}}`."""

    fact: str | None = None
    op: Op | None = None
    value: Any = None
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [
            name
            for name, given in (
                ("fact", self.fact is not None or self.op is not None),
                ("all", self.all is not None),
                ("any", self.any is not None),
                ("not", self.not_ is not None),
            )
            if given
        ]
        if len(forms) != 1:
            raise _error(
                "condition_form",
                "a condition is exactly one of {fact, op, value}, {all: [...]}, {any: [...]} "
                f"or {{not: ...}}; got {', '.join(forms) or 'none of them'}",
            )
        if forms == ["fact"]:
            self._check_test()
        return self

    def _check_test(self) -> None:
        if self.fact is None:
            raise _error("condition_fact", "a test needs a 'fact'")
        fact = FACTS.get(self.fact)
        if fact is None:
            hint = did_you_mean(self.fact, FACTS) or _known_facts()
            raise _error("unknown_fact", f"unknown fact {self.fact!r}{hint}")
        if self.op is None:
            raise _error("condition_op", "a test needs an 'op'")
        allowed = _OPS_BY_KIND[fact.kind]
        if self.op not in allowed:
            raise _error(
                "operator",
                f"operator {self.op!r} does not apply to {fact.name} ({_KIND_NAMES[fact.kind]}); "
                f"use one of: {', '.join(allowed)}",
            )
        problem = _value_problem(fact, self.op, self.value)
        if problem:
            raise _error("condition_value", problem)

    def holds(self, facts: Facts) -> bool:
        if self.all is not None:
            return all(part.holds(facts) for part in self.all)
        if self.any is not None:
            return any(part.holds(facts) for part in self.any)
        if self.not_ is not None:
            return not self.not_.holds(facts)
        return _test(self.op, facts[self.fact or ""], self.value)

    def facts_used(self) -> Iterator[str]:
        if self.fact is not None:
            yield self.fact
        for part in (*(self.all or ()), *(self.any or ()), *((self.not_,) if self.not_ else ())):
            yield from part.facts_used()

    def tests(self) -> Iterator[Condition]:
        """Every leaf test inside this condition."""
        if self.fact is not None:
            yield self
        for part in (*(self.all or ()), *(self.any or ()), *((self.not_,) if self.not_ else ())):
            yield from part.tests()


def _known_facts() -> str:
    return "; known facts: " + ", ".join(sorted(FACTS))


def _value_problem(fact: Fact, op: str, value: Any) -> str | None:
    if op == "exists":
        return None if isinstance(value, bool) else "'exists' takes true or false"
    if op in ("in", "not_in"):
        if not isinstance(value, list | tuple) or not value:
            return f"{op!r} takes a non-empty list of values"
        problems = [_scalar_problem(fact, item) for item in value]
        return next((p for p in problems if p), None)
    return _scalar_problem(fact, value)


def _scalar_problem(fact: Fact, value: Any) -> str | None:
    if fact.kind == "bool":
        return None if isinstance(value, bool) else f"{fact.name} is true or false, not {value!r}"
    if fact.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{fact.name} is a number; {value!r} is not"
        if not math.isfinite(value) or abs(value) > MAX_THRESHOLD:
            return (
                f"{fact.name} is compared with {value!r}; a threshold is a finite number "
                f"between -{MAX_THRESHOLD:,.0f} and {MAX_THRESHOLD:,.0f}"
            )
        return None
    if not isinstance(value, str) or value not in fact.values:
        return (
            f"{value!r} is not a value of {fact.name}; expected one of: "
            f"{', '.join(fact.values)}{did_you_mean(str(value), fact.values)}"
        )
    return None


def _test(op: str | None, actual: FactValue, expected: Any) -> bool:
    if op == "exists":
        return (actual is not None) is bool(expected)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        return isinstance(actual, frozenset) and expected in actual
    if op == "lacks":
        return isinstance(actual, frozenset) and expected not in actual
    if not isinstance(actual, float | int) or isinstance(actual, bool):
        return False
    number = float(expected)
    if op == "lt":
        return actual < number
    if op == "le":
        return actual <= number
    if op == "gt":
        return actual > number
    return actual >= number  # ge: the operators were validated at load


Predicate = Callable[[Facts], bool]


def compile_condition(condition: Condition) -> Predicate:
    """The condition as a plain function of the facts: the same answers as `holds`, faster.

    The engine evaluates every rule for every flow, and the what-if analysis does so again for
    every candidate change, so conditions are turned into closures once per rule set.
    """
    if condition.all is not None:
        return _chain([compile_condition(part) for part in condition.all], every=True)
    if condition.any is not None:
        return _chain([compile_condition(part) for part in condition.any], every=False)
    if condition.not_ is not None:
        inner = compile_condition(condition.not_)
        return lambda facts: not inner(facts)
    return _compile_test(condition.fact or "", condition.op, condition.value)


def _chain(parts: list[Predicate], *, every: bool) -> Predicate:
    """all() or any() of the parts, short-circuit, as nested closures: a call per part, no
    generator to start for every evaluation. A long list is tested in a loop instead, so that
    no number of parts nests calls deeper than `CHAINED_PARTS`."""
    if not parts:
        return lambda facts: every
    if len(parts) == 1:
        return parts[0]
    if len(parts) > CHAINED_PARTS:
        looped = tuple(parts)
        if every:
            return lambda facts: all(part(facts) for part in looped)
        return lambda facts: any(part(facts) for part in looped)
    first, rest = parts[0], _chain(parts[1:], every=every)
    if every:
        return lambda facts: first(facts) and rest(facts)
    return lambda facts: first(facts) or rest(facts)


def _compile_test(name: str, op: str | None, expected: Any) -> Predicate:
    if op == "exists":
        present = bool(expected)
        return lambda facts: (facts[name] is not None) is present
    if op in ("eq", "ne"):
        equal = op == "eq"
        return lambda facts: (value := facts[name]) is not None and (value == expected) is equal
    if op in ("in", "not_in"):
        values = frozenset(expected)
        inside = op == "in"
        return lambda facts: (value := facts[name]) is not None and (value in values) is inside
    if op in ("contains", "lacks"):
        member = op == "contains"
        return lambda facts: (
            isinstance(value := facts[name], frozenset) and (expected in value) is member
        )
    number = float(expected)
    compare = _COMPARE[op or "ge"]
    return lambda facts: (
        ((kind := type(value := facts[name])) is float or kind is int)  # a number, not a bool
        and compare(value, number)  # type: ignore[arg-type]  # mypy does not narrow on type()
    )


Settled = Callable[[Facts], bool | None]


def compile_settled(condition: Condition, moving: frozenset[str]) -> Settled | None:
    """The condition's answer as far as the facts other than `moving` settle it: a function of
    the facts giving True or False where the condition holds (or fails) whatever values the
    moving facts take, and None where they may decide; None in place of a function where they
    always may (the condition tests a moving fact and nothing else can settle it).

    Three-valued logic (Kleene's), sound but not complete: a True or False is always right, and
    a None may be given where a cleverer reading would settle it. The what-if analysis asks this
    of each rule a change can reach: a rule for flows that need no response is settled, for a
    change of volume, on a flow that needs one, so it is neither counted in that flow's bounds
    nor tested again for each candidate value.
    """
    if moving.isdisjoint(condition.facts_used()):
        return compile_condition(condition)
    if condition.not_ is not None:
        negated = compile_settled(condition.not_, moving)
        if negated is None:
            return None
        return lambda facts: None if (value := negated(facts)) is None else not value
    if condition.all is None and condition.any is None:
        return None  # a test of a moving fact
    every = condition.all is not None
    parts = condition.all if condition.all is not None else condition.any or ()
    fixed: list[Predicate] = []  # parts that read no moving fact
    open_: list[Settled] = []  # parts that do, but which the other facts may still settle
    for part in parts:
        if moving.isdisjoint(part.facts_used()):
            fixed.append(compile_condition(part))
        elif (inner := compile_settled(part, moving)) is not None:
            open_.append(inner)
    if not fixed and not open_:
        return None
    decides = not every  # the answer of a part that decides the whole: False for all, True for any
    undecided = len(fixed) + len(open_) < len(parts)  # some parts are always open
    settles = _chain(fixed, every=every) if fixed else None

    def settled(facts: Facts) -> bool | None:
        if settles is not None and settles(facts) is decides:
            return decides
        unknown = undecided
        for part in open_:
            value = part(facts)
            if value is None:
                unknown = True
            elif value is decides:
                return decides
        return None if unknown else not decides

    return settled


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def _check_placeholders(text: str, scope: Scope) -> None:
    for name in _PLACEHOLDER.findall(text):
        fact = FACTS.get(name)
        if fact is None or scope not in fact.scopes:
            raise _error(
                "placeholder",
                f"unknown placeholder {{{name}}} in the text{did_you_mean(name, FACTS)}",
            )


def placeholders(text: str) -> tuple[str, ...]:
    """The facts an explanation quotes, as `{fact.name}`."""
    return tuple(_PLACEHOLDER.findall(text))


def fill(text: str, facts: Facts) -> str:
    """Put fact values into an explanation's `{fact.name}` placeholders. A count of one takes
    the plural noun written right after it in the singular: `{polling.calls_per_day} calls`
    reads "1 call" as it reads "24 calls"; a size written in KB reads in its largest unit:
    `{flow.payload_kb} KB` is "5,000 KB" no more, but "4.9 MB"."""

    def filled(match: re.Match[str]) -> str:
        name, noun = match.group(1), match.group(2)
        value = facts.get(name)
        if noun == "KB" and name.endswith("_kb") and isinstance(value, float | int):
            return format_size(float(value))  # in its largest unit, as every output says it
        shown = format_fact(value, name)
        if noun is None:
            return shown
        return f"{shown} {noun[:-1] if shown == '1' and noun in _PLURALS else noun}"

    return _COUNTED.sub(filled, text)


# A placeholder and, where one follows it, the word after it; and the plural nouns that rules
# count (a count of 1 takes them in the singular).
_COUNTED = re.compile(r"\{([a-z_.]+)\}(?: ([A-Za-z]+)\b)?")
_PLURALS = frozenset(
    {"calls", "changes", "consumers", "events", "items", "messages", "polls", "requests"}
)


# ---------------------------------------------------------------------------------------------
# Sections of a rules file
# ---------------------------------------------------------------------------------------------


class Criterion(_Frozen):
    """A row of the head-to-head comparison."""

    id: str = Field(pattern=RULE_ID)
    title: str = Field(min_length=1)
    api: str = Field(min_length=1, description="What API-driven integration offers here.")
    event: str = Field(min_length=1, description="What event-driven integration offers here.")
    budget: Number | None = Field(
        None,
        gt=0,
        le=100,
        description="The most points this criterion's rules together give one side of a flow: "
        "rules that restate one fact share one weight. None: no cap.",
    )


class Rule(_Frozen):
    """Points for one side when a condition holds."""

    id: str = Field(pattern=RULE_ID)
    criterion: str
    favours: Literal["api", "event"]
    points: Number = Field(gt=0, le=100)
    when: Condition
    explanation: str = Field(min_length=1)

    @model_validator(mode="after")
    def _scope(self) -> Rule:
        _check_scope(self.when, "flow")
        _check_placeholders(self.explanation, "flow")
        return self


class HybridRule(_Frozen):
    """Turns an event-leaning flow into a thin event plus an API call-back."""

    id: str = Field(pattern=RULE_ID)
    when: Condition
    explanation: str = Field(min_length=1)

    @model_validator(mode="after")
    def _scope(self) -> HybridRule:
        _check_scope(self.when, "flow")
        _check_placeholders(self.explanation, "flow")
        return self


class BrokerOption(_Frozen):
    id: str = Field(pattern=RULE_ID)
    name: str = Field(min_length=1)
    summary: str = Field(min_length=1)


class BrokerChoice(_Frozen):
    """Picks a broker when its condition holds; the first that holds wins."""

    id: str = Field(pattern=RULE_ID)
    choose: str = Field(description="A broker id, or 'existing' for the broker already in use.")
    when: Condition | None = None
    why: str = Field(min_length=1)

    @model_validator(mode="after")
    def _scope(self) -> BrokerChoice:
        if self.when is not None:
            _check_scope(self.when, "integration")
        _check_placeholders(self.why, "integration")
        return self


# The mitigations the blueprint draws, for the risks that call for one (a risk's `blueprint`):
# an idempotent consumer on each consumer of the flow, a transactional outbox on its source,
# retries with back-off on its API calls and call-backs, a dead-letter queue after retries.
Drawn = Literal["idempotent-consumer", "outbox", "retries", "dead-letter"]
DRAWN: tuple[Drawn, ...] = get_args(Drawn)


class RiskRule(_Frozen):
    id: str = Field(pattern=RULE_ID)
    title: str = Field(min_length=1)
    mitigation: str = Field(min_length=1)
    when: Condition
    blueprint: Drawn | None = Field(
        None,
        description="The mitigation the blueprint draws on the flows with this risk: "
        "idempotent-consumer, outbox, retries or dead-letter (none when left out).",
    )

    @model_validator(mode="after")
    def _scope(self) -> RiskRule:
        _check_scope(self.when, "risk")
        return self


class Question(_Frozen):
    """The plain-language question and help text for one input, shared by the app and reports."""

    label: str = Field(min_length=1)
    help: str = Field(min_length=1)


class Scoring(_Frozen):
    """How points become scores, styles and confidence."""

    saturation: Number | None = Field(
        None, gt=0, le=10_000, description="Points that make a full score."
    )
    style_margin: Number | None = Field(None, gt=0, le=100, description="Lead that decides a flow.")
    hybrid_floor: Number | None = Field(
        None, ge=0, le=100, description="Within the margin, both scores at least this: hybrid."
    )
    confidence_span: Number | None = Field(
        None, gt=0, le=1_000, description="Lead beyond the margin that makes confidence 1."
    )
    peak_factor: Number | None = Field(
        None,
        gt=0,
        le=86_400,
        description="Busiest second over the average second, when not given (at most a whole "
        "day's volume in one second).",
    )


class RuleFile(_Frozen):
    """What one rules file may hold. Every section is optional."""

    version: Literal[1] = 1
    scoring: Scoring = Field(default_factory=Scoring)
    criteria: tuple[Criterion, ...] = ()
    rules: tuple[Rule, ...] = ()
    hybrid: tuple[HybridRule, ...] = ()
    brokers: tuple[BrokerOption, ...] = ()
    broker_selection: tuple[BrokerChoice, ...] = ()
    risks: tuple[RiskRule, ...] = ()
    questions: dict[str, Question] = Field(default_factory=dict)
    disable: tuple[str, ...] = Field((), description="Ids of rules from earlier files to drop.")

    @field_validator("criteria", "rules", "hybrid", "brokers", "broker_selection", "risks")
    @classmethod
    def _unique_ids(cls, items: tuple[Any, ...]) -> tuple[Any, ...]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                raise _error(
                    "duplicate_id",
                    f"the id {item.id!r} is used twice, by items {seen[item.id]} and {index}; "
                    "each needs its own (a later file may replace an item by reusing its id)",
                )
            seen[item.id] = index
        return items

    @field_validator("questions")
    @classmethod
    def _known_inputs(cls, questions: dict[str, Question]) -> dict[str, Question]:
        for key in questions:
            if key not in QUESTION_KEYS:
                raise _error(
                    "question_key",
                    f"no input is called {key!r}{did_you_mean(key, QUESTION_KEYS)}; questions "
                    "are keyed context.<field>, system.<field> or flow.<field>",
                )
        return questions


QUESTION_KEYS = frozenset(
    f"{prefix}.{name}"
    for prefix, model in (("context", Context), ("system", System), ("flow", Flow))
    for name in model.model_fields
)


def _check_scope(condition: Condition, scope: Scope) -> None:
    for name in condition.facts_used():
        fact = FACTS[name]
        if scope not in fact.scopes:
            where = {"flow": "scoring and hybrid rules", "risk": "risks", "integration": "brokers"}
            raise _error("fact_scope", f"fact {name!r} cannot be used in {where[scope]}")


# ---------------------------------------------------------------------------------------------
# The merged rule set
# ---------------------------------------------------------------------------------------------


class Settings(_Frozen):
    saturation: float
    style_margin: float
    hybrid_floor: float
    confidence_span: float
    peak_factor: float


class Ruleset(_Frozen):
    """All rules in force, after the files are laid on top of one another."""

    settings: Settings
    criteria: tuple[Criterion, ...]
    rules: tuple[Rule, ...]
    hybrid: tuple[HybridRule, ...]
    brokers: tuple[BrokerOption, ...]
    broker_selection: tuple[BrokerChoice, ...]
    risks: tuple[RiskRule, ...]
    questions: dict[str, Question]
    sources: tuple[str, ...] = Field(description="The files, in the order they were applied.")

    def broker(self, broker_id: str) -> BrokerOption:
        for broker in self.brokers:
            if broker.id == broker_id:
                return broker
        raise KeyError(broker_id)


class RulesetError(ValueError):
    """The files load one by one but do not make a usable rule set together."""

    def __init__(self, problems: list[tuple[str, str, tuple[str, ...]]]) -> None:
        # (file, message, where): `where` leads to the place in the file, as (section, item id,
        # key) or (section, value in a list), or is empty when no one place is to blame
        self.problems = problems
        super().__init__("; ".join(f"{file}: {message}" for file, message, _ in problems))


_SECTIONS = ("criteria", "rules", "hybrid", "brokers", "broker_selection", "risks")


def _before_fallbacks(bucket: dict[str, tuple[str, Any]], path: str, choice: Any) -> None:
    """Add a new broker choice ahead of the fallbacks (choices without `when`) of earlier
    files: the first choice that holds wins, so after them it would never be reached."""
    entries = list(bucket.items())
    cut = next(
        (
            index
            for index, (_, (source, earlier)) in enumerate(entries)
            if earlier.when is None and source != path
        ),
        len(entries),
    )
    entries.insert(cut, (choice.id, (path, choice)))
    bucket.clear()
    bucket.update(entries)


def merge(files: list[tuple[str, RuleFile]]) -> Ruleset:
    """Lay rules files on top of one another, then check that they fit together."""
    items: dict[str, dict[str, tuple[str, Any]]] = {section: {} for section in _SECTIONS}
    settings: dict[str, tuple[str, float]] = {}
    questions: dict[str, Question] = {}
    problems: list[tuple[str, str, tuple[str, ...]]] = []
    for path, rule_file in files:
        for key, value in rule_file.scoring.model_dump(exclude_none=True).items():
            settings[key] = (path, value)
        for section in _SECTIONS:
            bucket = items[section]
            for item in getattr(rule_file, section):
                if section == "broker_selection" and item.id not in bucket:
                    _before_fallbacks(bucket, path, item)
                else:
                    bucket[item.id] = (path, item)  # a replaced item keeps its place
        questions.update(rule_file.questions)
        for rule_id in rule_file.disable:
            found = [section for section in _SECTIONS if items[section].pop(rule_id, None)]
            if not found:
                known = {key for bucket in items.values() for key in bucket}
                problems.append(
                    (
                        path,
                        f"disable: no earlier rule has the id {rule_id!r}"
                        + did_you_mean(rule_id, known),
                        ("disable", rule_id),
                    )
                )
    last = files[-1][0] if files else "rules"
    missing = [name for name in Settings.model_fields if name not in settings]
    if missing:
        problems.append((last, f"scoring: no file sets {', '.join(missing)}", ()))
    for section, what in (
        ("criteria", "criterion"),
        ("rules", "scoring rule"),
        ("broker_selection", "broker choice"),
    ):
        if not items[section]:
            problems.append((last, f"{section}: no {what} is defined", ()))
    criteria = set(items["criteria"])
    for path, rule in items["rules"].values():
        if rule.criterion not in criteria:
            problems.append(
                (
                    path,
                    f"rules (id: {rule.id}): criterion: unknown criterion {rule.criterion!r}"
                    f"{did_you_mean(rule.criterion, criteria)}",
                    ("rules", rule.id, "criterion"),
                )
            )
    brokers = set(items["brokers"])
    for path, choice in items["broker_selection"].values():
        if choice.choose != "existing" and choice.choose not in brokers:
            problems.append(
                (
                    path,
                    f"broker_selection (id: {choice.id}): choose: unknown broker {choice.choose!r}"
                    f"{did_you_mean(choice.choose, brokers)}",
                    ("broker_selection", choice.id, "choose"),
                )
            )
    for path, choice in items["broker_selection"].values():
        if choice.choose == "existing":
            # every broker a user may already run must be described
            runs = FACTS["context.existing_broker"].values
            absent = [b for b in runs if b != "none" and b not in brokers]
            if absent:
                problems.append(
                    (
                        path,
                        f"broker_selection (id: {choice.id}): brokers "
                        f"{', '.join(absent)} are not described",
                        ("broker_selection", choice.id, "choose"),
                    )
                )
    if items["broker_selection"] and not any(
        choice.when is None for _, choice in items["broker_selection"].values()
    ):
        problems.append(
            (
                last,
                "broker_selection: one choice needs no 'when', as the fallback",
                (),
            )
        )
    if problems:
        raise RulesetError(problems)
    return Ruleset(
        settings=Settings(**{key: value for key, (_, value) in settings.items()}),
        criteria=tuple(item for _, item in items["criteria"].values()),
        rules=tuple(item for _, item in items["rules"].values()),
        hybrid=tuple(item for _, item in items["hybrid"].values()),
        brokers=tuple(item for _, item in items["brokers"].values()),
        broker_selection=tuple(item for _, item in items["broker_selection"].values()),
        risks=tuple(item for _, item in items["risks"].values()),
        questions=questions,
        sources=tuple(path for path, _ in files),
    )
