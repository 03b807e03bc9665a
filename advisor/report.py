"""Turning a result into something to read or to hand to other tools. Pure: strings out."""

from __future__ import annotations

import datetime
import json
import math
import re
import textwrap
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from advisor.models import Assessment, Result
from advisor.wording import STYLE_NAMES, polling_summary

if TYPE_CHECKING:
    from advisor.ruleset import Ruleset


def to_json(result: Result) -> str:
    """The contract's JSON result: stable key order, UTF-8, a newline at the end."""
    if _plain_numbers(result):  # pydantic writes the very same text, several times faster
        return result.model_dump_json(indent=2) + "\n"
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _plain_numbers(result: Result) -> bool:
    """No number that pydantic would write differently from `json`: 1e-05 (as 0.00001), and
    Infinity or NaN (as null)."""
    numbers = [result.confidence, result.scores.api, result.scores.event]
    for flow in result.flows:
        numbers += (flow.confidence, flow.scores.api, flow.scores.event)
        numbers += [reason.points for reason in flow.reasons]
        if flow.polling is not None:
            polling = flow.polling
            numbers += (polling.calls_per_day, polling.wasted_calls_per_day)
            if polling.quota_share is not None:
                numbers.append(polling.quota_share)
    # map, filter, min: the check runs in C, not once per number in Python
    finite = all(map(math.isfinite, numbers))
    return finite and min(map(abs, filter(None, numbers)), default=1.0) >= 1e-4


def to_text(assessment: Assessment, result: Result, width: int = 100) -> str:
    """A readable summary for the terminal; control characters in the user's text (an escape
    sequence in a name, say) are shown as escapes, never sent to the terminal."""
    lines = [
        result.name,
        "=" * min(width, len(result.name)),
        f"Recommendation: {STYLE_NAMES[result.recommendation]} "
        f"(confidence {result.confidence:.2f}; scores: API {result.scores.api:g}, "
        f"events {result.scores.event:g})",
    ]
    if result.broker is not None:
        lines.append(f"Broker: {result.broker.name}")
        lines += _wrapped(result.broker.why, width, "  ")
    lines += ["", "Flows"]
    for flow in result.flows:
        declared = next(item for item in assessment.flows if item.id == flow.id)
        lines.append(
            f"- {flow.id}: {STYLE_NAMES[flow.style]} (API {flow.scores.api:g}, "
            f"events {flow.scores.event:g}; confidence {flow.confidence:.2f}) "
            f"{declared.source} -> {', '.join(declared.targets)}"
        )
        lines += _wrapped(flow.decision.explanation, width, "    ")
        for reason in flow.reasons:
            lines += _wrapped(
                f"{'+' if reason.favours == 'event' else '-'} {reason.points:g} "
                f"{'events' if reason.favours == 'event' else 'API'} [{reason.rule}] "
                f"{reason.explanation}",
                width,
                "    ",
                "      ",
            )
        polling = polling_summary(flow)
        if polling:
            lines += _wrapped(polling[0].upper() + polling[1:] + ".", width, "    ")
    if result.risks:
        lines += ["", "Risks"]
        for risk in result.risks:
            lines += _wrapped(
                f"- {risk.title} ({', '.join(risk.flows)}): {risk.mitigation}", width, "", "  "
            )
    if result.what_would_change:
        lines += ["", "What would change the answer"]
        for change in result.what_would_change:
            lines += _wrapped(f"- {change.summary}", width, "", "  ")
    if result.what_would_change_complete is False:
        lines += _wrapped(
            "(The analysis stopped at its budget of evaluations: these are the changes it found "
            "before then.)",
            width,
            "",
        )
    return "\n".join(lines).translate(_VISIBLE) + "\n"


# C0 and C1 control characters and DEL, all but the newline, as \\xNN
_VISIBLE = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0)) if code != 0x0A}


def _wrapped(text: str, width: int, first: str, rest: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first]


# ---------------------------------------------------------------------------------------------
# Reports from templates (Jinja2 is imported only here, when a report is asked for)
# ---------------------------------------------------------------------------------------------


def to_markdown(
    assessment: Assessment, result: Result, ruleset: Ruleset, *, date: datetime.date
) -> str:
    """A decision record in the MADR 4.0 shape, dated `date`; the same input gives the same
    text. Every value is escaped so that no name can break a table or carry HTML."""
    from advisor.report_context import markdown_context

    context = markdown_context(assessment, result, ruleset, date)
    text: str = _environments().markdown.get_template("report.md.j2").render(r=context)
    return text


def to_html(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    *,
    diagram_svg: str | None,
    diagram_views: tuple[tuple[str, str], ...] = (),
) -> str:
    """One self-contained HTML page (inline CSS, the blueprint as inline SVG, nothing loaded
    from anywhere), for the screen and for printing to PDF. `diagram_svg` is Graphviz's SVG,
    whose labels the blueprint has escaped; None leaves the blueprint out. `diagram_views` are
    focused views shown under it, each as (caption, SVG)."""
    from markupsafe import Markup

    from advisor.report_context import DiagramView, html_context

    diagram = None if diagram_svg is None else Markup(inline_svg(diagram_svg))
    context = html_context(assessment, result, ruleset, diagram)
    if diagram is not None and diagram_views:
        views = tuple(
            DiagramView(caption, Markup(inline_svg(svg))) for caption, svg in diagram_views
        )
        context = replace(context, diagram_views=views)
    text: str = _environments().html.get_template("report.html.j2").render(r=context)
    return text


_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')


def inline_svg(svg: str) -> str:
    """Graphviz's SVG made fit to sit inside an HTML page: no XML prolog, DOCTYPE or comments
    (a comment holds names) and no namespace URLs (HTML needs none). Its size stays; the page's
    CSS shrinks it to the width of the page."""
    text = _PROLOG.sub("", svg)
    start = text.find("<svg")
    if start < 0:
        raise ValueError("the diagram is not an SVG image")
    text = text[start:].strip()
    head_end = text.index(">") + 1
    return _NAMESPACES.sub("", text[:head_end]) + text[head_end:] + "\n"


@dataclass(frozen=True)
class _Environments:
    html: Any
    markdown: Any


@cache
def _environments() -> _Environments:
    """The two Jinja environments, made once: HTML autoescaped, Markdown escaped by
    `markdown_escape` on every value. Both refuse undefined names."""
    import jinja2

    from advisor.paths import templates_dir

    loader = jinja2.FileSystemLoader(str(templates_dir()))
    options: dict[str, Any] = {
        "loader": loader,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        "auto_reload": False,
    }
    html = jinja2.Environment(autoescape=True, **options)
    markdown = jinja2.Environment(autoescape=False, finalize=markdown_escape, **options)
    return _Environments(html=html, markdown=markdown)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|&#~])")
_BULLET = re.compile(r"^(\s*)([-+=])(?=[-+=\s]|$)")  # a bullet, or a rule: ---, ===
_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")


def markdown_escape(value: Any) -> str:
    """Any value as inline Markdown text: one line (line breaks become spaces), with every
    character that could start emphasis, a link, a table cell, code or HTML escaped."""
    text = " ".join(str(value).splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _BULLET.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)
