"""What would change the answer: the smallest single changes to the inputs that flip a flow's
style, or the whole integration's recommendation. Pure: models in, models out.

Three parts, each in its module:
- the levers (`advisor.levers`): which inputs rules read, and the candidate values of each, from
  the rules in force, so that an organisation's own rules get a faithful analysis;
- the search (`advisor.search`): each lever's values, nearest first, until every outcome it can
  reach has its flip, skipping levers whose rules carry too few points to flip anything, within
  a budget of evaluations. Three ways to score a value find the very same changes: the plain
  search, one value and one flow at a time summing the points of the rules that hold (the
  reference); by differences, adding and taking away the points of the rules that change (the
  default: about a third faster); and many values of many levers at once over columns of facts
  (`advisor.columns`, numpy), which does not pay on files of a few flows;
- the phrasing (`advisor.phrasing`): each change as a sentence.

Per scope (the integration, each flow) the cheapest change to each other style is kept, then the
next cheapest, `PER_SCOPE` in all: a choice, a yes/no or a goal costs 1, a number costs log2 of
the factor it changes by (a doubling costs 1).

A change's `field` is a path into the assessment (`context.goals`, `systems.<id>.<name>`,
`flows.<id>.<name>`) and `current` and `proposed` are JSON values, so `apply_change` can make it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from advisor.engine import flow_facts
from advisor.facts import FactValue
from advisor.levers import Estate, as_input
from advisor.models import Assessment, Change, Result, System
from advisor.phrasing import INTEGRATION, change
from advisor.ruleset import Ruleset
from advisor.search import Found, Search

PER_SCOPE = 3
# Evaluations of one flow under one candidate value, at most, in one analysis: the largest file
# the loader accepts (about 12,000 flows) needs about a third of this; past it, the analysis
# stops and says so, rather than keep a server busy.
EVALUATIONS = 250_000

Facts = dict[str, FactValue]
Method = Literal["delta", "columns", "plain"]


def what_would_change(
    assessment: Assessment, ruleset: Ruleset, result: Result
) -> tuple[Change, ...]:
    """The smallest single changes that flip the recommendation or a flow's style.

    The integration's changes come first, then each flow's in the assessment's order; at most
    `PER_SCOPE` per scope, cheapest first. `result` must be `assess(assessment, ruleset)`.
    """
    facts = [flow_facts(assessment, flow, ruleset.settings) for flow in assessment.flows]
    return explore(assessment, ruleset, result, facts).changes


class Explored(NamedTuple):
    changes: tuple[Change, ...]
    complete: bool  # False: the budget of evaluations ran out before every input was tried


def explore(
    assessment: Assessment,
    ruleset: Ruleset,
    result: Result,
    facts: Sequence[Facts],
    held: Sequence[Sequence[bool]] | None = None,
    *,
    budget: int | None = None,
    method: Method = "delta",
    bounded: bool = True,
) -> Explored:
    """`what_would_change`, reusing the facts the engine has already derived (and, as `held`,
    which of the scoring rules hold for each flow), within `budget` evaluations of one flow
    under one candidate value (`EVALUATIONS` by default).

    `method` "plain" tries one value on one flow at a time (the reference); "delta" (the
    default) scores by differences of points and "columns" many values at once: both find the
    same changes, and leave a rule set they cannot score exactly to the plain search.
    `bounded` False walks every lever for every outcome, where the default skips those that
    the bounds on its rules' points show it cannot reach: the reference for the bounds.
    """
    estate = Estate(assessment, ruleset, result, facts, held)
    search = Search(estate, EVALUATIONS if budget is None else budget, bounded=bounded)
    if not (method == "delta" and search.delta()) and not (
        method == "columns" and search.columns()
    ):
        search.plain()
    return Explored(changes=_changes(estate, search), complete=not search.cut)


def _changes(estate: Estate, search: Search) -> tuple[Change, ...]:
    """The changes to say: the cheapest for the whole, then for each flow those not already
    said for the whole."""

    def said(scope: str, found: Found) -> Change:
        return change(
            scope,
            found.lever,
            found.value,
            found.outcome,
            estate.assessment,
            estate.ruleset,
            estate.states,
            estate.prepared,
        )

    chosen = _cheapest(search.whole)
    seen = {_same_change(found) for found in chosen}
    changes = [said(INTEGRATION, found) for found in chosen]
    for state, found_here in zip(estate.states, search.per_flow, strict=True):
        fresh = [found for found in found_here if _same_change(found) not in seen]
        changes += [said(state.flow.id, found) for found in _cheapest(fresh)]
    return tuple(changes)


def _cheapest(found: list[Found]) -> list[Found]:
    """The cheapest change to each other outcome, then the next cheapest, `PER_SCOPE` in all."""
    ordered = sorted(found, key=lambda item: (round(item.cost, 9), item.lever.order, item.rank))
    chosen: list[Found] = []
    for item in ordered:
        if all(item.outcome != other.outcome for other in chosen):
            chosen.append(item)
    chosen += [item for item in ordered if item not in chosen]
    return sorted(chosen[:PER_SCOPE], key=ordered.index)


def _same_change(found: Found) -> tuple[str, str, str]:
    """What makes two found changes the same advice: the field, the value and the outcome."""
    return found.lever.field, json.dumps(as_input(found.value)), found.outcome


def apply_change(assessment: Assessment, change: Change) -> Assessment:
    """The assessment with one change made: `change.field` set to `change.proposed`.

    Targets that do not exist yet (placeholder consumers) are added as plain systems.
    """
    value: Any = change.proposed
    section, *rest = change.field.split(".")
    if section == "context":
        (name,) = rest
        if name == "goals":
            value = tuple(value)
        context = assessment.context.model_copy(update={name: value})
        return assessment.model_copy(update={"context": context})
    item_id, name = rest
    if section == "systems":
        systems = tuple(
            system.model_copy(update={name: value}) if system.id == item_id else system
            for system in assessment.systems
        )
        return assessment.model_copy(update={"systems": systems})
    if section != "flows":
        raise ValueError(f"cannot apply a change to {change.field!r}")
    if name == "targets":
        value = tuple(value)
        known = {system.id for system in assessment.systems}
        added = tuple(System(id=target) for target in value if target not in known)
        assessment = assessment.model_copy(update={"systems": assessment.systems + added})
    flows = tuple(
        flow.model_copy(update={name: value}) if flow.id == item_id else flow
        for flow in assessment.flows
    )
    return assessment.model_copy(update={"flows": flows})
