"""Problems with user input, each placed precisely, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
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
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{place}:{field} {self.message}"


class InputError(Exception):
    """An input was refused. Carries every problem found, in file order."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest choice, or an empty string."""
    from difflib import get_close_matches  # only needed on the error path

    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
