"""The blueprint as a Mermaid flowchart in the decision record: every line well formed whatever
the names, generated ids only, and every flow drawn as an edge of its style."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from advisor.advice import assess
from advisor.loader import load_assessment
from advisor.mermaid import flowchart, label
from advisor.models import Assessment, Result
from advisor.report import to_markdown
from advisor.ruleset import Ruleset
from tests.conftest import ROOT

HOSTILE_FILE = Path(__file__).parent / "data" / "hostile-names.yaml"

# The grammar every line must match: a quoted label holds no raw quote, bracket, pipe, newline
# or anything else Mermaid reads as syntax, except in an entity code (#quot;, #35;).
_ID = r"n\d+"
_LABEL = r'"(?:[^"\[\]{}()<>|`;#%\n]|#(?:quot|\d+);)*"'
_NODE = re.compile(rf"^(?P<id>{_ID})\[{_LABEL}\]$")
_SUBGRAPH = re.compile(rf"^subgraph (?P<id>{_ID})\[{_LABEL}\]$")
_EDGE = re.compile(
    rf"^(?P<tail>{_ID}) (?P<arrow>-->|==>|-\.->)(?:\|(?P<label>{_LABEL})\|)? (?P<head>{_ID})$"
)


def _parse(text: str) -> tuple[set[str], list[tuple[str, str, str, str]]]:
    """The declared ids and the edges (tail, arrow, label, head); fails on any other line."""
    lines = text.split("\n")
    assert lines[0] == "flowchart LR"
    declared: set[str] = set()
    edges: list[tuple[str, str, str, str]] = []
    inside = False
    for line in lines[1:]:
        if line == "end":
            assert inside, "end without subgraph"
            inside = False
            continue
        if match := _SUBGRAPH.match(line):
            assert not inside
            inside = True
            declared.add(match["id"])
        elif match := _NODE.match(line):
            declared.add(match["id"])
        elif match := _EDGE.match(line):
            assert not inside
            edges.append((match["tail"], match["arrow"], match["label"] or "", match["head"]))
        else:
            pytest.fail(f"not a well-formed line: {line!r}")
    assert not inside, "subgraph never ended"
    for tail, _, _, head in edges:
        assert {tail, head} <= declared
    return declared, edges


def _ids(assessment: Assessment, text: str) -> dict[str, str]:
    """System id -> node id, read back from the node lines by their order of declaration."""
    nodes = [match["id"] for line in text.split("\n") if (match := _NODE.match(line))]
    return dict(zip((system.id for system in assessment.systems), nodes, strict=False))


def _check_every_flow(assessment: Assessment, result: Result, text: str) -> None:
    _, edges = _parse(text)
    nodes = _ids(assessment, text)
    styles = {item.id: item.style for item in result.flows}
    brokered = result.broker is not None and result.broker.choice is not None
    for flow in assessment.flows:
        style = styles[flow.id]
        name = f'"{label(flow.id)}'
        for target in flow.targets:
            if style == "api":
                ends = (nodes[flow.source], nodes[target])
                if flow.caller == "target":
                    ends = ends[::-1]
                assert (ends[0], "-->", f'"{label(flow.id)}"', ends[1]) in edges
                continue
            thick = [edge for edge in edges if edge[1] == "==>" and edge[2].startswith(name)]
            if brokered:
                (topic,) = {head for tail, _, _, head in thick if tail == nodes[flow.source]}
                assert (topic, "==>", f'"{label(flow.id)}"', nodes[target]) in edges
            else:
                webhook = f'"{label(flow.id + ": webhook")}"'
                assert (nodes[flow.source], "==>", webhook, nodes[target]) in edges
            if style == "hybrid":
                back = f'"{label(flow.id + " call-back")}"'
                assert (nodes[target], "-.->", back, nodes[flow.source]) in edges


@pytest.mark.parametrize("path", [HOSTILE_FILE, *sorted((ROOT / "examples").glob("*.yaml"))])
def test_flowchart_is_well_formed_and_draws_every_flow(path: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)
    result = assess(assessment, ruleset)
    text = flowchart(assessment, result)
    declared, edges = _parse(text)
    assert edges
    assert all(re.fullmatch(r"n\d+", node) for node in declared)
    _check_every_flow(assessment, result, text)


def test_hostile_names_stay_text_in_labels(ruleset: Ruleset) -> None:
    assessment = load_assessment(HOSTILE_FILE)
    text = flowchart(assessment, assess(assessment, ruleset))
    assert text.count("\n") == len(text.splitlines()) - 1  # no line break from a name
    assert "#quot;q#quot; #93;#59; node #91;label=pwn#93;" in text
    assert "first line#10;second line" in text
    without_arrows = re.sub(r" (?:-->|==>|-\.->)\|", "", text)
    assert "<" not in without_arrows and ">" not in without_arrows
    assert "`" not in text
    for system in assessment.systems:  # no id typed by the user is a node id
        assert not re.search(rf"^\s*{re.escape(system.id)}\b", text, re.MULTILINE)


def test_without_a_broker_events_are_webhooks_with_no_subgraph(ruleset: Ruleset) -> None:
    assessment = load_assessment(HOSTILE_FILE)
    result = assess(assessment, ruleset)
    assert result.broker is not None and result.broker.choice is not None
    no_broker = result.model_copy(
        update={"broker": result.broker.model_copy(update={"choice": None})}
    )
    text = flowchart(assessment, no_broker)
    assert "subgraph" not in text and "topic" not in text
    assert ": webhook" in text
    _check_every_flow(assessment, no_broker, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a"b', "a#quot;b"),
        ("[x](y){z}", "#91;x#93;#40;y#41;#123;z#125;"),
        ("<&>|`#;", "#60;#38;#62;#124;#96;#35;#59;"),
        ("one\ntwo\ttab", "one#10;two tab"),
        ("Zürich ✓", "Zürich ✓"),
    ],
)
def test_label_escapes_what_would_break_it(text: str, expected: str) -> None:
    assert label(text) == expected


def test_the_record_embeds_the_flowchart(ruleset: Ruleset) -> None:
    assessment = load_assessment(ROOT / "examples" / "gifting-orders.yaml")
    result = assess(assessment, ruleset)
    record = to_markdown(assessment, result, ruleset, date=datetime.date(2026, 1, 15))
    assert f"```mermaid\n{flowchart(assessment, result)}\n```\n" in record
