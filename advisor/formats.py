"""The output formats, in one place: what each is called, the file it is written to, and the one
way a file's name is made from an assessment's name (`slug`).

Importing this module loads nothing else of the advisor (the command line's --help stays quick).
"""

from __future__ import annotations

import re
import unicodedata

# ---------------------------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------------------------

SLUG_LENGTH = 60  # characters of the name kept, at most (a device name gets "-assessment")
NO_SLUG = "assessment"  # the name of a name with nothing usable in it
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(10)}
)


def slug(name: str) -> str:
    """A short, safe file or folder name from an assessment's name: `a-z`, `0-9` and `-` only.

    Accented letters lose their accents (`Ünïcödé café` -> `unicode-cafe`); every other run of
    characters becomes one `-`. It never holds a separator or a dot, so it cannot leave the
    folder it is put in, nor is it a device name on Windows (`con` -> `con-assessment`); a name
    with nothing usable in it (all CJK, say) becomes `assessment`.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:SLUG_LENGTH].rstrip("-")
    if not text:
        return NO_SLUG
    if text in _RESERVED:
        return f"{text}-{NO_SLUG}"
    return text
