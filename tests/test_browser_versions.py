"""Saved versions in a real browser: save two versions of an assessment, compare them.

The app is served with a data folder of this module's own, never the user's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.share import encode_link
from advisor.store import FILE_NAME, Store
from tests.test_app import STATUS_SYNC
from tests.test_browser import (  # noqa: F401
    chromium,
    expect,
    no_exception,
    page,
    popover,
    recommendation,
    served,
    tab,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("versions"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, data_dir: str) -> Iterator[str]:
    """`streamlit run app.py` on a free port, keeping its versions in `data_dir`."""
    cache = str(tmp_path_factory.mktemp("cache"))
    with served({"ADVISOR_CACHE_DIR": cache, "ADVISOR_DATA_DIR": data_dir}) as url:
        yield url


def save_version(at: Any, name: str) -> None:
    popover(at, "Versions")
    at.get_by_role("textbox", name="Name this version").fill(name)
    at.get_by_role("button", name="Save version").click()
    expect(at.get_by_text(f"Saved “{name}”.")).to_be_visible()
    at.keyboard.press("Escape")


def pick(at: Any, label: str, option: str) -> None:
    """Choose the option starting with `option` in the selectbox labelled `label`."""
    box = at.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)  # the options that hold it, then the first of them
    at.get_by_role("option", name=option).first.click()
    expect(box).to_have_value(re.compile(f"^{re.escape(option)}"))


def test_two_saved_versions_compared_side_by_side(
    page: Any,  # noqa: F811 (the fixture imported above)
    server: str,
    data_dir: str,
) -> None:
    page.goto(f"{server}/?a={encode_link(STATUS_SYNC)}")
    expect(recommendation(page)).to_have_text("Event-driven")
    save_version(page, "Kick-off")

    tab(page, "Flows")
    page.locator("[data-testid=stCheckbox]", has_text="wait for an answer").first.click()
    expect(recommendation(page)).to_have_text("API-driven")
    save_version(page, "Portal waits")

    popover(page, "Versions")
    body = page.locator("[data-testid=stPopoverBody]")
    expect(body.get_by_text("Portal waits").first).to_be_visible()
    pick(page, "From", "Kick-off")
    pick(page, "To", "Portal waits")
    body.get_by_role("button", name="Compare", exact=True).click()
    expect(body).to_be_hidden()  # the menu closes on the comparison

    comparison = page.locator(".st-key-ia-comparison")
    expect(comparison).to_be_visible()
    expect(comparison.get_by_text("Kick-off", exact=True)).to_be_visible()
    expect(comparison.get_by_text("Portal waits", exact=True)).to_be_visible()
    expect(comparison).to_contain_text("The recommendation changed: Event-driven → API-driven.")
    expect(comparison).to_contain_text("status-changed: Event-driven → API-driven")
    expect(comparison).to_contain_text("now holding: needs-response")
    no_exception(page)

    # what the browser saved is in the store the server was given
    kept = Store(Path(data_dir) / FILE_NAME).versions(STATUS_SYNC.name)
    assert [version.label for version in kept] == ["Portal waits", "Kick-off"]
    assert [version.recommendation for version in kept] == ["api", "event"]

    comparison.get_by_role("button", name="Close").click()
    expect(comparison).to_have_count(0)
