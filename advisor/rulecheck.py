"""What `advisor rules check` says of a rules file, for the command line and the web app alike:
the same refusals (`error:`), warnings (`warning:`) and summary (`ok:`), word for word."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from advisor.errors import InputError, Problem
from advisor.loader import items_written_in, load_rules_from, rule_files
from advisor.paths import rules_dir
from advisor.reachability import dead_choices
from advisor.ruleset import Ruleset
from advisor.yamldoc import MAX_BYTES, decode


@dataclass(frozen=True)
class Checked:
    """A rules file checked on top of the default rules: the rule set, when it was accepted,
    and the lines `advisor rules check FILE` prints for it."""

    ruleset: Ruleset | None
    lines: tuple[str, ...]
    digest: str | None  # sha256:<hex> over the default files' bytes, then the file's


def check_file(name: str, data: bytes) -> Checked:
    """The rules file `name` (its bytes, as uploaded) on top of the default rules."""
    try:
        text = decode(data, name)
        ruleset = load_rules_from([(name, text)])
    except InputError as error:
        return Checked(None, tuple(f"error: {problem}" for problem in error.problems), None)
    warnings = dead_choice_warnings(ruleset, items_written_in([(name, text)], "broker_selection"))
    lines = [f"warning: {warning}" for warning in warnings]
    return Checked(ruleset, (*lines, summary(ruleset)), _digest(data))


def summary(ruleset: Ruleset) -> str:
    return (
        f"ok: {len(ruleset.rules)} scoring rules, {len(ruleset.hybrid)} hybrid rules, "
        f"{len(ruleset.broker_selection)} broker choices, {len(ruleset.risks)} risks "
        f"from {len(ruleset.sources)} files"
    )


def dead_choice_warnings(
    ruleset: Ruleset, written: Mapping[str, tuple[str, int | None, int | None]]
) -> list[Problem]:
    """One warning for each broker choice written where `written` says (see
    `loader.items_written`) that can never be chosen, placed where it is written, saying how
    to make it win."""
    warnings: list[Problem] = []
    for dead in dead_choices(ruleset.broker_selection, only=written):
        place = written[dead.choice]
        if len(dead.winners) == 1:
            (winner,) = dead.winners
            why = (
                f"the earlier choice {winner!r} holds wherever it does, and the first choice "
                f"that holds wins; to make it win, give it the id {winner!r} (it then takes "
                f"that choice's place) or add `disable: [{winner}]`"
            )
        else:
            why = (
                f"the earlier choices {', '.join(dead.winners)} between them hold wherever "
                "it does, and the first choice that holds wins; to make it win, reuse the id "
                "of a choice ahead of the others, or `disable` the ones in its way"
            )
        file, line, column = place
        warnings.append(
            Problem(
                file,
                f"can never be chosen: {why}",
                line=line,
                column=column,
                path=f"broker_selection (id: {dead.choice})",
            )
        )
    return warnings


def _digest(data: bytes) -> str | None:
    """As `loader.rules_digest`: the default files' bytes, then the file's, one after the
    other; None when a default file cannot be read."""
    digest = hashlib.sha256()
    try:
        for path in rule_files([rules_dir()]):
            with path.open("rb") as stream:
                digest.update(stream.read(MAX_BYTES + 1))
    except OSError:
        return None
    digest.update(data)
    return f"sha256:{digest.hexdigest()}"
