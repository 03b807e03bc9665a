"""The web app shows user text as text: names from a shared link or an uploaded file never
become Markdown (an image the browser fetches, a link, emphasis), nor break out of the app's
own HTML."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from advisor.models import Assessment
from advisor.share import encode_link
from advisor.webapp.text import html_text, markdown_text
from tests.conftest import ROOT

APP = ROOT / "app.py"
IMAGE = "![x](http://evil.example/p.png)"
LINK = "[Log in again](https://evil.example/login)"
OTHER = ":red[alarm] $x^2$ www.evil.example a@evil.example <b>bold</b> *em* `code` ~~s~~"
HOSTILE = Assessment.model_validate(
    {
        "name": f"Orders {IMAGE}\n\n![y](http://evil.example/block.png) <img src=x>",
        "systems": [
            {"id": "a", "name": IMAGE},
            {"id": "b", "name": LINK},
            {"id": "c", "name": OTHER},
        ],
        "flows": [
            {
                "id": "f_1_",
                "source": "a",
                "targets": ["b", "c"],
                "trigger": "user_action",
                "needs_response": True,
            }
        ],
    }
)
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")  # a CommonMark backslash escape


def unescaped(markdown: str) -> str:
    """What is left of Markdown once its escaped characters are taken out."""
    return ESCAPED.sub("", markdown)


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def opened(link: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["a"] = link
    at.run()
    assert not at.exception, at.exception
    return at


def test_markdown_text_shows_as_written_and_means_nothing() -> None:
    for text in (IMAGE, LINK, OTHER, "1. # > - + | = _ & < ! \\"):
        shown = markdown_text(text)
        assert not re.search(r"[!-/:-@\[-`{-~]", unescaped(shown)), shown
        parsed = re.sub(r"\\(.)", r"\1", shown)  # the text once Markdown's escapes are read
        assert parsed.replace("\u200b", "") == text  # each character shows as itself
        assert not re.search(r"(?i)https?://|www\.|\w@", parsed)  # nothing Streamlit would link
    assert markdown_text("a\nb\x1b") == "a\\\\nb\\\\x1b"  # one line; the escapes show
    assert html_text("<b>\n\n![x](y)") == "&lt;b&gt;\\n\\n![x](y)"  # no blank line in HTML


def test_hostile_names_from_a_link_are_shown_as_text() -> None:
    at = opened(encode_link(HOSTILE))
    (label,) = [item.label for item in at.expander if "API-driven" in item.label]
    assert label == (
        f"**{markdown_text('f_1_')}** · API-driven · {markdown_text(IMAGE)} → "
        f"{markdown_text(LINK)}, {markdown_text(OTHER)}"
    )
    # No punctuation is left unescaped but the app's own: bold, commas, "API-driven".
    assert set(re.findall(r"[!-/:-@\[-`{-~]", unescaped(label))) == {"*", ",", "-"}
    picker = at.button_group(key=f"g{at.session_state['generation']}:flow-picker")
    assert [option.content for option in picker.proto.options] == ["f\\_1\\_ · API-driven"]
    for item in at.markdown:  # the app's own HTML: escaped, and never a blank line in it
        assert "<img" not in item.value and "<a " not in item.value, item.value
        assert "\n\n" not in item.value.strip(), item.value
    (card,) = [item.value for item in at.markdown if "ia-card" in item.value]
    assert "Recommendation for Orders ![x](http://evil.example/p.png)\\n\\n![y]" in card


def test_an_uploaded_file_s_name_in_the_error_title_is_text() -> None:
    at = opened(encode_link(HOSTILE))
    name = f"{LINK} {IMAGE}.yaml"
    at.file_uploader[0].set_value((name, b"name: [unclosed\n", "application/yaml"))
    at.run()
    assert not at.exception, at.exception
    assert [item.value for item in at.error] == [
        f"**{markdown_text(name + ' could not be opened')}**"
    ]
    assert not re.search(r"[\[\]()!]", unescaped(at.error[0].value))
