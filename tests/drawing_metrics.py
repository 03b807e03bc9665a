"""Measures of a rendered blueprint, read from the SVG Graphviz wrote (and, for which node
belongs to which box, from the same DOT read back as JSON): boxes that overlap, labels on boxes
or on one another, nodes inside a box they do not belong to, edges through nodes, edge crossings
and the smallest text at a given display width. Used by tests/test_blueprint_layout.py and the
diagram benchmark."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations, pairwise
from typing import Any

from advisor.render import find_renderer, render

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
Box = tuple[float, float, float, float]  # left, right, top, bottom
Point = tuple[float, float]

# The width of Helvetica's characters in ems (from its metrics, rounded): a fair estimate of how
# wide a text is drawn, where the SVG says only where it starts.
_NARROW = dict.fromkeys("il.,:;'|!", 0.25) | dict.fromkeys("jftr()[]- /", 0.3)
_WIDE = dict.fromkeys("mw", 0.84) | dict.fromkeys("MW%", 0.9) | dict.fromkeys("@", 1.0)


def text_width(text: str, size: float) -> float:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += _NARROW[char]
        elif char in _WIDE:
            width += _WIDE[char]
        elif char.isupper():
            width += 0.68
        else:
            width += 0.56
    return width * size


@dataclass(frozen=True)
class Label:
    owner: str  # the title of the node, edge or cluster it belongs to ("" for the graph's)
    kind: str  # "node", "edge", "cluster" or "graph"
    text: str
    box: Box
    size: float


class Drawing:
    """One rendered DOT source."""

    def __init__(self, dot: str, engine: str | None = None) -> None:
        """`dot` rendered as the app renders it; or, with `engine` (neato), laid out by that
        engine keeping the nodes where their `pos` puts them: a drawing made to order."""
        self.dot = dot
        if engine is None:
            self.svg = render(dot, "svg")
        else:
            command = [find_renderer(), f"-K{engine}", "-n", "-Tsvg"]
            self.svg = subprocess.run(
                command, input=dot.encode(), capture_output=True, check=True
            ).stdout
        self.root = ElementTree.fromstring(self.svg)

    # -- what is drawn -------------------------------------------------------------------

    def _groups(self, kind: str) -> list[ElementTree.Element]:
        return [group for group in self.root.iter(f"{SVG}g") if group.get("class") == kind]

    @cached_property
    def view_width(self) -> float:
        """The drawing's width in its own units (points): what its text sizes are given in."""
        view_box = self.root.get("viewBox", "")
        return float(view_box.split()[2])

    @cached_property
    def nodes(self) -> dict[str, Box]:
        return {title(group): outline(group) for group in self._groups("node")}

    @cached_property
    def clusters(self) -> dict[str, Box]:
        return {
            title(group): outline(group)
            for group in self._groups("cluster")
            if group.find(f"{SVG}polygon") is not None or group.find(f"{SVG}path") is not None
        }

    @cached_property
    def edges(self) -> list[tuple[str, str, list[Point]]]:
        """Each edge's ends (node names, without ports) and points along its path."""
        found = []
        for group in self._groups("edge"):
            tail, _, head = title(group).partition("->")
            path = group.find(f"{SVG}path")
            if path is None:
                continue
            found.append((tail.split(":")[0], head.split(":")[0], curve(path.get("d", ""))))
        return found

    @cached_property
    def labels(self) -> list[Label]:
        found = []
        for element in self.root.iter(f"{SVG}g"):
            kind = element.get("class", "")
            if kind not in ("node", "edge", "cluster", "graph"):
                continue
            owner = title(element) if kind != "graph" else ""
            found.extend(
                Label(owner, kind, *text_box(text)) for text in element.findall(f"{SVG}text")
            )
        return found

    @cached_property
    def members(self) -> dict[str, set[str]]:
        """Each cluster's nodes, nested clusters' included, as Graphviz reads the DOT."""
        completed = subprocess.run(
            [find_renderer(), "-Tjson0"], input=self.dot.encode(), capture_output=True, check=True
        )
        graph: dict[str, Any] = json.loads(completed.stdout)
        count = graph.get("_subgraph_cnt", 0)
        objects = graph.get("objects", [])
        names = {item["_gvid"]: item["name"] for item in objects[count:]}
        return {
            item["name"]: {names[gvid] for gvid in item.get("nodes", [])}
            for item in objects[:count]
            if item["name"].startswith("cluster")
        }

    # -- what is wrong -------------------------------------------------------------------

    def smallest_text(self, display_width: float) -> float:
        """The smallest text, in CSS pixels, when the drawing is shown `display_width` wide."""
        return min(label.size for label in self.labels) * display_width / self.view_width

    def overlapping_nodes(self) -> list[tuple[str, str]]:
        boxes = self.nodes
        return [(a, b) for a, b in combinations(boxes, 2) if overlap(boxes[a], boxes[b])]

    def labels_on_nodes(self) -> list[tuple[str, str]]:
        """Labels of edges, boxes and the graph that overlap a node."""
        return [
            (label.text, name)
            for label in self.labels
            if label.kind != "node"
            for name, box in self.nodes.items()
            if overlap(label.box, box)
        ]

    def labels_on_labels(self) -> list[tuple[str, str]]:
        """Labels of different things that overlap (the lines of one label never do)."""
        found = []
        for a, b in combinations(self.labels, 2):
            if (a.kind, a.owner) != (b.kind, b.owner) and overlap(a.box, b.box):
                found.append((a.text, b.text))
        return found

    def nodes_in_foreign_clusters(self) -> list[tuple[str, str]]:
        """Nodes drawn (even partly) within a box that they are not in."""
        found = []
        for cluster, box in self.clusters.items():
            members = self.members.get(cluster, set())
            for name, node in self.nodes.items():
                if name not in members and overlap(node, box):
                    found.append((name, cluster))
        return found

    def edges_through_nodes(self) -> list[tuple[str, str]]:
        """Edges that pass over a node other than their own two ends."""
        found = []
        for tail, head, points in self.edges:
            for name, box in self.nodes.items():
                if name not in (tail, head) and any(inside(point, box) for point in points):
                    found.append((f"{tail}->{head}", name))
        return found

    def edges_over_labels(self) -> list[tuple[str, str]]:
        """Edges drawn across the label of a box or of another edge."""
        found = []
        for label in self.labels:
            if label.kind not in ("cluster", "edge"):
                continue
            for tail, head, points in self.edges:
                if label.kind == "edge" and label.owner.split("->")[0].split(":")[0] == tail:
                    continue
                if any(inside(point, label.box, margin=0.5) for point in points):
                    found.append((label.text, f"{tail}->{head}"))
        return found

    def crossings(self) -> int:
        """Points where two edges with no end in common cross."""
        segments = [
            (tail, head, list(pairwise(points)), bounds(points))
            for tail, head, points in self.edges
        ]
        count = 0
        for (t1, h1, s1, b1), (t2, h2, s2, b2) in combinations(segments, 2):
            if {t1, h1} & {t2, h2} or not overlap(b1, b2):
                continue
            count += sum(1 for a in s1 for b in s2 if cross(a, b))
        return count


def title(group: ElementTree.Element) -> str:
    return group.findtext(f"{SVG}title", "")


def outline(group: ElementTree.Element) -> Box:
    """The bounding box of a node's or cluster's shape."""
    ellipse = group.find(f"{SVG}ellipse")
    if ellipse is not None:
        cx, cy = float(ellipse.get("cx", 0)), float(ellipse.get("cy", 0))
        rx, ry = float(ellipse.get("rx", 0)), float(ellipse.get("ry", 0))
        return cx - rx, cx + rx, cy - ry, cy + ry
    shapes = [*group.findall(f"{SVG}polygon"), *group.findall(f"{SVG}path")]
    numbers = [
        float(n)
        for shape in shapes
        if shape.get("stroke") != "none" or shape.get("fill") not in (None, "none")
        for n in NUMBER.findall(shape.get("points") or shape.get("d") or "")
    ]
    if not numbers:  # a node drawn by its label alone
        texts = [text_box(text)[1] for text in group.findall(f"{SVG}text")]
        return bounds([(x, y) for box in texts for x in box[:2] for y in box[2:]])
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), max(xs), min(ys), max(ys)


def text_box(text: ElementTree.Element) -> tuple[str, Box, float]:
    content = text.text or ""
    size = float(text.get("font-size", 14))
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    width = text_width(content, size)
    anchor = text.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return content, (left, left + width, y - 0.75 * size, y + 0.2 * size), size


def curve(d: str) -> list[Point]:
    """Points along a path of cubic Bézier pieces (Graphviz's `M x,y C ...`)."""
    numbers = [float(n) for n in NUMBER.findall(d)]
    points = list(zip(numbers[0::2], numbers[1::2], strict=False))
    samples = points[:1]
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start : start + 4]
        for step in range(1, 21):
            t = step / 20
            a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
            samples.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1],
                )
            )
    return samples


def bounds(points: list[Point]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), max(xs), min(ys), max(ys)


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def inside(point: Point, box: Box, margin: float = 2.0) -> bool:
    return (
        box[0] + margin < point[0] < box[1] - margin
        and box[2] + margin < point[1] < box[3] - margin
    )


def cross(a: tuple[Point, Point], b: tuple[Point, Point]) -> bool:
    """Whether two segments cross at a point inside both."""
    (x1, y1), (x2, y2) = a
    (x3, y3), (x4, y4) = b
    d = (x2 - x1) * (y4 - y3) - (y2 - y1) * (x4 - x3)
    if d == 0:
        return False
    t = ((x3 - x1) * (y4 - y3) - (y3 - y1) * (x4 - x3)) / d
    u = ((x3 - x1) * (y2 - y1) - (y3 - y1) * (x2 - x1)) / d
    return 0 < t < 1 and 0 < u < 1
