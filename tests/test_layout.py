"""The rendered layout: no boxes on top of one another, no label on a box, and no edge through
the broker unless it goes to or from one of its topics. Measured on the SVG the bundled renderer
draws, for the examples and for generated estates up to 30 systems and 50 flows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from itertools import combinations
from pathlib import Path

import pytest
from synthetic import generated_assessment

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment
from advisor.render import render

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]  # left, right, top, bottom
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

CASES = {
    **{path.stem: path for path in sorted((ROOT / "examples").glob("*.yaml"))},
    "hostile-names": Path(__file__).resolve().parent / "data" / "hostile-names.yaml",
    "generated-10-15": (10, 15),
    "generated-30-50": (30, 50),
}


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def drawing(request: pytest.FixtureRequest) -> ElementTree.Element:
    case = CASES[request.param]
    assessment: Assessment = (
        load_assessment(case) if isinstance(case, Path) else generated_assessment(*case)
    )
    ruleset = load_rules()
    svg = render(blueprint_dot(assessment, assess(assessment, ruleset), ruleset), "svg")
    return ElementTree.fromstring(svg)


def groups(root: ElementTree.Element, kind: str) -> dict[str, ElementTree.Element]:
    return {
        group.findtext(f"{SVG}title", ""): group
        for group in root.iter(f"{SVG}g")
        if group.get("class") == kind
    }


def outline(group: ElementTree.Element) -> Box:
    """The bounding box of a node's or cluster's shape."""
    ellipse = group.find(f"{SVG}ellipse")
    if ellipse is not None:
        cx, cy = float(ellipse.get("cx", 0)), float(ellipse.get("cy", 0))
        rx, ry = float(ellipse.get("rx", 0)), float(ellipse.get("ry", 0))
        return cx - rx, cx + rx, cy - ry, cy + ry
    shape = group.find(f"{SVG}polygon")
    if shape is None:
        shape = group.find(f"{SVG}path")
    assert shape is not None, group.findtext(f"{SVG}title")
    numbers = [float(n) for n in NUMBER.findall(shape.get("points") or shape.get("d") or "")]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), max(xs), min(ys), max(ys)


def curve(group: ElementTree.Element) -> list[tuple[float, float]]:
    """Points along an edge's Bézier path."""
    path = group.find(f"{SVG}path")
    assert path is not None
    numbers = [float(n) for n in NUMBER.findall(path.get("d", ""))]
    points = list(zip(numbers[0::2], numbers[1::2], strict=True))
    samples = []
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start : start + 4]
        for step in range(21):
            t = step / 20
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
            samples.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
                )
            )
    return samples


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def inside(point: tuple[float, float], box: Box, margin: float = 2.0) -> bool:
    return (
        box[0] + margin < point[0] < box[1] - margin
        and box[2] + margin < point[1] < box[3] - margin
    )


def test_no_two_boxes_overlap(drawing: ElementTree.Element) -> None:
    boxes = {name: outline(group) for name, group in groups(drawing, "node").items()}
    assert [(a, b) for a, b in combinations(boxes, 2) if overlap(boxes[a], boxes[b])] == []


def test_no_edge_label_sits_on_a_box(drawing: ElementTree.Element) -> None:
    boxes = {name: outline(group) for name, group in groups(drawing, "node").items()}
    for title, edge in groups(drawing, "edge").items():
        for text in edge.iter(f"{SVG}text"):
            x, y = float(text.get("x", 0)), float(text.get("y", 0))
            width = len(text.text or "") * float(text.get("font-size", 10)) * 0.5
            label: Box = (x - width / 2, x + width / 2, y - 8, y + 2)
            assert [name for name, box in boxes.items() if overlap(label, box)] == [], title


def test_only_edges_of_topics_enter_the_broker(drawing: ElementTree.Element) -> None:
    clusters = groups(drawing, "cluster")
    if "cluster_broker" not in clusters:
        return
    broker = outline(clusters["cluster_broker"])
    for title, edge in groups(drawing, "edge").items():
        ends = [end.split(":")[0] for end in title.split("->")]
        if any(end.startswith("topic_") or end == "dead_letter_queue" for end in ends):
            continue
        assert not any(inside(point, broker) for point in curve(edge)), title


def test_edges_pass_over_no_box_but_their_own(drawing: ElementTree.Element) -> None:
    boxes = {name: outline(group) for name, group in groups(drawing, "node").items()}
    for title, edge in groups(drawing, "edge").items():
        ends = {end.split(":")[0] for end in title.split("->")}
        points = curve(edge)
        crossed = [
            name
            for name, box in boxes.items()
            if name not in ends and any(inside(p, box) for p in points)
        ]
        assert crossed == [], title
