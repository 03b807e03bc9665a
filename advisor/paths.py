"""The one place that knows where the default rules, templates and examples live.

In an installed wheel they are packaged as `advisor/_data/rules`, `advisor/_data/templates` and
`advisor/_data/examples`; in a checkout (or an editable install) they are the top-level `rules/`,
`templates/` and `examples/`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def rules_dir() -> Path:
    return _data_dir("rules")


def templates_dir() -> Path:
    return _data_dir("templates")


def examples_dir() -> Path:
    return _data_dir("examples")
