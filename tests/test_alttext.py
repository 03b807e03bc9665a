"""The blueprint in words (advisor.alttext): who talks to whom, flow by flow, for each view, and
shown as text wherever it goes (the web app's viewer, the HTML report's figure)."""

from __future__ import annotations

import re

import pytest

from advisor.advice import assess
from advisor.alttext import VIEW_STYLES, describe, flow_lines
from advisor.blueprint import VIEWS
from advisor.loader import load_assessment
from advisor.models import Assessment, Broker, Result
from advisor.report import to_html
from advisor.ruleset import Ruleset
from advisor.webapp import viewer
from advisor.wording import STYLE_NAMES
from tests.conftest import EXAMPLES


def _expected_line(assessment: Assessment, result: Result, flow_id: str) -> str:
    flow = next(item for item in assessment.flows if item.id == flow_id)
    style = next(item.style for item in result.flows if item.id == flow_id)
    targets = ", ".join(assessment.system(target).label for target in flow.targets)
    return f"{flow_id}: {assessment.system(flow.source).label} → {targets}: {STYLE_NAMES[style]}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_flow_is_said_with_its_source_targets_and_style(
    path: object, ruleset: Ruleset
) -> None:
    assessment = load_assessment(path)  # type: ignore[arg-type]
    result = assess(assessment, ruleset)
    words = describe(assessment, result)
    assert assessment.name in words
    assert f"recommendation {STYLE_NAMES[result.recommendation]}" in words
    places = [words.index(_expected_line(assessment, result, flow.id)) for flow in result.flows]
    assert places == sorted(places)  # in the result's order
    assert f"({len(result.flows)} flow" in words


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_each_view_says_the_flows_it_draws_and_no_other(path: object, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)  # type: ignore[arg-type]
    result = assess(assessment, ruleset)
    for view in VIEWS:
        words = describe(assessment, result, view)
        lines = flow_lines(assessment, result, view)
        for flow in result.flows:
            said = f"{flow.id}: " in words
            assert said == (flow.style in VIEW_STYLES[view]), (view, flow.id, words)
        assert len(lines) == sum(flow.style in VIEW_STYLES[view] for flow in result.flows)
        if not lines:
            assert words.endswith("no flows to draw.")
    focused = result.flows[-1].id
    words = describe(assessment, result, flow=focused)
    assert [flow.id for flow in result.flows if f"{flow.id}: " in words] == [focused]


def test_messages_travel_through_the_broker_and_calls_name_none(ruleset: Ruleset) -> None:
    assessment = Assessment.model_validate(
        {
            "name": "Orders",
            "systems": [
                {"id": "shop", "name": "Shop", "emits_events": True},
                {"id": "stock", "name": "Stock"},
                {"id": "mail", "name": "Mail"},
            ],
            "flows": [
                {
                    "id": "lookup",
                    "source": "stock",
                    "targets": ["shop"],
                    "trigger": "user_action",
                    "needs_response": True,
                },
                {
                    "id": "placed",
                    "source": "shop",
                    "targets": ["stock", "mail"],
                    "trigger": "data_change",
                },
            ],
        }
    )
    result = assess(assessment, ruleset)
    styles = {flow.id: flow.style for flow in result.flows}
    assert styles["lookup"] == "api" and styles["placed"] != "api"  # the case this test is about
    assert result.broker is not None
    words = describe(assessment, result)
    assert f"lookup: Stock → Shop: {STYLE_NAMES['api']}." in words
    travel = result.broker.name if result.broker.choice else "webhooks, no broker"
    assert f"placed: Shop → Stock, Mail: {STYLE_NAMES[styles['placed']]} ({travel})." in words
    without = result.model_copy(
        update={"broker": Broker(choice=None, name="None", why="webhooks", rule="r")}
    )
    assert "(webhooks, no broker)" in describe(assessment, without)


HOSTILE = Assessment.model_validate(
    {
        "name": 'Orders <script>alert("x")</script>',
        "systems": [
            {"id": "a", "name": '<img src=x onerror="alert(1)">'},
            {"id": "b", "name": "B & \"quoted\" 'names'"},
        ],
        "flows": [{"id": "f", "source": "a", "targets": ["b"], "trigger": "data_change"}],
    }
)


def test_names_reach_the_viewer_and_the_report_as_text(ruleset: Ruleset) -> None:
    result = assess(HOSTILE, ruleset)
    words = describe(HOSTILE, result)
    assert '<img src=x onerror="alert(1)">' in words  # plain text: escaping is the caller's
    page = viewer.page('<svg width="10pt" height="10pt"></svg>', "Integration blueprint", words)
    (shown,) = re.findall(r'<p class="words" id="words">(.*?)</p>', page)
    assert "<" not in shown and '"' not in shown
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in shown
    assert 'aria-describedby="words"' in page
    svg = '<svg width="10pt" height="10pt" viewBox="0 0 10 10"><text>x</text></svg>'
    report = to_html(HOSTILE, result, ruleset, diagram_svg=svg)
    (said,) = re.findall(r'<p class="words" id="blueprint-words">(.*?)</p>', report, re.DOTALL)
    assert "<img" not in said and "<script" not in said
    assert "&lt;img src=x onerror=" in said


def test_the_report_ties_its_figure_to_the_words_and_the_flows_table(ruleset: Ruleset) -> None:
    assessment = load_assessment(EXAMPLES[0])
    result = assess(assessment, ruleset)
    svg = '<svg width="10pt" height="10pt" viewBox="0 0 10 10"><text>x</text></svg>'
    report = to_html(assessment, result, ruleset, diagram_svg=svg)
    (figure,) = re.findall(r'<figure class="blueprint" id="blueprint-overview"[^>]*>', report)
    described = re.search(r'aria-describedby="([^"]+)"', figure)
    labelled = re.search(r'aria-labelledby="([^"]+)"', figure)
    assert described is not None and labelled is not None
    for target in (*described.group(1).split(), labelled.group(1)):
        assert report.count(f'id="{target}"') == 1, target
    assert '<table class="grid flows" id="flows-table">' in report
    assert f'<figcaption id="{labelled.group(1)}">' in report


def test_the_viewer_opens_legible_and_fits_when_legible_already() -> None:
    wide = '<svg width="1800pt" height="600pt" viewBox="0 0 1800 600"><text font-size="11">x'
    wide += "</text></svg>"
    # at 100% the 11 pt text is 14.7 px: the opening zoom keeps it at 11 px, not the fit
    assert viewer.legible_scale(wide) == pytest.approx(viewer.LEGIBLE_PX * 1.01 / (11 * 4 / 3))
    assert viewer.opening_scale(wide, 560) == pytest.approx(viewer.legible_scale(wide))
    narrow = '<svg width="300pt" height="100pt" viewBox="0 0 300 100"><text font-size="14">x'
    narrow += "</text></svg>"
    assert viewer.opening_scale(narrow, 560) == 1.0  # never enlarged
    assert viewer.legible_scale('<svg width="10pt" height="10pt"></svg>') == 0.0
