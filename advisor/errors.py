"""Problems with user input, each placed precisely, and the error that carries them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is and what to write instead."""

    file: str
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    path: str | None = None  # the field, as `flows[0] (id: x).source`

    def __str__(self) -> str:
        """One line, whatever the input held: control characters (a newline, a terminal's
        escape) are shown as escapes, `\\n` or `\\x1b`, never sent as they are."""
        place = printable(self.file)
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        field = f" {printable(self.path)}:" if self.path else ""
        return f"{place}:{field} {printable(self.message)}"


# Characters that would end a line or command a terminal: C0 and C1 controls, DEL, Unicode's
# line and paragraph separators, and the marks that reorder text on screen (bidi controls).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`, `\\u2028`)."""
    return _UNPRINTABLE.sub(_escape, text)


def shorten(text: str, limit: int = 60) -> str:
    """`text` cut to `limit` characters, the cut marked with "...": a value quoted in a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class InputError(Exception):
    """An input was refused. Carries every problem found, in file order."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


# ---------------------------------------------------------------------------------------------
# "Did you mean": the closest choice, within a budget
# ---------------------------------------------------------------------------------------------

HINT_BUDGET = 200_000  # comparisons of a word with a choice, for one input's problems


@dataclass
class _Hints:
    left: int  # comparisons still allowed
    found: dict[tuple[str, ...], dict[str, str]]  # choices -> word -> hint


_hints: ContextVar[_Hints | None] = ContextVar("hints", default=None)


@contextlib.contextmanager
def hint_budget(comparisons: int = HINT_BUDGET) -> Iterator[None]:
    """Bound the work of `did_you_mean` while one input is checked: a file that names ten
    thousand unknown ids among thousands of known ones gets hints for the first of them, not
    hours of string matching. The same word among the same choices is matched once."""
    token = _hints.set(_Hints(comparisons, {}))
    try:
        yield
    finally:
        _hints.reset(token)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest choice, or an empty string."""
    options = tuple(choices)
    hints = _hints.get()
    if hints is None:
        return _closest(word, options)
    found = hints.found.setdefault(options, {})
    hint = found.get(word)
    if hint is None:
        if hints.left < len(options):
            return ""  # the budget is spent: no hint, rather than no end
        hints.left -= len(options)
        hint = found[word] = _closest(word, options)
    return hint


def _closest(word: str, options: tuple[str, ...]) -> str:
    from difflib import get_close_matches  # only needed on the error path

    close = get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
