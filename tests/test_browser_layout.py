"""The page as a person sees it, in Chromium: at phone width nothing scrolls sideways and the
answer and the blueprint can be read; on a 1280x720 screen a question is in the first screen,
and the answer stays in sight in a one-line bar while answering. Also the bounds a browser
meets: an upload takes every file the command line takes and refuses larger ones in its words,
and the links the app makes stay well below what its server accepts.

Screenshots of each section at each size go to $LAYOUT_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import os
import random
import socket
import string
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from advisor.errors import InputError
from advisor.export import assessment_to_yaml
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.share import encode_link
from advisor.webapp.toolbar import LONGEST_LINK
from advisor.yamldoc import MAX_BYTES, decode
from tests import test_browser as browser
from tests.conftest import ROOT
from tests.synthetic import generated_estate
from tests.test_browser import (
    _smallest_text_shown,
    blueprint_image,
    expect,
    no_exception,
    popover,
    recommendation,
    tab,
)

# The browser tests' fixtures: Chromium, the app's server and a fresh page for each test.
chromium = browser.chromium
server = browser.server
page = browser.page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECTIONS = ("Context", "Systems", "Flows")
GIFTING = ROOT / "examples" / "gifting-orders.yaml"


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("LAYOUT_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png")


def _settled(page: Any) -> None:
    expect(page.locator("[data-testid=stApp]")).to_have_attribute(
        "data-test-script-state", "notRunning"
    )


def _sideways(page: Any) -> dict[str, list[int]]:
    """Every box that scrolls sideways, the page and Streamlit's scrolling main area among
    them: its scroll width and its width."""
    found: dict[str, list[int]] = page.evaluate(
        """() => {
          const wide = {};
          const root = document.documentElement;
          if (root.scrollWidth > root.clientWidth) wide.page = [root.scrollWidth, root.clientWidth];
          const main = document.querySelector('[data-testid=stMain]');
          if (main.scrollWidth > main.clientWidth) wide.main = [main.scrollWidth, main.clientWidth];
          return wide;
        }"""
    )
    return found


def _outside(page: Any, selector: str, width: int) -> list[str]:
    """The visible parts of `selector` that reach beyond the window's width (cut off)."""
    found: list[str] = page.locator(selector).evaluate_all(
        """(nodes, width) => nodes.flatMap((node) => [...node.querySelectorAll('*')]
             .filter((part) => part.getClientRects().length && part.innerText !== undefined)
             .filter((part) => { const box = part.getBoundingClientRect();
                                 return box.width > 0
                                   && (box.right > width + 0.5 || box.left < -0.5); })
             .map((part) => part.className + ': ' + (part.innerText || '').slice(0, 40)))""",
        width,
    )
    return found


def test_at_phone_width_nothing_scrolls_sideways_and_the_answer_reads(
    page: Any, server: str
) -> None:
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(f"{server}/?a={encode_link(load_assessment(GIFTING))}")
    expect(recommendation(page)).to_be_visible()
    _settled(page)
    assert page.evaluate("document.documentElement.clientWidth") == 420
    assert _sideways(page) == {}
    card = page.locator(".ia-card")
    for part in (".ia-style", ".ia-bar b", ".ia-broker strong"):
        for shown in card.locator(part).all():
            expect(shown).to_be_visible()
    assert _outside(page, ".ia-card", 420) == []
    _screenshot(page, "420-answer")
    for section in SECTIONS:
        tab(page, section)
        _settled(page)
        assert _sideways(page) == {}, section
        _screenshot(page, f"420-{section.lower()}")
    image = blueprint_image(page)
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    assert _smallest_text_shown(image) >= 11  # legible: the frame pans, the page does not
    assert _sideways(page) == {}
    _screenshot(page, "420-blueprint")
    no_exception(page)


def test_on_a_1280x720_screen_a_question_is_in_the_first_screen(page: Any, server: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server)
    expect(recommendation(page)).to_be_visible()
    _settled(page)
    question = page.get_by_label("What is the integration called?")
    box = question.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720, box
    blueprint = page.locator(".st-key-ia-blueprint")
    blueprint_box = blueprint.bounding_box()
    assert blueprint_box is not None and blueprint_box["y"] < 720  # the blueprint begins too
    _screenshot(page, "1280x720-first-screen")
    no_exception(page)


def test_the_answer_bar_stays_in_sight_while_answering(page: Any, server: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server)
    expect(recommendation(page)).to_be_visible()
    _settled(page)
    pinned = page.locator(".ia-pin")
    expect(pinned).to_be_hidden()  # the card itself is in sight
    style = recommendation(page).inner_text()
    tab(page, "Flows")
    _settled(page)
    page.locator("[data-testid=stMain]").evaluate("(main) => main.scrollBy(0, 1400)")
    expect(recommendation(page)).not_to_be_in_viewport()
    expect(pinned).to_be_visible()
    expect(pinned).to_be_in_viewport()
    expect(pinned.locator(".ia-pin-style")).to_have_text(style)
    expect(pinned).to_contain_text("confidence")
    expect(pinned).to_contain_text("Broker")
    box = pinned.bounding_box()
    assert box is not None and 0 <= box["y"] < 80, box
    _screenshot(page, "1280x720-scrolled")
    # an answer changed down there: the bar follows it
    checkbox = page.locator("[data-testid=stCheckbox]", has_text="wait for an answer").first
    checkbox.scroll_into_view_if_needed()
    checkbox.locator("label").first.click()
    _settled(page)
    expect(pinned).to_be_visible()
    expect(pinned.locator(".ia-pin-style")).to_have_text(recommendation(page).inner_text())
    no_exception(page)


def _padded(size: int) -> bytes:
    """The gifting example, padded with comment lines to `size` bytes."""
    text = assessment_to_yaml(load_assessment(GIFTING)).encode("utf-8")
    line = b"# " + b"x" * 97 + b"\n"
    missing = size - len(text)
    padding = line * (missing // len(line))
    rest = size - len(text) - len(padding)
    if rest:
        padding += b"#" + b"y" * (rest - 2) + b"\n"
    data = text + padding
    assert len(data) == size
    return data


def test_an_upload_takes_what_the_command_line_takes_and_refuses_more_in_its_words(
    page: Any, server: str, tmp_path: Path
) -> None:
    largest = tmp_path / "largest.yaml"  # over 1,000,000 bytes, the browser's own megabyte
    largest.write_bytes(_padded(MAX_BYTES))
    too_large = tmp_path / "too-large.yaml"
    too_large.write_bytes(_padded(MAX_BYTES + 1))
    with pytest.raises(InputError) as refused:
        decode(too_large.read_bytes(), "too-large.yaml")
    said = refused.value.problems[0].message

    page.goto(server)
    expect(recommendation(page)).to_be_visible()
    popover(page, "Open")
    upload = page.locator(".st-key-ia-upload")
    expect(upload).to_contain_text(f"Up to {MAX_BYTES:,} bytes (1 MiB)")
    # one limit, in one unit, as shown (Streamlit's own "2MB per file" stays in the page, hidden)
    expect(upload).not_to_contain_text("MB", use_inner_text=True)
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(too_large))
    expect(page.locator("[data-testid=stAlert]").first).to_contain_text(
        "too-large.yaml could not be opened"
    )
    expect(page.get_by_text(said, exact=False)).to_be_visible()
    popover(page, "Open")  # the uploader is empty again: no refused file waits beside the next
    expect(upload).to_be_visible()
    expect(upload.locator("[data-testid=stFileChip]")).to_have_count(0)
    popover(page, "Open")

    popover(page, "Rules")
    rules = page.locator(".st-key-ia-rules-upload")  # a rules file: the same limit, in words
    expect(rules).to_contain_text(f"Up to {MAX_BYTES:,} bytes (1 MiB)")
    expect(rules).not_to_contain_text("MB", use_inner_text=True)
    popover(page, "Rules")

    page.goto(f"{server}/?a={encode_link(generated_estate(5))}")  # anything but the gifting one
    expect(page.locator(".ia-for")).to_contain_text("Generated estate")
    popover(page, "Open")
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(largest))
    expect(page.locator(".ia-for")).to_contain_text("Gifting platform orders")
    no_exception(page)


def _head(path: str, host: str, referer: str | None = None) -> bytes:
    """A browser's request for `path`, with its usual headers."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36\r\n"
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "*/*;q=0.8\r\nAccept-Language: en-GB,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\n"
        + (f"Referer: {referer}\r\n" if referer else "")
        + "Connection: close\r\n\r\n"
    ).encode("ascii")


def _answered(server: str, head: bytes) -> bool:
    """Whether the server answers `head`, sent in network-sized pieces as it arrives from a
    real network (in one piece, a loopback hides the limit)."""
    address = urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        try:
            for start in range(0, len(head), 1400):
                connection.sendall(head[start : start + 1400])
                time.sleep(0.002)
            status = connection.recv(64)
        except (ConnectionResetError, BrokenPipeError):
            return False
    return status.startswith(b"HTTP/1.1 ") and not status.startswith(b"HTTP/1.1 400")


def _accepted(server: str, size: int) -> bool:
    """Whether a link `size` characters long opens: the page asked for with it, and its
    scripts asked for with it as their Referer."""
    host = urlsplit(server).netloc
    path = "/?a=1" + "A" * max(0, size - len(server) - 4)
    return _answered(server, _head(path, host)) and _answered(
        server, _head("/_stcore/health", host, referer=server + path)
    )


def test_every_link_the_app_makes_stays_well_below_what_its_server_accepts(server: str) -> None:
    assert _accepted(server, 2_000)
    assert not _accepted(server, 120_000)  # the bare "Invalid HTTP request" this guards against
    accepted, refused = 2_000, 120_000
    while refused - accepted > 64:
        middle = (accepted + refused) // 2
        accepted, refused = (middle, refused) if _accepted(server, middle) else (accepted, middle)
    assert _accepted(server, LONGEST_LINK)
    assert 0.6 * accepted >= LONGEST_LINK, (LONGEST_LINK, accepted)


def _unsquashable(flows: int) -> Assessment:
    """An assessment whose link is long: descriptions of random letters do not compress."""
    noise = random.Random(11)
    return Assessment.model_validate(
        {
            "name": "Unsquashable",
            "systems": [{"id": "a"}, {"id": "b"}],
            "flows": [
                {
                    "id": f"flow-{n}",
                    "source": "a",
                    "targets": ["b"],
                    "trigger": "user_action",
                    "description": "".join(noise.choice(string.ascii_letters) for _ in range(1900)),
                }
                for n in range(flows)
            ],
        }
    )


def test_an_assessment_too_large_for_a_link_is_offered_as_a_file(page: Any, server: str) -> None:
    estate = _unsquashable(8)
    link = encode_link(estate)
    assert len(link) > LONGEST_LINK  # the case this test is about
    page.goto(server)
    expect(recommendation(page)).to_be_visible()
    popover(page, "Open")
    upload = page.locator("[data-testid=stFileUploader] input[type=file]")
    upload.set_input_files(
        files=[
            {
                "name": "estate.yaml",
                "mimeType": "application/yaml",
                "buffer": assessment_to_yaml(estate).encode("utf-8"),
            }
        ]
    )
    expect(page.locator(".ia-for")).to_contain_text("Unsquashable")
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=stApp]")).to_have_attribute(
        "data-test-script-state", "notRunning"
    )
    popover(page, "Share")
    menu = page.locator("[data-testid=stPopoverBody]")
    expect(menu).to_contain_text("too large for a link")
    expect(menu).to_contain_text(f"{LONGEST_LINK:,}")
    with page.expect_download() as download:
        menu.get_by_role("button", name="Assessment (YAML)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text == assessment_to_yaml(estate)
    assert "a=" not in page.url
    no_exception(page)
