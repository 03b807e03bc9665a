"""The HTML report printed to PDF in a real Chromium: how many pages, what page 1 holds, the
running head and page numbers on every page, table headings that repeat, and a wide blueprint
on a landscape page of its own. And, in the same browser, the batch overview's table sorted
and filtered by its own inline script.

Uses the system's Chromium (Debian's `chromium`) through Playwright, and `pdftotext` (Debian's
`poppler-utils`) to read the pages back. Outside CI the tests skip, saying why, when either is
missing; with `CI` set they fail instead, so a CI run never passes without them.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.render import render
from advisor.report import Record, to_html
from advisor.ruleset import Ruleset
from tests.conftest import ROOT
from tests.synthetic import generated_assessment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DATE = datetime.date(2026, 1, 15)
# Measured with the default rules; a change that makes a record longer shows here.
MOST_PAGES = {"helpdesk-customer-lookup": 4, "field-service-article": 7, "estate": 17}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(
            f"{reason}; CI must run the print tests: apt-get install chromium poppler-utils"
        )
    pytest.skip(f"{reason} (install it with `apt-get install chromium poppler-utils`)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        _unavailable("no Chromium found at /usr/bin/chromium or on PATH")
    if shutil.which("pdftotext") is None:
        _unavailable("no pdftotext found on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


def _report(assessment: Assessment, ruleset: Ruleset, status: str = "proposed") -> str:
    result = assess(assessment, ruleset)
    svg = render(blueprint_dot(assessment, result, ruleset), "svg").decode("utf-8")
    record = Record(date=DATE, status=status)
    return to_html(assessment, result, ruleset, diagram_svg=svg, record=record)


def _print(chromium: Any, html: str, folder: Path) -> Path:
    page = chromium.new_page()
    try:
        page.set_content(html, wait_until="load")
        pdf = folder / "report.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    return pdf


def _pages(pdf: Path) -> list[str]:
    """The text of each page, as pdftotext reads it in reading order."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return [(float(width), float(height)) for width, height in boxes]


def _flat(text: str) -> str:
    return " ".join(text.split())


CASES = {
    "helpdesk-customer-lookup": lambda: load_assessment(
        ROOT / "examples" / "helpdesk-customer-lookup.yaml"
    ),
    "field-service-article": lambda: load_assessment(
        ROOT / "examples" / "field-service-article.yaml"
    ),
    "estate": lambda: generated_assessment(12, 10),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_printed_record_keeps_its_pages_head_and_numbers(
    case: str, chromium: Any, ruleset: Ruleset, tmp_path: Path
) -> None:
    assessment = CASES[case]()
    pdf = _print(chromium, _report(assessment, ruleset, status="accepted"), tmp_path)
    pages = _pages(pdf)
    assert 1 <= len(pages) <= MOST_PAGES[case], len(pages)
    head = _flat(f"{assessment.name} · Accepted · 2026-01-15")
    for number, page in enumerate(pages, start=1):
        flat = _flat(page)
        assert head[:40] in flat, (number, flat[:200])
        assert f"Page {number} of {len(pages)}" in flat
    first = _flat(pages[0])
    for shown in (
        "Recommendation",
        "Status Accepted",
        "Date 2026-01-15",
        "Confidence",
        "The three main reasons",
        "Costs",
        "Top risks and who owns them",
    ):
        assert shown.lower() in first.lower(), shown


def test_the_one_flow_record_fits_four_pages(
    chromium: Any, ruleset: Ruleset, tmp_path: Path
) -> None:
    assessment = CASES["helpdesk-customer-lookup"]()
    assert len(assessment.flows) == 1
    assert len(_pages(_print(chromium, _report(assessment, ruleset), tmp_path))) <= 4


def test_a_wide_blueprint_prints_on_a_landscape_page_of_its_own(
    chromium: Any, ruleset: Ruleset, tmp_path: Path
) -> None:
    html = _report(CASES["estate"](), ruleset)
    assert '<section id="blueprint" class="landscape">' in html
    pdf = _print(chromium, html, tmp_path)
    sizes = _page_sizes(pdf)
    pages = _pages(pdf)
    assert len(sizes) == len(pages)
    landscape = [number for number, (width, height) in enumerate(sizes) if width > height]
    assert len(landscape) == 1, sizes
    (at,) = landscape
    assert "Blueprint" in pages[at]
    assert all(width < height for number, (width, height) in enumerate(sizes) if number != at)


def test_a_narrow_blueprint_stays_in_portrait(
    chromium: Any, ruleset: Ruleset, tmp_path: Path
) -> None:
    html = _report(CASES["helpdesk-customer-lookup"](), ruleset)
    assert '<section id="blueprint" class="">' in html
    sizes = _page_sizes(_print(chromium, html, tmp_path))
    assert sizes and all(width < height for width, height in sizes)


def test_a_table_cut_by_a_page_repeats_its_heading(
    chromium: Any, ruleset: Ruleset, tmp_path: Path
) -> None:
    """The traceability table of ten flows runs over pages: each page that holds its rows shows
    its column headings again."""
    pages = _pages(_print(chromium, _report(CASES["estate"](), ruleset), tmp_path))
    rules = "|".join(re.escape(rule.id) for rule in ruleset.rules)
    row = re.compile(rf"^\s*flow-\d\d\s+({rules})\s", re.MULTILINE)
    holding = [page for page in pages if row.search(page)]
    assert len(holding) >= 2
    for page in holding:
        assert re.search(r"FLOW\s+RULE\s+CRITERION\s+FAVOURS\s+POINTS\s+DRIVER", page), page[:400]


# ---------------------------------------------------------------------------------------------
# The batch overview's table, sorted and filtered in the same browser
# ---------------------------------------------------------------------------------------------


def test_the_portfolio_overview_sorts_and_filters(chromium: Any, tmp_path: Path) -> None:
    from advisor.cli import main

    out = tmp_path / "out"
    assert main(["batch", str(ROOT / "examples"), "-o", str(out), "--format", "json"]) == 0
    page = chromium.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto((out / "index.html").as_uri())
        rows = page.locator("#assessments tbody tr")
        names = rows.locator("td:first-child a")
        before = names.all_inner_texts()
        assert len(before) == len(list((ROOT / "examples").glob("*.yaml")))
        firmness = page.locator("#assessments thead th", has_text="Firmness").locator("button")
        firmness.click()  # ascending
        shown = rows.locator("td:nth-child(3)").all_inner_texts()
        assert [int(value.rstrip("%")) for value in shown] == sorted(
            int(value.rstrip("%")) for value in shown
        )
        firmness.click()  # descending
        shown = rows.locator("td:nth-child(3)").all_inner_texts()
        assert shown[0] == "100%"
        page.locator("#assessments thead th button", has_text="Integration").click()
        assert names.all_inner_texts() == sorted(before, key=str.lower)
        page.locator("input.filter").fill("fleet")
        visible = [name for name in names.all() if name.is_visible()]
        assert [name.inner_text() for name in visible] == ["Fleet telematics"]
        page.locator("input.filter").fill("")
        assert sum(name.is_visible() for name in names.all()) == len(before)
    finally:
        page.close()
    assert all(url.startswith("file:") for url in requested)
