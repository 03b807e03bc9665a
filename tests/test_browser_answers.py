"""The answers as a person gives them, in Chromium: a blank start, a system renamed, a moment
of invalid input, a number out of its bounds.

These tests fail, never skip, when Chromium or Playwright is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import test_browser as browser
from tests.test_browser import (
    choose,
    expect,
    no_exception,
    popover,
    recommendation,
    tab,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The app's server and a fresh page for each test, as the other browser tests have them;
# Chromium is this module's own, which fails when it is missing.
server = browser.server
page = browser.page


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: a missing one fails these tests."""
    with browser.launched(browser.missing) as launched:
        yield launched


def settled(page: Any) -> None:
    """The page has rerun after the last action and is idle."""
    page.wait_for_timeout(300)
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_have_count(1)
    expect(page.locator("[data-stale=true]")).to_have_count(0)


def type_in_table(page: Any, row: int, column_x: float, text: str) -> None:
    """Type into a cell of the systems table: `row` 1 is the first under the header."""
    from advisor.webapp.questions import ROW_HEIGHT

    table = page.locator("[data-testid=stDataFrame]")
    table.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)  # the grid draws on a canvas once its columns are measured
    box = table.bounding_box()
    assert box is not None
    x, y = box["x"] + column_x, box["y"] + ROW_HEIGHT * (row + 0.5)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_timeout(200)
    page.mouse.dblclick(x, y)
    editor = page.locator("textarea.gdg-input")
    expect(editor).to_be_visible()
    editor.fill(text)
    page.keyboard.press("Enter")
    settled(page)


ID_X, NAME_X = 60, 200  # the id and name columns of the systems table, from its left edge


def test_a_system_renamed_in_a_blank_assessment_keeps_its_flow(page: Any, server: str) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    popover(page, "Open")
    page.get_by_role("button", name="A blank assessment").click()
    expect(page.locator("[data-testid=stPopoverBody]")).to_have_count(0)  # the menu closed
    expect(recommendation(page)).to_have_text("Start here")  # nothing invented is scored
    expect(page.locator(".ia-problems")).to_contain_text("Systems: add the systems taking part")

    tab(page, "Systems")
    for row, (system_id, name) in enumerate((("shop", "Shop"), ("store", "Target system")), 1):
        type_in_table(page, row, ID_X, system_id)
        type_in_table(page, row, NAME_X, name)
    # a new row's defaults, and the button that keeps them, show below the table, so that they
    # do not push it from under the pointer while it is being edited
    table = page.locator("[data-testid=stDataFrame]").first.bounding_box()
    keep = page.get_by_role("button", name="Keep these defaults").bounding_box()
    assert keep["y"] > table["y"] + table["height"]
    tab(page, "Flows")
    page.get_by_role("button", name="Add a flow").click()
    expect(page.locator("[data-testid=stButtonGroup]", has_text="flow-1 · new")).to_be_visible()
    expect(recommendation(page)).to_have_text("Start here")  # a new flow is not counted yet
    choose(page, "A user action")
    expect(recommendation(page)).to_have_text("API-driven")
    expect(page.locator(".ia-status")).to_contain_text("still at the questionnaire's defaults")

    tab(page, "Systems")
    type_in_table(page, 2, NAME_X, "Warehouse")
    tab(page, "Flows")
    expect(page.get_by_text("Warehouse (store)")).to_be_visible()
    page.locator("[data-testid=stCheckbox]", has_text="wait for an answer").locator(
        "label"
    ).first.click()  # then change anything else
    settled(page)
    expect(page.locator(".ia-stale")).to_have_count(0)
    expect(page.locator(".ia-problems")).to_have_count(0)
    expect(page.get_by_text("is not a valid id")).to_have_count(0)
    expect(page.get_by_text("Warehouse (store)")).to_be_visible()
    expect(recommendation(page)).to_have_text("API-driven")
    no_exception(page)


def test_a_moment_of_invalid_input_keeps_the_last_answer(page: Any, server: str) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    tab(page, "Flows")
    choose(page, "order-confirmed")
    settled(page)
    tabs = page.get_by_role("tablist").first
    tabs_before = tabs.bounding_box()
    frame = page.frame_locator("iframe").first.locator("img").first
    expect(frame).to_be_visible()

    page.locator("[data-testid=stSelectbox]", has_text="Where does the data start?").click()
    page.get_by_role("option", name="Florist network (florists)").click()  # one of its targets
    expect(page.locator(".ia-stale")).to_contain_text("Out of date")
    expect(recommendation(page)).to_have_text("Hybrid")  # the last good answer, kept
    expect(page.locator(".ia-problems")).to_contain_text(
        "Flows › order-confirmed › Which systems receive it?"
    )
    expect(page.locator(".ia-problems")).not_to_contain_text("flows[1]")
    expect(page.locator(".ia-flag").first).to_contain_text("targets its own source")
    expect(frame).to_be_visible()  # the blueprint stays
    assert page.locator(".ia-flow").count() > 0, "and the reasons"
    tabs_after = tabs.bounding_box()
    assert tabs_before is not None and tabs_after is not None
    assert abs(tabs_after["y"] - tabs_before["y"]) <= 2, (tabs_before, tabs_after)

    targets = page.locator("[data-testid=stMultiSelect]", has_text="Which systems receive it?")
    targets.get_by_role("button", name="Remove Florist network (florists)").click()
    expect(page.locator(".ia-stale")).to_have_count(0)
    expect(recommendation(page)).to_be_visible()
    no_exception(page)


def test_an_out_of_range_number_says_so_at_its_field(page: Any, server: str) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    tab(page, "Flows")
    box = page.get_by_role("spinbutton", name="How many a day?")
    box.fill("-5")
    box.press("Enter")
    expect(page.locator(".ia-flag", has_text="-5 is too small")).to_have_text(
        "⚠ -5 is too small: the least allowed is 1; kept 2,500."
    )
    expect(box).to_have_value("2500")
    expect(recommendation(page)).to_have_text("Hybrid")
    no_exception(page)


def test_a_delay_in_minutes(page: Any, server: str) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    tab(page, "Flows")
    choose(page, "order-confirmed")
    settled(page)
    amount = page.get_by_role("spinbutton", name="How fresh must the targets be?")
    expect(amount).to_have_value("30")
    unit = page.get_by_role("combobox", name="Unit")
    unit.scroll_into_view_if_needed()
    unit.click()
    page.get_by_role("option", name="minutes").click()
    settled(page)
    expect(page.get_by_text("30 minutes", exact=False).first).to_be_visible()
    no_exception(page)
