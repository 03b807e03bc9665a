"""Reading YAML safely: assessments and rules files in, validated models out, or clear problems.

Never runs code from YAML (safe constructors only, libyaml's parser when available) and refuses,
each with the file and the place: broken YAML, wrong types and values, unknown keys (with a
"did you mean"), duplicate keys, empty files, a top level that is not a mapping, files over the
size limit, alias bombs and binary data. Scalars follow YAML 1.2's core schema: only
true/false are booleans (`no`, `on`, `yes` stay strings) and dates stay strings.
"""

from __future__ import annotations

import contextlib
import re
import types
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from advisor.errors import InputError, Problem, did_you_mean
from advisor.models import Assessment
from advisor.paths import rules_dir
from advisor.ruleset import RuleFile, Ruleset, RulesetError, merge

MAX_BYTES = 1_048_576
MAX_ALIASES = 100
MAX_NODES = 100_000

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Model = TypeVar("_Model", bound=BaseModel)


class _StrictLoader(_Parser):  # type: ignore[misc]
    """Safe loading with YAML 1.2 booleans, no timestamps, and duplicate keys refused."""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
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
                    f"duplicate key {key!r} (first given on line {first.start_mark.line + 1})",
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


for _first, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag == "tag:yaml.org,2002:timestamp":
            continue
        if _tag == "tag:yaml.org,2002:bool":
            _regexp = _BOOL
            if _first not in "tTfF":
                continue
        _StrictLoader.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, _regexp))


# ---------------------------------------------------------------------------------------------
# Text and YAML
# ---------------------------------------------------------------------------------------------


def read_text(path: Path, label: str | None = None) -> str:
    """The file's text, refused when missing, too large or not UTF-8 text."""
    name = label or str(path)
    try:
        if path.is_dir():
            raise InputError([Problem(name, "is a folder, not a YAML file")])
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Problem(name, "no such file")]) from None
    except OSError as error:
        raise InputError([Problem(name, f"cannot be read: {error.strerror or error}")]) from None
    return decode(data, name)


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
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(
            [Problem(name, f"is larger than the size limit of {MAX_BYTES:,} bytes (1 MiB)")]
        )
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError([Problem(name, f"is empty; {document} starts with {first_key}")])
        if "&" in text:  # anchors, so maybe aliases: count them and what they expand to
            _check_aliases(node, name)
            data = loader.construct_document(node)
        else:  # no anchor, no alias: a plain tree
            data = _construct_tree(loader, node, name)
    except yaml.MarkedYAMLError as error:
        raise InputError([_yaml_problem(error, name)]) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(name, f"is not valid YAML: {error}")]) from None
    except RecursionError:
        raise InputError([Problem(name, f"is nested too deeply to be {document}")]) from None
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
    if "could not determine a constructor" in message or "tag:yaml.org,2002:python" in message:
        message = (
            "uses a YAML tag that is not allowed here; "
            "the YAML holds plain mappings, lists, text and numbers only"
        )
    return Problem(
        name,
        message,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
    )


def _check_aliases(root: yaml.Node, name: str) -> None:
    """Refuse alias bombs: count the aliases, and the values they would expand to."""
    sizes: dict[int, int] = {}
    aliases = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
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
            sizes[id(node)] = 0
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "null"))


class _Unusual(Exception):
    """The document needs the general constructor."""


def _construct_tree(loader: _StrictLoader, root: yaml.Node, name: str) -> Any:
    """What `_check_aliases` then `construct_document` give for a document without anchors, in
    one pass and without the general constructor's per-node overhead. Anything unusual (an
    explicit tag, a merge key, a duplicate or unhashable key, too many values) is left to the
    general path, which also words the problem exactly as always."""
    try:
        return _tree_data(loader, root)
    except _Unusual:
        _check_aliases(root, name)
        return loader.construct_document(root)


def _tree_data(loader: _StrictLoader, root: yaml.Node) -> dict[Any, Any]:
    if type(root) is not yaml.MappingNode or root.tag != _MAP:
        raise _Unusual
    data: dict[Any, Any] = {}
    stack: list[tuple[yaml.Node, dict[Any, Any] | list[Any]]] = [(root, data)]
    size = 1  # nodes, as `_check_aliases` counts them: a tree has no more than this
    while stack:
        node, target = stack.pop()
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
                target[key] = _tree_value(loader, value_node, stack)
        else:
            size += len(node.value)
            if size > MAX_NODES:
                raise _Unusual
            target += [_tree_value(loader, item, stack) for item in node.value]
    return data


def _tree_value(
    loader: _StrictLoader,
    node: yaml.Node,
    stack: list[tuple[yaml.Node, dict[Any, Any] | list[Any]]],
) -> Any:
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
    stack.append((node, container))
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
        return model.model_validate(data)
    except ValidationError as error:
        details = _without_echoes(error.errors(include_url=False))
        problems = [
            problem for detail in details for problem in _problems(model, detail, data, node, name)
        ]
        raise InputError(_sorted(problems)) from None


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
        yield _placed(name, node, data, loc, f"unknown key {key!r}{hint}", key_position=True)
        return
    if kind == "missing":
        yield _placed(name, node, data, loc[:-1], f"missing required key {loc[-1]!r}")
        return
    message = str(detail["msg"])
    message = message.removeprefix("Value error, ")
    if kind == "literal_error":
        choices = _literal_choices(model, loc)
        value = detail.get("input")
        message = f"{value!r} is not allowed; expected one of: {', '.join(choices)}"
        message += did_you_mean(str(value), choices)
    elif kind in ("tuple_type", "list_type"):  # pydantic's own word for a YAML list
        message = f"expected a list (`[a, b]`, or one `- item` a line), got {_shown(detail)}"
    elif kind in ("string_pattern_mismatch",):
        message = (
            f"{detail.get('input')!r} is not a valid id; use lower case letters, digits, "
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
                text += f" (id: {current['id']})"
        else:
            text += f".{part}" if text else str(part)
            current = current.get(part) if isinstance(current, dict) else None
    return text


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
    return validate(Assessment, data, node, name)


def load_assessment(path: Path, label: str | None = None) -> Assessment:
    name = label or str(path)
    return parse_assessment(read_text(path, name), name)


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
    texts: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            texts.append((str(path), read_text(path)))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    from pydantic import VERSION

    from advisor import __version__
    from advisor.cache import cached, key_of

    key = key_of(
        [__version__, VERSION, *_code_stamps(), *(part for pair in texts for part in pair)]
    )
    return cached("ruleset", key, lambda: _build_ruleset(texts), Ruleset)


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
        return merge(files)
    except RulesetError as error:
        sources = dict(texts)
        raise InputError(
            [
                Problem(file, message, *_place(sources.get(file, ""), where))
                for file, message, where in error.problems
            ]
        ) from None


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
