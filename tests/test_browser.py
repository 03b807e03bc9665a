"""End to end in a real browser: the app served by `streamlit run`, driven through Chromium.

Uses the system's Chromium (Debian's `chromium`). Outside CI the tests skip, saying why, when it
is not installed; with `CI` set they fail instead, so a CI run never passes without them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.advice import assess, stamped
from advisor.loader import load_assessment, parse_assessment, rules_digest
from advisor.models import Assessment
from advisor.report import STYLE_NAMES, to_json
from advisor.ruleset import Ruleset
from advisor.share import encode_link
from tests.conftest import ROOT
from tests.synthetic import generated_estate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
SVG = "{http://www.w3.org/2000/svg}"


def _chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else ""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (apt-get install chromium)")
    pytest.skip(f"{reason} (install it with `apt-get install chromium`)")


def missing(reason: str) -> None:
    """For tests that fail, never skip, without a browser."""
    pytest.fail(f"{reason} (apt-get install chromium; pip install playwright)")


@contextlib.contextmanager
def launched(unavailable: Callable[[str], None] = _unavailable) -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright; `unavailable` says what to do without it."""
    executable = _chromium()
    if not executable:
        unavailable("no Chromium found at /usr/bin/chromium or on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched() as browser:
        yield browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port, until the module's tests are done."""
    with served({"ADVISOR_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}) as url:
        yield url


@contextlib.contextmanager
def served(environment: dict[str, str]) -> Iterator[str]:
    """`streamlit run app.py` on a free port with these environment variables added; its URL."""
    port = _free_port()
    url = f"http://localhost:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **environment},
        )
        try:
            _wait_until_healthy(url, process, log)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read() == b"ok":
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"the app did not start:\n{log.read().decode(errors='replace')}")
        time.sleep(0.2)


@pytest.fixture
def page(chromium: Any, server: str) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=TIMEOUT_MS)
    return playwright_expect(target)


def recommendation(page: Any) -> Any:
    return page.locator(".ia-style")


def popover(page: Any, label: str) -> None:
    page.locator("[data-testid=stPopoverButton]", has_text=label).click()


def tab(page: Any, label: str) -> None:
    page.get_by_role("tab", name=label).click()


def choose(page: Any, label: str) -> None:
    """Press the option of a segmented control or pills with this text."""
    page.locator("[data-testid=stButtonGroup] button", has_text=label).first.click()


def blueprint_image(page: Any) -> Any:
    """The blueprint, an image in the zoomable viewer's frame, once the viewer has opened it at
    its zoom (its script sets the image's size): a frame still loading shows the image at the
    pane's width for a moment, and a measure taken then would be the wrong one."""
    return page.frame_locator(".st-key-ia-blueprint iframe").locator(".pane img[style*='width']")


def no_exception(page: Any) -> None:
    expect(page.locator("[data-testid=stException]")).to_have_count(0)


# ---------------------------------------------------------------------------------------------


def test_the_app_opens_scored_with_no_exception(page: Any, server: str) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    expect(page.locator(".ia-for")).to_contain_text("Gifting platform orders")
    shows = {
        "Systems": page.locator("[data-testid=stDataFrame]"),
        "Flows": page.locator("[data-testid=stCheckbox]", has_text="wait for an answer"),
        "Context": page.get_by_label("What is the integration called?"),
    }
    for section, element in shows.items():
        tab(page, section)
        expect(element).to_be_visible()
        no_exception(page)
    expect(recommendation(page)).to_have_text("Hybrid")


def test_the_page_asks_nothing_of_the_internet(page: Any, server: str) -> None:
    """The app works offline: every request goes to the server that serves it."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    expect(page.locator(".st-key-ia-blueprint")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert requested, "the page made no request at all"
    assert [url for url in requested if not url.startswith((server, "data:", "blob:"))] == []


def test_change_an_answer_and_take_the_yaml_back_to_the_command_line(
    page: Any, server: str, ruleset: Ruleset, tmp_path: Path
) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    popover(page, "Open")
    page.locator("[data-testid=stSelectbox]", has_text="An example").click()
    page.get_by_role("option", name="Clinic referral documents").click()
    expect(page.locator(".ia-for")).to_contain_text("Clinic referral documents")
    expect(recommendation(page)).to_have_text("Hybrid")
    page.keyboard.press("Escape")

    tab(page, "Flows")
    choose(page, "referral-received")
    choose(page, "A user action")
    expect(
        page.locator("[data-testid=stButtonGroup]", has_text="referral-received")
    ).to_be_visible()
    page.locator("[data-testid=stCheckbox]", has_text="wait for an answer").locator(
        "label"
    ).first.click()
    expect(recommendation(page)).to_have_text("API-driven")
    no_exception(page)

    popover(page, "Download")
    with page.expect_download() as download:
        page.get_by_role("button", name="Assessment (YAML)").click()
    assert download.value.suggested_filename == "clinic-referral-documents.yaml"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=assessment.schema.json\n")
    downloaded = parse_assessment(text, "downloaded.yaml")

    clinic = load_assessment(ROOT / "examples" / "clinic-documents.yaml")
    changed = clinic.flows[0].model_copy(update={"trigger": "user_action", "needs_response": True})
    assert downloaded == clinic.model_copy(update={"flows": (changed, *clinic.flows[1:])})
    result = assess(downloaded, ruleset)
    assert STYLE_NAMES[result.recommendation] == "API-driven"

    with page.expect_download() as download:
        page.get_by_role("button", name="Result (JSON)").click()
    stamped_result = stamped(
        result,
        input="clinic-referral-documents.yaml",  # the YAML download beside it
        rules_digest=rules_digest(ruleset),
    )
    assert Path(download.value.path()).read_text(encoding="utf-8") == to_json(stamped_result)


def test_a_link_opens_the_same_assessment(page: Any, server: str) -> None:
    fleet = load_assessment(ROOT / "examples" / "fleet-telematics.yaml")
    page.goto(f"{server}/?a={encode_link(fleet)}")
    expect(page.locator(".ia-for")).to_contain_text("Fleet telematics")
    expect(recommendation(page)).to_have_text("Event-driven")


def test_a_malformed_link_shows_an_error_and_a_blank_assessment(page: Any, server: str) -> None:
    page.goto(f"{server}/?a=1thisisnotalink")
    expect(page.locator("[data-testid=stAlert]")).to_contain_text("This link could not be opened")
    expect(page.get_by_text("error: link: ")).to_be_visible()
    expect(page.locator(".ia-for")).to_contain_text("New integration")
    no_exception(page)


def test_a_refused_upload_shows_the_command_lines_message(
    page: Any, server: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: Broken\nsystems: [{id: a}]\nflows: []\nsytems: []\n")
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    popover(page, "Open")
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(broken))
    expect(page.locator("[data-testid=stAlert]")).to_contain_text("broken.yaml could not be opened")
    expect(page.get_by_text("unknown key 'sytems'")).to_be_visible()
    no_exception(page)


def test_renaming_a_system_in_the_table_carries_its_flows(page: Any, server: str) -> None:
    from advisor.webapp.questions import ROW_HEIGHT

    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    tab(page, "Systems")
    table = page.locator("[data-testid=stDataFrame]")
    expect(table).to_be_visible()
    table.evaluate("element => element.scrollIntoView({block: 'center'})")  # clear of the summary
    page.wait_for_timeout(500)  # the grid draws on a canvas once its columns are measured
    box = table.bounding_box()
    assert box is not None
    # the header row, then storefront, then orders: double-click the id of orders
    page.mouse.dblclick(box["x"] + 50, box["y"] + ROW_HEIGHT * 2.5)
    editor = page.locator("textarea.gdg-input")
    expect(editor).to_be_visible()
    editor.fill("order-service")
    page.keyboard.press("Enter")
    tab(page, "Flows")  # at once: the edit must not be lost with the table
    expect(page.get_by_text("Order service (order-service)")).to_be_visible()
    expect(recommendation(page)).to_have_text("Hybrid")
    no_exception(page)


def test_quick_edits_in_the_table_are_all_kept(page: Any, server: str) -> None:
    """Three owners typed one after another, each as soon as the last is entered: the page
    reruns after each, and none of them may be lost."""
    from advisor.webapp.questions import ROW_HEIGHT

    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    tab(page, "Systems")
    table = page.locator("[data-testid=stDataFrame]")
    expect(table).to_be_visible()
    table.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    box = table.bounding_box()
    assert box is not None
    owner_x = box["x"] + box["width"] - 40  # the owner column is the last
    owners = ["team-one", "team-two", "team-three"]
    for row, owner in enumerate(owners, start=1):
        page.mouse.dblclick(owner_x, box["y"] + ROW_HEIGHT * (row + 0.5))
        editor = page.locator("textarea.gdg-input")
        editor.fill(owner)
        page.keyboard.press("Enter")
        page.wait_for_timeout(100)
    # The reruns end in their own time (a websocket keeps the network busy, so "network idle"
    # says nothing): download the assessment until it holds every owner, or until a lost edit
    # is plain because the page has long settled without it.
    text = ""
    for _ in range(20):
        popover(page, "Download")
        with page.expect_download() as caught:
            page.get_by_role("button", name="Assessment (YAML)").click()
        text = Path(caught.value.path()).read_text(encoding="utf-8")
        if all(f"owner: {owner}" in text for owner in owners):
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(1000)
    for owner in owners:
        assert f"owner: {owner}" in text, text
    no_exception(page)


def test_the_blueprint_and_the_reports_download(page: Any, server: str) -> None:
    page.goto(server)
    expect(recommendation(page)).to_have_text("Hybrid")
    image = blueprint_image(page)
    expect(image).to_be_visible()
    assert image.evaluate("(img) => img.naturalWidth") > 300
    popover(page, "Download")
    fetched = {}
    for label in (
        "Report (HTML)",
        "Decision record (Markdown)",
        "Blueprint (SVG)",
        "Blueprint (PNG)",
    ):
        with page.expect_download() as download:
            page.get_by_role("button", name=label).click()
        fetched[download.value.suggested_filename] = Path(download.value.path()).read_bytes()
    assert fetched["gifting-platform-orders-blueprint.png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in fetched["gifting-platform-orders-blueprint.svg"]
    assert b"Gifting platform orders" in fetched["gifting-platform-orders.html"]
    assert b"Gifting platform orders" in fetched["gifting-platform-orders-adr.md"]
    no_exception(page)


HOSTILE = Assessment.model_validate(
    {
        "name": "Orders ![x](http://evil.example/name.png)\n\n![y](http://evil.example/b.png)",
        "systems": [
            {"id": "a", "name": "![x](http://evil.example/p.png)"},
            {"id": "b", "name": "[Log in again](https://evil.example/login)"},
            {"id": "c", "name": "www.evil.example <img src=http://evil.example/i.png>"},
        ],
        "flows": [
            {"id": "f_1_", "source": "a", "targets": ["b", "c"], "trigger": "user_action"},
        ],
    }
)


def test_names_from_a_link_never_become_images_or_links(
    page: Any, server: str, tmp_path: Path
) -> None:
    """A shared link is untrusted: its names show as text, and the browser that opens it asks
    nothing of the host they name."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}/?a={encode_link(HOSTILE)}")
    expect(page.locator(".ia-for")).to_contain_text("Orders ![x](http://evil.example/name.png)")
    expander = page.locator("[data-testid=stExpander] summary")
    expect(expander).to_contain_text("[Log in again](https://evil.example/login)")
    expect(expander).to_contain_text("![x](http://evil.example/p.png)")
    broken = tmp_path / "[Log in again](evil.example) ![x](evil.example.png).yaml"  # no / in names
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    popover(page, "Open")
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(broken))
    expect(page.locator("[data-testid=stAlert]")).to_contain_text("[Log in again](evil.example)")
    page.wait_for_load_state("networkidle")
    assert page.locator("img[src*='evil.example']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("em, del, [data-testid=stExpander] summary code").count() == 0
    assert [url for url in requested if "evil.example" in url] == []
    no_exception(page)


# ---------------------------------------------------------------------------------------------
# The blueprint's viewer, on a 20-flow estate


def _smallest_text_shown(image: Any) -> float:
    """The smallest text of the blueprint as the browser shows it, in CSS pixels: its SVG's
    smallest font size times the image's width on screen over the SVG's own width."""
    source = image.evaluate("(img) => atob(img.src.split(',')[1])")
    root = ElementTree.fromstring(source)
    view_width = float(root.get("viewBox", "").split()[2])
    smallest = min(float(text.get("font-size", 14)) for text in root.iter(f"{SVG}text"))
    shown_width = image.evaluate("(img) => img.getBoundingClientRect().width")
    return float(smallest * shown_width / view_width)


def test_each_view_of_a_20_flow_estate_is_legible_as_shown(page: Any, server: str) -> None:
    """Shown in the app on a 1,400 px wide page, each view's smallest text is 11 px or more.
    Screenshots of each go to $BLUEPRINT_SCREENSHOTS when it is set (to look at them)."""
    folder = os.environ.get("BLUEPRINT_SCREENSHOTS")
    page.goto(f"{server}/?a={encode_link(generated_estate(20))}")
    expect(page.locator(".ia-for")).to_contain_text("Generated estate")
    shown: dict[str, float] = {}
    for view in ("Overview", "Events", "API calls"):
        choose(page, view)
        expect(page.locator("[data-testid=stApp]")).to_have_attribute(
            "data-test-script-state", "notRunning"
        )
        image = blueprint_image(page)
        expect(image).to_be_visible()
        shown[view] = _smallest_text_shown(image)
        if folder:
            page.locator(".st-key-ia-blueprint").screenshot(path=f"{folder}/{view}.png")
    assert min(shown.values()) >= 11, shown
    no_exception(page)


def test_a_flow_in_focus_from_its_button(page: Any, server: str) -> None:
    folder = os.environ.get("BLUEPRINT_SCREENSHOTS")
    page.goto(f"{server}/?a={encode_link(generated_estate(20))}")
    expect(page.locator(".ia-for")).to_contain_text("Generated estate")
    summary = page.locator("summary", has_text="flow-05")
    summary.click()
    expander = page.locator("[data-testid=stExpander]").filter(has=summary)
    expander.locator("button", has_text="Show in the blueprint").click()
    frame = page.frame_locator(".st-key-ia-blueprint iframe")
    expect(frame.locator(".pane img")).to_be_visible()
    expect(page.get_by_role("combobox", name="Focus on a flow")).to_have_value("flow-05")
    source = blueprint_image(page).evaluate("(img) => atob(img.src.split(',')[1])")
    assert "flow flow&#45;05" in source or "flow flow-05" in source
    if folder:
        page.locator(".st-key-ia-blueprint").screenshot(path=f"{folder}/flow-05.png")
    no_exception(page)


def test_the_viewer_zooms_and_fits(page: Any, server: str) -> None:
    page.goto(f"{server}/?a={encode_link(generated_estate(40))}")
    expect(page.locator(".ia-for")).to_contain_text("Generated estate")
    frame = page.frame_locator(".st-key-ia-blueprint iframe")
    image = blueprint_image(page)
    expect(image).to_be_visible()
    opened = image.evaluate("(img) => img.getBoundingClientRect().width")
    frame.get_by_role("button", name="Fit width").click()  # it opens legible, wider than the pane
    fitted = image.evaluate("(img) => img.getBoundingClientRect().width")
    pane = frame.locator(".pane").evaluate("(pane) => pane.clientWidth")
    assert fitted <= pane < opened
    frame.get_by_role("button", name="Zoom in").click()
    frame.get_by_role("button", name="Zoom in").click()
    zoomed = image.evaluate("(img) => img.getBoundingClientRect().width")
    assert zoomed > fitted * 1.5
    assert frame.locator(".zoom").inner_text() != "100%" or zoomed == image.evaluate(
        "(img) => img.naturalWidth"
    )
    left = frame.locator(".pane").evaluate("(pane) => pane.scrollLeft")
    box = frame.locator(".pane").bounding_box()
    page.mouse.move(box["x"] + 300, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 100, box["y"] + 150, steps=5)
    page.mouse.up()
    assert frame.locator(".pane").evaluate("(pane) => pane.scrollLeft") > left  # dragged
    frame.get_by_role("button", name="Fit width").click()
    assert image.evaluate("(img) => img.getBoundingClientRect().width") == pytest.approx(fitted)
    frame.get_by_role("button", name="100%").click()
    assert frame.locator(".zoom").inner_text() == "100%"
