"""Reading YAML safely: assessments and rules files in, validated models out, or clear problems.

Never runs code from YAML (safe constructors only, libyaml's parser when available) and refuses,
each with the file and the place: broken YAML, wrong types and values, unknown keys (with a
"did you mean"), duplicate keys, repeated merge keys, tags other than YAML's core ones, empty
files, a top level that is not a mapping, control characters, files over the size limit, more
values or deeper nesting than the limits, alias bombs and binary data.

Plain scalars are resolved by YAML 1.2's core schema, not PyYAML's YAML 1.1 rules: only
true/false are booleans (`no`, `on`, `yes` stay strings), `010` is ten (`0o10` is eight, `0x1A`
twenty-six), `1e3` is a number, and `1:00:00`, `0b1010`, `1_000` and dates stay strings. The
merge key `<<` is kept. Problems are capped (MAX_PROBLEMS a file, MAX_LISTED ids in a list of
known ids) so that a hostile file cannot make the report itself explode.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import re
import stat
import types
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from advisor.errors import InputError, Problem, did_you_mean, hint_budget
from advisor.models import Assessment
from advisor.paths import rules_dir
from advisor.ruleset import RuleFile, Ruleset, RulesetError, merge

MAX_BYTES = 1_048_576
MAX_ALIASES = 100
MAX_NODES = 100_000  # values: keys, items and scalars, counted once per alias use
MAX_DEPTH = 100  # levels of nested lists and mappings
MAX_PROBLEMS = 50  # problems reported for one file; the rest are counted
MAX_LISTED = 10  # ids shown in a message's list of known ones; the rest are counted

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Model = TypeVar("_Model", bound=BaseModel)

# ---------------------------------------------------------------------------------------------
# YAML 1.2's core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), and the merge key
# ---------------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_NULL, _BOOLEAN, _INT, _FLOAT, _MERGE = (
    f"{_TAG}{kind}" for kind in ("null", "bool", "int", "float", "merge")
)
_CORE_RESOLVERS: tuple[tuple[str, str, str], ...] = (  # (tag, regular expression, first chars)
    (_NULL, r"^(?:~|null|Null|NULL|)$", "~nN"),
    (_BOOLEAN, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    (_MERGE, r"^<<$", "<"),
)


def core_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """YAML 1.2 core schema's implicit resolvers, by first character, as PyYAML keeps them."""
    resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {"": []}
    for tag, pattern, first in _CORE_RESOLVERS:
        compiled = re.compile(pattern)
        for char in first:
            resolvers.setdefault(char, []).append((tag, compiled))
        if tag == _NULL:
            resolvers[""].append((tag, compiled))  # the empty scalar
    return resolvers


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    try:
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:  # more digits than Python reads (4,300)
        raise yaml.constructor.ConstructorError(
            None, None, f"the number {text[:20]}... has too many digits", node.start_mark
        ) from None


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = str(node.value).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    return float(text)


# The tags an assessment or a rules file may hold, written or implied: YAML's core schema (and
# the merge key). `!!set`, `!!omap`, `!!pairs`, `!!binary`, `!!timestamp`, local `!tags` and
# the rest are refused, each at its place: they would change the data's shape or order.
_CORE_TAGS = frozenset(
    {f"{_TAG}{kind}" for kind in ("str", "seq", "map", "null", "bool", "int", "float")}
)


class _StrictLoader(_Parser):  # type: ignore[misc]
    """Safe loading with YAML 1.2's core schema, core tags only, and duplicate keys refused."""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = (
        core_resolvers()
    )
    yaml_constructors: ClassVar[dict[str | None, Any]] = {
        tag: constructor
        for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
        if tag in _CORE_TAGS or tag is None
    } | {_INT: _construct_int, _FLOAT: _construct_float}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "a key must be a plain value, not a list or mapping",
                    key_node.start_mark,
                ) from None
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key {_short(repr(key))} "
                    f"(first given on line {first.start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    # The parser asks these of every node. With no path resolvers, a plain scalar's tag depends on
    # its text alone, so it is worked out once per distinct text (the same few recur throughout).
    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 64 and len(_PLAIN_TAGS) < _PLAIN_TAGS_KEPT:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]

    def descend_resolver(self, current_node: yaml.Node | None, current_index: Any) -> None:
        pass  # no path resolvers: nothing to track

    def ascend_resolver(self) -> None:
        pass


_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_KEPT = 4096


# ---------------------------------------------------------------------------------------------
# Text and YAML
# ---------------------------------------------------------------------------------------------


def read_text(path: Path, label: str | None = None, *, regular_only: bool = False) -> str:
    """The file's text, refused when missing, too large or not UTF-8 text. With `regular_only`,
    anything but a regular file (a FIFO, a device, a socket) is refused too, without waiting
    on it: a FIFO with no writer would otherwise hold the reader for good."""
    name = label or str(path)
    try:
        if path.is_dir():
            raise InputError([Problem(name, "is a folder, not a YAML file")])
        if regular_only:
            data = _read_regular(path, name)
        else:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Problem(name, "no such file")]) from None
    except OSError as error:
        raise InputError([Problem(name, f"cannot be read: {error.strerror or error}")]) from None
    return decode(data, name)


def _read_regular(path: Path, name: str) -> bytes:
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; what was
    # opened is then checked, not the name, which may have changed in between.
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise InputError([Problem(name, f"is {_file_kind(mode)}, not a regular file")])
        if hasattr(os, "set_blocking"):
            os.set_blocking(handle, True)
        return stream.read(MAX_BYTES + 1)


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((kind for test, kind in kinds if test(mode)), "a special file")


def decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise InputError(
            [Problem(name, f"is larger than the size limit of {MAX_BYTES:,} bytes (1 MiB)")]
        )
    if b"\x00" in data:
        return _refuse_binary(name, data.index(b"\x00"), data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _refuse_binary(name, error.start, data)
    return text


def _refuse_binary(name: str, offset: int, data: bytes) -> str:
    line = data.count(b"\n", 0, offset) + 1
    raise InputError(
        [
            Problem(
                name,
                f"holds binary data, not UTF-8 text (byte {offset:,}); expected a YAML text file",
                line=line,
            )
        ]
    )


# What each kind of document is called, and the key it typically starts with.
_DOCUMENTS = {"assessment": ("an assessment", "`name:`"), "rules": ("a rules file", "`rules:`")}


def parse_yaml(text: str, name: str, kind: str = "assessment") -> tuple[Any, yaml.Node]:
    """Parse one YAML document into plain data, keeping its node tree for error positions.
    `kind` (assessment or rules) words the refusals."""
    document, first_key = _DOCUMENTS[kind]
    # A problem of the whole text is placed at its start, 1:1.
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(
            [
                Problem(
                    name,
                    f"is larger than the size limit of {MAX_BYTES:,} bytes (1 MiB)",
                    line=1,
                    column=1,
                )
            ]
        )
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            message = f"is empty; {document} starts with {first_key}"
            raise InputError([Problem(name, message, line=1, column=1)])
        if "&" in text:  # anchors, so maybe aliases: count them and what they expand to
            _check_nodes(node, name)
            data = loader.construct_document(node)
        else:  # no anchor, no alias: a plain tree
            data = _construct_tree(loader, node, name)
    except yaml.MarkedYAMLError as error:
        raise InputError([_yaml_problem(error, name)]) from None
    except yaml.reader.ReaderError as error:
        raise InputError([_reader_problem(error, text, name)]) from None
    except yaml.YAMLError as error:
        said = " ".join(str(error).split())
        raise InputError([Problem(name, f"is not valid YAML: {said}", line=1, column=1)]) from None
    except RecursionError:
        raise InputError(
            [
                Problem(
                    name,
                    f"is nested too deeply to be {document} (the depth limit)",
                    line=1,
                    column=1,
                )
            ]
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        shape = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise InputError(
            [
                Problem(
                    name,
                    f"holds {shape} at the top level; "
                    f"expected a mapping of keys such as {first_key}",
                    line=node.start_mark.line + 1,
                    column=node.start_mark.column + 1,
                )
            ]
        )
    return data, node


def _yaml_problem(error: yaml.MarkedYAMLError, name: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    message = error.problem or error.context or "is not valid YAML"
    if error.context and error.problem and "duplicate key" not in error.problem:
        message = f"{error.problem} ({error.context}"
        if error.context_mark is not None and error.context_mark is not mark:
            message += f" on line {error.context_mark.line + 1}"
        message += ")"
    tag = _UNDEFINED_TAG.search(message)
    if tag is not None or "tag:yaml.org,2002:python" in message:
        message = _tag_refused(tag.group(1) if tag else "")
    elif "exceeded maximum nesting depth" in message:
        message = f"is nested more than {MAX_DEPTH} levels deep (the depth limit)"
    return Problem(
        name,
        " ".join(message.split()),
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
    )


_UNDEFINED_TAG = re.compile(r"could not determine a constructor for the tag '([^']*)'")


def _tag_refused(tag: str) -> str:
    shown = f"!!{tag.removeprefix(_TAG)}" if tag.startswith(_TAG) else tag
    if shown.startswith("!!python/"):
        shown = ""  # named as what it is: not a YAML type, a request to run code
    return (
        "uses a YAML tag that is not allowed here"
        + (f" ({_short(shown)})" if shown else "")
        + "; the YAML holds plain mappings, lists, text, numbers, true/false and null only, "
        "with no tags"
    )


def _reader_problem(error: yaml.reader.ReaderError, text: str, name: str) -> Problem:
    """A character YAML does not allow (a control character, say), placed at its line and
    column. libyaml counts the position in UTF-8 bytes, PyYAML's own reader in characters."""
    position = max(int(error.position), 0)
    if _Parser is not yaml.SafeLoader:
        before = text.encode("utf-8")[:position].decode("utf-8", "ignore")
    else:
        before = text[:position]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    code = error.character if isinstance(error.character, int) else ord(error.character or " ")
    shown = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return Problem(
        name,
        f"holds the character {shown} (U+{code:04X}), which YAML does not allow in a file; "
        f'remove it, or write it as an escape ("{shown}") inside a double-quoted string',
        line=line,
        column=column,
    )


def _check_nodes(root: yaml.Node, name: str) -> None:
    """Refuse, before anything is built, what the constructor must never see: a tag other than
    the core schema's, a mapping with more than one merge key, more than MAX_NODES values,
    nesting deeper than MAX_DEPTH, more than MAX_ALIASES aliases, and aliases that would
    expand to more than MAX_NODES values. Each at its place, the first in document order."""
    sizes: dict[int, int] = {}  # a node's values, its aliases expanded
    aliases = values = 0
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 1)]
    while stack:
        node, children_done, depth = stack.pop()
        if children_done:
            size = 1 + sum(sizes.get(id(child), 0) for child in _children(node))
            sizes[id(node)] = size
            if size > MAX_NODES:
                raise InputError(
                    [
                        _at(
                            name,
                            node,
                            f"expands to more than {MAX_NODES:,} values through aliases "
                            "(the expanded-size limit); write the values out instead",
                        )
                    ]
                )
        elif id(node) in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise InputError(
                    [_at(name, node, f"uses more than {MAX_ALIASES} aliases (the alias limit)")]
                )
        else:
            values += 1
            _check_node(node, name, depth, values)
            sizes[id(node)] = 0
            stack.append((node, True, depth))
            children = list(_children(node))
            stack.extend((child, False, depth + 1) for child in reversed(children))


_NODE_TAGS = {
    yaml.ScalarNode: _CORE_TAGS - {f"{_TAG}seq", f"{_TAG}map"} | {_MERGE},
    yaml.SequenceNode: frozenset({f"{_TAG}seq"}),
    yaml.MappingNode: frozenset({f"{_TAG}map"}),
}


def _check_node(node: yaml.Node, name: str, depth: int, values: int) -> None:
    if values > MAX_NODES:
        raise InputError([_at(name, node, _too_many_values())])
    if node.tag not in _NODE_TAGS.get(type(node), ()):
        raise InputError([_at(name, node, _tag_refused(str(node.tag)))])
    if isinstance(node, yaml.ScalarNode):
        return
    if depth > MAX_DEPTH:
        raise InputError([_at(name, node, _too_deep())])
    if isinstance(node, yaml.MappingNode):
        merges = [key for key, _ in node.value if key.tag == _MERGE]
        if len(merges) > 1:
            raise InputError(
                [
                    _at(
                        name,
                        merges[1],
                        "repeats the merge key << in one mapping (first given on line "
                        f"{merges[0].start_mark.line + 1}); merge several mappings with one "
                        "key: `<<: [*first, *second]`",
                    )
                ]
            )


def _too_many_values() -> str:
    return (
        f"holds more than {MAX_NODES:,} values (keys, list items and scalars: the value "
        "limit); split it into smaller files"
    )


def _too_deep() -> str:
    return f"is nested more than {MAX_DEPTH} levels deep (the depth limit)"


_STR, _SEQ, _MAP = (f"{_TAG}{kind}" for kind in ("str", "seq", "map"))
_SCALAR_TAGS = frozenset({_INT, _FLOAT, _BOOLEAN, _NULL})


class _Unusual(Exception):
    """The document needs the general constructor."""


def _construct_tree(loader: _StrictLoader, root: yaml.Node, name: str) -> Any:
    """What `_check_nodes` then `construct_document` give for a document without anchors, in
    one pass and without the general constructor's per-node overhead. Anything unusual (an
    explicit tag, a merge key, a duplicate or unhashable key, too many values, deep nesting) is
    left to the general path, which also words the problem exactly as always."""
    try:
        return _tree_data(loader, root)
    except _Unusual:
        _check_nodes(root, name)
        return loader.construct_document(root)


_Pending = tuple[yaml.Node, dict[Any, Any] | list[Any], int]  # a node, its data, its depth


def _tree_data(loader: _StrictLoader, root: yaml.Node) -> dict[Any, Any]:
    if type(root) is not yaml.MappingNode or root.tag != _MAP:
        raise _Unusual
    data: dict[Any, Any] = {}
    stack: list[_Pending] = [(root, data, 1)]
    size = 1  # nodes, as `_check_nodes` counts them: a tree has no more than this
    while stack:
        node, target, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _Unusual
        if isinstance(target, dict):
            size += 2 * len(node.value)
            if size > MAX_NODES:
                raise _Unusual
            for key_node, value_node in node.value:
                if type(key_node) is not yaml.ScalarNode:
                    raise _Unusual
                key = _scalar(loader, key_node)
                if key in target:
                    raise _Unusual
                target[key] = _tree_value(loader, value_node, stack, depth)
        else:
            size += len(node.value)
            if size > MAX_NODES:
                raise _Unusual
            target += [_tree_value(loader, item, stack, depth) for item in node.value]
    return data


def _tree_value(loader: _StrictLoader, node: yaml.Node, stack: list[_Pending], depth: int) -> Any:
    kind = type(node)
    if kind is yaml.ScalarNode:
        return _scalar(loader, node)
    container: dict[Any, Any] | list[Any]
    if kind is yaml.MappingNode and node.tag == _MAP:
        container = {}
    elif kind is yaml.SequenceNode and node.tag == _SEQ:
        container = []
    else:
        raise _Unusual
    stack.append((node, container, depth + 1))
    return container  # filled when its turn on the stack comes, as the constructor does


def _scalar(loader: _StrictLoader, node: yaml.Node) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag not in _SCALAR_TAGS:
        raise _Unusual
    try:
        return loader.yaml_constructors[tag](loader, node)
    except Exception:
        raise _Unusual from None


def _at(name: str, node: yaml.Node, message: str) -> Problem:
    mark = node.start_mark
    return Problem(name, message, line=mark.line + 1, column=mark.column + 1)


def _children(node: yaml.Node) -> Iterable[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value  # type: ignore[no-any-return]
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return ()


# ---------------------------------------------------------------------------------------------
# Validation problems, placed on their YAML lines
# ---------------------------------------------------------------------------------------------


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
            [replace(problem, message=_listed(problem.message)) for problem in shown]
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
    return kept + _more(counts)


def _more(counts: dict[str, int]) -> list[Problem]:
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


def _listed(message: str) -> str:
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
            yield _placed(name, node, data, tuple(sub_loc), message)
        return
    if kind == "extra_forbidden":
        key = loc[-1]
        allowed = _allowed_keys(model, loc[:-1])
        hint = did_you_mean(str(key), allowed) or f"; allowed keys: {', '.join(allowed)}"
        shown = _short(repr(key))
        yield _placed(name, node, data, loc, f"unknown key {shown}{hint}", key_position=True)
        return
    if kind == "missing":
        yield _placed(name, node, data, loc[:-1], f"missing required key {loc[-1]!r}")
        return
    message = _listed(str(detail["msg"]))
    message = message.removeprefix("Value error, ")
    if kind == "literal_error":
        choices = _literal_choices(model, loc)
        value = detail.get("input")
        message = f"{_short(repr(value))} is not allowed; expected one of: {', '.join(choices)}"
        message += did_you_mean(str(value), choices)
    elif kind in ("tuple_type", "list_type"):  # pydantic's own word for a YAML list
        message = f"expected a list (`[a, b]`, or one `- item` a line), got {_shown(detail)}"
    elif kind in ("string_pattern_mismatch",):
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
    yield _placed(name, node, data, loc, message)


def _shown(detail: Any) -> str:
    """The value a problem is about, shortened to fit in a message."""
    shown = repr(detail["input"])
    return shown[:57] + "..." if len(shown) > 60 else shown


def _placed(
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
                text += f" (id: {_short(current['id'])})"
        else:
            text += f".{_short(part)}" if text else _short(part)
            current = current.get(part) if isinstance(current, dict) else None
    if len(text) > _PATH_SHOWN:  # a condition nested hundreds deep, say
        return f"{text[: _PATH_SHOWN // 2]}...{text[-_PATH_SHOWN // 2 :]}"
    return text


_PATH_SHOWN = 200


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def parse_assessment(text: str, name: str = "<assessment>") -> Assessment:
    """An assessment from YAML text; `name` is how problems refer to it."""
    data, node = parse_yaml(text, name)
    if "context" in data and data["context"] is None:  # `context:` left empty: all defaults
        del data["context"]
    _refuse_many_unknown_systems(data, node, name)
    return validate(Assessment, data, node, name)


def _refuse_many_unknown_systems(data: dict[Any, Any], node: yaml.Node, name: str) -> None:
    """A file naming unknown systems more than MAX_PROBLEMS times is refused here, with one
    problem per unknown id (at its first use, saying how often it is named), rather than by
    the model's checks, which word one problem per use, each listing every known system: ten
    thousand uses among thousands of systems would make a report of hundreds of megabytes."""
    systems, flows = data.get("systems"), data.get("flows")
    if not isinstance(systems, list) or not isinstance(flows, list):
        return
    known = [item.get("id") if isinstance(item, dict) else None for item in systems]
    if not all(isinstance(system_id, str) for system_id in known):
        return  # the systems themselves are wrong: the model's checks say how
    ids = set(known)
    first: dict[str, tuple[str | int, ...]] = {}
    times: dict[str, int] = {}
    for index, flow in enumerate(flows):
        if not isinstance(flow, dict):
            continue
        named: list[tuple[tuple[str | int, ...], Any]] = [(("source",), flow.get("source"))]
        targets = flow.get("targets")
        if isinstance(targets, list):
            named += [(("targets", position), target) for position, target in enumerate(targets)]
        for where, system_id in named:
            if isinstance(system_id, str) and system_id not in ids:
                first.setdefault(system_id, ("flows", index, *where))
                times[system_id] = times.get(system_id, 0) + 1
    if sum(times.values()) <= MAX_PROBLEMS:
        return
    choices = list(dict.fromkeys(str(system_id) for system_id in known))
    problems: list[Problem] = []
    with hint_budget():
        for system_id, loc in first.items():
            if len(problems) == MAX_PROBLEMS:
                break
            hint = did_you_mean(system_id, choices) or f"; known systems: {', '.join(choices)}"
            used = f" (named {times[system_id]:,} times)" if times[system_id] > 1 else ""
            message = f"no system has the id {_short(repr(system_id))}{used}{hint}"
            problems.append(_placed(name, node, data, loc, _listed(message)))
    if len(first) > len(problems):
        more = len(first) - len(problems)
        problems.append(
            Problem(name, f"and {more:,} more unknown system id{'s' if more > 1 else ''}")
        )
    raise InputError(problems)


def load_assessment(
    path: Path, label: str | None = None, *, regular_only: bool = False
) -> Assessment:
    """The assessment in a file; with `regular_only`, a FIFO or a device is refused unread."""
    name = label or str(path)
    return parse_assessment(read_text(path, name, regular_only=regular_only), name)


def rule_files(paths: Sequence[Path]) -> list[Path]:
    """Rules files named directly, or every *.yaml / *.yml in a folder, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                child
                for child in path.iterdir()
                if child.suffix in (".yaml", ".yml") and child.is_file()
            )
            if not inside:
                raise InputError([Problem(str(path), "holds no *.yaml or *.yml rules file")])
            found += inside
        else:
            found.append(path)
    return found


def _parse_rule_file(text: str, name: str) -> RuleFile:
    data, node = parse_yaml(text, name, "rules")
    return validate(RuleFile, data, node, name)


def load_rules(extra: Sequence[Path] = (), *, defaults: bool = True) -> Ruleset:
    """The default rules (unless `defaults` is false) with the given files or folders on top.

    A rule set built from the very same files before is taken from the cache (advisor.cache).
    """
    paths = rule_files([rules_dir()] if defaults else []) + rule_files(extra)
    if not paths:
        raise InputError([Problem("rules", "no rules files were given")])
    return _ruleset_of(_texts_of(paths))


def load_rules_from(extra: Sequence[tuple[str, str]], *, defaults: bool = True) -> Ruleset:
    """As `load_rules`, with the files on top given as (name, text): a rules file uploaded to
    the web app, whose problems are placed in it under the name its user knows it by."""
    paths = rule_files([rules_dir()] if defaults else [])
    if not paths and not extra:
        raise InputError([Problem("rules", "no rules files were given")])
    return _ruleset_of(_texts_of(paths) + list(extra))


def _texts_of(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """Each file's name and text; every file that cannot be read, refused at once."""
    texts: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            texts.append((str(path), read_text(path)))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return texts


def _ruleset_of(texts: list[tuple[str, str]]) -> Ruleset:
    from pydantic import VERSION

    from advisor import __version__
    from advisor.cache import cached, key_of

    key = key_of(
        [__version__, VERSION, *_code_stamps(), *(part for pair in texts for part in pair)]
    )
    return cached("ruleset", key, lambda: _build_ruleset(texts), Ruleset)


def rules_digest(ruleset: Ruleset) -> str | None:
    """`sha256:<hex>` over the bytes of the rules files the rule set was loaded from, one after
    the other in load order (for the defaults alone: `cat rules/*.yaml | sha256sum`); None when
    one of them cannot be read (a rule set not built from files)."""
    stamps = []
    for source in ruleset.sources:
        try:
            status = os.stat(source)
        except OSError:
            return None
        stamps.append((source, status.st_size, status.st_mtime_ns))
    return _digest_of(tuple(stamps))


@functools.lru_cache(maxsize=8)
def _digest_of(stamps: tuple[tuple[str, int, int], ...]) -> str | None:
    digest = hashlib.sha256()
    for source, _, _ in stamps:
        try:
            with open(source, "rb") as stream:
                digest.update(stream.read(MAX_BYTES + 1))
        except OSError:
            return None
    return f"sha256:{digest.hexdigest()}"


def _code_stamps() -> list[str]:
    """Size and time of the modules that build a rule set: an edit to them (in a checkout) is
    a new cache key, so a rule set validated by older code is never reused."""
    here = Path(__file__).parent
    stamps = []
    for module in ("facts.py", "loader.py", "models.py", "ruleset.py"):
        with contextlib.suppress(OSError):
            status = (here / module).stat()
            stamps.append(f"{module}:{status.st_size}:{status.st_mtime_ns}")
    return stamps


def _build_ruleset(texts: list[tuple[str, str]]) -> Ruleset:
    files: list[tuple[str, RuleFile]] = []
    problems: list[Problem] = []
    for name, text in texts:
        try:
            files.append((name, _parse_rule_file(text, name)))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    try:
        with hint_budget():
            return merge(files)
    except RulesetError as error:
        sources = dict(texts)
        kept: list[Problem] = []
        counts: dict[str, int] = {}
        for file, message, where in error.problems:  # placed only when they are shown
            counts[file] = counts.get(file, 0) + 1
            if counts[file] <= MAX_PROBLEMS:
                kept.append(Problem(file, _listed(message), *_place(sources.get(file, ""), where)))
        raise InputError(kept + _more(counts)) from None


def items_written(
    paths: Sequence[Path], section: str
) -> dict[str, tuple[str, int | None, int | None]]:
    """Where each item of a section (`broker_selection`, say) is written in the rules files or
    folders given, as (file, line, column); for an id written twice, the later place, the one
    in force. Files that cannot be read or parsed are skipped: `load_rules` reports them."""
    texts = []
    for path in rule_files(paths):
        with contextlib.suppress(InputError):
            texts.append((str(path), read_text(path)))
    return items_written_in(texts, section)


def items_written_in(
    texts: Sequence[tuple[str, str]], section: str
) -> dict[str, tuple[str, int | None, int | None]]:
    """As `items_written`, in rules files given as (name, text)."""
    places: dict[str, tuple[str, int | None, int | None]] = {}
    for name, text in texts:
        try:
            data, _ = parse_yaml(text, name, "rules")
        except InputError:
            continue
        items = data.get(section)
        for item in items if isinstance(items, list) else ():
            item_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item_id, str):
                places[item_id] = (name, *_place(text, (section, item_id)))
    return places


def _place(text: str, where: tuple[str, ...]) -> tuple[int | None, int | None]:
    """Line and column of a rules-file item, as (section, item id, key) or (section, value):
    where a problem found across files (an unknown criterion, say) was written."""
    try:
        node: Any = yaml.compose(text, Loader=_StrictLoader) if where else None
    except yaml.YAMLError:
        node = None
    for step in where:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode):
            node = next((item for item in node.value if _names(item, step)), None)
        else:
            node = None
    if node is None:
        return None, None
    return node.start_mark.line + 1, node.start_mark.column + 1


def _names(item: yaml.Node, wanted: str) -> bool:
    """Whether a list item is `wanted`, or a mapping whose id is."""
    if isinstance(item, yaml.ScalarNode):
        return bool(item.value == wanted)
    return isinstance(item, yaml.MappingNode) and any(
        key.value == "id" and value.value == wanted for key, value in item.value
    )
