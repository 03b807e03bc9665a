"""User text made safe to show through Streamlit, which reads Markdown in every label, title and
option of a button group: a name `![x](http://host/p.png)` would make each browser that opens a
shared link ask that host for a picture, `[Log in again](https://...)` would become a link.

- `markdown_text` is for Markdown contexts (labels, alerts, pills): every ASCII punctuation
  character is backslash-escaped (CommonMark's own escape, so it shows as itself), which leaves
  no link, image, emphasis, code, HTML, directive (`\\:red[...]`) or formula (`\\$`) to start.
  Streamlit also turns web addresses in the text into links after parsing (GFM's autolink
  literals: `https://...`, `www.`, `a@b.c`), which no escape prevents: a zero-width space after
  each `:` and `www`, and before each `@`, leaves nothing it recognises, and shows nothing.
- `html_text` is for the HTML the app writes with `unsafe_allow_html`: HTML-escaped, and no raw
  line break, since a blank line would end the HTML block and turn what follows into Markdown.

Both show control characters as escapes (`\\n`, `\\x1b`) and so keep the text on one line.
"""

from __future__ import annotations

import html
import re

from advisor.errors import printable

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_AUTOLINK = re.compile(r"(:|(?i:www)(?=\.))|(@)")
_HIDDEN = "\u200b"  # a zero-width space


def markdown_text(text: object) -> str:
    """`text` as literal text in Streamlit Markdown: it shows as written, and means nothing."""
    unlinked = _AUTOLINK.sub(_break, printable(str(text)))
    return _PUNCTUATION.sub(r"\\\1", unlinked)


def _break(match: re.Match[str]) -> str:
    after, before = match.groups()
    return f"{after}{_HIDDEN}" if after else f"{_HIDDEN}{before}"


def html_text(text: object) -> str:
    """`text` as literal text inside the app's own HTML."""
    return html.escape(printable(str(text)))
