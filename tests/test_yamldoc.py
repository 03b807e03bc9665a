"""YAML's one-pass construction of anchor-free documents gives exactly what the general
path (every node checked, every alias counted, then PyYAML's constructor) gives: the same data,
or the same error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import yamldoc

Build = Callable[[Any, yaml.Node], Any]


def general(yaml_loader: Any, node: yaml.Node) -> Any:
    yamldoc.check_nodes(node, "doc.yaml")
    return yaml_loader.construct_document(node)


def tree(yaml_loader: Any, node: yaml.Node) -> Any:
    return yamldoc.construct_tree(yaml_loader, node, "doc.yaml")


def outcome(build: Build, text: str) -> tuple[str, ...]:
    yaml_loader = yamldoc.StrictLoader(text)
    try:
        node = yaml_loader.get_single_node()
        return ("data", repr(build(yaml_loader, node)))
    except Exception as error:  # compared, not hidden: the same error must come out of both
        return ("error", type(error).__name__, str(error))
    finally:
        yaml_loader.dispose()


TRICKY = [
    "name: x\nsystems: [a, b]\n",
    "a: 1\nb: {c: [1, 2, {d: e}], f: ~}\n",
    "base: {a: 1}\nderived:\n  <<: {a: 2, b: 3}\n  c: 4\n",
    "a: 1\na: 2\n",
    "true: 1\n1: 2\n",
    "a:\n  b: 1\n  c: 2\n  b: 3\n",
    "? [a, b]\n: 1\n",
    "? {a: b}\n: 1\n",
    "a: !!str 12\nb: !!int '7'\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!omap [{x: 1}, {y: 2}]\n",
    "a: !!python/name:os.system\n",
    "a: !!int abc\n",
    "a: !custom thing\n",
    "a: =\n",
    ".nan: 1\n.NaN: 2\n",
    "a: 1:30\nb: 017\nc: 0x1F\nd: 1_000\ne: -0b101\nf: +12\n",
    "a: .inf\nb: -.INF\nc: 1.5e3\nd: 6.8523015e+5\ne: 190:20:30.15\nf: .NaN\n",
    "a: ~\nb: null\nc:\nd: Null\n",
    "a: \"123\"\nb: 'true'\nc: 2024-01-01\nd: 12:30\n",
    "a: yes\nb: no\nc: on\nd: off\ne: True\nf: FALSE\n",
    "- a\n- b\n",
    "just text\n",
    "a: [[[[[[[[[[1]]]]]]]]]]\n",
    "{a: 1, b: [x, {c: d}], e: {}}\n",
    "a: |\n  literal\n  block\nb: >-\n  folded\n  text\n",
    # documents at the value limit: seconds each
    pytest.param(
        "a: [" + ", ".join(["1"] * (yamldoc.MAX_NODES + 5)) + "]\n", marks=pytest.mark.slow
    ),
    pytest.param(
        "a: {" + ", ".join(f"k{i}: v" for i in range(yamldoc.MAX_NODES // 2)) + "}\n",
        marks=pytest.mark.slow,
    ),
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_documents(text: str) -> None:
    assert outcome(tree, text) == outcome(general, text)


SCALARS = st.sampled_from(
    ["yes", "No", "true", "False", "~", "null", "", "0x1f", "017", "1_000", "1:30", ".inf",
     "-.nan", "1.5", "2024-05-01", "12:30:00", "<<", "=", "a b", "x: y", "#", "-", "é", "0"]
)  # fmt: skip
KEYS = st.one_of(SCALARS, st.text(max_size=6), st.integers(), st.booleans(), st.none())
VALUES = st.recursive(
    st.one_of(SCALARS, st.text(max_size=10), st.integers(), st.floats(), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=5), st.booleans(), st.booleans())
def test_dumped_documents(data: dict[Any, Any], flow: bool, unquote: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    if unquote:  # let plain scalars be resolved again: "'yes'" becomes yes, "'1:30'" 1:30
        text = text.replace("'", "")
    assert outcome(tree, text) == outcome(general, text)


def test_parse_yaml_takes_the_general_path_with_anchors() -> None:
    text = "a: &x {b: 1}\nc: *x\n"
    data, _ = yamldoc.parse_yaml(text, "doc.yaml")
    assert data["a"] is data["c"]  # shared, as the constructor shares aliased values
