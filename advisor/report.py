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
from advisor.wording import (
    NO_SINGLE_CHANGE,
    NOT_ANALYSED,
    STYLE_NAMES,
    Verbatim,
    confidence_meaning,
    format_confidence,
    format_score,
    polling_summary,
)

if TYPE_CHECKING:
    from advisor.ruleset import Ruleset


def to_json(result: Result) -> str:
    """The contract's JSON result: stable key order, UTF-8, a newline at the end. `date` is
    written only when the result has one (asked for with --date), so that the same input gives
    the same bytes on any day."""
    leave_out = {"date"} if result.date is None else None
    if _plain_numbers(result):  # pydantic writes the very same text, several times faster
        return result.model_dump_json(indent=2, exclude=leave_out) + "\n"
    data = result.model_dump(mode="json", exclude=leave_out)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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


def to_text(
    assessment: Assessment, result: Result, width: int = 100, ruleset: Ruleset | None = None
) -> str:
    """A readable summary for the terminal; control characters in the user's text (an escape
    sequence in a name, say) are shown as escapes, never sent to the terminal. With the rules,
    each flow's style is explained in the user's numbers, and confidence's meaning is given."""
    story = None
    if ruleset is not None:
        from advisor.narrative import Narrative

        story = Narrative(assessment, result, ruleset)
    lines = [
        result.name,
        "=" * min(width, len(result.name)),
        f"Recommendation: {STYLE_NAMES[result.recommendation]} "
        f"(confidence {format_confidence(result.confidence)}; scores out of 100: API "
        f"{format_score(result.scores.api)}, events {format_score(result.scores.event)})",
    ]
    if ruleset is not None:
        settings = ruleset.settings
        lines += _wrapped(
            confidence_meaning(settings.style_margin + settings.confidence_span), width, ""
        )
    if result.broker is not None:
        lines.append(f"Broker: {result.broker.name}")
        lines += _wrapped(result.broker.why, width, "  ")
    from advisor.narrative import ASSUMED_INTRO, assumed

    taken = assumed(assessment)
    if taken:
        lines += ["", f"{ASSUMED_INTRO}:"]
        for said in taken:
            lines += _wrapped(f"- {said}", width, "", "  ")
    lines += ["", "Flows"]
    for flow in result.flows:
        declared = next(item for item in assessment.flows if item.id == flow.id)
        lines.append(
            f"- {flow.id}: {STYLE_NAMES[flow.style]} (API {format_score(flow.scores.api)}, "
            f"events {format_score(flow.scores.event)}; confidence "
            f"{format_confidence(flow.confidence)}) "
            f"{declared.source} -> {', '.join(declared.targets)}"
        )
        if story is not None:
            lines += _wrapped(story.flow_summary(flow.id), width, "    ")
        for reason in flow.reasons:
            lines += _wrapped(
                f"{'+' if reason.favours == 'event' else '-'} {format_score(reason.points)} "
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
    lines += ["", "What would change the answer"]
    for change in result.what_would_change or ():
        lines += _wrapped(f"- {change.summary}", width, "", "  ")
    if not result.what_would_change:
        said = NOT_ANALYSED if result.what_would_change is None else NO_SINGLE_CHANGE
        lines += _wrapped(said, width, "")
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


@dataclass(frozen=True)
class Record:
    """What a decision record says about itself: its date and status (MADR's front matter),
    the record it replaces, and a blueprint file beside it to show (`blueprint.svg` in a
    batch's folders)."""

    date: datetime.date
    status: str = "proposed"
    supersedes: str | None = None
    blueprint: str | None = None


def record_for(
    assessment: Assessment, date: datetime.date | None = None, **given: str | None
) -> Record:
    """The record's details: what is given (a command line's options) over what the assessment
    says (`status`, `supersedes`), over the defaults (today, proposed)."""
    status = given.get("status") or assessment.status or "proposed"
    supersedes = given.get("supersedes") or assessment.supersedes
    return Record(
        date=date or datetime.date.today(),
        status=status,
        supersedes=supersedes,
        blueprint=given.get("blueprint"),
    )


def to_markdown(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    *,
    date: datetime.date | None = None,
    record: Record | None = None,
) -> str:
    """A decision record in the MADR 4.0 shape; the same input and record give the same text.
    Every value is escaped so that no name can break a table or carry HTML; the front matter's
    values are quoted YAML strings. Without a `record`, it is dated `date` (default today) with
    the assessment's own status."""
    from advisor.report_context import RecordInfo, markdown_context

    record = record or record_for(assessment, date)
    info = RecordInfo(record.date, record.status, record.supersedes, record.blueprint)
    context = markdown_context(assessment, result, ruleset, info)
    text: str = environment().get_template("report.md.j2").render(r=context)
    return text


def to_html(
    assessment: Assessment,
    result: Result,
    ruleset: Ruleset,
    *,
    diagram_svg: str | None,
    diagram_views: tuple[tuple[str, str], ...] = (),
    record: Record | None = None,
    date: datetime.date | None = None,
) -> str:
    """One self-contained HTML page (inline CSS, the blueprint as inline SVG, nothing loaded
    from anywhere), for the screen and for printing to PDF. `diagram_svg` is Graphviz's SVG,
    whose labels the blueprint has escaped; None leaves the blueprint out. `diagram_views` are
    focused views shown under it, each as (caption, SVG). The record's date and status show on
    its first page."""
    from markupsafe import Markup

    from advisor.report_context import DiagramView, RecordInfo, html_context

    record = record or record_for(assessment, date)
    info = RecordInfo(record.date, record.status, record.supersedes, record.blueprint)
    diagram = None if diagram_svg is None else Markup(inline_svg(diagram_svg))
    context = html_context(
        assessment, result, ruleset, diagram, info, wide_diagram=_is_wide(diagram_svg)
    )
    if diagram is not None and diagram_views:
        views = tuple(
            DiagramView(caption, Markup(inline_svg(svg))) for caption, svg in diagram_views
        )
        context = replace(context, diagram_views=views)
    text: str = environment().get_template("report.html.j2").render(r=context)
    return text


_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"', re.DOTALL)


def _is_wide(svg: str | None) -> bool:
    """Whether a blueprint prints better on a landscape page of its own: when a portrait page
    (188 mm wide, the blueprint at most 80 mm high) would shrink it below 60% and a landscape
    one (274 mm by 150 mm) shows it at least a quarter larger."""
    if svg is None:
        return False
    found = _SIZE.search(svg)
    if found is None:
        return False
    width, height = float(found.group(1)), float(found.group(2))
    if width <= 0 or height <= 0:
        return False
    portrait = min(_POINTS_PER_MM * 188 / width, _POINTS_PER_MM * 80 / height)
    landscape = min(_POINTS_PER_MM * 274 / width, _POINTS_PER_MM * 150 / height)
    return portrait < 0.6 and landscape > 1.25 * portrait


_POINTS_PER_MM = 72 / 25.4


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


@cache
def environment() -> Any:
    """The one Jinja environment of every template, made once: Markdown templates (`*.md.j2`)
    have every value escaped by `markdown_escape`, every other one (HTML) is autoescaped; the
    same filters in both; an undefined name is an error."""
    import jinja2

    from advisor.paths import templates_dir

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=_escaped,
        finalize=jinja2.pass_context(_finalized),  # handed the context: the template's name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def _escaped(name: str | None) -> bool:
    """Whether a template is autoescaped for HTML: every one but the Markdown ones, whatever its
    name says (jinja2.select_autoescape would leave `report.html.j2` unescaped: it looks at the
    last suffix only)."""
    return not _is_markdown(name)


def _is_markdown(name: str | None) -> bool:
    return name is not None and name.endswith((".md", ".md.j2"))


def _finalized(context: Any, value: Any) -> Any:
    """Every value a template writes: escaped for Markdown in a Markdown template; left to
    autoescaping in an HTML one."""
    return markdown_escape(value) if _is_markdown(context.name) else value


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|&#~])")
_BULLET = re.compile(r"^(\s*)([-+=])(?=[-+=\s]|$)")  # a bullet, or a rule: ---, ===
_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")


def markdown_escape(value: Any) -> str:
    """Any value as inline Markdown text: one line (line breaks become spaces), with every
    character that could start emphasis, a link, a table cell, code or HTML escaped. A
    `Verbatim` is written as it is."""
    if isinstance(value, Verbatim):
        return str(value)
    text = " ".join(str(value).splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _BULLET.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)
