"""The HTML report and the Markdown decision record: golden files, escaping, self-containment,
the MADR shape, and the command line that writes them."""

from __future__ import annotations

import datetime
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from advisor.advice import assess
from advisor.cli import main
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.paths import templates_dir
from advisor.report import environment, inline_svg, markdown_escape, to_html, to_markdown
from advisor.ruleset import Ruleset
from tests.conftest import ROOT, build

GOLDEN = Path(__file__).parent / "golden"
SAMPLE_SVG = (GOLDEN / "sample-blueprint.svg").read_text(encoding="utf-8")
DATE = datetime.date(2026, 1, 15)
GOLDEN_EXAMPLES = ["gifting-orders", "clinic-documents"]

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<b>x</b>",
    "a | b || c",
    "first line\nsecond line\r\nthird",
    "*stars* _under_ [link](javascript:alert(1)) `code` # hash & amp",
]


def _example(name: str) -> Assessment:
    return load_assessment(ROOT / "examples" / f"{name}.yaml")


def _hostile() -> Assessment:
    """Every free-text field carries markup, table pipes and line breaks."""
    return build(
        {
            "name": "<script>alert(1)</script> | <b>x</b>\nbroken",
            "description": " ".join(HOSTILE),
            "context": {"cloud": "aws", "goals": ["real_time"]},
            "systems": [
                {"id": "a", "name": HOSTILE[0], "owner": HOSTILE[2], "emits_events": True},
                {"id": "b", "name": HOSTILE[1], "owner": HOSTILE[3]},
                {"id": "c", "name": HOSTILE[3], "owner": HOSTILE[4]},
                {"id": "d", "name": HOSTILE[4]},
                {"id": "e", "name": HOSTILE[5]},
            ],
            "flows": [
                {
                    "id": "f",
                    "description": " ".join(HOSTILE),
                    "source": "a",
                    "targets": ["b", "c", "d"],
                    "trigger": "data_change",
                    "max_delay_seconds": 30,
                },
                {
                    "id": "g",
                    "description": HOSTILE[1],
                    "source": "e",
                    "targets": ["a"],
                    "trigger": "user_action",
                    "needs_response": True,
                },
            ],
        }
    )


def _html(assessment: Assessment, ruleset: Ruleset, svg: str | None = SAMPLE_SVG) -> str:
    return to_html(assessment, assess(assessment, ruleset), ruleset, diagram_svg=svg, date=DATE)


def _markdown(assessment: Assessment, ruleset: Ruleset) -> str:
    return to_markdown(assessment, assess(assessment, ruleset), ruleset, date=DATE)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}; run with UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; UPDATE_GOLDEN=1 rewrites it"


# ---------------------------------------------------------------------------------------------
# Golden files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_EXAMPLES)
def test_markdown_matches_its_golden_file(name: str, ruleset: Ruleset) -> None:
    _golden(f"{name}.md", _markdown(_example(name), ruleset))


@pytest.mark.parametrize("name", GOLDEN_EXAMPLES)
def test_html_matches_its_golden_file(name: str, ruleset: Ruleset) -> None:
    _golden(f"{name}.html", _html(_example(name), ruleset))


@pytest.mark.parametrize("name", GOLDEN_EXAMPLES)
def test_reports_are_byte_identical_between_runs(name: str, ruleset: Ruleset) -> None:
    assessment = _example(name)
    assert _html(assessment, ruleset) == _html(assessment, ruleset)
    assert _markdown(assessment, ruleset) == _markdown(assessment, ruleset)


# ---------------------------------------------------------------------------------------------
# HTML: parses, self-contained, states the recommendation, escapes user text
# ---------------------------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag not in {"meta", "col", "br", "path", "polygon", "rect", "ellipse", "polyline"}:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    assert page.open == [], f"unclosed: {page.open}"
    return page


def _assert_self_contained(html: str, page: _Page) -> None:
    """Nothing is loaded from anywhere: no tag that fetches, no link out, no URL in the CSS.
    (User text may mention a URL; as text it loads nothing.)"""
    assert {"link", "script", "iframe", "object", "embed", "img", "base"}.isdisjoint(page.tags)
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), f"<{tag} {name}> is an event handler"
        if name in {"src", "href", "xlink:href", "action", "srcset", "poster", "data"}:
            assert value.startswith("#"), f"<{tag} {name}={value!r}> loads something"
        assert "http:" not in value and "https:" not in value, f"<{tag} {name}={value!r}>"
    style = html[html.index("<style>") : html.index("</style>")]
    for word in ("@import", "url(", "@font-face", "http"):
        assert word not in style


@pytest.mark.parametrize("name", [path.stem for path in sorted((ROOT / "examples").glob("*.yaml"))])
def test_html_parses_is_self_contained_and_states_the_answer(name: str, ruleset: Ruleset) -> None:
    assessment = _example(name)
    result = assess(assessment, ruleset)
    html = to_html(assessment, result, ruleset, diagram_svg=SAMPLE_SVG, date=DATE)
    page = _parse(html)
    _assert_self_contained(html, page)
    assert page.tags.count("svg") == 1 and page.tags.count("style") == 1
    text = " ".join(" ".join(page.text).split())
    names = {"api": "API-driven", "event": "Event-driven", "hybrid": "Hybrid"}
    assert f"Recommendation {names[result.recommendation]}" in text
    for flow in result.flows:
        assert flow.id in text
    for criterion in ruleset.criteria:
        assert criterion.title in text
    for risk in result.risks:
        assert risk.title in text and risk.mitigation in text
    for change in result.what_would_change:
        assert change.summary in text


def test_html_escapes_user_text(ruleset: Ruleset) -> None:
    html = _html(_hostile(), ruleset)
    page = _parse(html)
    _assert_self_contained(html, page)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    text = "".join(page.text)
    for value in HOSTILE:  # shown as written, as text
        assert " ".join(value.split()) in " ".join(text.split())


def test_html_without_a_blueprint_says_so(ruleset: Ruleset) -> None:
    html = _html(_example("gifting-orders"), ruleset, svg=None)
    page = _parse(html)
    assert "svg" not in page.tags
    assert "The blueprint could not be drawn here" in html


def test_inline_svg_drops_prolog_comments_and_namespaces() -> None:
    svg = inline_svg(SAMPLE_SVG)
    assert svg.startswith('<svg width="260pt" height="90pt" viewBox="0.00 0.00 260.00 90.00">')
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<!--" not in svg
    assert "http" not in svg
    assert "<title>source&#45;&gt;target</title>" in svg  # the rest is kept as it was
    with pytest.raises(ValueError, match="not an SVG"):
        inline_svg("<html></html>")


def test_html_environment_escapes_every_template() -> None:
    """select_autoescape would leave `*.html.j2` unescaped: ours escapes whatever the name."""
    html = environment()
    assert html.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        html.from_string("{{ missing }}").render()


def test_one_environment_escapes_each_template_for_its_kind() -> None:
    """One environment for every template: HTML ones autoescaped, Markdown ones escaped for
    Markdown, whatever their name; the batch overview's template is one of them."""
    templates = dict.fromkeys(("a.html.j2", "b.html", "c.md.j2", "d.txt"), "{{ x }}")
    loaded = environment().overlay(loader=jinja2.DictLoader(templates))
    hostile = "<b>*x*</b> | y"
    escaped = "&lt;b&gt;*x*&lt;/b&gt; | y"
    assert loaded.get_template("a.html.j2").render(x=hostile) == escaped
    assert loaded.get_template("b.html").render(x=hostile) == escaped
    assert loaded.get_template("d.txt").render(x=hostile) == escaped
    assert loaded.get_template("c.md.j2").render(x=hostile) == markdown_escape(hostile)
    assert markdown_escape(hostile) != hostile


def test_templates_come_from_the_templates_folder() -> None:
    folder = templates_dir()
    for name in ("report.html.j2", "report.md.j2", "report.css"):
        assert (folder / name).is_file()


# ---------------------------------------------------------------------------------------------
# Markdown: the MADR shape, tables that hold, nothing that renders as HTML
# ---------------------------------------------------------------------------------------------

MADR_HEADINGS = [
    "## Context and Problem Statement",
    "## Decision Drivers",
    "## Considered Options",
    "## Decision Outcome",
    "### Consequences",
    "### Confirmation",
    "## Pros and Cons of the Options",
    "### API-driven",
    "### Event-driven",
    "### Hybrid",
]


def _table_rows(markdown: str) -> list[list[str]]:
    """Every table, row by row, split on the pipes that are not escaped."""
    return [
        re.split(r"(?<!\\)\|", line)[1:-1] for line in markdown.splitlines() if line.startswith("|")
    ]


def _assert_tables_hold(markdown: str) -> None:
    lines = markdown.splitlines()
    for index, line in enumerate(lines):
        if re.fullmatch(r"\|(-+:?\|)+", line.replace("---:", "---")):
            width = len(re.split(r"(?<!\\)\|", line)) - 2
            header = lines[index - 1]
            assert len(re.split(r"(?<!\\)\|", header)) - 2 == width
            row = index + 1
            while row < len(lines) and lines[row].startswith("|"):
                cells = re.split(r"(?<!\\)\|", lines[row])
                assert cells[0] == "" and cells[-1] == "", lines[row]
                assert len(cells) - 2 == width, lines[row]
                row += 1


@pytest.mark.parametrize("name", [path.stem for path in sorted((ROOT / "examples").glob("*.yaml"))])
def test_markdown_is_a_decision_record(name: str, ruleset: Ruleset) -> None:
    assessment = _example(name)
    result = assess(assessment, ruleset)
    markdown = to_markdown(assessment, result, ruleset, date=DATE)
    assert markdown.startswith("---\n# Suggested file name: NNNN-")
    assert "\nstatus: proposed\ndate: 2026-01-15\ndecision-makers: " in markdown
    for heading in MADR_HEADINGS:
        assert f"\n{heading}\n" in markdown
    names = {"api": "API-driven", "event": "Event-driven", "hybrid": "Hybrid"}
    assert f'Chosen option: "{names[result.recommendation]}", because ' in markdown
    assert _table_rows(markdown)
    _assert_tables_hold(markdown)
    for flow in result.flows:
        assert f"| {markdown_escape(flow.id)} |" in markdown
    for change in result.what_would_change:
        assert markdown_escape(change.summary) in markdown


def test_markdown_escapes_user_text(ruleset: Ruleset) -> None:
    full = _markdown(_hostile(), ruleset)
    # The Mermaid block's arrows hold ">" (its labels are checked in tests/test_mermaid.py).
    blocks = re.findall(r"^```mermaid\n.*?^```\n", full, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1
    markdown = full.replace(blocks[0], "")
    _assert_tables_hold(markdown)
    assert "<" not in markdown.replace("\\<", "") and ">" not in markdown.replace("\\>", "")
    for raw in ("<script>", "<img", "<b>", "](javascript", "`code`", "*stars*", "_under_"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), markdown), raw
    assert "\\<script\\>alert(1)\\</script\\>" in markdown
    assert "first line second line third" in markdown  # line breaks became spaces
    assert "a \\| b \\|\\| c" in markdown


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("plain text, 3.5 KB", "plain text, 3.5 KB"),
        ("a|b", "a\\|b"),
        ("two\nlines\r\nhere", "two lines here"),
        ("<b>x</b> & y", "\\<b\\>x\\</b\\> \\& y"),
        ("[a](b) `c` *d* _e_ ~f~ #g", "\\[a\\](b) \\`c\\` \\*d\\* \\_e\\_ \\~f\\~ \\#g"),
        ("- item", "\\- item"),
        ("---", "\\---"),  # not a horizontal rule
        ("===", "\\==="),  # not a heading's underline
        ("-5 degrees", "-5 degrees"),
        ("1. first", "1\\. first"),
        ("32.5", "32.5"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_escape(value: str, escaped: str) -> None:
    assert markdown_escape(value) == escaped


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------

GIFTING = str(ROOT / "examples" / "gifting-orders.yaml")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_each_format_by_suffix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for suffix, marker in (
        (".html", "<!DOCTYPE html>"),
        (".md", "---\n# Suggested file name: NNNN-gifting-platform-orders-hybrid-integration.md"),
        (".json", '{\n  "name"'),
        (".txt", "Gifting platform orders\n====="),
    ):
        target = tmp_path / f"report{suffix}"
        code, out, _ = _run(capsys, "assess", GIFTING, "-o", str(target), "--date", "2026-01-15")
        assert (code, out) == (0, "")
        assert target.read_text(encoding="utf-8").startswith(marker), suffix


def test_cli_format_wins_over_the_suffix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "record.out"  # a suffix of no format (.txt would be refused as text's)
    code, _, _ = _run(capsys, "assess", GIFTING, "--format", "md", "-o", str(target))
    assert code == 0 and "\nstatus: proposed\n" in target.read_text(encoding="utf-8")


def test_cli_markdown_is_dated_by_date_or_today(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "assess", GIFTING, "--format", "md", "--date", "2026-01-15")
    assert code == 0 and "\ndate: 2026-01-15\n" in out
    again = _run(capsys, "assess", GIFTING, "--format", "md", "--date", "2026-01-15")[1]
    assert again == out
    code, out, _ = _run(capsys, "assess", GIFTING, "--format", "md")
    assert code == 0 and f"\ndate: {datetime.date.today().isoformat()}\n" in out


@pytest.mark.parametrize("date", ["2026-02-30", "15/01/2026", "20260115", "tomorrow", ""])
def test_cli_refuses_a_bad_date_as_a_usage_error(
    capsys: pytest.CaptureFixture[str], date: str
) -> None:
    code, out, err = _run(capsys, "assess", GIFTING, "--format", "md", "--date", date)
    assert (code, out) == (2, "")
    assert "--date" in err and "YYYY-MM-DD" in err


def test_cli_html_holds_the_blueprint_and_is_stable(capsys: pytest.CaptureFixture[str]) -> None:
    code, html, err = _run(capsys, "assess", GIFTING, "--format", "html")
    assert (code, err) == (0, "")
    page = _parse(html)
    _assert_self_contained(html, page)
    assert "svg" in page.tags
    assert _run(capsys, "assess", GIFTING, "--format", "html")[1] == html


def test_cli_json_carries_what_would_change(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, out, _ = _run(capsys, "assess", GIFTING, "--format", "json")
    changes = json.loads(out)["what_would_change"]
    assert code == 0 and changes
    assert set(changes[0]) == {
        "scope",
        "flow",
        "field",
        "current",
        "proposed",
        "outcome",
        "summary",
    }
    assert json.loads(out)["what_would_change_complete"] is True


def test_cli_reports_on_hostile_names_escape_everything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """tests/data/hostile-names.yaml, through the command line with the real blueprint."""
    hostile = str(Path(__file__).parent / "data" / "hostile-names.yaml")
    code, html, err = _run(capsys, "assess", hostile, "--format", "html")
    assert (code, err) == (0, "")
    page = _parse(html)
    _assert_self_contained(html, page)
    assert "svg" in page.tags
    assert not re.search(r"<(script|img|b|i)[\s>]", html)
    assert _run(capsys, "assess", hostile, "--format", "html")[1] == html
    code, markdown, _ = _run(capsys, "assess", hostile, "--format", "md", "--date", "2026-01-15")
    assert code == 0
    _assert_tables_hold(markdown)
    assert not re.search(r"(?<!\\)<", markdown)
    # the front matter reads back as the very names, whatever they hold
    import yaml

    front = yaml.safe_load(markdown[4 : markdown.index("\n---\n", 4)])
    assessment = load_assessment(Path(hostile))
    assert front["decision-makers"] == list(assessment.decision_makers)
    assert front["informed"] == list(assessment.informed)
    assert front["supersedes"] == assessment.supersedes
    assert front["status"] == "accepted"
    assert front["consulted"] == list(
        dict.fromkeys(system.owner for system in assessment.systems if system.owner)
    )
    assert "&lt;script&gt;alert(&#34;dm&#34;)&lt;/script&gt;" in html


def test_the_text_report_says_what_the_analysis_found_or_that_it_did_not_run(
    ruleset: Ruleset,
) -> None:
    from advisor.report import to_text

    gifting = load_assessment(ROOT / "examples" / "gifting-orders.yaml")
    without = to_text(gifting, assess(gifting, ruleset, what_if=False))
    assert without.endswith(
        "\nWhat would change the answer\n"
        "Not analysed: this report was made without the analysis (--no-what-if).\n"
    )
    found = assess(gifting, ruleset)
    assert found.what_would_change
    assert f"\nWhat would change the answer\n- {found.what_would_change[0].summary[:40]}" in (
        to_text(gifting, found)
    )
    firm = found.model_copy(update={"what_would_change": ()})
    assert to_text(gifting, firm).endswith(
        "\nWhat would change the answer\nNo single change to one input would change the "
        "recommendation: it holds firmly against each input on\nits own.\n"
    )


def test_answers_left_out_that_the_rules_weigh_are_said_to_be_assumed(ruleset: Ruleset) -> None:
    from advisor.loader import parse_assessment
    from advisor.report import to_text

    minimal = parse_assessment(
        "name: Minimal\nsystems: [{id: crm}, {id: billing}]\nflows:\n"
        "  - {id: accounts, source: crm, targets: [billing], trigger: data_change}\n"
        "  - {id: orders, source: crm, targets: [billing], trigger: data_change,\n"
        "     max_delay_seconds: 60, events_per_day: 5000}\n"
        "  - {id: invoices, source: billing, targets: [crm], trigger: data_change,\n"
        "     max_delay_seconds: 30}\n",
        "minimal.yaml",
    )
    result = assess(minimal, ruleset)
    said = (
        "accounts: its targets may be 1 hour behind and it carries about 100 messages a day",
        "invoices: it carries about 100 messages a day",
    )
    text = to_text(minimal, result, ruleset=ruleset)
    assert (
        "\nAssumed, as the file does not say (the format's defaults; give them to be sure):\n"
        in text
    )
    intro = "Assumed, as the file does not say"
    listed = text.split(intro, 1)[1].split("\nFlows\n", 1)[0]
    assert all(f"\n- {line}\n" in listed for line in said) and "orders" not in listed
    markdown = to_markdown(minimal, result, ruleset)
    assert all(f"\n* {line}\n" in markdown for line in said)
    page = to_html(minimal, result, ruleset, diagram_svg=SAMPLE_SVG, date=DATE)
    assert all(f"<li>{line}</li>" in page for line in said)
    # every example gives both answers for every flow: nothing is assumed there
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        example = load_assessment(path)
        assert "Assumed" not in to_text(example, assess(example, ruleset), ruleset=ruleset)
