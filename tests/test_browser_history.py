"""Undo, redo and what-ifs as a user does them: in Chromium, against `streamlit run app.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from advisor.advice import assess
from advisor.loader import load_assessment
from advisor.ruleset import Ruleset
from advisor.share import encode_link
from advisor.wording import STYLE_NAMES
from tests import test_browser as browser
from tests.conftest import ROOT
from tests.test_browser import blueprint_image, expect, no_exception, recommendation, tab

# The browser tests' fixtures: the app's server and a fresh page for each test.
server = browser.server
page = browser.page


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: a missing one fails these tests."""
    with browser.launched(browser.missing) as launched:
        yield launched


pytestmark = pytest.mark.browser

CLINIC = load_assessment(ROOT / "examples" / "clinic-documents.yaml")


def button(page: Any, key: str) -> Any:
    """The button with this key (Streamlit also keeps a hidden copy of a button for layout)."""
    return page.locator(f".st-key-{key}").get_by_role("button")


def settled(page: Any) -> None:
    """The run is over and the widgets it replaced are gone."""
    expect(page.locator("[data-testid=stApp][data-test-script-state=notRunning]")).to_have_count(1)
    expect(page.locator("[data-stale=true]")).to_have_count(0)


def test_change_an_answer_undo_and_redo(page: Any, server: str) -> None:
    page.goto(f"{server}/?a={encode_link(CLINIC)}")
    expect(recommendation(page)).to_have_text("Hybrid")
    expect(button(page, "ia-undo")).to_be_disabled()

    tab(page, "Flows")
    page.locator("[data-testid=stCheckbox]", has_text="wait for an answer").locator(
        "label"
    ).first.click()
    waits = page.get_by_role("switch", name="Does the initiator wait for an answer?")
    expect(recommendation(page)).to_have_text("API-driven")
    expect(button(page, "ia-redo")).to_be_disabled()

    undo = button(page, "ia-undo")
    undo.focus()  # by keyboard
    page.keyboard.press("Enter")
    expect(recommendation(page)).to_have_text("Hybrid")
    settled(page)
    expect(waits).not_to_be_checked()
    expect(button(page, "ia-undo")).to_be_disabled()

    button(page, "ia-redo").click()
    expect(recommendation(page)).to_have_text("API-driven")
    settled(page)
    expect(waits).to_be_checked()
    no_exception(page)


def test_remove_a_flow_and_undo_it(page: Any, server: str) -> None:
    page.goto(f"{server}/?a={encode_link(CLINIC)}")
    expect(recommendation(page)).to_have_text("Hybrid")
    tab(page, "Flows")
    page.get_by_role("button", name="Remove", exact=True).click()
    said = page.locator(".st-key-ia-history [data-testid=stCaptionContainer]")
    expect(said).to_have_text("Removed flow “referral-received”. Undo brings it back.")
    expect(recommendation(page)).to_have_text("API-driven")
    button(page, "ia-undo").click()
    expect(recommendation(page)).to_have_text("Hybrid")
    expect(said).to_have_count(0)
    expect(
        page.locator("[data-testid=stButtonGroup]", has_text="referral-received")
    ).to_be_visible()
    no_exception(page)


def test_apply_a_what_if_see_the_new_answer_and_undo_it(
    page: Any, server: str, ruleset: Ruleset
) -> None:
    changes = assess(CLINIC, ruleset).what_would_change
    assert changes and changes[0].scope == "integration"
    page.goto(f"{server}/?a={encode_link(CLINIC)}")
    expect(recommendation(page)).to_have_text("Hybrid")
    image = blueprint_image(page)
    expect(image).to_be_visible()
    before = image.get_attribute("src")

    item = page.locator(".st-key-ia-change-0")
    expect(item).to_contain_text(changes[0].summary)
    button(page, "ia-apply-0").click()
    expect(recommendation(page)).to_have_text(STYLE_NAMES[changes[0].outcome])
    expect(image).not_to_have_attribute("src", before or "")
    expect(page.locator(".st-key-ia-applied")).to_contain_text(f"Applied: {changes[0].summary}")

    button(page, "ia-whatif-undo").click()
    expect(recommendation(page)).to_have_text("Hybrid")
    expect(image).to_have_attribute("src", before or "")
    expect(page.locator(".st-key-ia-applied")).to_have_count(0)
    no_exception(page)
