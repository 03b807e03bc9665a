"""The blueprint's DOT: golden files for the examples, what it shows, escaping, determinism.

Regenerate the golden files after an intended change with `UPDATE_GOLDEN=1 pytest tests/`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from synthetic import generated_assessment, generated_data

from advisor.advice import assess
from advisor.blueprint import HYBRID_COLOUR, blueprint_dot
from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment, Result
from advisor.render import find_renderer
from advisor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile-names.yaml"


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_rules()


def drawn(assessment: Assessment, ruleset: Ruleset) -> tuple[Result, str]:
    result = assess(assessment, ruleset)
    return result, blueprint_dot(assessment, result, ruleset)


def parsed(dot: str) -> dict[str, Any]:
    """The graph as Graphviz itself reads it (no layout): objects with their attributes."""
    completed = subprocess.run(
        [find_renderer(), "-Tjson0"], input=dot.encode(), capture_output=True, check=True
    )
    graph: dict[str, Any] = json.loads(completed.stdout)
    return graph


def nodes(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The nodes: the objects after the subgraphs."""
    return {item["name"]: item for item in graph["objects"][graph["_subgraph_cnt"] :]}


def edges(graph: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    names = {item["_gvid"]: name for name, item in nodes(graph).items()}
    return [(names[edge["tail"]], names[edge["head"]], edge) for edge in graph.get("edges", [])]


def clusters(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in graph["objects"][: graph["_subgraph_cnt"]]}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_examples_match_their_golden_dot(path: Path, ruleset: Ruleset) -> None:
    _, dot = drawn(load_assessment(path), ruleset)
    golden = GOLDEN / f"{path.stem}.dot"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(dot, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run with UPDATE_GOLDEN=1"
    assert dot == golden.read_text(encoding="utf-8")


def test_every_example_has_a_golden_file_and_no_stale_ones() -> None:
    assert {path.stem for path in GOLDEN.glob("*.dot")} == {path.stem for path in EXAMPLES}


def test_same_input_gives_the_same_bytes_in_another_process(ruleset: Ruleset) -> None:
    """Hash randomisation must not leak into the order of anything."""
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from synthetic import generated_assessment\n"
        "from advisor.blueprint import HYBRID_COLOUR, blueprint_dot\n"
        "from advisor.advice import assess\n"
        "from advisor.loader import load_rules\n"
        "r = load_rules(); a = generated_assessment(30, 50)\n"
        "sys.stdout.write(blueprint_dot(a, assess(a, r), r))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    _, here = drawn(generated_assessment(30, 50), ruleset)
    assert outputs == {here}


@pytest.mark.parametrize("path", [*EXAMPLES, HOSTILE], ids=lambda path: path.stem)
def test_what_the_blueprint_shows(path: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)
    result, dot = drawn(assessment, ruleset)
    graph = parsed(dot)
    found = nodes(graph)
    links = edges(graph)
    styles = {flow.id: flow.style for flow in result.flows}

    for system in assessment.systems:  # every system, with its name and owner
        label = found[f"system_{system.id}"]["label"]
        assert label.startswith(_escaped(system.label))
        if system.owner:
            assert _escaped(f"owner: {system.owner}") in label

    evented = [flow for flow in assessment.flows if styles[flow.id] != "api"]
    broker = clusters(graph).get("cluster_broker")
    assert (broker is not None) == bool(evented)
    if broker is not None:
        assert result.broker is not None
        assert broker["label"] == _escaped(result.broker.name)
        assert "dead_letter_queue" in found

    for flow in assessment.flows:
        source = f"system_{flow.source}"
        for target in (f"system_{target}" for target in flow.targets):
            if styles[flow.id] == "api":  # a solid, labelled request edge saying sync
                (edge,) = [e for t, h, e in links if (t, h) == (source, target)]
                assert edge["style"] == "solid"
                assert flow.id in edge["label"] and "sync" in edge["label"]
            else:  # through the flow's topic, with a call-back to the source's API if hybrid
                topic = f"topic_{flow.id}"
                assert (source, topic) in {(t, h) for t, h, _ in links}
                assert (topic, target) in {(t, h) for t, h, _ in links}
                call_backs = [e for t, h, e in links if (t, h) == (target, f"api_{flow.source}")]
                assert len(call_backs) == (styles[flow.id] == "hybrid")
                if call_backs:
                    assert call_backs[0]["style"] == "dashed"

    assert "legend" in found


def _escaped(text: str) -> str:
    """How a label reads in DOT once parsed: escString backslashes and `&` entity-escaped."""
    return text.replace("&", "&amp;").replace("\\", "\\\\")


def test_each_kind_of_line_differs_in_colour_and_in_black_and_white(ruleset: Ruleset) -> None:
    looks: dict[str, set[tuple[str, str, str, str]]] = {}
    for path in (HOSTILE, ROOT / "examples" / "gifting-orders.yaml"):
        _, dot = drawn(load_assessment(path), ruleset)
        for tail, head, edge in edges(parsed(dot)):
            kind = _kind(tail, head, edge["color"])
            look = (edge["style"], edge.get("penwidth", "1"), edge["arrowhead"], edge["color"])
            looks.setdefault(kind, set()).add(look)
    assert set(looks) == {"request", "event", "thin event", "call-back", "dead letter"}
    assert all(len(seen) == 1 for seen in looks.values()), looks  # one look per kind
    kinds = [next(iter(seen)) for seen in looks.values()]
    assert len({look[:3] for look in kinds}) == len(kinds)  # line and arrow alone tell them apart
    styles = [look for kind, seen in looks.items() if kind != "call-back" for look in seen]
    assert len({look[3] for look in styles}) == len(styles)  # and so do colours


def _kind(tail: str, head: str, colour: str) -> str:
    if head.startswith("api_"):
        return "call-back"
    if head == "dead_letter_queue":
        return "dead letter"
    if tail.startswith("system_") and head.startswith("system_"):
        return "request"
    return "thin event" if colour == HYBRID_COLOUR else "event"


def test_mitigations_follow_the_risks(ruleset: Ruleset) -> None:
    assessment = load_assessment(HOSTILE)
    result, dot = drawn(assessment, ruleset)
    found = nodes(parsed(dot))
    risks = {risk.id: set(risk.flows) for risk in result.risks}
    flows = {flow.id: flow for flow in assessment.flows}
    outbox = {flows[flow_id].source for flow_id in risks["dual-write"]}
    idempotent = {target for flow_id in risks["idempotency"] for target in flows[flow_id].targets}
    assert outbox == {"html"} and idempotent
    for system in assessment.systems:
        label = found[f"system_{system.id}"]["label"]
        assert ("transactional outbox" in label) == (system.id in outbox)
        assert ("idempotent consumer" in label) == (system.id in idempotent)
    assert "retries with back-off" in found["dead_letter_queue"]["label"]
    assert "retries with back-off" in found["legend"]["label"]


def test_retries_are_marked_on_the_edges_when_only_some_sync_calls_have_them(
    ruleset: Ruleset,
) -> None:
    assessment = load_assessment(HOSTILE)
    result = assess(assessment, ruleset)
    partial = result.model_copy(
        update={
            "risks": tuple(
                risk.model_copy(update={"flows": ("lookup", "document-stored")})
                if risk.id == "tight-coupling"
                else risk
                for risk in result.risks
            )
        }
    )
    graph = parsed(blueprint_dot(assessment, partial, ruleset))
    labels = {(t, h): e.get("label", "") for t, h, e in edges(graph)}
    assert "retries with back-off" in labels[("system_record", "system_link")]
    assert "retries with back-off" not in labels[("system_newline", "system_html")]
    assert "retries with back-off" in labels[("system_cdata", "api_script")]
    assert "every sync call" not in nodes(graph)["legend"]["label"]


def test_no_user_value_reaches_links_images_or_html(ruleset: Ruleset) -> None:
    _, dot = drawn(load_assessment(HOSTILE), ruleset)
    graph = parsed(dot)
    for item in [*graph["objects"], *graph.get("edges", []), graph]:
        assert not {"URL", "href", "image", "tooltip", "id", "imagepath"} & set(item)
    html_labels = [item for item in graph["objects"] if item.get("label", "").startswith("<")]
    assert [item["name"] for item in html_labels if "TABLE" in item["label"]] == ["legend"]
    assert "pwn" not in {item["name"] for item in graph["objects"]}


def test_hostile_names_inject_nothing(ruleset: Ruleset) -> None:
    """The graph Graphviz reads has exactly the nodes and edges we meant: nothing injected."""
    assessment = load_assessment(HOSTILE)
    result, dot = drawn(assessment, ruleset)
    graph = parsed(dot)
    names = set(nodes(graph))
    evented = [flow for flow in result.flows if flow.style != "api"]
    hybrid_sources = {
        flow.source
        for flow in assessment.flows
        if flow.id in {item.id for item in evented if item.style == "hybrid"}
    }
    expected = (
        {f"system_{system.id}" for system in assessment.systems}
        | {f"topic_{flow.id}" for flow in evented}
        | {f"api_{source}" for source in hybrid_sources}
        | {"dead_letter_queue", "legend"}
    )
    assert names == expected
    title = _escaped(f"Integration blueprint: {assessment.name}")
    recommendation = f"Recommendation: Hybrid (confidence {result.confidence:.2f})"
    assert graph["label"] == f"{title}\\l{recommendation}\\l"
    for system in assessment.systems:
        label, name = nodes(graph)[f"system_{system.id}"]["label"], _escaped(system.label)
        assert label == name or label.startswith(f"{name}\\n")


def test_colours_have_six_hex_digits(ruleset: Ruleset) -> None:
    _, dot = drawn(generated_assessment(30, 50), ruleset)
    colours = re.findall(r"#[0-9A-Fa-f]+", dot)
    assert colours and all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in colours)


def test_api_flows_between_the_same_systems_share_one_edge(ruleset: Ruleset) -> None:
    data = generated_data(5, 2)
    data["flows"] = [
        {**data["flows"][0], "id": name} for name in ("first-call", "second-call", "third-call")
    ]
    _, dot = drawn(Assessment.model_validate(data), ruleset)
    requests = [e for t, h, e in edges(parsed(dot)) if t.startswith("system_")]
    assert len(requests) == 1
    assert requests[0]["label"] == "first-call, second-call,\\nthird-call\\nsync"


def test_large_estate_has_every_system_and_flow(ruleset: Ruleset) -> None:
    assessment = generated_assessment(30, 50)
    result, dot = drawn(assessment, ruleset)
    found = nodes(parsed(dot))
    assert {f"system_{system.id}" for system in assessment.systems} <= set(found)
    evented = {flow.id for flow in result.flows if flow.style != "api"}
    assert {f"topic_{flow_id}" for flow_id in evented} <= set(found)
    assert "for every SNS topic" in found["dead_letter_queue"]["label"]


def test_control_characters_become_replacement_characters(ruleset: Ruleset) -> None:
    data = generated_data(3, 1)
    data["systems"][0]["name"] = "bell\x07 and nul\x00"
    _, dot = drawn(Assessment.model_validate(data), ruleset)
    assert "\x07" not in dot and "\x00" not in dot
    assert "bell\ufffd and nul\ufffd" in nodes(parsed(dot))["system_s00"]["label"]


def test_without_a_broker_choice_the_cluster_is_a_message_broker(ruleset: Ruleset) -> None:
    assessment = load_assessment(ROOT / "examples" / "gifting-orders.yaml")
    result = assess(assessment, ruleset).model_copy(update={"broker": None})
    graph = parsed(blueprint_dot(assessment, result, ruleset))
    assert clusters(graph)["cluster_broker"]["label"] == "Message broker"


def test_a_consumer_that_publishes_again_sits_between_topics(ruleset: Ruleset) -> None:
    """A chain of events: b consumes a's event and publishes its own to c."""
    data = {
        "name": "Chain",
        "context": {"cloud": "gcp"},
        "systems": [
            {"id": "a", "emits_events": True},
            {"id": "b", "emits_events": True},
            {"id": "c"},
        ],
        "flows": [
            {
                "id": f"{source}-changed",
                "source": source,
                "targets": [target],
                "trigger": "data_change",
                "max_delay_seconds": 30,
                "events_per_day": 50000,
            }
            for source, target in (("a", "b"), ("b", "c"))
        ],
    }
    result, dot = drawn(Assessment.model_validate(data), ruleset)
    assert {flow.style for flow in result.flows} == {"event"}
    graph = parsed(dot)
    same_rank = [set(item["nodes"]) for item in graph["objects"] if item.get("rank") == "same"]
    names = {item["_gvid"]: name for name, item in nodes(graph).items()}
    columns = [{names[gvid] for gvid in column} for column in same_rank]
    assert {"system_c"} in columns  # the only system that just consumes
    assert all("system_b" not in column for column in columns)
    positions = {name: node["pos"] for name, node in nodes(graph).items()}
    x = {name: float(position.split(",")[0]) for name, position in positions.items()}
    assert (
        x["system_a"] < x["topic_a-changed"] < x["system_b"] < x["topic_b-changed"] < x["system_c"]
    )
