"""The HTML report's blueprint: the overview, then the focused views that differ from it."""

from __future__ import annotations

from pathlib import Path

from advisor.advice import assess
from advisor.blueprint import VIEW_CAPTIONS, blueprint_dot, distinct_views
from advisor.loader import load_assessment
from advisor.render import render
from advisor.report import to_html
from advisor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[1]
GIFTING = load_assessment(ROOT / "examples" / "gifting-orders.yaml")


def _svg(ruleset: Ruleset, view: str) -> str:
    result = assess(GIFTING, ruleset)
    return render(blueprint_dot(GIFTING, result, ruleset, view=view), "svg").decode()  # type: ignore[arg-type]


def test_the_focused_views_follow_the_overview_with_their_captions(ruleset: Ruleset) -> None:
    result = assess(GIFTING, ruleset)
    views = tuple((VIEW_CAPTIONS[view], _svg(ruleset, view)) for view in distinct_views(result))
    assert [caption for caption, _ in views] == [VIEW_CAPTIONS["events"], VIEW_CAPTIONS["api"]]
    page = to_html(
        GIFTING, result, ruleset, diagram_svg=_svg(ruleset, "overview"), diagram_views=views
    )
    section = page.split('<section id="blueprint"', 1)[1].split("</section>", 1)[0]
    assert section.count("<svg") == 3
    overview = section.index("overview of every flow")
    events = section.index("events view: the event and hybrid flows")
    api = section.index("API view: the API calls and hybrid call&#45;backs")
    assert overview < events < api
    assert section.index(VIEW_CAPTIONS["events"]) < api  # each caption under its picture
    assert "<?xml" not in section and "<!DOCTYPE" not in section  # inline, as the overview


def test_without_the_overview_no_view_is_shown(ruleset: Ruleset) -> None:
    result = assess(GIFTING, ruleset)
    views = ((VIEW_CAPTIONS["events"], _svg(ruleset, "events")),)
    page = to_html(GIFTING, result, ruleset, diagram_svg=None, diagram_views=views)
    assert "<svg" not in page and VIEW_CAPTIONS["events"] not in page


def test_without_views_the_report_is_as_before(ruleset: Ruleset) -> None:
    result = assess(GIFTING, ruleset)
    overview = _svg(ruleset, "overview")
    assert to_html(GIFTING, result, ruleset, diagram_svg=overview) == to_html(
        GIFTING, result, ruleset, diagram_svg=overview, diagram_views=()
    )
    assert to_html(GIFTING, result, ruleset, diagram_svg=overview).count("<svg") == 1


def test_a_batch_report_holds_the_focused_views(tmp_path: Path) -> None:
    from advisor.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gifting.yaml").write_bytes((ROOT / "examples" / "gifting-orders.yaml").read_bytes())
    out = tmp_path / "out"
    assert main(["batch", str(folder), "--format", "html", "--out", str(out)]) == 0
    (report,) = out.rglob("report.html")
    page = report.read_text(encoding="utf-8")
    section = page.split('<section id="blueprint"', 1)[1].split("</section>", 1)[0]
    assert section.count("<svg") == 3
    assert VIEW_CAPTIONS["events"] in section and VIEW_CAPTIONS["api"] in section
