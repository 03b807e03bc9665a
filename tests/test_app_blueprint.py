"""The blueprint in the web app: the view picker, the flow picker and the flows' buttons, the
zoomable viewer, and the cache of rendered views (a timed-out one included)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

import pytest
import streamlit as st

from advisor.blueprint import VIEW_NAMES
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.render import RenderTimeout
from advisor.ruleset import Ruleset
from advisor.share import encode_link
from advisor.webapp import diagram, viewer
from tests.conftest import ROOT
from tests.test_app import GIFTING, blueprint_of, blueprint_shown, current, key, opened, run

LOOKUP = load_assessment(ROOT / "examples" / "helpdesk-customer-lookup.yaml")  # APIs alone
TELEMATICS = load_assessment(ROOT / "examples" / "fleet-telematics.yaml")  # events alone

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_the_overview_is_shown_first_with_the_pickers(ruleset: Ruleset) -> None:
    at = opened()
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset)
    (views,) = [group for group in at.button_group if group.label == "View"]
    assert views.value == "overview"  # each picker shows what is drawn
    picker = at.selectbox(key=diagram.FLOW_KEY)
    assert picker.options == ["Every flow", "place-order", "order-confirmed"]
    assert picker.value == diagram.EVERY_FLOW


@pytest.mark.parametrize("view", ["events", "api"])
def test_picking_a_view_draws_it(view: str, ruleset: Ruleset) -> None:
    at = opened()
    at.button_group(key=diagram.VIEW_KEY).set_value(view)
    run(at)
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset, view=view)


def test_picking_a_flow_focuses_it_and_a_view_lets_it_go(ruleset: Ruleset) -> None:
    at = opened()
    at.button_group(key=diagram.VIEW_KEY).set_value("api")
    run(at)
    at.selectbox(key=diagram.FLOW_KEY).set_value("order-confirmed")
    run(at)
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset, flow="order-confirmed")
    assert at.button_group(key=diagram.VIEW_KEY).value is None  # no view picked meanwhile
    at.button_group(key=diagram.VIEW_KEY).set_value("events")
    run(at)
    assert at.selectbox(key=diagram.FLOW_KEY).value == diagram.EVERY_FLOW  # not a placeholder
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset, view="events")
    at.button_group(key=diagram.VIEW_KEY).set_value(None)  # the view shown, clicked again
    run(at)
    assert at.button_group(key=diagram.VIEW_KEY).value == "overview"
    at.selectbox(key=diagram.FLOW_KEY).set_value("place-order")
    run(at)
    at.selectbox(key=diagram.FLOW_KEY).set_value(diagram.EVERY_FLOW)
    run(at)
    assert at.button_group(key=diagram.VIEW_KEY).value == "overview"
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset)


@pytest.mark.parametrize(("example", "view"), [(LOOKUP, "events"), (TELEMATICS, "api")])
def test_a_view_with_nothing_to_draw_says_so(example: Assessment, view: str) -> None:
    at = opened(encode_link(example))
    at.button_group(key=diagram.VIEW_KEY).set_value(view)
    run(at)
    assert not at.get("iframe")
    (note,) = [item.value for item in at.info if "nothing to draw" in item.value]
    assert note.startswith(f"The {VIEW_NAMES[view]} view has nothing to draw: no flow is ")
    drawn = {"events": "event-driven or hybrid", "api": "API-driven or hybrid"}[view]
    assert f"no flow is {drawn}. The overview shows every flow." in note


def test_a_flows_button_in_the_list_focuses_the_blueprint_on_it(ruleset: Ruleset) -> None:
    at = opened()
    at.button(key="ia-focus-place-order").click()
    run(at)
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset, flow="place-order")
    assert at.selectbox(key=diagram.FLOW_KEY).value == "place-order"


def test_a_focused_flow_that_is_removed_gives_way_to_the_overview(ruleset: Ruleset) -> None:
    at = opened()
    at.selectbox(key=diagram.FLOW_KEY).set_value("order-confirmed")
    run(at)
    at.button_group(key=key(at, "flow-picker")).set_value(1)  # the flows tab: order-confirmed
    run(at)
    {button.label: button for button in at.button}["Remove"].click()
    run(at)
    assert [flow.id for flow in current(at).flows] == ["place-order"]
    assert blueprint_shown(at) == blueprint_of(current(at), ruleset)
    assert at.selectbox(key=diagram.FLOW_KEY).options == ["Every flow", "place-order"]


def test_a_drawing_that_timed_out_is_not_waited_for_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def slow(dot: str, fmt: str, **options: object) -> bytes:
        calls.append(dot)
        raise RenderTimeout("the renderer did not finish within 20 seconds and was stopped")

    monkeypatch.setattr(diagram, "render", slow)
    first = diagram.drawn("digraph timed_out { a -> b }")
    again = diagram.drawn("digraph timed_out { a -> b }")
    assert first == again
    assert first[0] is None and first[1] is not None
    assert "took longer than 20 seconds" in first[1] and "one flow" in first[1]
    assert len(calls) == 1  # the second answer came from the cache


def test_each_view_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(dot: str, fmt: str, **options: object) -> bytes:
        calls.append(dot)
        return b"<svg xmlns='http://www.w3.org/2000/svg'/>"

    monkeypatch.setattr(diagram, "render", counted)
    for dot in ("digraph one {}", "digraph two {}", "digraph one {}", "digraph two {}"):
        diagram.drawn(dot)
    assert calls == ["digraph one {}", "digraph two {}"]


def test_a_blueprint_that_cannot_be_drawn_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(dot: str, fmt: str, **options: object) -> bytes:
        raise RenderTimeout("stopped")

    monkeypatch.setattr(diagram, "render", slow)
    at = opened()
    (warning,) = at.warning
    assert warning.value.startswith("The blueprint could not be drawn: it took longer than")
    assert not at.get("iframe")
    assert at.button_group(key=diagram.VIEW_KEY) is not None  # a narrower view can be picked


def test_the_viewer_zooms_and_pans_with_nothing_from_the_network(ruleset: Ruleset) -> None:
    svg = blueprint_of(GIFTING, ruleset)
    page = viewer.page(svg, 'Integration "blueprint" <1>')
    assert 'alt="Integration &quot;blueprint&quot; &lt;1&gt;"' in page
    for action in ("out", "in", "fit", "actual"):
        assert f'data-zoom="{action}"' in page
    assert "wheel" in page and "pointermove" in page  # Ctrl + wheel zooms, a drag pans
    without_data = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"(https?:)?//|@import|<link|src=\"[^\"]", without_data)
    width, height = viewer.natural_size(svg)
    assert f'width="{width:.1f}" height="{height:.1f}"' in page


def test_the_viewers_frame_fits_the_column_and_stops_growing() -> None:
    small = '<svg width="300pt" height="150pt" viewBox="0 0 300 150"></svg>'
    wide = '<svg width="1650pt" height="600pt" viewBox="0 0 1650 600"></svg>'
    tall = '<svg width="900pt" height="3000pt" viewBox="0 0 900 3000"></svg>'
    assert viewer.natural_size(small) == (400.0, 200.0)
    assert viewer.frame_height(small) == 200 + viewer.TOOLBAR_PX + 8  # never enlarged
    assert viewer.frame_height(wide) == int(800 * 1100 / 2200) + viewer.TOOLBAR_PX + 8
    assert viewer.frame_height(tall) == viewer.MAX_HEIGHT_PX


def test_downloads_name_the_view_and_the_report_shows_the_overview(ruleset: Ruleset) -> None:
    from advisor.advice import assess
    from advisor.webapp.downloads import items

    result = assess(GIFTING, ruleset)
    focused = diagram.blueprint(GIFTING, result, ruleset, flow="place-order")
    files = {item.file_name: item for item in items(GIFTING, result, ruleset, focused)}
    svg = files["gifting-platform-orders-blueprint-flow-place-order.svg"].data()
    texts = " ".join(text.text or "" for text in ElementTree.fromstring(svg).iter(f"{SVG}text"))
    assert "flow place-order (api-driven) and its neighbours" in texts
    assert "gifting-platform-orders-blueprint-flow-place-order.png" in files
    report = files["gifting-platform-orders.html"].data().decode()
    assert "overview of every flow" in report and "and its neighbours" not in report
    assert report.count("<svg") == 3  # the overview, the events and the API calls
    assert "events view: the event and hybrid flows" in report
    assert "API view: the API calls and hybrid call&#45;backs" in report
    events = diagram.blueprint(GIFTING, result, ruleset, view="events")
    names = {item.file_name for item in items(GIFTING, result, ruleset, events)}
    assert "gifting-platform-orders-blueprint-events.svg" in names


def test_a_view_too_large_to_read_is_not_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `LARGEST_DRAWN` characters of DOT the renderer is never asked (an overview of a
    thousand flows took seconds of the server's time): the page says what to pick instead."""
    calls: list[str] = []

    def counted(dot: str, fmt: str, **options: object) -> bytes:
        calls.append(dot)
        return b"<svg xmlns='http://www.w3.org/2000/svg'/>"

    monkeypatch.setattr(diagram, "render", counted)
    monkeypatch.setattr(diagram, "LARGEST_DRAWN", 500)
    at = opened()
    (warning,) = at.warning
    assert "too large to draw and read here" in warning.value
    assert "focus on one flow" in warning.value
    assert not calls
    assert at.button_group(key=diagram.VIEW_KEY) is not None  # a narrower view can be picked
