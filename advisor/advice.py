"""The one entry point every edge calls: an assessment and a rule set in, the advice out.

The command line, batch runs, the web app and the reports all get their result here, so the
scoring (`advisor.engine`) and the analysis of what would change it (`advisor.whatif`) are put
together in one place, and neither needs the other.
"""

from __future__ import annotations

from advisor.engine import score
from advisor.models import Assessment, Result
from advisor.ruleset import Ruleset
from advisor.whatif import explore


def assess(assessment: Assessment, ruleset: Ruleset, *, what_if: bool = True) -> Result:
    """Score every flow, then the whole integration, its broker and its risks.

    With `what_if` (the default) the result also lists the smallest changes to the inputs that
    would change the answer (`advisor.whatif`); without it, `what_would_change` is None.
    """
    scored = score(assessment, ruleset)
    if not what_if:
        return scored.result
    explored = explore(assessment, ruleset, scored.result, scored.facts, scored.held)
    return scored.result.model_copy(
        update={
            "what_would_change": explored.changes,
            "what_would_change_complete": explored.complete,
        }
    )
