"""Integration Advisor: API-driven, event-driven or hybrid, decided flow by flow.

The public API is imported on first use, so that `advisor --help` and the command line start
fast and import only what a command needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from advisor._version import __version__

_EXPORTS = {
    "Assessment": "advisor.models",
    "InputError": "advisor.errors",
    "Problem": "advisor.errors",
    "Result": "advisor.models",
    "assess": "advisor.advice",
    "load_assessment": "advisor.loader",
    "load_rules": "advisor.loader",
    "parse_assessment": "advisor.loader",
}

__all__ = [
    "Assessment",
    "InputError",
    "Problem",
    "Result",
    "__version__",
    "assess",
    "load_assessment",
    "load_rules",
    "parse_assessment",
]

if TYPE_CHECKING:
    from advisor.advice import assess
    from advisor.errors import InputError, Problem
    from advisor.loader import load_assessment, load_rules, parse_assessment
    from advisor.models import Assessment, Result


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'advisor' has no attribute {name!r}")
    return getattr(import_module(module), name)
