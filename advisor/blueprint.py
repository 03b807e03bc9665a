"""The integration blueprint: an assessment and its result drawn as a Graphviz diagram. Pure: the
DOT source comes out as a string; rendering it to SVG or PNG is `advisor.render`'s job.

Views. One picture cannot hold forty flows legibly, so the blueprint comes in views:
- overview (the default): every system and flow, summarised. API flows between the same two
  systems share one edge that names the flow, or says how many there are ("3 flows"); each event
  or hybrid flow has one topic in the broker, fanned out to its consumers; hybrid call-backs are
  a line in the producer's box ("+ API for call-backs"), and an API call from one side of the
  broker to the other a line in the caller's ("+ API call: nightly-extract"), not edges that
  would loop round the broker;
- events: the event and hybrid flows alone, with their producers, broker and consumers;
- api: the API flows and the hybrid call-backs alone, every edge naming its flows, whether the
  call is a push or a fetch, and whether it retries with back-off;
- one flow (`flow=`): that flow in full (its topic and dead-letter queue, its call-backs) and its
  neighbours: the other flows of its systems, greyed, with the systems at their other end.

Layout by role, the same in every view: data moves left to right. The systems that only send are
on the left, the broker's topics in one column in the middle, the consumers of events on the
right; within a side, a system that feeds another by API sits left of it (those left of the broker
as close to it as their calls allow). The columns are worked out here (`_columns`) and pinned with
rank constraints, so that Graphviz's `dot` only orders the systems within each column, starting
from an order worked out here too (`_ordered`: barycentre sweeps). Each column groups its systems
by owner, in a box per owner (the same owner has the same colour in every column); a system
without an owner stands alone. The title is the graph's label, above everything; the legend is
the drawing's, under it. Edges are Graphviz's splines: measured on generated estates, polyline
and ortho routing cross about as many edges (ortho also parts labels from their edges) and
`concentrate` merges edges into trunks that run over the boxes' text
(tests/test_blueprint_layout.py).

Every piece of user text goes through `_text` (graphviz.escape, with `&` written as an entity so
Graphviz does not decode entities the user typed): names like `<b>x</b>` or `\\N` show as typed
and cannot inject DOT. User text never reaches URL, href, image, tooltip or id attributes, nor
comments or node and cluster names (those are built from validated identifiers and indexes).
Record shapes are never used: their `{|}<>` syntax is not escaped by graphviz.escape. The legend
is the one HTML-like label and holds constants only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import graphviz

from advisor.errors import did_you_mean
from advisor.models import Assessment, Flow, FlowResult, Result, System
from advisor.ruleset import DRAWN, NO_BROKER, Drawn, Ruleset
from advisor.wording import STYLE_NAMES, format_confidence

View = Literal["overview", "events", "api"]
VIEWS: tuple[View, ...] = get_args(View)
VIEW_NAMES: dict[View, str] = {"overview": "Overview", "events": "Events", "api": "API calls"}
# What each view shows, in a sentence (the reports' captions).
VIEW_CAPTIONS: dict[View, str] = {
    "overview": "Systems and flows, drawn in the style each flow got.",
    "events": "The event and hybrid flows alone: each producer, its topics and their consumers.",
    "api": "The API calls and hybrid call-backs alone, each naming its flows and who calls.",
}

FONT = "Helvetica"
# Point sizes. The smallest text is 11 pt: shown 1,100 px wide, a 40-flow overview keeps it at
# 9 px or more (tests/test_blueprint_layout.py holds that).
TITLE_SIZE = "15"
NODE_SIZE = "12"
LABEL_SIZE = "11"

# Colours (six hex digits: older Graphviz rejects three) and lines, one pair per style.
API_COLOUR = "#1f5fa8"
EVENT_COLOUR = "#c2410c"
HYBRID_COLOUR = "#7b3fa0"
DEAD_LETTER_COLOUR = "#6b6b6b"
NEIGHBOUR_COLOUR = "#8a8a8a"
INK = "#222222"
MUTED = "#555555"
SYSTEM_FILL = "#ffffff"
OWNER_LINE = "#9aa5b1"
BROKER_FILL = "#fff7ed"
EVENT_TOPIC_FILL = "#fde3d3"
HYBRID_TOPIC_FILL = "#efe3f7"
DEAD_LETTER_FILL = "#eeeeee"
LEGEND_FILL = "#fafafa"
# One pale fill per owner, in the order the owners first appear; the same owner has the same
# fill in every column. Beyond eight owners the fills repeat (the boxes' labels still tell).
OWNER_FILLS = (
    "#eef4fb",
    "#f1f8ee",
    "#fdf6e7",
    "#f6eff9",
    "#eaf6f6",
    "#fbeff1",
    "#f3f3f3",
    "#f7f5ec",
)

EdgeKind = Literal["api", "event", "hybrid", "call-back", "dead-letter", "neighbour"]

_LINES: dict[EdgeKind, dict[str, str]] = {
    "api": {"color": API_COLOUR, "style": "solid", "penwidth": "1.4", "arrowhead": "normal"},
    "event": {"color": EVENT_COLOUR, "style": "solid", "penwidth": "2.2", "arrowhead": "vee"},
    "hybrid": {"color": HYBRID_COLOUR, "style": "solid", "penwidth": "1", "arrowhead": "vee"},
    "call-back": {
        "color": HYBRID_COLOUR,
        "style": "dashed",
        "penwidth": "1.2",
        "arrowhead": "normal",
    },
    "dead-letter": {"color": DEAD_LETTER_COLOUR, "style": "dotted", "arrowhead": "onormal"},
    "neighbour": {
        "color": NEIGHBOUR_COLOUR,
        "style": "solid",
        "penwidth": "0.8",
        "arrowhead": "empty",
    },
}
_LABEL_COLOURS: dict[EdgeKind, str] = {
    "api": API_COLOUR,
    "event": EVENT_COLOUR,
    "hybrid": HYBRID_COLOUR,
    "call-back": HYBRID_COLOUR,
    "dead-letter": MUTED,
    "neighbour": MUTED,
}

# What a broker calls the thing one flow's messages go through; "topic" for any other.
_CHANNEL_TERMS = {
    "sns_sqs": "SNS topic",
    "eventbridge": "event rule",
    "rabbitmq": "exchange",
    NO_BROKER: "webhook",  # no broker: the source calls each consumer's endpoint
}

# Up to this many topics, each gets a dotted edge to the dead-letter queue; beyond, the queue says
# it serves them all (edges between topics further apart would loop round the column).
DEAD_LETTER_EDGES_UP_TO = 1
# A system's name is wrapped at spaces to lines of about this many characters.
NAME_WIDTH = 22

_DEAD_LETTER = "dead_letter_queue"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class UnknownFlowError(ValueError):
    """`flow=` names no flow of the assessment; the message says which ids there are."""

    def __init__(self, flow_id: str, known: Sequence[str]) -> None:
        hint = did_you_mean(flow_id, known)
        listed = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        super().__init__(f"no flow has the id {flow_id!r}" + (hint or f"; the flows: {listed}"))
        self.flow_id = flow_id


def blueprint_dot(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    *,
    view: View = "overview",
    flow: str | None = None,
) -> str:
    """The blueprint of `assessment` and its `result` as DOT source. Same inputs, same bytes.

    `view` picks the overview, the events or the API calls; `flow` (an id) draws that flow and
    its neighbours instead, and raises UnknownFlowError when no flow has that id. `ruleset`
    names the broker when the result gives only its id.
    """
    if view not in VIEWS:
        raise ValueError(f"no blueprint view {view!r}: choose one of {', '.join(VIEWS)}")
    plan = _Plan.of(assessment, result, ruleset)
    if flow is not None:
        if flow not in plan.by_id:
            raise UnknownFlowError(flow, [item.id for item, _ in plan.flows])
        scene = _focus(plan, flow)
    else:
        scene = {"overview": _overview, "events": _events, "api": _api}[view](plan)
    return _draw(plan, scene)


def distinct_views(result: Result) -> tuple[View, ...]:
    """The focused views that show something the overview does not: those that draw some flows
    and leave others out. An integration of events alone has no API view worth a second picture,
    and its events view would be the overview again."""
    styles = {flow.style for flow in result.flows}
    found: list[View] = []
    if styles & {"event", "hybrid"} and "api" in styles:
        found.append("events")
    if styles & {"api", "hybrid"} and "event" in styles:
        found.append("api")
    return tuple(found)


def focused_views(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> Iterator[tuple[View, str]]:
    """The focused views that the reports show under the overview (`distinct_views`), each as
    (view, DOT), made one at a time as they are asked for."""
    for view in distinct_views(result):
        yield view, blueprint_dot(assessment, result, ruleset, view=view)


def flow_ids(result: Result) -> tuple[str, ...]:
    """The ids one can focus on, in the result's order."""
    return tuple(flow.id for flow in result.flows)


# ---------------------------------------------------------------------------------------------
# What the result says, worked out once
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What to draw, worked out once from the assessment, the result and the rules."""

    assessment: Assessment
    result: Result
    flows: tuple[tuple[Flow, FlowResult], ...]
    by_id: dict[str, tuple[Flow, FlowResult]]
    broker_name: str
    channel_term: str
    idempotent: frozenset[str]  # flow ids whose consumers should be idempotent
    outbox: frozenset[str]  # flow ids whose producer needs a transactional outbox
    retried: frozenset[str]  # flow ids whose calls retry with back-off
    dead_letter: frozenset[str]  # flow ids whose failed messages go to the dead-letter queue
    owners: tuple[str, ...]  # in the order of the systems

    @classmethod
    def of(cls, assessment: Assessment, result: Result, ruleset: Ruleset) -> _Plan:
        declared = {flow.id: flow for flow in assessment.flows}
        flows = tuple((declared[item.id], item) for item in result.flows if item.id in declared)
        # The mitigations drawn are the rules' to say: a risk's `blueprint` names the one that
        # goes on its flows.
        drawn = {rule.id: rule.blueprint for rule in ruleset.risks if rule.blueprint is not None}
        mitigated: dict[Drawn, frozenset[str]] = dict.fromkeys(DRAWN, frozenset())
        for risk in result.risks:
            if risk.id in drawn:
                mitigated[drawn[risk.id]] |= frozenset(risk.flows)
        broker = result.broker
        broker_name = "Message broker"
        if broker is not None:
            known = {option.id: option.name for option in ruleset.brokers}
            choice = broker.choice or NO_BROKER
            broker_name = broker.name or known.get(choice, choice)
        return cls(
            assessment=assessment,
            result=result,
            flows=flows,
            by_id={flow.id: (flow, flow_result) for flow, flow_result in flows},
            broker_name=broker_name,
            channel_term=(
                _CHANNEL_TERMS.get(broker.choice or NO_BROKER, "topic") if broker else "topic"
            ),
            idempotent=mitigated["idempotent-consumer"],
            outbox=mitigated["outbox"],
            retried=mitigated["retries"],
            dead_letter=mitigated["dead-letter"],
            owners=tuple(
                dict.fromkeys(system.owner for system in assessment.systems if system.owner)
            ),
        )

    def system(self, system_id: str) -> System:
        return self.assessment.system(system_id)

    def of_style(self, *styles: str) -> list[tuple[Flow, FlowResult]]:
        return [pair for pair in self.flows if pair[1].style in styles]

    def all_sync_retried(self) -> bool:
        """Whether every API call and call-back retries with back-off (the legend says it)."""
        synchronous = {flow.id for flow, flow_result in self.flows if flow_result.style != "event"}
        return bool(synchronous) and synchronous <= self.retried

    def system_lines(self, system_id: str, flows: Iterable[tuple[Flow, FlowResult]]) -> list[str]:
        """A system's name (wrapped) and the mitigations that `flows` ask of it."""
        lines = _wrapped_name(self.system(system_id).label)
        evented = [(flow, item) for flow, item in flows if item.style != "api"]
        if any(flow.source == system_id and flow.id in self.outbox for flow, _ in evented):
            lines.append("+ transactional outbox")
        if any(system_id in flow.targets and flow.id in self.idempotent for flow, _ in evented):
            lines.append("+ idempotent consumer")
        if any(flow.source == system_id and item.style == "hybrid" for flow, item in evented):
            lines.append("+ API for call-backs")
        return lines


def _wrapped_name(name: str, width: int = NAME_WIDTH) -> list[str]:
    """A name on lines of about `width` characters, broken at spaces only; a name the user broke
    into lines stays as typed."""
    if len(name) <= width or "\n" in name:
        return [name]
    lines: list[str] = []
    for word in name.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


# ---------------------------------------------------------------------------------------------
# Scenes: the nodes and edges of one view, before any layout
# ---------------------------------------------------------------------------------------------

NodeKind = Literal["system", "topic", "dead-letter", "api"]


@dataclass
class _Node:
    name: str
    kind: NodeKind
    lines: list[str]
    system: str | None = None  # the system's id: its owner's box
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class _Edge:
    tail: str  # where the data comes from: the layout puts it left of the head
    head: str
    kind: EdgeKind
    lines: list[str] = field(default_factory=list)
    back: bool = False  # the arrow points at the tail: the head calls it
    flows: list[str] = field(default_factory=list)  # the ids of the flows it stands for


@dataclass
class _Scene:
    title: str
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)  # keys of _LEGEND_ROWS, in order

    def add(self, node: _Node) -> None:
        self.nodes.setdefault(node.name, node)

    def note(self, *keys: str) -> None:
        for key in keys:
            if key not in self.legend:
                self.legend.append(key)


def _system_node(system_id: str) -> str:
    return f"system_{system_id}"


def _api_node(system_id: str) -> str:
    return f"api_{system_id}"


def _topic_node(flow_id: str) -> str:
    return f"topic_{flow_id}"


def _add_systems(
    scene: _Scene, plan: _Plan, system_ids: Iterable[str], muted: bool = False
) -> None:
    """Systems in the assessment's order, with the mitigations every flow asks of them."""
    wanted = set(system_ids)
    for system in plan.assessment.systems:
        if system.id in wanted and _system_node(system.id) not in scene.nodes:
            attrs = {"color": NEIGHBOUR_COLOUR, "fontcolor": MUTED} if muted else {}
            lines = (
                _wrapped_name(system.label) if muted else plan.system_lines(system.id, plan.flows)
            )
            scene.add(_Node(_system_node(system.id), "system", lines, system.id, attrs))


def _add_broker(scene: _Scene, plan: _Plan, evented: list[tuple[Flow, FlowResult]]) -> None:
    """A topic per event or hybrid flow, and the dead-letter queue."""
    with_edges = len(evented) <= DEAD_LETTER_EDGES_UP_TO
    lines = ["dead-letter queue"]
    if not with_edges:
        lines.append(f"for every {plan.channel_term}")
    if any(flow.id in plan.dead_letter for flow, _ in evented):
        lines.append("after retries with back-off")
    scene.add(_Node(_DEAD_LETTER, "dead-letter", lines))
    # Each producer's topics one after the other: Graphviz starts from this order, and keeps
    # them together more often than not.
    producers = list(dict.fromkeys(flow.source for flow, _ in evented))
    evented = sorted(evented, key=lambda pair: producers.index(pair[0].source))
    for flow, flow_result in evented:
        hybrid = flow_result.style == "hybrid"
        scene.add(
            _Node(
                _topic_node(flow.id),
                "topic",
                [f"{flow.id} (thin event)" if hybrid else flow.id],
                attrs={
                    "fillcolor": HYBRID_TOPIC_FILL if hybrid else EVENT_TOPIC_FILL,
                    "color": HYBRID_COLOUR if hybrid else EVENT_COLOUR,
                },
            )
        )
        scene.edges.append(
            _Edge(_system_node(flow.source), _topic_node(flow.id), flow_result.style)
        )
        for target in flow.targets:
            scene.edges.append(_Edge(_topic_node(flow.id), _system_node(target), flow_result.style))
        if with_edges:
            scene.edges.append(_Edge(_topic_node(flow.id), _DEAD_LETTER, "dead-letter"))
            scene.note("dead-letter")
        scene.note(flow_result.style)
    scene.note("topic")


def _add_api_edges(
    scene: _Scene, plan: _Plan, flows: list[tuple[Flow, FlowResult]], *, summary: bool
) -> None:
    """One request edge per pair of systems and caller. The edge runs from the source to the
    target (data moves left to right); where the targets call the source (a lookup, a scheduled
    pull) the arrow points back at the source. A `summary` edge names its one flow, or says how
    many it stands for; otherwise it names them all, says push or fetch, and marks retries."""
    pairs: dict[tuple[str, str, bool], list[str]] = {}
    for flow, _ in flows:
        fetched = flow.caller == "target"
        for target in flow.targets:
            pairs.setdefault((flow.source, target, fetched), []).append(flow.id)
    every = plan.all_sync_retried()
    for (source, target, fetched), ids in pairs.items():
        if summary:
            lines = [ids[0] if len(ids) == 1 else f"{len(ids)} flows"]
            if len(ids) > 1:
                scene.note("merged")
        else:
            retried = not every and any(flow_id in plan.retried for flow_id in ids)
            how = "sync fetch" if fetched else "sync"
            lines = [*_wrap(ids), f"{how}, retries with back-off" if retried else how]
        scene.edges.append(
            _Edge(_system_node(source), _system_node(target), "api", lines, fetched, ids)
        )
    if pairs:
        scene.note("api")


def _add_call_backs(scene: _Scene, plan: _Plan, flows: list[tuple[Flow, FlowResult]]) -> None:
    """Each consumer of a hybrid flow calls the source's API back: an edge from the source to
    the consumer, its arrow pointing at the source (as a fetch's does)."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for flow, _ in flows:
        for target in flow.targets:
            pairs.setdefault((flow.source, target), []).append(flow.id)
    every = plan.all_sync_retried()
    for (source, target), ids in pairs.items():
        retried = not every and any(flow_id in plan.retried for flow_id in ids)
        lines = [*_wrap(ids), "call-back, retries with back-off" if retried else "call-back"]
        scene.edges.append(
            _Edge(_system_node(source), _system_node(target), "call-back", lines, back=True)
        )
    if pairs:
        scene.note("call-back")


def _wrap(words: list[str], width: int = 28, prefix: str = "") -> list[str]:
    """Comma-separated words on lines of about `width` characters, after `prefix`."""
    lines: list[str] = []
    for word in words:
        if prefix:
            word, prefix = prefix + word, ""
        if lines and len(lines[-1]) + len(word) + 2 <= width:
            lines[-1] += f", {word}"
        else:
            if lines:
                lines[-1] += ","
            lines.append(word)
    return lines


def _title(plan: _Plan, what: str) -> str:
    result = plan.result
    return _text(
        f"Integration blueprint: {plan.assessment.name}",
        f"Recommendation: {STYLE_NAMES[result.recommendation]} "
        f"(confidence {format_confidence(result.confidence)}) · {what}",
        left=True,
    )


def _overview(plan: _Plan) -> _Scene:
    scene = _Scene(_title(plan, "overview of every flow"))
    _add_systems(scene, plan, (system.id for system in plan.assessment.systems))
    evented = plan.of_style("event", "hybrid")
    if evented:
        _add_broker(scene, plan, evented)
    if plan.of_style("hybrid"):
        scene.note("summarised call-backs")
    _add_api_edges(scene, plan, plan.of_style("api"), summary=True)
    if evented:
        _summarise_across(scene)
    return scene


def _summarise_across(scene: _Scene) -> None:
    """API edges from one side of the broker to the other, as a line in the caller's box: drawn,
    they would go round the whole broker (the API view draws them)."""
    columns = _columns(scene)
    column_of = {name: index for index, column in enumerate(columns) for name in column}
    broker = column_of[_DEAD_LETTER]
    calls: dict[str, list[str]] = {}
    kept = []
    for edge in scene.edges:
        ends = sorted((column_of[edge.tail], column_of[edge.head]))
        if edge.kind == "api" and ends[0] < broker < ends[1]:
            calls.setdefault(edge.head if edge.back else edge.tail, []).extend(edge.flows)
        else:
            kept.append(edge)
    scene.edges = kept
    for name, ids in calls.items():
        prefix = "+ API call: " if len(ids) == 1 else "+ API calls: "
        scene.nodes[name].lines += _wrap(ids, prefix=prefix)
    if calls:
        scene.note("summarised calls")


def _events(plan: _Plan) -> _Scene:
    evented = plan.of_style("event", "hybrid")
    scene = _Scene(_title(plan, "events view: the event and hybrid flows"))
    _add_systems(scene, plan, _systems_of(evented))
    if evented:
        _add_broker(scene, plan, evented)
    else:
        scene.note("no flows")
    if plan.of_style("hybrid"):
        scene.note("summarised call-backs")
    return scene


def _api(plan: _Plan) -> _Scene:
    api, hybrid = plan.of_style("api"), plan.of_style("hybrid")
    scene = _Scene(_title(plan, "API view: the API calls and hybrid call-backs"))
    _add_systems(scene, plan, _systems_of(api + hybrid))
    _add_api_edges(scene, plan, api, summary=False)
    _add_call_backs(scene, plan, hybrid)
    if not api + hybrid:
        scene.note("no flows")
    return scene


def _focus(plan: _Plan, flow_id: str) -> _Scene:
    """One flow in full, and its neighbours: every other flow of its systems, greyed and merged
    per pair of systems, with the systems at their other end."""
    flow, flow_result = plan.by_id[flow_id]
    style = STYLE_NAMES[flow_result.style].lower()
    scene = _Scene(_title(plan, f"flow {flow.id} ({style}) and its neighbours"))
    own = [flow.source, *flow.targets]
    _add_systems(scene, plan, own)
    if flow_result.style == "api":
        _add_api_edges(scene, plan, [(flow, flow_result)], summary=False)
    else:
        _add_broker(scene, plan, [(flow, flow_result)])
        if flow_result.style == "hybrid":
            _add_api_box(scene, plan, flow)
    pairs: dict[tuple[str, str], list[str]] = {}
    for other, _ in plan.flows:
        if other.id == flow.id:
            continue
        for target in other.targets:
            if other.source in own or target in own:
                pairs.setdefault((other.source, target), []).append(other.id)
    _add_systems(scene, plan, (end for pair in pairs for end in pair), muted=True)
    for (source, target), ids in pairs.items():
        label = ids[0] if len(ids) == 1 else f"{len(ids)} flows"
        scene.edges.append(_Edge(_system_node(source), _system_node(target), "neighbour", [label]))
    if pairs:
        scene.note("neighbour")
    return scene


def _add_api_box(scene: _Scene, plan: _Plan, flow: Flow) -> None:
    """The source's API as a box right of the consumers, which call it back: the call-backs then
    run left to right like every other edge instead of looping round the broker."""
    every = plan.all_sync_retried()
    scene.add(
        _Node(
            _api_node(flow.source),
            "api",
            [f"{plan.system(flow.source).label} API", "call-backs from its consumers"],
            attrs={"style": "rounded,dashed", "color": HYBRID_COLOUR},
        )
    )
    retried = not every and flow.id in plan.retried
    for target in flow.targets:
        lines = ["retries with back-off"] if retried else []
        scene.edges.append(_Edge(_system_node(target), _api_node(flow.source), "call-back", lines))
    scene.note("call-back")


def _systems_of(flows: Iterable[tuple[Flow, FlowResult]]) -> list[str]:
    return list(dict.fromkeys(end for flow, _ in flows for end in (flow.source, *flow.targets)))


# ---------------------------------------------------------------------------------------------
# Layout by role: the columns
# ---------------------------------------------------------------------------------------------


def _columns(scene: _Scene) -> list[list[str]]:
    """The scene's nodes in columns, left to right: the systems that only send, then those they
    feed, ..., the broker's topics, then the consumers of events and the systems they feed.

    A system is on the right of the broker when it consumes an event, or when a system on the
    right feeds it and it publishes none; every other system is on the left. Within a side, a
    system's column is the longest chain of flows that feeds it from that side (a cycle is cut
    where it is first met, in the scene's order).
    """
    topics = [name for name, node in scene.nodes.items() if node.kind in ("topic", "dead-letter")]
    systems = [name for name, node in scene.nodes.items() if node.kind in ("system", "api")]
    topic_set = set(topics)
    producers = {edge.tail for edge in scene.edges if edge.head in topic_set}
    right = {edge.head for edge in scene.edges if edge.tail in topic_set and edge.head in systems}
    between = [
        (edge.tail, edge.head)
        for edge in scene.edges
        if edge.tail not in topic_set and edge.head not in topic_set
    ]
    grown = True
    while grown:
        grown = False
        for tail, head in between:
            if tail in right and head not in right and head not in producers:
                right.add(head)
                grown = True
    linked = {end for edge in scene.edges for end in (edge.tail, edge.head)}
    left = [name for name in systems if name not in right and name in linked]
    on_right = [name for name in systems if name in right]
    columns = _layers(left, between, late=bool(topics))
    alone = [name for name in systems if name not in linked]
    if alone:  # systems with no flow in this view: first, out of the way
        columns = [alone + columns[0], *columns[1:]] if columns else [alone]
    if topics:
        columns.append(topics)
    columns += _layers(on_right, between)
    return [column for column in columns if column]


def _layers(
    names: list[str], edges: list[tuple[str, str]], *, late: bool = False
) -> list[list[str]]:
    """`names` in layers by the longest chain of `edges` among them that leads to each; or, if
    `late`, that leads from each, counted back from the last layer (so that the systems left of
    the broker stand as close to it as their calls allow)."""
    members = set(names)
    successors: dict[str, list[str]] = {name: [] for name in names}
    for tail, head in edges:
        if tail in members and head in members and tail != head:
            successors[tail].append(head)
    # Depth-first, in the given order: an edge back to a node on the current path is cut.
    order: list[str] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    kept: dict[str, list[str]] = {name: [] for name in names}
    for start in names:
        if start in state:
            continue
        stack = [(start, iter(successors[start]))]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            for head in pending:
                if state.get(head) == 1:
                    continue  # a cycle: this edge goes back
                kept[node].append(head)
                if head not in state:
                    state[head] = 1
                    stack.append((head, iter(successors[head])))
                    break
            else:
                state[node] = 2
                order.append(node)
                stack.pop()
    level = dict.fromkeys(names, 0)
    if late:
        for node in order:  # heads before tails
            for head in kept[node]:
                level[node] = max(level[node], level[head] + 1)
        deepest = max(level.values(), default=0)
        level = {name: deepest - height for name, height in level.items()}
    else:
        for node in reversed(order):  # a topological order of the kept edges
            for head in kept[node]:
                level[head] = max(level[head], level[node] + 1)
    layers: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for name in names:
        layers[level[name]].append(name)
    return layers


def _ordered(columns: list[list[str]], scene: _Scene, plan: _Plan) -> list[list[str]]:
    """The columns each in the order Graphviz should start from: a few sweeps of the barycentre
    heuristic (each node goes to the mean place of its neighbours in the columns already swept),
    keeping each owner's systems, and the broker's topics, together."""
    column_of = {name: index for index, column in enumerate(columns) for name in column}
    neighbours: dict[str, list[str]] = {name: [] for name in column_of}
    for edge in scene.edges:
        neighbours[edge.tail].append(edge.head)
        neighbours[edge.head].append(edge.tail)

    def group(name: str) -> str:
        node = scene.nodes[name]
        if node.kind in ("topic", "dead-letter"):
            return "broker"
        owner = plan.system(node.system).owner if node.system else None
        return f"owner {owner}" if owner is not None else f"node {name}"

    place = {name: index / len(column) for column in columns for index, name in enumerate(column)}
    columns = [list(column) for column in columns]
    for sweep in range(8):
        forward = sweep % 2 == 0
        indexes = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for index in indexes:
            column = columns[index]

            def centre(name: str, index: int = index, forward: bool = forward) -> float:
                seen = [
                    place[other]
                    for other in neighbours[name]
                    if (column_of[other] < index if forward else column_of[other] > index)
                ]
                return sum(seen) / len(seen) if seen else place[name]

            centres = {name: centre(name) for name in column}
            if scene.nodes[column[0]].kind in ("topic", "dead-letter"):
                centres[_DEAD_LETTER] = 2.0  # the queue at the foot of the broker
            groups: dict[str, list[str]] = {}
            for name in sorted(column, key=lambda name: centres[name]):
                groups.setdefault(group(name), []).append(name)
            blocks = sorted(
                groups.values(), key=lambda block: sum(map(centres.__getitem__, block)) / len(block)
            )
            columns[index] = [name for block in blocks for name in block]
            for position, name in enumerate(columns[index]):
                place[name] = position / len(column)
    return columns


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


def _draw(plan: _Plan, scene: _Scene) -> str:
    columns = _ordered(_columns(scene), scene, plan)
    column_of = {name: index for index, column in enumerate(columns) for name in column}
    graph = graphviz.Digraph(
        name="blueprint",
        graph_attr={
            "rankdir": "LR",
            "newrank": "true",
            "fontname": FONT,
            "fontsize": TITLE_SIZE,
            "fontcolor": INK,
            "label": scene.title,
            "labelloc": "t",
            "labeljust": "l",
            "nodesep": "0.18",
            "ranksep": "0.5",
            "pad": "0.2",
            "bgcolor": "#ffffff",
        },
        node_attr={
            "fontname": FONT,
            "fontsize": NODE_SIZE,
            "fontcolor": INK,
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": SYSTEM_FILL,
            "color": INK,
            "margin": "0.12,0.05",
        },
        edge_attr={"fontname": FONT, "fontsize": LABEL_SIZE, "arrowsize": "0.8"},
    )
    with graph.subgraph(name="cluster_drawing") as drawing:
        # The title is the graph's label, above everything (where no edge can pass), and the
        # legend the drawing's, under it. The boxes inside set their own looks: a cluster
        # inherits its parent's.
        drawing.attr(
            label=_legend(plan, scene),
            labelloc="b",
            labeljust="l",
            peripheries="0",
            margin="4",
            fontsize=LABEL_SIZE,
        )
        last = len(columns) - 1
        for index, column in enumerate(columns):
            _draw_column(drawing, plan, scene, column, "r" if index == last else "l")
    for column in columns:
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            for name in column:
                rank.node(name)
    _draw_edges(graph, scene, column_of, columns)
    source: str = graph.source
    return source


_CLUSTER_LOOK = {"labelloc": "t", "labeljust": "l", "peripheries": "1", "margin": "8"}


def _draw_column(
    graph: graphviz.Digraph, plan: _Plan, scene: _Scene, column: list[str], side: str
) -> None:
    """A column's nodes: the broker's in its box, systems in a box per owner, its name on the
    `side` (l or r) no edge comes from: the right in the last column."""
    nodes = [scene.nodes[name] for name in column]
    if any(node.kind in ("topic", "dead-letter") for node in nodes):
        _draw_broker(graph, plan, nodes)
        return
    by_owner: dict[str | None, list[_Node]] = {}
    for node in nodes:
        owner = plan.system(node.system).owner if node.system else None
        by_owner.setdefault(owner, []).append(node)
    for owner, members in by_owner.items():
        if owner is None:
            for node in members:
                _draw_node(graph, node)
            continue
        index = plan.owners.index(owner)
        first = scene.nodes[members[0].name]
        with graph.subgraph(name=f"cluster_owner_{index}_{_identifier(first.name)}") as box:
            box.attr(
                label=_text(owner),
                style="rounded,filled",
                fillcolor=OWNER_FILLS[index % len(OWNER_FILLS)],
                color=OWNER_LINE,
                fontcolor=MUTED,
                fontsize=NODE_SIZE,
                penwidth="1",
                **{**_CLUSTER_LOOK, "labeljust": side},
            )
            for node in members:
                _draw_node(box, node)


def _identifier(name: str) -> str:
    """A node name (built from validated ids) as part of a cluster's name: a DOT identifier,
    `-` written `_` (file names are made by `advisor.formats.slug`)."""
    return re.sub("[^a-z0-9_]", "_", name)


def _draw_broker(graph: graphviz.Digraph, plan: _Plan, nodes: list[_Node]) -> None:
    """The broker's box: its topics and the dead-letter queue. (Boxes round each producer's
    topics, to keep them together, cross more edges than they save: measured.)"""
    with graph.subgraph(name="cluster_broker") as broker:
        broker.attr(
            label=_text(plan.broker_name),
            style="rounded,filled",
            color=EVENT_COLOUR,
            fillcolor=BROKER_FILL,
            fontcolor=INK,
            fontsize="13",
            penwidth="1.5",
            **_CLUSTER_LOOK,
        )
        for node in nodes:
            _draw_broker_node(broker, node)


def _draw_broker_node(graph: graphviz.Digraph, node: _Node) -> None:
    if node.kind == "dead-letter":
        attrs = {
            "style": "filled,dashed",
            "fillcolor": DEAD_LETTER_FILL,
            "color": DEAD_LETTER_COLOUR,
            "fontcolor": MUTED,
            "fontsize": LABEL_SIZE,
        }
        graph.node(node.name, _text(*node.lines), **attrs)
    else:
        graph.node(node.name, _text(*node.lines), style="filled", **node.attrs)


def _draw_node(graph: graphviz.Digraph, node: _Node) -> None:
    graph.node(node.name, _text(*node.lines), **node.attrs)


def _draw_edges(
    graph: graphviz.Digraph, scene: _Scene, column_of: dict[str, int], columns: list[list[str]]
) -> None:
    linked: set[int] = set()
    for edge in scene.edges:
        attrs = dict(_LINES[edge.kind])
        if edge.lines:
            attrs["label"] = _text(*edge.lines)
            attrs["fontcolor"] = _LABEL_COLOURS[edge.kind]
        if edge.back:
            attrs["dir"] = "back"
            attrs["arrowtail"] = attrs.pop("arrowhead")
        tail, head = column_of[edge.tail], column_of[edge.head]
        if tail >= head:
            attrs["constraint"] = "false"  # a chain back, or within a column: it sets no place
        elif tail + 1 == head:
            linked.add(head)
        if scene.nodes[edge.tail].kind == "topic":
            attrs["tailport"] = "e"
            attrs["minlen"] = "2"
        if scene.nodes[edge.head].kind == "topic":
            attrs["headport"] = "w"
        graph.edge(edge.tail, edge.head, **attrs)
    # A column that no edge reaches from the one before is held right of it by an invisible one.
    for index in range(1, len(columns)):
        if index not in linked:
            graph.edge(columns[index - 1][0], columns[index][0], style="invis", weight="0")


# ---------------------------------------------------------------------------------------------
# Text and the legend
# ---------------------------------------------------------------------------------------------


def _text(*lines: str, left: bool = False) -> str:
    """User (or rules) text as a DOT label: escaped, one line per argument, centred or `left`.

    graphviz.escape keeps backslashes literal and stops `<...>` from being read as an HTML label;
    `&` becomes `&amp;` because Graphviz decodes HTML entities in every label. A newline the user
    typed stays a line break; characters that SVG (XML) cannot hold, such as control characters,
    become U+FFFD.
    """
    escaped = [
        graphviz.escape(_NOT_XML.sub("\ufffd", line).replace("&", "&amp;")) for line in lines
    ]
    joined = "".join(f"{line}\\l" for line in escaped) if left else "\\n".join(escaped)
    label: str = graphviz.nohtml(joined)  # stays a NoHtml string: never read as HTML
    return label


# The legend: for each line in use, its colour, its line style and thickness (so that it reads in
# black and white), the arrowhead drawn as a glyph, and what it means.
_LEGEND_ROWS = {
    "api": (API_COLOUR, "solid", 2, "\u25ba", "API call (sync), arrow at the system called"),
    "event": (EVENT_COLOUR, "solid", 4, "&gt;", "event, fanned out to each consumer"),
    "hybrid": (HYBRID_COLOUR, "solid", 1, "&gt;", "thin event (hybrid)"),
    "call-back": (HYBRID_COLOUR, "dashed", 1, "\u25ba", "call-back to the source's API (hybrid)"),
    "dead-letter": (DEAD_LETTER_COLOUR, "dotted", 1, "&gt;", "to the dead-letter queue"),
    "neighbour": (NEIGHBOUR_COLOUR, "solid", 1, "&gt;", "another flow of these systems"),
}
_LEGEND_NOTES = {
    "merged": '"3 flows": API flows merged in one edge',
    "summarised call-backs": "hybrid: consumers call the source's API back",
    "summarised calls": '"+ API call": a call across the broker (the API view draws it)',
    "no flows": "no flow of this kind in the assessment",
}


def _legend(plan: _Plan, scene: _Scene) -> str:
    """A sample of each line in use, with what it means, two to a row.

    The one HTML-like label in the diagram: it is made of the constants above only, never of
    user text, because a table is the only way to draw line samples compactly.
    """
    cells: list[str] = []
    for key in scene.legend:
        if key in _LEGEND_ROWS:
            colour, style, width, arrow, meaning = _LEGEND_ROWS[key]
            sample = (
                '<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">'
                f'<TR><TD WIDTH="40" HEIGHT="6" SIDES="B" BORDER="{width}" STYLE="{style}" '
                f'COLOR="{colour}"></TD></TR><TR><TD HEIGHT="6"></TD></TR></TABLE>'
            )
            cells.append(_legend_cell(sample, f'<FONT COLOR="{colour}">{arrow}</FONT>', meaning))
        elif key == "topic":
            box = (
                f'<TABLE BORDER="1" COLOR="{EVENT_COLOUR}" BGCOLOR="{EVENT_TOPIC_FILL}" '
                'CELLSPACING="0"><TR><TD WIDTH="36" HEIGHT="8"></TD></TR></TABLE>'
            )
            cells.append(_legend_cell(box, "", f"{plan.channel_term}: one per event flow"))
        else:
            cells.append(_legend_cell("", "", _LEGEND_NOTES[key]))
    if plan.all_sync_retried() and any(key in scene.legend for key in ("api", "call-back")):
        cells.append(_legend_cell("", "", "sync calls: timeouts, retries with back-off"))
    rows = ['<TR><TD COLSPAN="8" ALIGN="LEFT"><FONT COLOR="' + MUTED + '">Legend</FONT></TD></TR>']
    for start in range(0, len(cells), 2):
        pair = cells[start : start + 2]
        if len(pair) == 1:
            pair.append('<TD COLSPAN="4"></TD>')
        rows.append(f"<TR>{''.join(pair)}</TR>")
    table = (
        f'<TABLE BORDER="1" COLOR="{OWNER_LINE}" STYLE="rounded" BGCOLOR="{LEGEND_FILL}" '
        f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">{"".join(rows)}</TABLE>'
    )
    return f"<{table}>"


def _legend_cell(sample: str, arrow: str, meaning: str) -> str:
    # The last cell's right padding keeps the text off the next entry and the rounded corner.
    return f'<TD>{sample}</TD><TD>{arrow}</TD><TD ALIGN="LEFT">{meaning}</TD><TD WIDTH="10"></TD>'
