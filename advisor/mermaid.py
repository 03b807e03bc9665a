"""The integration blueprint as a Mermaid flowchart, for the Markdown decision record (code hosts
render a ```mermaid block). Pure: an assessment and its result in, text out.

What it draws, as the SVG blueprint does: each system once; an API call as a solid arrow from the
caller to the system called; each event or hybrid flow through its own topic node in a subgraph
for the broker, with thick arrows (`==>`) from the source to the topic and from the topic to each
consumer; a hybrid flow's call-back as a dashed arrow (`-.->`) from each consumer to the source.
With no broker (`result.broker.choice` is None) there is no subgraph: the events go straight from
the source to each consumer as webhooks.

User text is text: node ids are generated (n0, n1, ...), never taken from names, and every label
is quoted (`["..."]`, `|"..."|`) with each character that could end or change it written as
Mermaid's entity code (`#quot;`, `#35;`). Lines are not indented: the record's text never has a
line that starts with four spaces.
"""

from __future__ import annotations

from advisor.models import Assessment, Result

# Characters written as entity codes inside a label: they could end the quoted label, the node or
# edge around it, start an entity or a comment, be read as Markdown, or close the code fence.
_ENTITIES = {'"': "#quot;", **{char: f"#{ord(char)};" for char in "<>&`|[]{}()#;%*_~\\"}}


def label(text: str) -> str:
    """`text` as the inside of a quoted Mermaid label: one line, with nothing left that Mermaid
    or Markdown would read as syntax."""
    out: list[str] = []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char == "\n":
            out.append("#10;")
        elif not char.isprintable():
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def flowchart(assessment: Assessment, result: Result) -> str:
    """The blueprint as Mermaid flowchart text (without the code fence)."""
    declared = {flow.id: flow for flow in assessment.flows}
    ids: dict[str, str] = {}

    def node(key: str) -> str:
        return ids.setdefault(key, f"n{len(ids)}")

    lines = ["flowchart LR"]
    lines.extend(
        f'{node("system:" + system.id)}["{label(system.label)}"]' for system in assessment.systems
    )
    pairs = [(declared[item.id], item) for item in result.flows if item.id in declared]
    evented = [(flow, item) for flow, item in pairs if item.style != "api"]
    brokered = result.broker is not None and result.broker.choice is not None
    if evented and brokered and result.broker is not None:
        lines.append(f'subgraph {node("broker")}["{label(result.broker.name)}"]')
        for flow, _ in evented:
            lines.append(f'{node("topic:" + flow.id)}["{label(flow.id + " topic")}"]')
        lines.append("end")
    for flow, item in pairs:
        source = node("system:" + flow.source)
        for target_id in flow.targets:
            target = node("system:" + target_id)
            if item.style == "api":
                caller, called = (target, source) if flow.caller == "target" else (source, target)
                lines.append(f'{caller} -->|"{label(flow.id)}"| {called}')
            elif not brokered:
                lines.append(f'{source} ==>|"{label(flow.id + ": webhook")}"| {target}')
        if item.style != "api" and brokered:
            topic = node("topic:" + flow.id)
            lines.append(f'{source} ==>|"{label(flow.id + ": event")}"| {topic}')
            lines.extend(
                f'{topic} ==>|"{label(flow.id)}"| {node("system:" + target_id)}'
                for target_id in flow.targets
            )
        if item.style == "hybrid":
            for target_id in flow.targets:
                target = node("system:" + target_id)
                lines.append(f'{target} -.->|"{label(flow.id + " call-back")}"| {source}')
    return "\n".join(lines)
