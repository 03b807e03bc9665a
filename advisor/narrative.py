"""The advice in the user's own numbers: decision drivers, the reasons for each style, the
options weighed criterion by criterion, and how to confirm the decision once it is built.

Pure presentation: a result, its assessment and the rules in, sentences and tables out. Every
sentence is written from the inputs (delays as durations, volumes, limits, sizes, consumers,
owners), never from a rule's id or a score difference; the rule ids stay in `trace()`.

A *constraint* is one input that bears on the choice (who waits, how fresh, how many
consumers...). Each rule that fires is filed under the constraint it is about, the most specific
fact its condition reads (`PRIORITY`), so that one driver stands for one constraint however many
rules and flows it touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from advisor.facts import FactValue, derive
from advisor.models import Assessment, Flow, FlowResult, Reason, Result, Style
from advisor.ruleset import Condition, Ruleset
from advisor.wording import (
    STYLE_IN_TEXT,
    STYLE_NAMES,
    format_duration,
    format_number,
    format_percent,
    format_rate,
    format_score,
    format_size,
    plural,
)


def assumed(assessment: Assessment) -> tuple[str, ...]:
    """For each flow whose file leaves out how stale its targets may be or how many messages a
    day it carries, what the format's default makes of it: the rules weigh both by their
    number, so the advice rests on them as if given. None where every such answer was given
    (the web app's answers always are: it marks its defaults itself)."""
    said = []
    for flow in assessment.flows:
        given = flow.model_fields_set
        parts = []
        if "max_delay_seconds" not in given:
            parts.append(f"its targets may be {format_duration(flow.max_delay_seconds)} behind")
        if "events_per_day" not in given:
            parts.append(f"it carries about {plural(flow.events_per_day, 'message')} a day")
        if parts:
            said.append(f"{flow.id}: {' and '.join(parts)}")
    return tuple(said)


# How the reports introduce `assumed`.
ASSUMED_INTRO = "Assumed, as the file does not say (the format's defaults; give them to be sure)"


def choices(ruleset: Ruleset, key: str) -> dict[str, str]:
    """The questionnaire's names of a choice's values (its module loads when a sentence needs
    one: the text report mostly does not)."""
    from advisor.questionnaire import choices as named

    return named(ruleset, key)


Side = Literal["api", "event"]
SIDES: tuple[Side, Side] = ("api", "event")
SIDE_CLAIMS = {"api": "request-response", "event": "publish-subscribe"}

# The constraint a rule is about: the first whose facts its condition reads, most specific first
# (a rule on "nobody waits and the delay is a minute" is about freshness, not about waiting).
PRIORITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("organisation", ("context.",)),
    ("polling", ("polling.", "flow.items_polled_one_by_one")),
    ("rate_limit", ("callee.api_rate_limit_per_minute", "source.api_rate_limit_per_minute")),
    ("payload", ("flow.payload_kb",)),
    ("ordering", ("flow.ordering",)),
    ("consistency", ("flow.consistency",)),
    ("owners", ("flow.owners",)),
    ("consumers", ("flow.consumers",)),
    ("volume", ("flow.events_per_day", "flow.peak_per_second")),
    ("freshness", ("flow.max_delay_seconds",)),
    ("publishing", ("source.emits_events",)),
    ("initiator", ("flow.initiator",)),
    ("waiting", ("flow.needs_response",)),
    ("trigger", ("flow.trigger",)),
)
TITLES = {
    "organisation": "The organisation",
    "polling": "What polling would cost",
    "rate_limit": "Rate limits on the called side",
    "payload": "Message size",
    "ordering": "Order",
    "consistency": "Consistency",
    "owners": "Who owns each end",
    "consumers": "How many consumers",
    "volume": "How much",
    "freshness": "How fresh the targets must be",
    "publishing": "What the sources can publish",
    "initiator": "Who starts the exchange",
    "waiting": "Who waits",
    "trigger": "What starts the flows",
    "other": "Other inputs",
}
MAX_LISTED = 6  # flow ids named in one list before "and N more"
TRIGGER_CAUSES = {
    "user_action": "a person's action",
    "data_change": "a change in the source's data",
    "schedule": "a schedule",
    "telemetry": "devices' readings",
}
STAGES = {"early": "an early-stage", "growing": "a growing", "scaling": "a scaling"}


def constraint_of(condition: Condition) -> str:
    """The constraint a rule's condition is about (see `PRIORITY`)."""
    used = set(condition.facts_used())
    for key, prefixes in PRIORITY:
        if any(fact.startswith(prefixes) for fact in used):
            return key
    return "other"


# ---------------------------------------------------------------------------------------------
# What the templates get
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    """One constraint, the flows it bears on, in the user's numbers."""

    key: str
    title: str
    text: str
    points: float  # all the points its rules gave, both sides: how much it weighed


@dataclass(frozen=True)
class OptionLine:
    verdict: Literal["Good", "Neutral", "Bad"]
    text: str


@dataclass(frozen=True)
class MatrixRow:
    """A criterion and the points each option gets on it, on the scores' 0-100 scale."""

    criterion: str
    compares: str
    points: dict[Style, str]
    best: tuple[Style, ...]  # the options with the most points on it (none when all are 0)


@dataclass(frozen=True)
class Matrix:
    rows: tuple[MatrixRow, ...]
    totals: dict[Style, str]


@dataclass(frozen=True)
class Confirmation:
    """How to check, once it is built, that one flow meets what the decision assumed."""

    flow: str
    style: Style
    style_name: str
    lines: tuple[tuple[str, str], ...]  # (what, how: naming the system and its owner)


@dataclass(frozen=True)
class TraceRow:
    flow: str
    rule: str
    criterion: str
    favours: str
    points: str
    driver: str


@dataclass(frozen=True, eq=False)
class _Case:
    """One flow, as declared and as scored, with its facts."""

    flow: Flow
    result: FlowResult
    facts: dict[str, FactValue]

    @property
    def id(self) -> str:
        return self.flow.id

    @property
    def lead(self) -> Side:
        """The side this flow takes when each flow gets its own style: events for event and
        hybrid flows that events lead, else the API."""
        scores = self.result.scores
        if self.result.style == "event":
            return "event"
        if self.result.style == "hybrid":
            return "event" if scores.event >= scores.api else "api"
        return "api"

    def number(self, name: str) -> float:
        value = self.facts.get(name)
        return float(value) if isinstance(value, int | float) else 0.0


class Narrative:
    """The sentences and tables of one result, built once and read by every template."""

    def __init__(self, assessment: Assessment, result: Result, ruleset: Ruleset) -> None:
        self.assessment = assessment
        self.result = result
        self.ruleset = ruleset
        declared = {flow.id: flow for flow in assessment.flows}
        peak = ruleset.settings.peak_factor
        self.cases = [
            _Case(declared[flow.id], flow, derive(assessment, declared[flow.id], peak))
            for flow in result.flows
        ]
        self.by_id = {case.id: case for case in self.cases}
        self.constraints = {rule.id: constraint_of(rule.when) for rule in ruleset.rules}
        self.constraints.update({rule.id: constraint_of(rule.when) for rule in ruleset.hybrid})
        self.criteria = {criterion.id: criterion for criterion in ruleset.criteria}

    # -- names --------------------------------------------------------------------------------

    def label(self, system_id: str) -> str:
        return self.assessment.system(system_id).label

    def labels(self, system_ids: Iterable[str]) -> str:
        return join([self.label(system_id) for system_id in system_ids])

    def owner(self, system_id: str) -> str | None:
        return self.assessment.system(system_id).owner

    def owned(self, system_id: str) -> str:
        """A system and who owns it: `Order service (owner: commerce)`."""
        owner = self.owner(system_id)
        return f"{self.label(system_id)} ({'owner: ' + owner if owner else 'no owner named'})"

    def owned_list(self, system_ids: Iterable[str]) -> str:
        return join([self.owned(system_id) for system_id in system_ids])

    def constraint(self, reason: Reason) -> str:
        return self.constraints.get(reason.rule, "other")

    # -- one flow -------------------------------------------------------------------------------

    def phrase(self, key: str, case: _Case, side: Side | None = None) -> str:
        """One constraint of one flow as a clause that can follow "because"."""
        flow, facts = case.flow, case.facts
        source, targets = self.label(flow.source), self.labels(flow.targets)
        many = len(flow.targets) > 1
        if key == "waiting":
            if not flow.needs_response:
                return "nobody waits for an answer"
            if flow.caller == "source":
                return f"{source} waits for the answer of {targets}"
            return f"{targets} {'wait' if many else 'waits'} for the answer of {source}"
        if key == "trigger":
            return {
                "user_action": "a person's action starts it",
                "data_change": f"it must carry changes made in {source}",
                "schedule": "it runs on a schedule",
                "telemetry": f"it carries readings from {source}",
            }[flow.trigger]
        if key == "initiator":
            if flow.caller == "target":
                return f"{targets} {'call' if many else 'calls'} {source} for it"
            return f"{source} sends it to {targets}"
        if key == "publishing":
            if facts["source.emits_events"]:
                return f"{source} already publishes its changes"
            return f"{source} cannot publish its changes"
        if key == "freshness":
            return self._freshness(flow.max_delay_seconds, "its targets")
        if key == "volume":
            return f"it carries {self._volume(case)}"
        if key == "consumers":
            if not many:
                return f"it has one consumer, {targets}"
            return f"it has {len(flow.targets)} consumers ({targets})"
        if key == "owners":
            owners = self._owners(case)
            if owners is None:
                return "its owners are not named"
            return owners if owners.endswith("both ends") else f"it crosses owners, {owners}"
        if key == "consistency":
            if flow.consistency == "strong":
                return "its targets must agree with the source at once"
            return "its targets may lag behind the source"
        if key == "ordering":
            return {
                "per_key": "messages about one entity must arrive in order",
                "global": "every message must keep one total order",
                "none": "no order is needed",
            }[flow.ordering]
        if key == "payload":
            return f"each message is {format_size(flow.payload_kb)}"
        if key == "rate_limit":
            limited = self._limited(case)
            if not limited:
                return "no rate limit is known on the side it calls"
            return join(
                f"{self.label(system_id)} takes at most {plural(limit, 'call')} a minute"
                for system_id, limit in limited
            )
        if key == "polling":
            return self._polling(case)
        if key == "organisation":
            return self._organisation(side)
        return "its other inputs"

    @staticmethod
    def _freshness(seconds: float, whom: str) -> str:
        if seconds >= 3600:
            return f"{whom} may be up to {format_duration(seconds)} behind"
        return f"{whom} must have it within {format_duration(seconds)}"

    @staticmethod
    def _volume(case: _Case) -> str:
        noun = "request" if case.flow.needs_response else "message"
        text = f"about {plural(case.flow.events_per_day, noun)} a day"
        peak = case.number("flow.peak_per_second")
        if peak:
            text += f", {format_rate(peak)} at peak"
        return text

    def _owners(self, case: _Case) -> str | None:
        flow = case.flow
        mine = self.owner(flow.source)
        theirs = list(
            dict.fromkeys(owner for owner in map(self.owner, flow.targets) if owner is not None)
        )
        if mine is None or not theirs:
            return None
        if theirs == [mine]:
            return f"{mine} owns both ends"
        return f"from {mine} to {join(theirs)}"

    def called(self, case: _Case) -> list[str]:
        """The systems on the called side: the source when the targets call it (or, for a
        hybrid flow, call back), else the targets."""
        flow = case.flow
        systems = [flow.source] if flow.caller == "target" else list(flow.targets)
        if case.result.style == "hybrid" and flow.source not in systems:
            systems.append(flow.source)
        return systems

    def _limited(self, case: _Case) -> list[tuple[str, int]]:
        found = []
        for system_id in self.called(case):
            limit = self.assessment.system(system_id).api_rate_limit_per_minute
            if limit is not None:
                found.append((system_id, limit))
        return found

    def _polling(self, case: _Case) -> str:
        polling = case.result.polling
        if polling is None:
            return "its targets would not need to poll"
        text = f"polling would take {plural(polling.calls_per_day, 'call')} a day"
        source = self.assessment.system(case.flow.source)
        if polling.quota_share is not None and source.api_rate_limit_per_minute is not None:
            text += (
                f" ({format_percent(polling.quota_share)} of what {source.label} allows, "
                f"{plural(source.api_rate_limit_per_minute, 'call')} a minute)"
            )
        if polling.wasted_calls_per_day:
            text += f", {format_number(polling.wasted_calls_per_day)} of them finding nothing new"
        return text

    def _organisation(self, side: Side | None) -> str:
        """The organisation's answers that the rules on `side` read (both sides with None)."""
        read: dict[str, set[str]] = defaultdict(set)
        for case in self.cases:
            for reason in case.result.reasons:
                if self.constraint(reason) != "organisation":
                    continue
                if side is not None and reason.favours != side:
                    continue
                rule = next((r for r in self.ruleset.rules if r.id == reason.rule), None)
                if rule is None:
                    continue
                for test in rule.when.tests():
                    if test.fact and test.fact.startswith("context."):
                        name = test.fact.removeprefix("context.")
                        if name == "goals" and test.op == "contains":
                            read[name].add(str(test.value))
                        else:
                            read.setdefault(name, set())
        return self._context_words(read) or "the organisation's answers"

    def _context_words(self, read: dict[str, set[str]] | None = None) -> str:
        """The organisation's answers as clauses (only those in `read`, when given)."""
        context = self.assessment.context
        wanted = (
            read
            if read is not None
            else {
                name: set()
                for name in ("stage", "team_event_experience", "cloud", "existing_broker", "goals")
            }
        )
        words = []
        if "stage" in wanted:
            words.append(
                "the business is at an early stage"
                if context.stage == "early"
                else f"the business is {context.stage}"
            )
        if "team_event_experience" in wanted:
            level = {"none": "no", "some": "some", "strong": "strong"}
            words.append(f"the team has {level[context.team_event_experience]} event experience")
        if "cloud" in wanted:
            where = choices(self.ruleset, "context.cloud")[context.cloud]
            words.append(
                "the systems run on premises"
                if context.cloud == "on_prem"
                else "the systems run elsewhere or in several places"
                if context.cloud == "other"
                else f"the systems run on {where}"
            )
        if "existing_broker" in wanted:
            if context.existing_broker == "none":
                words.append("no broker is in use")
            else:
                names = choices(self.ruleset, "context.existing_broker")
                words.append(f"{names[context.existing_broker]} is already in use")
        if "goals" in wanted:
            goals = [g for g in context.goals if not wanted["goals"] or g in wanted["goals"]]
            if goals:
                names = choices(self.ruleset, "context.goals")
                words.append("the goals include " + join(names[g].lower() for g in goals))
        return join(words)

    def _side_reasons(self, case: _Case, side: Side) -> list[Reason]:
        return [reason for reason in case.result.reasons if reason.favours == side]

    def _top(self, cases: Sequence[_Case], side: Side, count: int) -> list[str]:
        """The constraints that gave `side` the most points over these flows."""
        weight: dict[str, float] = defaultdict(float)
        for case in cases:
            for reason in self._side_reasons(case, side):
                weight[self.constraint(reason)] += reason.points
        # the flow decides, the organisation breaks ties: it comes last in the reasons given
        ranked = sorted(
            weight.items(),
            key=lambda item: (item[0] == "organisation", -item[1], _rank(item[0])),
        )
        return [key for key, _ in ranked[:count]]

    def flow_because(self, flow_id: str) -> str:
        """Why one flow got its style, from its own inputs: the clause after "because"."""
        case = self.by_id[flow_id]
        style = case.result.style
        side = case.lead
        clauses = [self.phrase(key, case, side) for key in self._top([case], side, 3)]
        hybrid = self._hybrid_clause(case) if style == "hybrid" else None
        if hybrid:
            clauses = [*clauses[:2], hybrid]
        if not clauses:
            return (
                "nothing in its inputs argues for either side, and the simpler API call wins a tie"
                if style == "api"
                else "its inputs give events the edge"
            )
        return join(clauses)

    def flow_summary(self, flow_id: str) -> str:
        """`place-order is API-driven because ...`: one sentence, for cards and lists."""
        case = self.by_id[flow_id]
        return f"{flow_id} is {STYLE_IN_TEXT[case.result.style]}, as {self.flow_because(flow_id)}."

    def _hybrid_clause(self, case: _Case, named: bool = True) -> str:
        """How a hybrid flow combines the two, in its own numbers (naming its source, or
        saying "the source" where several flows share the sentence)."""
        decision = case.result.decision
        key = self.constraints.get(decision.rule)
        source = self.label(case.flow.source) if named else "the source"
        if key == "payload":
            return (
                f"a thin event announces each change and the targets fetch the "
                f"{format_size(case.flow.payload_kb)} payload through the API of {source}"
            )
        if key == "consistency":
            return (
                f"an event starts the work and the targets finish through the API of {source}, "
                "so they read its authoritative state"
            )
        if key is not None:
            return f"a thin event followed by a call to the API of {source} suits it"
        return (
            "both styles have strong evidence here, so a thin event starts the work and API "
            "calls finish it"
        )

    # -- the whole integration ------------------------------------------------------------------

    def groups(self, key: str, cases: Sequence[_Case]) -> list[tuple[str, list[_Case]]]:
        """The flows, grouped by their value of one constraint, each group with its phrase
        (in detail for one or two flows, broadly for more, so that a listing stays short)."""
        grouped: dict[str, list[_Case]] = {}
        detail = len(cases) <= 2
        for case in cases:
            for phrase in self._group_phrases(key, case, detail):
                grouped.setdefault(phrase, []).append(case)
        return list(grouped.items())

    def _group_phrases(self, key: str, case: _Case, detail: bool = True) -> list[str]:
        """The clauses one flow gives a constraint's listing; flows with the same clause are
        named together after it."""
        flow = case.flow
        if key == "waiting":
            return ["the caller waits for the answer" if flow.needs_response else "nobody waits"]
        if key == "trigger":
            return [f"{TRIGGER_CAUSES[flow.trigger]} starts it"]
        if key == "initiator":
            return [
                "the targets call the source" if flow.caller == "target" else "the source sends"
            ]
        if key == "publishing":
            can = bool(case.facts["source.emits_events"])
            verb = "publishes its changes" if can else "cannot publish its changes"
            return [f"{self.label(flow.source)} {verb}"]
        if key == "freshness":
            return [self._freshness(flow.max_delay_seconds, "the targets")]
        if key == "volume":
            return [f"it carries {self._volume(case)}"]
        if key == "consumers":
            return [f"it has {plural(flow.consumers, 'consumer')}"]
        if key == "owners":
            owners = self._owners(case)
            if owners is None:
                return ["its owners are not named"]
            if owners.endswith("both ends"):
                return [owners if detail else "one owner has both ends"]
            return [f"it crosses {owners}" if detail else "it crosses owners"]
        if key == "consistency":
            return [
                "the targets must agree at once"
                if flow.consistency == "strong"
                else "the targets may lag"
            ]
        if key == "payload":
            return [f"each message is {format_size(flow.payload_kb)}"]
        if key == "rate_limit":
            return [
                f"{self.owned(system_id)} takes at most {plural(limit, 'call')} a minute"
                for system_id, limit in self._limited(case)
            ] or ["no rate limit is known on the called side"]
        if key == "polling":
            return [f"for {flow.id}, {self._polling(case)}"]
        return [self.phrase(key, case)]

    def _listing(
        self,
        key: str,
        cases: Sequence[_Case],
        *,
        within: Sequence[_Case] | None = None,
        side: Side | None = None,
    ) -> str:
        """A constraint over some flows: each value with the flows that have it. A value that
        every flow `within` shares is said without naming them."""
        if key == "organisation":
            return self._organisation(side)
        parts = []
        grouped = self.groups(key, cases)
        for phrase, members in grouped:
            if key == "polling" or (within is not None and len(members) == len(within)):
                parts.append(phrase)
            else:
                parts.append(f"{phrase} ({ids(case.id for case in members)})")
        return "; ".join(parts)

    def drivers(self) -> tuple[Driver, ...]:
        """One driver per constraint that any rule weighed, heaviest first, each with every
        flow it bears on."""
        cases_of: dict[str, list[_Case]] = defaultdict(list)
        weight: dict[str, float] = defaultdict(float)
        for case in self.cases:
            keys = [self.constraint(reason) for reason in case.result.reasons]
            for reason, key in zip(case.result.reasons, keys, strict=True):
                weight[key] += reason.points
            decided = self.constraints.get(case.result.decision.rule)
            if decided is not None:
                keys.append(decided)
                weight[decided] += 0.0
            for key in dict.fromkeys(keys):
                cases_of[key].append(case)
        ranked = sorted(cases_of, key=lambda key: (-weight[key], _rank(key)))
        return tuple(
            Driver(
                key=key,
                title=TITLES.get(key, TITLES["other"]),
                text=_sentence(self._listing(key, cases_of[key])),  # not capitalised: ids
                points=weight[key],
            )
            for key in ranked
        )

    def context_line(self) -> str:
        """The organisation, as the record's context states it."""
        return _sentence(self._context_words()) if self._context_words() else ""

    def chosen_because(self) -> str:
        """The clause after `Chosen option: "...", because`, from the flows' own inputs."""
        by_style: dict[Style, list[_Case]] = defaultdict(list)
        for case in self.cases:
            by_style[case.result.style].append(case)
        parts = []
        styles: tuple[Style, ...] = ("api", "event", "hybrid")
        for style in styles:
            cases = by_style.get(style)
            if not cases:
                continue
            if len(cases) == len(self.cases) > 1:
                subject = f"every flow is {STYLE_IN_TEXT[style]}"
            else:
                verb = "is" if len(cases) == 1 else "are"
                subject = f"{ids(case.id for case in cases)} {verb} {STYLE_IN_TEXT[style]}"
            side: Side = "api" if style == "api" else "event"
            clauses = []
            for key in self._top(cases, side, len(PRIORITY)):
                weighing = [case for case in cases if self._weighs(case, key, side)]
                if key != "organisation" and len(self.groups(key, weighing)) > 2:
                    continue  # too varied to say in a line: the drivers list it
                clauses.append(self._listing(key, weighing, within=cases, side=side))
                if len(clauses) == (2 if style == "hybrid" else 3):
                    break
            if style == "hybrid":
                named = len(cases) == 1
                clauses.append(
                    join(dict.fromkeys(self._hybrid_clause(case, named) for case in cases))
                )
            parts.append(f"{subject}, as {join(clauses)}" if clauses else subject)
        return "; ".join(parts)

    def _weighs(self, case: _Case, key: str, side: Side) -> bool:
        return any(self.constraint(reason) == key for reason in self._side_reasons(case, side))

    # -- the options ------------------------------------------------------------------------------

    def assigned(self, style: Style) -> dict[str, Side]:
        """The side each flow takes under an option: all API, all events, or (hybrid) each
        flow the side its own evidence favours."""
        if style == "hybrid":
            return {case.id: case.lead for case in self.cases}
        side: Side = "api" if style == "api" else "event"
        return {case.id: side for case in self.cases}

    def option_score(self, style: Style) -> float:
        """An option's score on the 0-100 scale: the mean over the flows of the score of the
        side each takes under it (for API-driven and event-driven, the result's own scores)."""
        if style == "api":
            return self.result.scores.api
        if style == "event":
            return self.result.scores.event
        sides = self.assigned(style)
        scores = [_side_score(case, sides[case.id]) for case in self.cases]
        return round(sum(scores) / len(scores), 1)

    def option_lines(self, style: Style) -> tuple[OptionLine, ...]:
        """One line per criterion: Good where the option takes the side its evidence favours,
        Bad where the evidence favours the other, Neutral where there is none or it balances."""
        sides = self.assigned(style)
        lines = []
        for criterion in self.ruleset.criteria:
            backing: dict[Side, list[tuple[_Case, Reason]]] = {"api": [], "event": []}
            for case in self.cases:
                for reason in case.result.reasons:
                    if reason.criterion == criterion.id:
                        taken = reason.favours == sides[case.id]
                        backing["api" if taken else "event"].append((case, reason))
            pro, con = backing["api"], backing["event"]  # for the option, against it
            pro_points = sum(reason.points for _, reason in pro)
            con_points = sum(reason.points for _, reason in con)
            title = _lower_first(criterion.title)
            if not pro and not con:
                lines.append(OptionLine("Neutral", f"{title}: no input here bears on it."))
                continue
            verdict: Literal["Good", "Neutral", "Bad"] = (
                "Good"
                if pro_points > con_points
                else "Bad"
                if con_points > pro_points
                else "Neutral"
            )
            first, second = (con, pro) if verdict == "Bad" else (pro, con)
            text = f"{title}: {self._evidence(first, criterion.id)}"
            if second:
                text += f"; against that, {self._evidence(second, criterion.id)}"
            text += "."
            lines.append(OptionLine(verdict, text))
        return tuple(lines)

    def _evidence(self, items: Sequence[tuple[_Case, Reason]], criterion: str) -> str:
        """What the evidence on one criterion says, side by side, in the user's terms:
        `publish-subscribe is favoured, as it has 3 consumers (order-confirmed)`."""
        parts = []
        for side in SIDES:
            mine = [(case, reason) for case, reason in items if reason.favours == side]
            if not mine:
                continue
            keys = list(dict.fromkeys(self.constraint(reason) for _, reason in mine))
            clauses = []
            for key in keys:
                cases = list(
                    dict.fromkeys(case for case, reason in mine if self.constraint(reason) == key)
                )
                clauses.append(self._listing(key, cases, side=side))
            parts.append(f"{SIDE_CLAIMS[side]} is favoured, as {'; '.join(clauses)}")
        return "; ".join(parts)

    def matrix(self) -> Matrix:
        """Criteria x options: each option's points on each criterion, as a mean over the flows
        on the scores' 0-100 scale, so that each column adds up to the option's score."""
        styles: tuple[Style, ...] = ("api", "event", "hybrid")
        columns: dict[Style, list[float]] = {}
        for style in styles:
            sides = self.assigned(style)
            per_criterion = [0.0] * len(self.ruleset.criteria)
            index = {criterion.id: at for at, criterion in enumerate(self.ruleset.criteria)}
            for case in self.cases:
                side = sides[case.id]
                counted = [r for r in case.result.reasons if r.favours == side]
                raw = sum(reason.points for reason in counted)
                score = _side_score(case, side)
                scale = score / raw if raw else 0.0  # the cap at 100 and the saturation
                for reason in counted:
                    if reason.criterion in index:
                        per_criterion[index[reason.criterion]] += reason.points * scale
            columns[style] = tallied(
                [value / len(self.cases) for value in per_criterion], self.option_score(style)
            )
        rows = []
        for at, criterion in enumerate(self.ruleset.criteria):
            values = {style: columns[style][at] for style in styles}
            top = max(values.values())
            rows.append(
                MatrixRow(
                    criterion=criterion.title,
                    compares=f"{criterion.api} / {criterion.event}",
                    points={style: format_score(value) for style, value in values.items()},
                    best=tuple(s for s in styles if top > 0 and values[s] == top),
                )
            )
        return Matrix(
            rows=tuple(rows),
            totals={style: format_score(self.option_score(style)) for style in styles},
        )

    # -- confirmation -----------------------------------------------------------------------------

    def confirmation(self) -> tuple[Confirmation, ...]:
        return tuple(self._confirm(case) for case in self.cases)

    def _confirm(self, case: _Case) -> Confirmation:
        flow, style = case.flow, case.result.style
        delay = format_duration(flow.max_delay_seconds)
        peak = case.number("flow.peak_per_second")
        evented = style in ("event", "hybrid")
        lines: list[tuple[str, str]] = []
        if flow.needs_response and not evented:
            caller = [flow.source] if flow.caller == "source" else list(flow.targets)
            callee = list(flow.targets) if flow.caller == "source" else [flow.source]
            lines.append(
                (
                    "Latency",
                    f"{self.owned_list(caller)} {'get' if len(caller) > 1 else 'gets'} the "
                    f"answer of {self.owned_list(callee)} within {delay}: measure it at the "
                    f"caller in a load test at the peak of {format_rate(peak, 'request')}, and "
                    "alarm in "
                    "production when it takes longer.",
                )
            )
        else:
            arrival = (
                "its arrival at"
                if style != "hybrid"
                else "the moment the payload has been fetched by"
            )
            lines.append(
                (
                    "Latency",
                    f"from a change in {self.owned(flow.source)} to {arrival} "
                    f"{self.owned_list(flow.targets)}: within {delay}; measure the age of each "
                    "message on arrival, in a load test at the peak of "
                    f"{format_rate(peak, 'message')}, and "
                    "alarm in production when it is older.",
                )
            )
        lines += self._headroom(case, peak)
        if evented:
            broker = self.result.broker
            if broker is not None and broker.choice is None:
                where = f"the failed deliveries of {self.owned(flow.source)}'s webhooks"
            else:
                carrier = broker.name if broker is not None else "the broker"
                where = f"the dead-letter queue of each subscription on {carrier}"
            lines.append(
                (
                    "Dead letters",
                    f"an alarm on {where} for {self.owned_list(flow.targets)}, on its first "
                    "message, and a named person who replays them.",
                )
            )
        receivers = self.called(case) if not evented else list(flow.targets)
        thing = "request" if flow.needs_response and not evented else "message"
        lines.append(
            (
                "Idempotency",
                f"send one {thing} twice in a test (the same idempotency key): "
                f"{self.owned_list(receivers)} must apply it once"
                + (" and answer with the first result." if flow.needs_response else "."),
            )
        )
        contract = {
            "api": "the API",
            "event": "the event's schema",
            "hybrid": "the thin event's schema and the API it calls back",
        }[style]
        lines.append(
            (
                "Contracts",
                f"a contract test of {contract} between {self.owned(flow.source)} and "
                f"{self.owned_list(flow.targets)}, run in the builds of both sides.",
            )
        )
        return Confirmation(flow.id, style, STYLE_NAMES[style], tuple(lines))

    def _headroom(self, case: _Case, peak: float) -> list[tuple[str, str]]:
        flow = case.flow
        limited = self._limited(case)
        if not limited:
            return [
                (
                    "Headroom",
                    f"no rate limit is known for {self.owned_list(self.called(case))}: ask for "
                    "it before going live, then check the peak below it.",
                )
            ]
        lines = []
        for system_id, limit in limited:
            calling = len(flow.targets) if system_id == flow.source else 1  # each target calls
            per_minute = peak * 60 * calling
            share = per_minute / limit
            text = (
                f"{self.owned(system_id)} takes at most {plural(limit, 'call')} a minute; this "
                f"flow's peak is about {plural(round(per_minute, 1), 'call')} a minute "
                f"({format_percent(share)} of it)"
            )
            polling = case.result.polling
            if (
                polling is not None
                and polling.quota_share is not None
                and system_id == flow.source
                and case.result.style == "api"
            ):
                text += (
                    f", and polling would take {format_percent(polling.quota_share)} of its "
                    "daily quota"
                )
            lines.append(
                (
                    "Headroom",
                    text + ": load-test it together with every other caller of the same API, "
                    "and alarm on 429 responses.",
                )
            )
        return lines

    # -- traceability ---------------------------------------------------------------------------

    def trace(self) -> tuple[TraceRow, ...]:
        """Every rule that gave points, with the driver it stands under, then each flow's style
        decision and the broker choice."""
        rows = []
        for case in self.cases:
            for reason in case.result.reasons:
                criterion = self.criteria.get(reason.criterion)
                rows.append(
                    TraceRow(
                        flow=case.id,
                        rule=reason.rule,
                        criterion=criterion.title if criterion else reason.criterion,
                        favours=STYLE_NAMES[reason.favours],
                        points=f"+{format_score(reason.points)}",
                        driver=TITLES.get(self.constraint(reason), TITLES["other"]),
                    )
                )
            decision = case.result.decision
            rows.append(
                TraceRow(
                    flow=case.id,
                    rule=decision.rule,
                    criterion="Style of the flow",
                    favours=STYLE_NAMES[case.result.style],
                    points="",
                    driver=TITLES.get(self.constraints.get(decision.rule, ""), "The scores"),
                )
            )
        broker = self.result.broker
        if broker is not None:
            rows.append(
                TraceRow(
                    flow="(all)",
                    rule=broker.rule,
                    criterion="Broker",
                    favours=broker.name if broker.choice is not None else _NO_BROKER_NAME,
                    points="",
                    driver="The event-driven flows together",
                )
            )
        return tuple(rows)


_NO_BROKER_NAME = "No broker"


def _side_score(case: _Case, side: Side) -> float:
    scores = case.result.scores
    return scores.api if side == "api" else scores.event


def _lower_first(title: str) -> str:
    """`Coupling` to `coupling` inside a sentence; `API design` stays as it is."""
    if len(title) > 1 and title[1].isupper():
        return title
    return title[:1].lower() + title[1:]


def _rank(key: str) -> int:
    order = [name for name, _ in PRIORITY]
    return order.index(key) if key in order else len(order)


def tallied(values: Sequence[float], total: float) -> list[float]:
    """Values rounded to tenths that add up to `total` (itself in tenths) exactly, each off by
    less than a tenth: the largest remainders get the tenths left over."""
    exact = [value * 10 for value in values]
    floors = [int(value) for value in exact]
    left = round(total * 10) - sum(floors)
    order = sorted(range(len(exact)), key=lambda at: (floors[at] - exact[at], at))
    for at in order[: max(0, left)]:
        floors[at] += 1
    return [value / 10 for value in floors]


def ids(items: Iterable[str]) -> str:
    """Flow ids for a sentence: all of them up to MAX_LISTED, then "and N more"."""
    listed = list(items)
    if len(listed) > MAX_LISTED:
        return join([*listed[: MAX_LISTED - 1], f"{len(listed) - MAX_LISTED + 1} more"])
    return join(listed)


def join(items: Iterable[str]) -> str:
    """a, b and c."""
    listed = [item for item in items if item]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def _sentence(text: str) -> str:
    """Text ending with a full stop. It is never capitalised: it may start with a name."""
    text = text.strip()
    return text + ("" if not text or text.endswith(".") else ".")
