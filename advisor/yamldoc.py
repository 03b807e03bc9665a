"""YAML text in, plain data out, with the node tree kept for positions: or problems placed at
file:line:col.

Never runs code from YAML (safe constructors only, libyaml's parser when available) and refuses,
each at its place: broken YAML, duplicate keys, repeated merge keys, tags other than YAML's core
ones, empty files, a top level that is not a mapping, control characters, files over the size
limit, binary data, more values or deeper nesting than the limits, and alias bombs.

Plain scalars are resolved by YAML 1.2's core schema, not PyYAML's YAML 1.1 rules: only
true/false are booleans (`no`, `on`, `yes` stay strings), `010` is ten (`0o10` is eight, `0x1A`
twenty-six), `1e3` is a number, and `1:00:00`, `0b1010`, `1_000` and dates stay strings. The
merge key `<<` is kept.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import yaml

from advisor.errors import InputError, Problem, shorten

MAX_BYTES = 1_048_576
MAX_ALIASES = 100
MAX_NODES = 100_000  # values: keys, items and scalars, counted once per alias use
MAX_DEPTH = 100  # levels of nested lists and mappings

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


class StrictLoader(_Parser):  # type: ignore[misc]
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
                    f"duplicate key {shorten(repr(key))} "
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
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            message = f"is empty; {document} starts with {first_key}"
            raise InputError([Problem(name, message, line=1, column=1)])
        if "&" in text:  # anchors, so maybe aliases: count them and what they expand to
            check_nodes(node, name)
            data = loader.construct_document(node)
        else:  # no anchor, no alias: a plain tree
            data = construct_tree(loader, node, name)
    except yaml.MarkedYAMLError as error:
        raise InputError([_yaml_problem(error, name, text)]) from None
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
    if data is None:  # `---`, `~` or `null` alone: nothing to read
        message = f"is empty; {document} starts with {first_key}"
        raise InputError([Problem(name, message, line=1, column=1)])
    if not isinstance(data, dict):
        shape = "a list" if isinstance(data, list) else f"a single value ({_kind(data)})"
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


def _kind(value: Any) -> str:
    """A single value's kind, in the words of YAML."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _yaml_problem(error: yaml.MarkedYAMLError, name: str, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    message = error.problem or error.context or "is not valid YAML"
    if error.context and error.problem and "duplicate key" not in error.problem:
        message = f"{error.problem} ({error.context}"
        if error.context_mark is not None and error.context_mark is not mark:
            message += f" on line {error.context_mark.line + 1}"
        message += ")"
    if mark is not None and _tab_at(text, mark.line, mark.column):
        message += "; YAML indents with spaces, never tabs: replace the tab with spaces"
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


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether the problem's place (0-based) holds a tab: the scanner refuses one there in
    words that do not always say so."""
    lines = text.split("\n", line + 1)
    return line < len(lines) and lines[line][column : column + 1] == "\t"


_UNDEFINED_TAG = re.compile(r"could not determine a constructor for the tag '([^']*)'")


def _tag_refused(tag: str) -> str:
    shown = f"!!{tag.removeprefix(_TAG)}" if tag.startswith(_TAG) else tag
    if shown.startswith("!!python/"):
        shown = ""  # named as what it is: not a YAML type, a request to run code
    return (
        "uses a YAML tag that is not allowed here"
        + (f" ({shorten(shown)})" if shown else "")
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


def check_nodes(root: yaml.Node, name: str) -> None:
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


def construct_tree(loader: StrictLoader, root: yaml.Node, name: str) -> Any:
    """What `check_nodes` then `construct_document` give for a document without anchors, in
    one pass and without the general constructor's per-node overhead. Anything unusual (an
    explicit tag, a merge key, a duplicate or unhashable key, too many values, deep nesting) is
    left to the general path, which also words the problem exactly as always."""
    try:
        return _tree_data(loader, root)
    except _Unusual:
        check_nodes(root, name)
        return loader.construct_document(root)


_Pending = tuple[yaml.Node, dict[Any, Any] | list[Any], int]  # a node, its data, its depth


def _tree_data(loader: StrictLoader, root: yaml.Node) -> dict[Any, Any]:
    if type(root) is not yaml.MappingNode or root.tag != _MAP:
        raise _Unusual
    data: dict[Any, Any] = {}
    stack: list[_Pending] = [(root, data, 1)]
    size = 1  # nodes, as `check_nodes` counts them: a tree has no more than this
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


def _tree_value(loader: StrictLoader, node: yaml.Node, stack: list[_Pending], depth: int) -> Any:
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


def _scalar(loader: StrictLoader, node: yaml.Node) -> Any:
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
