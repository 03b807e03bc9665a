"""Every command and subcommand of `advisor`, read from the command line's own parser: for the
tests that hold each one to something (its help, its documentation)."""

from __future__ import annotations

import functools

from advisor.cli import build_parser


@functools.cache
def _found() -> tuple[tuple[str, ...], ...]:
    found: list[tuple[str, ...]] = []

    def walk(parser: object, prefix: tuple[str, ...]) -> None:
        for action in getattr(parser, "_actions", []):  # argparse keeps subcommands there
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, sub in choices.items():
                    found.append((*prefix, name))
                    walk(sub, (*prefix, name))

    walk(build_parser(), ())
    return tuple(found)


def every_command() -> list[list[str]]:
    """Each command as its words (`["rules", "check"]`), in the parser's order."""
    return [list(command) for command in _found()]
