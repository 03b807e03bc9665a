"""Integration Advisor: API-driven, event-driven or hybrid, decided flow by flow."""

from advisor.engine import assess
from advisor.errors import InputError, Problem
from advisor.loader import load_assessment, load_rules, parse_assessment
from advisor.models import Assessment, Result

__version__ = "0.1.0"

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
