"""Assessments and rules files in, validated models out, or clear problems: the files are read
and parsed by `advisor.yamldoc` (YAML 1.2 with positions), checked by `advisor.validation`
(each problem on its line); rule sets are merged by `advisor.ruleset` and kept in a cache
(`advisor.cache`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import InputError, Problem, did_you_mean, hint_budget, shorten
from advisor.models import Assessment
from advisor.paths import rules_dir
from advisor.ruleset import RuleFile, Ruleset, RulesetError, merge
from advisor.validation import MAX_PROBLEMS, listed, more_problems, placed, validate
from advisor.yamldoc import MAX_BYTES, StrictLoader, parse_yaml, read_text


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
            message = f"no system has the id {shorten(repr(system_id))}{used}{hint}"
            problems.append(placed(name, node, data, loc, listed(message)))
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

    key = key_of([__version__, VERSION, *code_stamps(), *(part for pair in texts for part in pair)])
    return cached("ruleset", key, lambda: build_ruleset(texts), Ruleset)


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


# The modules whose code turns rules files into a rule set.
MODULES_OF_RULES = (
    "facts.py",
    "loader.py",
    "models.py",
    "ruleset.py",
    "validation.py",
    "yamldoc.py",
)


def code_stamps() -> list[str]:
    """Size and time of the modules that build a rule set: an edit to them (in a checkout) is
    a new cache key, so a rule set validated by older code is never reused."""
    here = Path(__file__).parent
    stamps = []
    for module in MODULES_OF_RULES:
        with contextlib.suppress(OSError):
            status = (here / module).stat()
            stamps.append(f"{module}:{status.st_size}:{status.st_mtime_ns}")
    return stamps


def build_ruleset(texts: list[tuple[str, str]]) -> Ruleset:
    """The rule set of rules files given as (name, text), in order, built afresh (not from
    the cache): every file's problems, or the merged rule set's, placed in its file."""
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
                kept.append(Problem(file, listed(message), *_place(sources.get(file, ""), where)))
        raise InputError(kept + more_problems(counts)) from None


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
        node: Any = yaml.compose(text, Loader=StrictLoader) if where else None
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
