"""The blueprint's DOT: golden files, what each view shows, the columns by role, escaping and
determinism. No layout is measured here (tests/test_blueprint_layout.py renders and measures).

Regenerate the golden files after an intended change with `UPDATE_GOLDEN=1 pytest tests/`, then
read the diff: it is the change to the picture.
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
from synthetic import generated_assessment, generated_data, generated_estate

from advisor.advice import assess
from advisor.blueprint import (
    HYBRID_COLOUR,
    VIEWS,
    UnknownFlowError,
    View,
    blueprint_dot,
    distinct_views,
    flow_ids,
    focused_views,
)
from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment, Result
from advisor.render import find_renderer
from advisor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile-names.yaml"
GIFTING = ROOT / "examples" / "gifting-orders.yaml"
CLINIC = ROOT / "examples" / "clinic-documents.yaml"

# Golden files beyond each example's overview (`<example>.dot`): a view or a flow of a fixed case.
GOLDEN_CASES: dict[str, tuple[Path | int, dict[str, str]]] = {
    "gifting-orders.events": (GIFTING, {"view": "events"}),
    "gifting-orders.api": (GIFTING, {"view": "api"}),
    "gifting-orders.flow-order-confirmed": (GIFTING, {"flow": "order-confirmed"}),
    "clinic-documents.api": (CLINIC, {"view": "api"}),
    "estate-20.overview": (20, {}),
}


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_rules()


def drawn(assessment: Assessment, ruleset: Ruleset, **options: Any) -> tuple[Result, str]:
    result = assess(assessment, ruleset)
    return result, blueprint_dot(assessment, result, ruleset, **options)


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
    """The visible edges, as (tail, head, attributes)."""
    names = {item["_gvid"]: name for name, item in nodes(graph).items()}
    return [
        (names[edge["tail"]], names[edge["head"]], edge)
        for edge in graph.get("edges", [])
        if edge.get("style") != "invis"
    ]


def clusters(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in graph["objects"][: graph["_subgraph_cnt"]]}


def members(graph: dict[str, Any], cluster: dict[str, Any]) -> set[str]:
    names = {item["_gvid"]: name for name, item in nodes(graph).items()}
    return {names[gvid] for gvid in cluster.get("nodes", [])}


def columns(graph: dict[str, Any]) -> list[set[str]]:
    """The rank=same groups: the columns the blueprint pins, in the order it wrote them."""
    names = {item["_gvid"]: name for name, item in nodes(graph).items()}
    return [
        {names[gvid] for gvid in item["nodes"]}
        for item in graph["objects"][: graph["_subgraph_cnt"]]
        if item.get("rank") == "same"
    ]


def column_of(graph: dict[str, Any]) -> dict[str, int]:
    return {name: index for index, column in enumerate(columns(graph)) for name in column}


def label_lines(label: str) -> list[str]:
    """A plain label's lines, as DOT holds them: split at escString's \\n, \\l and \\r, not
    at an escaped backslash followed by n."""
    lines, line, index = [], "", 0
    while index < len(label):
        char = label[index]
        if char == "\\" and index + 1 < len(label):
            pair = label[index : index + 2]
            if pair[1] in "nlr":
                lines.append(line)
                line = ""
            else:
                line += pair
            index += 2
        else:
            line += char
            index += 1
    return [item for item in [*lines, line] if item]


def _escaped(text: str) -> str:
    """How a label reads in DOT once parsed: escString backslashes and `&` entity-escaped."""
    return text.replace("&", "&amp;").replace("\\", "\\\\")


# ---------------------------------------------------------------------------------------------
# Golden files and determinism
# ---------------------------------------------------------------------------------------------


def _check_golden(name: str, dot: str) -> None:
    golden = GOLDEN / f"{name}.dot"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(dot, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run with UPDATE_GOLDEN=1"
    assert dot == golden.read_text(encoding="utf-8"), f"{name}.dot changed"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_examples_match_their_golden_dot(path: Path, ruleset: Ruleset) -> None:
    _, dot = drawn(load_assessment(path), ruleset)
    _check_golden(path.stem, dot)


@pytest.mark.parametrize("name", list(GOLDEN_CASES))
def test_views_match_their_golden_dot(name: str, ruleset: Ruleset) -> None:
    case, options = GOLDEN_CASES[name]
    assessment = load_assessment(case) if isinstance(case, Path) else generated_estate(case)
    _, dot = drawn(assessment, ruleset, **options)
    _check_golden(name, dot)


def test_every_golden_file_has_a_case_and_no_stale_ones() -> None:
    expected = {path.stem for path in EXAMPLES} | set(GOLDEN_CASES)
    assert {path.name.removesuffix(".dot") for path in GOLDEN.glob("*.dot")} == expected


def test_same_input_gives_the_same_bytes_in_another_process(ruleset: Ruleset) -> None:
    """Hash randomisation must not leak into the order of anything, in any view."""
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from synthetic import generated_assessment\n"
        "from advisor.blueprint import blueprint_dot\n"
        "from advisor.advice import assess\n"
        "from advisor.loader import load_rules\n"
        "r = load_rules(); a = generated_assessment(30, 50); result = assess(a, r)\n"
        "for view in ('overview', 'events', 'api'):\n"
        "    sys.stdout.write(blueprint_dot(a, result, r, view=view))\n"
        "sys.stdout.write(blueprint_dot(a, result, r, flow='flow-05'))\n"
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
    assessment = generated_assessment(30, 50)
    result = assess(assessment, ruleset)
    here = "".join(blueprint_dot(assessment, result, ruleset, view=view) for view in VIEWS)
    here += blueprint_dot(assessment, result, ruleset, flow="flow-05")
    assert outputs == {here}


# ---------------------------------------------------------------------------------------------
# What each view shows
# ---------------------------------------------------------------------------------------------

CASES = [*EXAMPLES, HOSTILE]


def _system_label(graph: dict[str, Any], system_id: str) -> str:
    label: str = nodes(graph)[f"system_{system_id}"]["label"]
    return label


def _names(label: str) -> str:
    """A system's label lines joined again with spaces: a long name is wrapped at spaces."""
    return " ".join(line for line in label_lines(label) if not line.startswith("+ "))


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_the_overview_shows_every_system_by_owner_and_every_flow(
    path: Path, ruleset: Ruleset
) -> None:
    assessment = load_assessment(path)
    result, dot = drawn(assessment, ruleset)
    graph = parsed(dot)
    found, links = nodes(graph), edges(graph)
    boxes = clusters(graph)
    styles = {flow.id: flow.style for flow in result.flows}

    for system in assessment.systems:  # every system, with its name, in its owner's box
        name = f"system_{system.id}"
        assert _names(found[name]["label"]).startswith(_escaped(system.label))
        owned = [
            box
            for box_name, box in boxes.items()
            if box_name.startswith("cluster_owner") and name in members(graph, box)
        ]
        if system.owner is None:
            assert owned == []
        else:
            (box,) = owned
            assert box["label"] == _escaped(system.owner)
            inside = members(graph, box)
            assert {
                other.owner for other in assessment.systems if f"system_{other.id}" in inside
            } == {system.owner}

    evented = [flow for flow in assessment.flows if styles[flow.id] != "api"]
    broker = boxes.get("cluster_broker")
    assert (broker is not None) == bool(evented)
    if broker is not None:
        assert result.broker is not None
        assert broker["label"] == _escaped(result.broker.name)
        assert members(graph, broker) == {f"topic_{flow.id}" for flow in evented} | {
            "dead_letter_queue"
        }

    pairs = {(tail, head): edge for tail, head, edge in links}
    for flow in assessment.flows:
        source = f"system_{flow.source}"
        for target in (f"system_{target}" for target in flow.targets):
            if styles[flow.id] != "api":  # through the flow's topic
                topic = f"topic_{flow.id}"
                assert (source, topic) in pairs and (topic, target) in pairs
                assert not any(head.startswith("api_") for _, head, _ in links)
            elif (source, target) in pairs:  # a request edge naming the flow or counting it
                edge = pairs[(source, target)]
                assert edge["style"] == "solid"
                assert flow.id in edge["label"] or re.fullmatch(r"\d+ flows", edge["label"])
                assert (edge.get("dir") == "back") == (flow.caller == "target")
            else:  # a call across the broker: a line in the caller's box
                caller = source if flow.caller == "source" else target
                assert any(
                    line.startswith("+ API call") and flow.id in line
                    for line in label_lines(found[caller]["label"])
                ), flow.id
    assert "Legend" in clusters(graph)["cluster_drawing"]["label"]


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_the_events_view_shows_the_evented_flows_alone(path: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)
    result, dot = drawn(assessment, ruleset, view="events")
    graph = parsed(dot)
    evented = {flow.id for flow in result.flows if flow.style != "api"}
    topics = {name for name in nodes(graph) if name.startswith("topic_")}
    assert topics == {f"topic_{flow_id}" for flow_id in evented}
    involved = {
        end
        for flow in assessment.flows
        if flow.id in evented
        for end in (flow.source, *flow.targets)
    }
    systems = {name for name in nodes(graph) if name.startswith("system_")}
    assert systems == {f"system_{system_id}" for system_id in involved}
    assert all("system_" not in head for tail, head, _ in edges(graph) if "system_" in tail)


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_the_api_view_names_every_call_and_call_back(path: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)
    result, dot = drawn(assessment, ruleset, view="api")
    graph = parsed(dot)
    styles = {flow.id: flow.style for flow in result.flows}
    assert not any(name.startswith("topic_") for name in nodes(graph))
    links = edges(graph)
    for flow in assessment.flows:
        for target in flow.targets:
            ends = (f"system_{flow.source}", f"system_{target}")
            found = [edge for tail, head, edge in links if (tail, head) == ends]
            if styles[flow.id] == "event":
                assert not any(flow.id in edge.get("label", "") for edge in found)
                continue
            kind = "sync" if styles[flow.id] == "api" else "call-back"
            (edge,) = [
                edge
                for edge in found
                if flow.id in label_lines(edge["label"])[0] + edge["label"]
                and kind in edge["label"]
            ]
            # the arrow at the system called: a target that calls (a fetch, a call-back)
            # points back at the source
            back = styles[flow.id] == "hybrid" or flow.caller == "target"
            assert (edge.get("dir") == "back") == back
            assert edge["style"] == ("dashed" if styles[flow.id] == "hybrid" else "solid")


def test_a_flow_in_focus_shows_it_in_full_and_its_neighbours_greyed(ruleset: Ruleset) -> None:
    assessment = generated_estate(20)
    result = assess(assessment, ruleset)
    styles = {flow.id: flow.style for flow in result.flows}
    hybrid = next(flow for flow in assessment.flows if styles[flow.id] == "hybrid")
    graph = parsed(blueprint_dot(assessment, result, ruleset, flow=hybrid.id))
    found = nodes(graph)
    own = {hybrid.source, *hybrid.targets}
    others = [flow for flow in assessment.flows if flow.id != hybrid.id]
    neighbours = {
        end
        for flow in others
        for target in flow.targets
        if {flow.source, target} & own
        for end in (flow.source, target)
    } - own
    assert {name for name in found if name.startswith("system_")} == {
        f"system_{system_id}" for system_id in own | neighbours
    }
    assert {name for name in found if name.startswith("topic_")} == {f"topic_{hybrid.id}"}
    assert f"api_{hybrid.source}" in found  # the call-backs go to the source's API
    for system_id in neighbours:  # greyed
        assert found[f"system_{system_id}"]["fontcolor"] == "#555555"
    grey = [(tail, head, edge) for tail, head, edge in edges(graph) if edge["color"] == "#8a8a8a"]
    drawn_ids = {
        flow_id for _, _, edge in grey for flow_id in re.findall(r"flow-\d+", edge["label"])
    }
    counted = sum(
        int(edge["label"].split()[0]) for _, _, edge in grey if edge["label"].endswith("flows")
    )
    touching = [flow for flow in others if {flow.source, *flow.targets} & own]
    assert drawn_ids <= {flow.id for flow in touching}
    assert len(drawn_ids) + counted >= len(touching)


def test_an_unknown_flow_or_view_is_refused_with_a_hint(ruleset: Ruleset) -> None:
    assessment = load_assessment(GIFTING)
    result = assess(assessment, ruleset)
    with pytest.raises(UnknownFlowError, match="did you mean 'order-confirmed'"):
        blueprint_dot(assessment, result, ruleset, flow="order-confirm")
    with pytest.raises(UnknownFlowError, match="the flows: place-order, order-confirmed"):
        blueprint_dot(assessment, result, ruleset, flow="zzz")
    with pytest.raises(ValueError, match="no blueprint view 'sideways'"):
        blueprint_dot(assessment, result, ruleset, view="sideways")  # type: ignore[arg-type]


def test_views_that_differ_from_the_overview(ruleset: Ruleset) -> None:
    expected: dict[str, tuple[View, ...]] = {
        "gifting-orders": ("events", "api"),  # api and event flows
        "fleet-telematics": (),  # events alone
        "helpdesk-customer-lookup": (),  # API calls alone
    }
    for stem, views in expected.items():
        result = assess(load_assessment(ROOT / "examples" / f"{stem}.yaml"), ruleset)
        assert distinct_views(result) == views, stem
        assert flow_ids(result) == tuple(flow.id for flow in result.flows)


def test_focused_views_are_drawn_one_by_one_as_their_own_view(ruleset: Ruleset) -> None:
    """The one loop the command line, batch runs and the web app draw the reports' views with."""
    assessment = load_assessment(GIFTING)
    result = assess(assessment, ruleset)
    views = focused_views(assessment, result, ruleset)
    assert next(views) == ("events", blueprint_dot(assessment, result, ruleset, view="events"))
    assert list(views) == [("api", blueprint_dot(assessment, result, ruleset, view="api"))]
    lookup = load_assessment(ROOT / "examples" / "helpdesk-customer-lookup.yaml")
    assert list(focused_views(lookup, assess(lookup, ruleset), ruleset)) == []


# ---------------------------------------------------------------------------------------------
# Layout by role: the columns
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flows", [5, 20, 40])
def test_producers_left_of_the_broker_and_consumers_right(flows: int, ruleset: Ruleset) -> None:
    assessment = generated_estate(flows)
    result, dot = drawn(assessment, ruleset)
    graph = parsed(dot)
    place = column_of(graph)
    evented = {flow.id for flow in result.flows if flow.style != "api"}
    broker = place["dead_letter_queue"]
    assert all(place[f"topic_{flow_id}"] == broker for flow_id in evented)  # one column
    consumers = {
        target for flow in assessment.flows if flow.id in evented for target in flow.targets
    }
    for flow in assessment.flows:
        if flow.id in evented and flow.source not in consumers:
            assert place[f"system_{flow.source}"] < broker, flow.id
        if flow.id in evented:
            assert all(place[f"system_{target}"] > broker for target in flow.targets), flow.id
    # a request drawn as an edge runs from its source's column to a later one
    for tail, head, edge in edges(graph):
        if tail.startswith("system_") and head.startswith("system_"):
            assert place[tail] < place[head], (tail, head)
            assert edge.get("constraint") != "false"


def test_a_consumer_that_publishes_again_is_right_of_the_broker(ruleset: Ruleset) -> None:
    """A chain of events: b consumes a's event and publishes its own to c. The broker stays one
    column; b stands with the consumers and its own publishing edge goes back into it."""
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
    place = column_of(graph)
    assert place["topic_a-changed"] == place["topic_b-changed"]
    assert place["system_a"] < place["topic_a-changed"] < place["system_b"] == place["system_c"]
    (back,) = [edge for tail, head, edge in edges(graph) if tail == "system_b"]
    assert back["constraint"] == "false"  # it pins nothing: the columns hold


def test_a_system_in_no_flow_of_the_view_stands_in_the_first_column(ruleset: Ruleset) -> None:
    data = generated_data(6, 5)
    data["systems"].append({"id": "idle", "name": "Idle", "owner": "nobody"})
    _, dot = drawn(Assessment.model_validate(data), ruleset)
    assert "system_idle" in columns(parsed(dot))[0]


# ---------------------------------------------------------------------------------------------
# Looks, merged edges and mitigations
# ---------------------------------------------------------------------------------------------


def test_each_kind_of_line_differs_in_colour_and_in_black_and_white(ruleset: Ruleset) -> None:
    looks: dict[str, set[tuple[str, str, str, str]]] = {}
    assessment = load_assessment(HOSTILE)
    result = assess(assessment, ruleset)
    hybrid = next(flow.id for flow in result.flows if flow.style == "hybrid")
    for options in ({}, {"view": "api"}, {"flow": hybrid}, {"flow": "second-line"}):
        dot = blueprint_dot(assessment, result, ruleset, **options)  # type: ignore[arg-type]
        for tail, head, edge in edges(parsed(dot)):
            arrow = edge["arrowtail"] if edge.get("dir") == "back" else edge["arrowhead"]
            look = (edge["style"], edge.get("penwidth", "1"), arrow, edge["color"])
            looks.setdefault(_kind(tail, head, edge), set()).add(look)
    kinds = {"request", "event", "thin event", "call-back", "dead letter", "neighbour"}
    assert set(looks) == kinds
    assert all(len(seen) == 1 for seen in looks.values()), looks  # one look per kind
    chosen = [next(iter(seen)) for seen in looks.values()]
    assert len({look[:3] for look in chosen}) == len(chosen)  # line and arrow alone tell apart
    styles = [look for kind, seen in looks.items() if kind != "call-back" for look in seen]
    assert len({look[3] for look in styles}) == len(styles)  # and so do colours


def _kind(tail: str, head: str, edge: dict[str, Any]) -> str:
    if edge["color"] == "#8a8a8a":
        return "neighbour"
    if head == "dead_letter_queue":
        return "dead letter"
    if head.startswith("api_") or edge["style"] == "dashed":
        return "call-back"
    if tail.startswith("system_") and head.startswith("system_"):
        return "request"
    return "thin event" if edge["color"] == HYBRID_COLOUR else "event"


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
    assert "retries with back-off" in clusters(parsed(dot))["cluster_drawing"]["label"]


def test_the_mitigations_drawn_are_the_rules_to_say(ruleset: Ruleset) -> None:
    """A risk's `blueprint` field, not its id, says what is drawn: with the field taken off
    the idempotency risk no consumer is marked, and a risk of another id that says `outbox`
    marks the source."""
    assessment = load_assessment(HOSTILE)
    result, dot = drawn(assessment, ruleset)
    assert "idempotent consumer" in dot and "transactional outbox" in dot
    risks = {
        rule.id: rule.model_copy(update={"blueprint": None}) if rule.blueprint else rule
        for rule in ruleset.risks
    }
    risks["ours"] = risks["idempotency"].model_copy(update={"id": "ours", "blueprint": "outbox"})
    bare = ruleset.model_copy(update={"risks": tuple(risks.values())})
    renamed = result.model_copy(
        update={
            "risks": tuple(
                risk.model_copy(update={"id": "ours"}) if risk.id == "idempotency" else risk
                for risk in result.risks
            )
        }
    )
    plain = blueprint_dot(assessment, result, bare)
    assert "idempotent consumer" not in plain and "transactional outbox" not in plain
    assert "retries with back-off" not in plain
    found = nodes(parsed(blueprint_dot(assessment, renamed, bare)))
    flows = {flow.id: flow for flow in assessment.flows}
    sources = {
        flows[flow_id].source
        for risk in renamed.risks
        if risk.id == "ours"
        for flow_id in risk.flows
    }
    for system in assessment.systems:
        label = found[f"system_{system.id}"]["label"]
        assert ("transactional outbox" in label) == (system.id in sources), system.id


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
    graph = parsed(blueprint_dot(assessment, partial, ruleset, view="api"))
    labels = {(t, h): e.get("label", "") for t, h, e in edges(graph)}
    assert "retries with back-off" in labels[("system_record", "system_link")]
    assert "retries with back-off" not in labels[("system_newline", "system_html")]
    assert "retries with back-off" in labels[("system_script", "system_cdata")]  # a call-back
    assert "sync calls" not in clusters(graph)["cluster_drawing"]["label"]


def test_api_flows_between_the_same_systems_share_one_edge(ruleset: Ruleset) -> None:
    data = generated_data(5, 2)
    data["flows"] = [
        {**data["flows"][0], "id": name} for name in ("first-call", "second-call", "third-call")
    ]
    assessment = Assessment.model_validate(data)
    (overview,) = [e for t, h, e in edges(parsed(drawn(assessment, ruleset)[1]))]
    assert overview["label"] == "3 flows"  # merged, with a count
    _, dot = drawn(assessment, ruleset, view="api")
    (detailed,) = [e for t, h, e in edges(parsed(dot))]
    assert detailed["label"] == "first-call, second-call,\\nthird-call\\nsync"
    assert (
        "in one edge" in clusters(parsed(drawn(assessment, ruleset)[1]))["cluster_drawing"]["label"]
    )


def test_a_call_across_the_broker_is_a_line_in_the_callers_box(ruleset: Ruleset) -> None:
    """The data warehouse takes events and pulls a nightly extract from the order service: in
    the overview the pull would loop round the broker, so the warehouse's box names it."""
    data = {
        "name": "Across",
        "context": {"cloud": "aws"},
        "systems": [
            {"id": "orders", "emits_events": True},
            {"id": "warehouse"},
            {"id": "mail"},
        ],
        "flows": [
            {
                "id": "order-changed",
                "source": "orders",
                "targets": ["warehouse", "mail"],
                "trigger": "data_change",
                "max_delay_seconds": 30,
                "events_per_day": 50000,
            },
            {
                "id": "nightly-extract",
                "source": "orders",
                "targets": ["warehouse"],
                "trigger": "schedule",
                "max_delay_seconds": 86400,
                "events_per_day": 1,
            },
        ],
    }
    assessment = Assessment.model_validate(data)
    result, dot = drawn(assessment, ruleset)
    assert {flow.id: flow.style for flow in result.flows}["nightly-extract"] == "api"
    graph = parsed(dot)
    assert not [e for t, h, e in edges(graph) if (t, h) == ("system_orders", "system_warehouse")]
    assert "+ API call: nightly-extract" in label_lines(nodes(graph)["system_warehouse"]["label"])
    _, api = drawn(assessment, ruleset, view="api")
    (pull,) = [e for t, h, e in edges(parsed(api))]
    assert pull["dir"] == "back" and "sync fetch" in pull["label"]


def test_hybrid_call_backs_are_summarised_in_the_overview(ruleset: Ruleset) -> None:
    assessment = load_assessment(CLINIC)
    result, dot = drawn(assessment, ruleset)
    hybrid = [
        flow
        for flow in assessment.flows
        if flow.id in {item.id for item in result.flows if item.style == "hybrid"}
    ]
    assert hybrid
    graph = parsed(dot)
    assert not any(e["style"] == "dashed" for _, _, e in edges(graph))
    for flow in hybrid:
        assert "+ API for call-backs" in label_lines(_system_label(graph, flow.source))
    assert "consumers call the source's API back" in clusters(graph)["cluster_drawing"]["label"]


# ---------------------------------------------------------------------------------------------
# User text
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"view": "events"}, {"view": "api"}, {"flow": "lookup"}])
def test_no_user_value_reaches_links_images_or_html(
    options: dict[str, str], ruleset: Ruleset
) -> None:
    _, dot = drawn(load_assessment(HOSTILE), ruleset, **options)
    graph = parsed(dot)
    for item in [*graph["objects"], *graph.get("edges", []), graph]:
        assert not {"URL", "href", "image", "tooltip", "id", "imagepath"} & set(item)
    html_labels = [item for item in graph["objects"] if item.get("label", "").startswith("<")]
    assert [item["name"] for item in html_labels if "TABLE" in item["label"]] == [
        "cluster_drawing"  # the legend: constants only
    ]
    assert "pwn" not in {item["name"] for item in graph["objects"]}


def test_hostile_names_inject_nothing(ruleset: Ruleset) -> None:
    """The graph Graphviz reads has exactly the nodes and edges we meant: nothing injected."""
    assessment = load_assessment(HOSTILE)
    result, dot = drawn(assessment, ruleset)
    graph = parsed(dot)
    evented = [flow for flow in result.flows if flow.style != "api"]
    expected = (
        {f"system_{system.id}" for system in assessment.systems}
        | {f"topic_{flow.id}" for flow in evented}
        | {"dead_letter_queue"}
    )
    assert set(nodes(graph)) == expected
    title = _escaped(f"Integration blueprint: {assessment.name}")
    recommendation = f"Recommendation: Hybrid (confidence {round(result.confidence * 100)}%)"
    assert graph["label"] == f"{title}\\l{recommendation} · overview of every flow\\l"
    for system in assessment.systems:  # as typed, wrapped at spaces
        assert _names(_system_label(graph, system.id)) == _escaped(system.label)
    owners = {
        box["label"] for name, box in clusters(graph).items() if name.startswith("cluster_owner")
    }
    assert owners == {_escaped(system.owner) for system in assessment.systems if system.owner}


def test_long_names_wrap_at_spaces_and_keep_every_character(ruleset: Ruleset) -> None:
    data = generated_data(3, 1)
    data["systems"][0]["name"] = "A  very long   name\\that goes on and on and on"
    _, dot = drawn(Assessment.model_validate(data), ruleset)
    label = nodes(parsed(dot))["system_s00"]["label"]
    lines = label_lines(label)
    assert len(lines) > 1 and all(len(line) <= 24 for line in lines)
    assert " ".join(lines) == _escaped(data["systems"][0]["name"])


def test_colours_have_six_hex_digits(ruleset: Ruleset) -> None:
    assessment = generated_assessment(30, 50)
    result = assess(assessment, ruleset)
    for options in ({}, {"view": "events"}, {"view": "api"}, {"flow": "flow-05"}):
        dot = blueprint_dot(assessment, result, ruleset, **options)  # type: ignore[arg-type]
        colours = re.findall(r"#[0-9A-Fa-f]+", dot)
        assert colours and all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in colours)


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
    assessment = load_assessment(GIFTING)
    result = assess(assessment, ruleset).model_copy(update={"broker": None})
    graph = parsed(blueprint_dot(assessment, result, ruleset))
    assert clusters(graph)["cluster_broker"]["label"] == "Message broker"
