"""The integration blueprint: an assessment and its result drawn as a Graphviz diagram. Pure: the
DOT source comes out as a string; rendering it to SVG or PNG is `advisor.render`'s job.

What it draws, left to right:
- every system as a box with its display name and owner;
- API flows as solid request edges from source to target, labelled with the flows and "sync"
  (one edge per pair of systems, naming every API flow between them);
- event flows through a cluster named after the chosen broker: one topic (or queue) per flow, a
  thick edge from the producer to it, fan-out edges to each consumer, and a dead-letter queue;
- hybrid flows as a thin event through the broker plus a dashed call-back from each target to the
  source's API, drawn as its own box right of the consumers;
- the main mitigations where the result's risks say they apply: idempotent consumers, a
  transactional outbox at producers that cannot publish their own changes, retries with back-off;
- a legend of the lines in use. Each style has its own colour AND line (thin, thick, solid,
  dashed, dotted) and arrowhead, so the diagram reads in black and white too.

Grouped by role: callers and producers on the left, the broker's topics in one column (each
producer's topics together), the systems that only consume in the next column, and the APIs that
hybrid consumers call back in the last. The owner is in every system's label rather than a box
per owner: such boxes would pull consumers away from their topics and tangle the edges.

Every piece of user text goes through `_text` (graphviz.escape, with `&` written as an entity so
Graphviz does not decode entities the user typed): names like `<b>x</b>` or `\\N` show as typed
and cannot inject DOT. User text never reaches URL, href, image, tooltip or id attributes, nor
comments or node names (those are built from validated identifiers). Record shapes are never used:
their `{|}<>` syntax is not escaped by graphviz.escape. The legend is the one HTML-like label and
holds constants only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import graphviz

from advisor.models import Assessment, Flow, FlowResult, Result, System
from advisor.ruleset import NO_BROKER, Ruleset
from advisor.wording import STYLE_NAMES

FONT = "Helvetica"

# Colours (six hex digits: older Graphviz rejects three) and lines, one pair per style.
API_COLOUR = "#1f5fa8"
EVENT_COLOUR = "#c2410c"
HYBRID_COLOUR = "#7b3fa0"
DEAD_LETTER_COLOUR = "#6b6b6b"
INK = "#222222"
MUTED = "#555555"
SYSTEM_FILL = "#ffffff"
OWNER_LINE = "#9aa5b1"
BROKER_FILL = "#fff7ed"
EVENT_TOPIC_FILL = "#fde3d3"
HYBRID_TOPIC_FILL = "#efe3f7"
DEAD_LETTER_FILL = "#eeeeee"
LEGEND_FILL = "#fafafa"

_LINES: dict[str, dict[str, str]] = {
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
}

# What a broker calls the thing one flow's messages go through; "topic" for any other.
_CHANNEL_TERMS = {
    "sns_sqs": "SNS topic",
    "eventbridge": "event rule",
    "rabbitmq": "exchange",
    NO_BROKER: "webhook",  # no broker: the source calls each consumer's endpoint
}

# The risks (ids from the default rules) whose mitigations the blueprint draws.
IDEMPOTENCY_RISK = "idempotency"
OUTBOX_RISK = "dual-write"
DEAD_LETTER_RISK = "poison-messages"
RETRY_RISKS = ("tight-coupling", "rate-limit")

# Up to this many topics, each gets a dotted edge to the dead-letter queue; beyond, the queue says
# it serves them all (edges between topics further apart would loop round the column).
DEAD_LETTER_EDGES_UP_TO = 1

_DEAD_LETTER = "dead_letter_queue"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def blueprint_dot(assessment: Assessment, result: Result, ruleset: Ruleset) -> str:
    """The blueprint of `assessment` and its `result` as DOT source. Same inputs, same bytes.

    `ruleset` names the broker when the result gives only its id.
    """
    plan = _Plan.of(assessment, result, ruleset)
    graph = graphviz.Digraph(
        name="blueprint",
        graph_attr={
            "rankdir": "LR",
            "newrank": "true",
            "fontname": FONT,
            "fontsize": "16",
            "fontcolor": INK,
            "label": _text(
                f"Integration blueprint: {assessment.name}",
                f"Recommendation: {STYLE_NAMES[result.recommendation]} "
                f"(confidence {result.confidence:.2f})",
                left=True,
            ),
            "labelloc": "t",
            "labeljust": "l",
            "nodesep": "0.25",
            "ranksep": "1.2",
            "pad": "0.3",
            "bgcolor": "#ffffff",
        },
        node_attr={
            "fontname": FONT,
            "fontsize": "11",
            "fontcolor": INK,
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": SYSTEM_FILL,
            "color": INK,
            "margin": "0.15,0.06",
        },
        edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.8"},
    )
    _add_legend(graph, plan)
    _add_systems(graph, assessment, plan)
    if plan.evented:
        _add_broker(graph, plan)
    _add_api_flows(graph, plan)
    _add_event_flows(graph, plan)
    source: str = graph.source
    return source


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


def _width(text: str, fontsize: float) -> float:
    """A generous estimate, in inches, of how wide `text` is in Helvetica at `fontsize`."""
    return max(map(len, text.splitlines() or [""])) * fontsize * 0.6 / 72


def _system_node(system_id: str) -> str:
    return f"system_{system_id}"


def _api_node(system_id: str) -> str:
    return f"api_{system_id}"


def _topic_node(flow_id: str) -> str:
    return f"topic_{flow_id}"


@dataclass(frozen=True)
class _Plan:
    """What to draw and where, worked out once from the assessment, the result and the rules."""

    assessment: Assessment
    flows: tuple[tuple[Flow, FlowResult], ...]
    evented: tuple[tuple[Flow, FlowResult], ...]  # the event and hybrid flows
    consumers: tuple[str, ...]  # ids of the systems that only consume events: the right column
    broker_name: str
    channel_term: str
    idempotent: frozenset[str]  # flow ids whose consumers should be idempotent
    outbox: frozenset[str]  # flow ids whose producer needs a transactional outbox
    retried: frozenset[str]  # flow ids whose calls retry with back-off
    dead_letter: frozenset[str]  # flow ids whose failed messages go to the dead-letter queue

    @classmethod
    def of(cls, assessment: Assessment, result: Result, ruleset: Ruleset) -> _Plan:
        by_id = {flow.id: flow for flow in assessment.flows}
        flows = tuple((by_id[item.id], item) for item in result.flows if item.id in by_id)
        evented = [pair for pair in flows if pair[1].style != "api"]
        fed = {target for flow, _ in evented for target in flow.targets}
        sources = {flow.source for flow, _ in flows}
        risks = {risk.id: frozenset(risk.flows) for risk in result.risks}
        broker = result.broker
        broker_name = "Message broker"
        if broker is not None:
            known = {option.id: option.name for option in ruleset.brokers}
            choice = broker.choice or NO_BROKER
            broker_name = broker.name or known.get(choice, choice)
        return cls(
            assessment=assessment,
            flows=flows,
            evented=tuple(evented),
            consumers=tuple(
                system.id for system in assessment.systems if system.id in fed - sources
            ),
            broker_name=broker_name,
            channel_term=(
                _CHANNEL_TERMS.get(broker.choice or NO_BROKER, "topic") if broker else "topic"
            ),
            idempotent=risks.get(IDEMPOTENCY_RISK, frozenset()),
            outbox=risks.get(OUTBOX_RISK, frozenset()),
            retried=frozenset().union(*(risks.get(risk, frozenset()) for risk in RETRY_RISKS)),
            dead_letter=risks.get(DEAD_LETTER_RISK, frozenset()),
        )

    def system(self, system_id: str) -> System:
        return self.assessment.system(system_id)

    def all_sync_retried(self) -> bool:
        """Whether every API call and call-back retries with back-off (the legend says it)."""
        synchronous = {flow.id for flow, flow_result in self.flows if flow_result.style != "event"}
        return bool(synchronous) and synchronous <= self.retried

    def chained(self) -> bool:
        """Whether a system consumes one event flow and publishes another."""
        producers = {flow.source for flow, _ in self.evented}
        return any(target in producers for flow, _ in self.evented for target in flow.targets)

    def producers_with_outbox(self) -> frozenset[str]:
        return frozenset(flow.source for flow, _ in self.evented if flow.id in self.outbox)

    def idempotent_consumers(self) -> frozenset[str]:
        return frozenset(
            target
            for flow, _ in self.evented
            if flow.id in self.idempotent
            for target in flow.targets
        )


def _add_systems(graph: graphviz.Digraph, assessment: Assessment, plan: _Plan) -> None:
    """Every system; those that only consume events line up in one column on the right. (A box
    round them, or round each owner's systems, would pull them away from their topics.)"""
    outbox = plan.producers_with_outbox()
    idempotent = plan.idempotent_consumers()
    for system in assessment.systems:
        _add_system(graph, system, outbox, idempotent)
    if plan.consumers:
        _column(graph, [_system_node(system_id) for system_id in plan.consumers])


def _column(graph: graphviz.Digraph, nodes: list[str], rank: str = "same") -> None:
    """Put `nodes` in one column (rank "same"), or in the rightmost one (rank "max")."""
    with graph.subgraph() as column:
        column.attr(rank=rank)
        for node in nodes:
            column.node(node)


def _add_system(
    graph: graphviz.Digraph, system: System, outbox: frozenset[str], idempotent: frozenset[str]
) -> None:
    lines = [system.label]
    if system.owner is not None:
        lines.append(f"owner: {system.owner}")
    if system.id in outbox:
        lines.append("+ transactional outbox")
    if system.id in idempotent:
        lines.append("+ idempotent consumer")
    graph.node(_system_node(system.id), _text(*lines))


def _add_broker(graph: graphviz.Digraph, plan: _Plan) -> None:
    with graph.subgraph(name="cluster_broker") as broker:
        broker.attr(
            label=_text(plan.broker_name),
            style="rounded,filled",
            color=EVENT_COLOUR,
            fillcolor=BROKER_FILL,
            fontcolor=INK,
            fontsize="13",
            penwidth="1.5",
            labeljust="l",
        )
        # In a left-to-right layout the cluster does not widen for its label: the column does.
        broker.attr(
            "node",
            style="filled",
            fontsize="10",
            width=f"{_width(plan.broker_name, 13) + 0.4:.2f}",
            height="0.3",
        )
        with_edges = len(plan.evented) <= DEAD_LETTER_EDGES_UP_TO
        lines = ["dead-letter queue"]
        if not with_edges:
            lines.append(f"for every {plan.channel_term}")
        if plan.dead_letter:
            lines.append("after retries with back-off")
        broker.node(
            _DEAD_LETTER,
            _text(*lines),
            style="filled,dashed",
            fillcolor=DEAD_LETTER_FILL,
            color=DEAD_LETTER_COLOUR,
            fontcolor=MUTED,
        )
        # Each producer's topics stay together (in a borderless box), so that its edges fan
        # into one block of the column instead of criss-crossing it.
        by_producer: dict[str, list[tuple[Flow, FlowResult]]] = {}
        for flow, flow_result in plan.evented:
            by_producer.setdefault(flow.source, []).append((flow, flow_result))
        topics = []
        for index, flows in enumerate(by_producer.values()):
            with broker.subgraph(name=f"cluster_broker_{index}") as group:
                group.attr(label="", peripheries="0", margin="0")
                for flow, flow_result in flows:
                    hybrid = flow_result.style == "hybrid"
                    topics.append(_topic_node(flow.id))
                    group.node(
                        topics[-1],
                        _text(f"{flow.id} (thin event)" if hybrid else flow.id),
                        fillcolor=HYBRID_TOPIC_FILL if hybrid else EVENT_TOPIC_FILL,
                        color=HYBRID_COLOUR if hybrid else EVENT_COLOUR,
                    )
        # One column of topics, with the queue; but where a consumer publishes events of its own,
        # its topics must come after the ones it consumes, and the queue goes with the first.
        _column(broker, [_DEAD_LETTER, *(topics if not plan.chained() else topics[:1])])
        if with_edges:
            broker.attr("edge", constraint="false", **_LINES["dead-letter"])
            for topic in topics:
                broker.edge(topic, _DEAD_LETTER)


def _add_api_flows(graph: graphviz.Digraph, plan: _Plan) -> None:
    """One request edge per pair of systems and caller, labelled with every API flow between
    them. The arrow points from the caller to the system it calls: where the targets call the
    source (a lookup, a scheduled pull), it points back at the source, which keeps its place
    on the left."""
    pairs: dict[tuple[str, str, bool], list[str]] = {}
    for flow, flow_result in plan.flows:
        if flow_result.style == "api":
            fetched = flow.caller == "target"
            for target in flow.targets:
                pairs.setdefault((flow.source, target, fetched), []).append(flow.id)
    every = plan.all_sync_retried()
    with graph.subgraph() as requests:  # a group for the edges' looks only
        requests.attr("edge", fontcolor=API_COLOUR, **_LINES["api"])
        for (source, target, fetched), flow_ids in pairs.items():
            retried = not every and any(flow_id in plan.retried for flow_id in flow_ids)
            how = "sync fetch" if fetched else "sync"
            lines = [*_wrap(flow_ids), f"{how}, retries with back-off" if retried else how]
            extra = {"dir": "back"} if fetched else {}
            requests.edge(_system_node(source), _system_node(target), _text(*lines), **extra)


def _wrap(words: list[str], width: int = 28) -> list[str]:
    """Comma-separated words on lines of about `width` characters."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) + 2 <= width:
            lines[-1] += f", {word}"
        else:
            if lines:
                lines[-1] += ","
            lines.append(word)
    return lines


def _add_event_flows(graph: graphviz.Digraph, plan: _Plan) -> None:
    """Producer to topic to each consumer; for hybrid flows, a call-back per consumer too."""
    call_backs: dict[tuple[str, str], list[str]] = {}
    for style in ("event", "hybrid"):
        flows = [flow for flow, flow_result in plan.evented if flow_result.style == style]
        if not flows:
            continue
        with graph.subgraph() as lines:  # a group for the edges' looks only
            lines.attr("edge", **_LINES[style])
            for flow in flows:
                lines.edge(_system_node(flow.source), _topic_node(flow.id), headport="w")
                for target in flow.targets:
                    lines.edge(_topic_node(flow.id), _system_node(target), tailport="e")
                    if style == "hybrid":
                        call_backs.setdefault((flow.source, target), []).append(flow.id)
    if not call_backs:
        return
    # Each hybrid producer's API, in a column right of its consumers: the call-backs then run
    # left to right like every other edge instead of looping round the broker.
    every = plan.all_sync_retried()
    apis = []
    for source in dict.fromkeys(source for source, _ in call_backs):
        apis.append(_api_node(source))
        graph.node(
            apis[-1],
            _text(f"{plan.system(source).label} API", "call-backs from its consumers"),
            style="rounded,dashed",
            color=HYBRID_COLOUR,
        )
    with graph.subgraph() as lines:  # a group for the edges' looks only
        lines.attr("edge", **_LINES["call-back"])
        for (source, target), flow_ids in call_backs.items():
            retried = not every and any(flow_id in plan.retried for flow_id in flow_ids)
            label = _text("retries with back-off") if retried else None
            lines.edge(_system_node(target), _api_node(source), label)
    _column(graph, apis, rank="max")


# The legend: for each line in use, its colour, its line style and thickness (so that it reads in
# black and white), the arrowhead drawn as a glyph, and what it means.
_LEGEND_ROWS = {
    "api": (
        API_COLOUR,
        "solid",
        2,
        "\u25ba",
        "API request (sync), from the caller to the system it calls",
    ),
    "event": (EVENT_COLOUR, "solid", 4, "&gt;", "event: publish, then fan-out to each consumer"),
    "hybrid": (HYBRID_COLOUR, "solid", 1, "&gt;", "thin event (hybrid)"),
    "call-back": (HYBRID_COLOUR, "dashed", 1, "\u25ba", "call-back to the source's API (hybrid)"),
    "dead-letter": (DEAD_LETTER_COLOUR, "dotted", 1, "&gt;", "to the dead-letter queue"),
}


def _add_legend(graph: graphviz.Digraph, plan: _Plan) -> None:
    """A sample of each line in use, with what it means.

    The one HTML-like label in the diagram: it is made of the constants above only, never of
    user text, because a table is the only way to draw line samples in one compact node.
    """
    styles = {flow_result.style for _, flow_result in plan.flows}
    keys: list[str] = [key for key in ("api", "event", "hybrid") if key in styles]
    if "hybrid" in styles:
        keys.append("call-back")
    if plan.evented and len(plan.evented) <= DEAD_LETTER_EDGES_UP_TO:
        keys.append("dead-letter")
    rows = [f'<TR><TD COLSPAN="4" ALIGN="LEFT"><FONT COLOR="{MUTED}">Legend</FONT></TD></TR>']
    for key in keys:
        colour, style, width, arrow, meaning = _LEGEND_ROWS[key]
        sample = (
            '<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">'
            f'<TR><TD WIDTH="44" HEIGHT="6" SIDES="B" BORDER="{width}" STYLE="{style}" '
            f'COLOR="{colour}"></TD></TR><TR><TD HEIGHT="6"></TD></TR></TABLE>'
        )
        rows.append(_legend_row(sample, f'<FONT COLOR="{colour}">{arrow}</FONT>', meaning))
    if plan.evented:
        box = (
            f'<TABLE BORDER="1" COLOR="{EVENT_COLOUR}" BGCOLOR="{EVENT_TOPIC_FILL}" '
            'CELLSPACING="0"><TR><TD WIDTH="40" HEIGHT="8"></TD></TR></TABLE>'
        )
        rows.append(_legend_row(box, "", f"{plan.channel_term}: one per event or hybrid flow"))
    if plan.all_sync_retried():
        rows.append(_legend_row("", "", "every sync call: timeouts, retries with back-off"))
    table = (
        f'<TABLE BORDER="1" COLOR="{OWNER_LINE}" STYLE="rounded" BGCOLOR="{LEGEND_FILL}" '
        f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">{"".join(rows)}</TABLE>'
    )
    graph.node("legend", f"<{table}>", shape="plain", fontsize="10")


def _legend_row(sample: str, arrow: str, meaning: str) -> str:
    # The last cell's right padding keeps the text off the table's rounded corner.
    return (
        f'<TR><TD>{sample}</TD><TD>{arrow}</TD><TD ALIGN="LEFT">{meaning}</TD>'
        '<TD WIDTH="4"></TD></TR>'
    )
