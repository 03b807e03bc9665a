"""The rendered layout, measured on the SVG the bundled renderer draws (tests/drawing_metrics.py):
no boxes on top of one another, no label on a box or on another label, no system inside a box it
does not belong to, no edge through a box, no edge through the broker unless it goes to or from
one of its topics; the smallest text when the overview is shown 1,100 px wide (the web app's
column on a 1,400 px page); and the edge crossings, held to the counts recorded below.

The drawings: every example, the hostile names, and generated estates of 5, 20 and 40 flows
(tests/synthetic.py), in every view and with one flow in focus."""

from __future__ import annotations

from pathlib import Path

import pytest
from drawing_metrics import Drawing, inside
from synthetic import generated_estate

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile-names.yaml"
DISPLAY_WIDTH = 1100  # px: the blueprint's column in the web app on a 1,400 px page

# The smallest text of an estate's overview shown DISPLAY_WIDTH wide, at least, in CSS px.
SMALLEST_TEXT = {5: 11.0, 20: 11.0, 40: 9.0}
# Edge crossings of an estate's views, at most: the counts measured when the layout was last
# changed on purpose. A change that crosses more edges fails here; one that crosses fewer
# should lower the count.
CROSSINGS = {
    (5, "overview"): 1,
    (20, "overview"): 51,
    (40, "overview"): 334,
    (5, "events"): 1,
    (20, "events"): 40,
    (40, "events"): 288,
    (5, "api"): 0,
    (20, "api"): 0,
    (40, "api"): 20,
}

Case = tuple[Path | int, dict[str, str]]
CASES: dict[str, Case] = {
    **{
        f"{path.stem}-{view}": (path, {"view": view})
        for path in sorted((ROOT / "examples").glob("*.yaml"))
        for view in ("overview", "events", "api")
    },
    "gifting-orders-flow": (ROOT / "examples" / "gifting-orders.yaml", {"flow": "place-order"}),
    "hostile-names-overview": (HOSTILE, {}),
    "hostile-names-api": (HOSTILE, {"view": "api"}),
    "hostile-names-flow": (HOSTILE, {"flow": "document-stored"}),
    **{
        f"estate-{flows}-{view}": (flows, {"view": view})
        for flows in (5, 20, 40)
        for view in ("overview", "events", "api")
    },
    "estate-20-flow-event": (20, {"flow": "flow-03"}),
    "estate-20-flow-hybrid": (20, {"flow": "flow-05"}),
    "estate-40-flow-api": (40, {"flow": "flow-01"}),
}

_drawings: dict[str, Drawing] = {}


def drawing_of(name: str) -> Drawing:
    """Each case rendered once for all the tests of this module."""
    if name not in _drawings:
        case, options = CASES[name]
        assessment: Assessment = (
            load_assessment(case) if isinstance(case, Path) else generated_estate(case)
        )
        ruleset = load_rules()
        result = assess(assessment, ruleset)
        dot = blueprint_dot(assessment, result, ruleset, **options)  # type: ignore[arg-type]
        _drawings[name] = Drawing(dot)
    return _drawings[name]


@pytest.fixture(params=list(CASES))
def drawing(request: pytest.FixtureRequest) -> Drawing:
    return drawing_of(request.param)


def test_no_two_boxes_overlap(drawing: Drawing) -> None:
    assert drawing.overlapping_nodes() == []


def test_no_label_sits_on_a_box(drawing: Drawing) -> None:
    """Edge labels, the owners' and the broker's names, the title and the legend."""
    assert drawing.labels_on_nodes() == []


def test_no_label_sits_on_another(drawing: Drawing) -> None:
    assert drawing.labels_on_labels() == []


def test_no_system_inside_a_box_it_does_not_belong_to(drawing: Drawing) -> None:
    assert drawing.nodes_in_foreign_clusters() == []


def test_edges_pass_over_no_box_but_their_own(drawing: Drawing) -> None:
    assert drawing.edges_through_nodes() == []


def test_only_edges_of_topics_enter_the_broker(drawing: Drawing) -> None:
    if "cluster_broker" not in drawing.clusters:
        return
    broker = drawing.clusters["cluster_broker"]
    for tail, head, points in drawing.edges:
        if any(end.startswith("topic_") or end == "dead_letter_queue" for end in (tail, head)):
            continue
        assert not any(inside(point, broker) for point in points), (tail, head)


def test_every_estate_and_view_is_measured() -> None:
    """Each estate's overview has a text size to keep; each of its views a crossing count."""
    estates = {case for case, _ in CASES.values() if isinstance(case, int)}
    assert estates == set(SMALLEST_TEXT)
    assert set(CROSSINGS) == {
        (flows, view) for flows in estates for view in ("overview", "events", "api")
    }


@pytest.mark.parametrize("flows", list(SMALLEST_TEXT))
def test_the_overview_is_legible_at_the_width_the_app_shows_it(flows: int) -> None:
    """The smallest text, shown DISPLAY_WIDTH wide: 11 px for 5 and 20 flows, 9 px for 40."""
    shown = drawing_of(f"estate-{flows}-overview").smallest_text(DISPLAY_WIDTH)
    assert shown >= SMALLEST_TEXT[flows], f"{shown:.2f} px"


@pytest.mark.parametrize(("flows", "view"), list(CROSSINGS))
def test_edge_crossings_do_not_grow(flows: int, view: str) -> None:
    crossings = drawing_of(f"estate-{flows}-{view}").crossings()
    assert crossings <= CROSSINGS[(flows, view)], crossings


def test_the_measures_see_what_they_measure() -> None:
    """The measures are not vacuous: a drawing with two boxes on top of each other, a label on a
    box, a box inside another's cluster, an edge through a box and two crossing edges is
    caught by each of them."""
    dot = """digraph g {
      node [shape=box]; a [pos="0,0!"]; b [pos="10,5!"];
      subgraph cluster_x { bb="-60,60,60,140"; c [pos="0,100!"]; }
      d [pos="0,100!"];
      e [pos="-200,0!"]; f [pos="200,0!"]; e -> f [label="on a"];
      g [pos="-100,-100!"]; h [pos="100,100!"]; i [pos="-100,100!"]; j [pos="100,-100!"];
      g -> h; i -> j;
    }"""
    bad = Drawing(dot, engine="neato")
    assert ("a", "b") in bad.overlapping_nodes()
    assert ("d", "cluster_x") in bad.nodes_in_foreign_clusters()
    assert ("e->f", "a") in bad.edges_through_nodes()
    assert ("on a", "a") in bad.labels_on_nodes()
    assert bad.crossings() >= 1
    assert bad.smallest_text(DISPLAY_WIDTH) > 0
