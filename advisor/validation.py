"""Validation of plain data against a model, each problem placed on its YAML line: the field
path (`flows[1] (id: update).trigger`), what was expected, "did you mean". Problems are capped
(MAX_PROBLEMS a file, MAX_LISTED ids in a list of known ids) so that a hostile file cannot make
the report itself explode.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from advisor.errors import InputError, Problem, did_you_mean, hint_budget, shorten
from advisor.models import ONE_LINE_PATTERN
from advisor.wording import format_number, plural

MAX_PROBLEMS = 50  # problems reported for one file; the rest are counted
MAX_LISTED = 10  # ids shown in a message's list of known ones; the rest are counted

_Model = TypeVar("_Model", bound=BaseModel)


def validate(model: type[_Model], data: Any, node: yaml.Node, name: str) -> _Model:
    try:
        with hint_budget():
            return model.model_validate(data)
    except ValidationError as error:
        details = _without_echoes(error.errors(include_url=False))
        problems = [
            problem for detail in details for problem in _problems(model, detail, data, node, name)
        ]
        shown = capped(_sorted(problems))
        raise InputError(
            [replace(problem, message=listed(problem.message)) for problem in shown]
        ) from None


def capped(problems: Sequence[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS problems for each file, in the order given, then one line that
    counts the rest: a file that is wrong ten thousand times over gets a readable report."""
    kept: list[Problem] = []
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.file] = counts.get(problem.file, 0) + 1
        if counts[problem.file] <= MAX_PROBLEMS:
            kept.append(problem)
    return kept + more_problems(counts)


def more_problems(counts: dict[str, int]) -> list[Problem]:
    """For each file with more than MAX_PROBLEMS problems: one line counting the rest."""
    return [
        Problem(
            file,
            f"and {count - MAX_PROBLEMS:,} more problem{'s' if count - MAX_PROBLEMS > 1 else ''} "
            f"(only the first {MAX_PROBLEMS} are listed)",
        )
        for file, count in counts.items()
        if count > MAX_PROBLEMS
    ]


_KNOWN_LIST = re.compile(r"(; (?:known|allowed) [^:;]{1,40}: )([^;]*)")


def listed(message: str) -> str:
    """A message with its lists of known ids cut to their first MAX_LISTED, the rest counted."""

    def cut(match: re.Match[str]) -> str:
        items = match.group(2).split(", ", MAX_LISTED)
        if len(items) <= MAX_LISTED:
            return match.group(0)
        rest = items.pop().count(", ") + 1
        return f"{match.group(1)}{', '.join(items)} and {rest:,} more"

    return _KNOWN_LIST.sub(cut, message) if len(message) > 200 else message


def _without_echoes(details: list[Any]) -> list[Any]:
    """Drop "too short" for a list whose items were themselves refused: it only echoes them."""
    locs = [tuple(detail["loc"]) for detail in details]

    def echoes(detail: Any) -> bool:
        loc = tuple(detail["loc"])
        return detail["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        )

    return [detail for detail in details if not echoes(detail)]


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.column or 0))


def _problems(
    model: type[BaseModel], detail: Any, data: Any, node: yaml.Node, name: str
) -> Iterable[Problem]:
    loc: tuple[str | int, ...] = tuple(detail["loc"])
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    if kind == "invalid_reference":
        for sub_loc, message in ctx["problems"]:
            yield placed(name, node, data, tuple(sub_loc), message)
        return
    if kind == "extra_forbidden":
        key = loc[-1]
        allowed = _allowed_keys(model, loc[:-1])
        hint = did_you_mean(str(key), allowed) or f"; allowed keys: {', '.join(allowed)}"
        shown = shorten(repr(key))
        yield placed(name, node, data, loc, f"unknown key {shown}{hint}", key_position=True)
        return
    if kind == "missing":
        yield placed(name, node, data, loc[:-1], f"missing required key {loc[-1]!r}")
        return
    message = listed(str(detail["msg"]))
    message = message.removeprefix("Value error, ")
    if kind == "literal_error":
        choices = _literal_choices(model, loc)
        value = detail.get("input")
        message = f"{as_written(value)} is not allowed; expected one of: {', '.join(choices)}"
        message += did_you_mean(str(value), choices)
    elif kind in ("tuple_type", "list_type"):  # pydantic's own word for a YAML list
        message = f"expected a list (`[a, b]`, or one `- item` a line), got {_shown(detail)}"
    elif kind in _LENGTHS:
        message = _length(kind, ctx, detail.get("input"))
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {_shown(detail)}"
        value = detail.get("input")
        if kind == "string_type" and isinstance(value, int | float):  # a bool is an int
            message += f'; to write it as text, put it in quotes: "{_shown(detail)}"'
    elif kind in _BOUNDS:
        words, bound = _BOUNDS[kind]
        limit = ctx.get(bound)
        shown = format_number(limit) if isinstance(limit, int | float) else as_written(limit)
        message = f"must be {words} {shown} (got {_shown(detail)})"
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") == ONE_LINE_PATTERN:
        message = "must be one line, without line breaks"
    elif kind == "string_pattern_mismatch":
        message = (
            f"{_shown(detail)} is not a valid id; use lower case letters, digits, "
            "- and _, starting with a letter or digit"
        )
    elif (
        "input" in detail
        and kind not in ("model_type", "dict_type", "condition_form")
        and not isinstance(detail["input"], dict | list)
    ):
        message += f" (got {_shown(detail)})"
    yield placed(name, node, data, loc, message)


def _shown(detail: Any) -> str:
    return as_written(detail["input"])


def as_written(value: Any) -> str:
    """A value a problem is about, as YAML writes it (true, null), shortened to fit in a
    message; a list or a mapping by its kind."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    return shorten(repr(value))


# pydantic's checks of a value's type, in the words of YAML (strict: no "1" for 1, no 1 for true)
_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
}

# pydantic's checks of a number's bounds: the words, and the bound's name in the context
_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}

# pydantic's checks of a length: of a list, or of a text (of a text in an optional field too)
_LENGTHS = frozenset({"too_short", "too_long", "string_too_short", "string_too_long"})


def _length(kind: str, ctx: dict[str, Any], value: Any) -> str:
    """A length refused, in the user's words: how many there are, and how many may be."""
    text = isinstance(value, str)
    unit = "character" if text else "item"
    size = len(value) if isinstance(value, str | list | tuple) else ctx.get("actual_length")
    if kind.endswith("too_short"):
        least = int(ctx.get("min_length", 1))
        if size == 0:
            return "must not be empty" if text else f"needs at least {plural(least, unit)}"
        return f"needs at least {plural(least, unit)}; it has {size:,}"
    most = int(ctx.get("max_length", 0))
    return f"is too long: at most {plural(most, unit)}, and it has {size:,}"


def placed(
    name: str,
    root: yaml.Node,
    data: Any,
    loc: tuple[str | int, ...],
    message: str,
    *,
    key_position: bool = False,
) -> Problem:
    node = _node_at(root, loc, key_position=key_position)
    return Problem(
        name,
        message,
        line=node.start_mark.line + 1 if node is not None else None,
        column=node.start_mark.column + 1 if node is not None else None,
        path=format_path(loc, data) or None,
    )


def _node_at(root: yaml.Node, loc: tuple[str | int, ...], *, key_position: bool) -> yaml.Node:
    """The deepest node the location reaches (the key node itself for unknown keys)."""
    node = root
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            match = next(
                ((key, value) for key, value in node.value if key.value == str(part)), None
            )
            if match is None:
                return node
            node = match[0] if (last and key_position) else match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def format_path(loc: Sequence[str | int], data: Any) -> str:
    """`flows[1] (id: update).trigger`: indexes in brackets, items named by their id."""
    text = ""
    current = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            current = current[part] if isinstance(current, list) and part < len(current) else None
            if isinstance(current, dict) and isinstance(current.get("id"), str):
                text += f" (id: {shorten(current['id'])})"
        else:
            text += f".{shorten(part)}" if text else shorten(part)
            current = current.get(part) if isinstance(current, dict) else None
    if len(text) > _PATH_SHOWN:  # a condition nested hundreds deep, say
        return f"{text[: _PATH_SHOWN // 2]}...{text[-_PATH_SHOWN // 2 :]}"
    return text


_PATH_SHOWN = 200


def _annotation_at(model: type[BaseModel], loc: Sequence[str | int]) -> Any:
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = get_args(annotation)
            annotation = args[0] if args else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = _field_by_key(annotation, part)
            annotation = field
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    return _unwrap(annotation)


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for field_name, field in model.model_fields.items():
        if key in (field_name, field.alias):
            return field.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """Drop `| None` and Annotated wrappers."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(options) == 1:
            return _unwrap(options[0])
    if hasattr(annotation, "__metadata__"):
        return _unwrap(annotation.__origin__)
    return annotation


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    annotation = _annotation_at(model, loc)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [field.alias or name for name, field in annotation.model_fields.items()]
    return []


def _literal_choices(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    annotation = _annotation_at(model, loc)
    if get_origin(annotation) is Literal:
        return [str(arg) for arg in get_args(annotation)]
    return []
