"""The one entry point every edge calls: an assessment and a rule set in, the advice out.

The command line, batch runs, the web app and the reports all get their result here, so the
scoring (`advisor.engine`) and the analysis of what would change it (`advisor.whatif`) are put
together in one place, and neither needs the other.
"""

from __future__ import annotations

import datetime

from advisor._version import __version__
from advisor.engine import score
from advisor.models import Assessment, Generator, Result
from advisor.ruleset import Ruleset
from advisor.whatif import explore


def assess(assessment: Assessment, ruleset: Ruleset, *, what_if: bool = True) -> Result:
    """Score every flow, then the whole integration, its broker and its risks.

    With `what_if` (the default) the result also lists the smallest changes to the inputs that
    would change the answer (`advisor.whatif`); without it, `what_would_change` is None.
    """
    scored = score(assessment, ruleset)
    made: dict[str, object] = {"generator": Generator(version=__version__)}
    if what_if:
        explored = explore(assessment, ruleset, scored.result, scored.facts, scored.held)
        made["what_would_change"] = explored.changes
        made["what_would_change_complete"] = explored.complete
    return scored.result.model_copy(update=made)


def stamped(
    result: Result,
    *,
    input: str | None,
    rules_digest: str | None,
    date: datetime.date | None = None,
) -> Result:
    """The result with where it came from: the assessment file as given (`-` for none), the
    digest of the rules files, and the decision's date when one was asked for."""
    return result.model_copy(
        update={
            "input": input,
            "rules_digest": rules_digest,
            "date": None if date is None else date.isoformat(),
        }
    )
