"""The decision record a design review accepts: MADR 4.0 complete (front matter, confirmation),
reasons in the user's own numbers, honest options, and one number format everywhere."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.advice import assess
from advisor.cli import STATUSES as CLI_STATUSES
from advisor.cli import main
from advisor.loader import load_assessment
from advisor.models import STATUSES, Assessment
from advisor.narrative import Narrative
from advisor.report import Record, markdown_escape, to_html, to_markdown, to_text
from advisor.report_context import css_string, record_file_name, yaml_text
from advisor.ruleset import Ruleset
from advisor.wording import (
    format_confidence,
    format_duration,
    format_percent,
    format_rate,
    format_score,
    format_size,
    plural,
)
from tests.conftest import EXAMPLES, ROOT, build
from tests.synthetic import generated_assessment

DATE = datetime.date(2026, 1, 15)
FIELD_SERVICE = ROOT / "examples" / "field-service-article.yaml"


def _example(name: str) -> Assessment:
    return load_assessment(ROOT / "examples" / f"{name}.yaml")


def _record(assessment: Assessment, ruleset: Ruleset, **record: Any) -> str:
    result = assess(assessment, ruleset)
    return to_markdown(assessment, result, ruleset, record=Record(date=DATE, **record))


def _front_matter(markdown: str) -> dict[str, Any]:
    assert markdown.startswith("---\n")
    end = markdown.index("\n---\n", 4)
    data = yaml.safe_load(markdown[4:end])
    assert isinstance(data, dict)
    return data


def _section(markdown: str, heading: str) -> str:
    """The text under one heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = markdown.index(f"\n{heading}\n") + len(heading) + 2
    ends = [
        found.start()
        for found in re.finditer(r"\n(#+) ", markdown[start:])
        if len(found.group(1)) <= len(level)
    ]
    return markdown[start : start + ends[0]] if ends else markdown[start:]


def _with_record(**fields: Any) -> Assessment:
    data = _example("gifting-orders").model_dump(mode="json", exclude_none=True)
    data.update(fields)
    return build(data)


# ---------------------------------------------------------------------------------------------
# 1. MADR 4.0 complete
# ---------------------------------------------------------------------------------------------


def test_front_matter_names_who_decides_who_is_consulted_and_informed(ruleset: Ruleset) -> None:
    assessment = _with_record(
        decision_makers=["Ann Lee", "Bo Chen"], informed=["ops", "finance"], status="accepted"
    )
    markdown = _record(assessment, ruleset, status="accepted", supersedes="ADR-0007")
    front = _front_matter(markdown)
    assert front == {
        "status": "accepted",
        "date": DATE,
        "decision-makers": ["Ann Lee", "Bo Chen"],
        "consulted": ["web", "commerce", "partners", "logistics", "crm"],  # owners, in order
        "informed": ["ops", "finance"],
        "supersedes": "ADR-0007",
    }
    assert "This decision supersedes ADR-0007." in markdown


def test_consulted_are_the_owners_of_the_systems_the_flows_involve_each_once(
    ruleset: Ruleset,
) -> None:
    assessment = build(
        {
            "name": "Owners",
            "systems": [
                {"id": "a", "owner": "team-x"},
                {"id": "b", "owner": "team-y"},
                {"id": "c", "owner": "team-x"},
                {"id": "idle", "owner": "nobody-asked"},  # in no flow
                {"id": "d"},  # no owner
            ],
            "flows": [
                {"id": "f", "source": "a", "targets": ["b", "c", "d"], "trigger": "data_change"}
            ],
        }
    )
    front = _front_matter(_record(assessment, ruleset))
    assert front["consulted"] == ["team-x", "team-y"]
    assert front["decision-makers"] == [] and front["informed"] == []
    assert "supersedes" not in front


def test_the_suggested_file_name_is_numbered_kebab_case_from_the_title(ruleset: Ruleset) -> None:
    markdown = _record(_example("gifting-orders"), ruleset)
    first = markdown.splitlines()[1]
    assert first.startswith(
        "# Suggested file name: NNNN-gifting-platform-orders-hybrid-integration.md"
    )
    assert record_file_name("Ünïcode / API: v2!") == "NNNN-unicode-api-v2.md"
    assert record_file_name("京都の注文") == "NNNN-decision.md"
    assert len(record_file_name("x" * 300)) == len("NNNN-.md") + 60


@pytest.mark.parametrize("status", STATUSES)
def test_the_command_line_status_and_supersedes_win_over_the_file(
    status: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "record.yaml"
    text = (ROOT / "examples" / "gifting-orders.yaml").read_text(encoding="utf-8")
    source.write_text(text + "status: rejected\nsupersedes: ADR-0001\n", encoding="utf-8")
    code = main(["assess", str(source), "--format", "md", "--date", "2026-01-15"])
    front = _front_matter(capsys.readouterr().out)
    assert code == 0 and (front["status"], front["supersedes"]) == ("rejected", "ADR-0001")
    argv = ["assess", str(source), "--format", "md", "--status", status]
    code = main([*argv, "--supersedes", "0007-order-events.md"])
    front = _front_matter(capsys.readouterr().out)
    assert code == 0 and (front["status"], front["supersedes"]) == (
        status,
        "0007-order-events.md",
    )
    code = main(["assess", str(source), "--format", "html", "--status", status])
    page = capsys.readouterr().out
    assert code == 0 and f"<dd>{status.capitalize()}</dd>" in page and "ADR-0001" in page


def test_the_command_line_knows_the_models_statuses() -> None:
    assert CLI_STATUSES == STATUSES


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--status", "done", "invalid choice: 'done'"),
        ("--supersedes", "", "write one line"),
        ("--supersedes", "ADR-1\nADR-2", "write one line"),
        ("--supersedes", "x" * 201, "up to 200 characters"),
    ],
)
def test_a_bad_status_or_reference_is_a_usage_error(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["assess", str(EXAMPLES[0]), "--format", "md", option, value])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert option in captured.err and says in captured.err


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("status", "done", "Input should be 'proposed', 'accepted'"),
        ("decision_makers", ["Ann", "Ann"], "'Ann' is listed twice"),
        ("informed", [""], "at least 1 character"),
        ("supersedes", "two\nlines", "should match pattern"),
    ],
)
def test_the_file_s_record_fields_are_checked(
    field: str, value: Any, says: str, ruleset: Ruleset
) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        _with_record(**{field: value})


def test_confirmation_has_a_section_per_flow_naming_systems_and_owners(ruleset: Ruleset) -> None:
    assessment = _example("gifting-orders")
    confirmation = _section(_record(assessment, ruleset), "### Confirmation")
    place, confirmed = confirmation.split("order-confirmed (Event-driven):")
    assert "place-order (API-driven):" in place
    # latency within the flow's own delay, between the systems that talk, with their owners
    assert "* Latency: Storefront (owner: web) gets the answer of Order service (owner: commerce)"
    assert "within 3 seconds" in place and "within 30 seconds" in confirmed
    # headroom under the called side's limit: 600 calls a minute at Order service
    assert re.search(r"Headroom: Order service \(owner: commerce\) takes at most 600 calls", place)
    assert "ask for it before going live" in confirmed  # the consumers give no limit
    # dead letters only where events travel, on the broker chosen
    assert "Dead letters" not in place
    assert "Dead letters: an alarm on the dead-letter queue of each subscription on Azure" in (
        confirmed
    )
    for line in ("Idempotency", "Contracts"):
        assert f"* {line}: " in place and f"* {line}: " in confirmed
    assert "Florist network (owner: partners)" in confirmed
    # every line names an owner (or says none is named)
    for line in confirmation.splitlines():
        if line.startswith("* "):
            assert "(owner: " in line or "(no owner named)" in line, line


def test_headroom_takes_every_limited_system_on_the_called_side(ruleset: Ruleset) -> None:
    assessment = build(
        {
            "name": "Limits",
            "systems": [
                {"id": "src", "owner": "core"},
                {"id": "t1", "api_rate_limit_per_minute": 60, "owner": "one"},
                {"id": "t2", "api_rate_limit_per_minute": 1000, "owner": "two"},
            ],
            "flows": [
                {
                    "id": "push",
                    "source": "src",
                    "targets": ["t1", "t2"],
                    "trigger": "user_action",
                    "needs_response": True,
                    "events_per_day": 8640,  # peak: 1 a second, 60 a minute
                }
            ],
        }
    )
    story = Narrative(assessment, assess(assessment, ruleset), ruleset)
    (flow,) = story.confirmation()
    headroom = [how for what, how in flow.lines if what == "Headroom"]
    assert len(headroom) == 2
    assert headroom[0].startswith("t1 (owner: one) takes at most 60 calls a minute")
    assert "about 60 calls a minute (100% of it)" in headroom[0]
    assert "about 60 calls a minute (6% of it)" in headroom[1]


# ---------------------------------------------------------------------------------------------
# 2. Reasons in the user's numbers
# ---------------------------------------------------------------------------------------------

PROSE_SECTIONS = (
    "## Context and Problem Statement",
    "## Decision Drivers",
)
NO_PROSE = re.compile(r"\blead(s)? by\b|\bmargin\b|\bpoints\b|\brule\b|\[rule|\bscore\b", re.I)


def _rule_ids(ruleset: Ruleset) -> set[str]:
    return {rule.id for rule in ruleset.rules} | {rule.id for rule in ruleset.hybrid}


@pytest.mark.parametrize("path", [*EXAMPLES, FIELD_SERVICE], ids=lambda path: path.stem)
def test_context_drivers_and_because_hold_no_rule_id_or_score_difference(
    path: Path, ruleset: Ruleset
) -> None:
    markdown = _record(load_assessment(path), ruleset)
    chosen = re.search(r"\nChosen option: .*\n", markdown)
    assert chosen is not None
    consequences = _section(markdown, "### Consequences")
    prose = [_section(markdown, heading) for heading in PROSE_SECTIONS]
    prose += [chosen.group(0), consequences]
    ids = _rule_ids(ruleset) | {"style_margin", "hybrid_floor"}
    for text in prose:
        plain = text.replace("\\", "")
        assert not NO_PROSE.search(plain), NO_PROSE.search(plain)
        for rule_id in ids:
            assert not re.search(rf"(?<![\w-]){re.escape(rule_id)}(?![\w-])", plain), rule_id
    # ... and the rule ids are all in the traceability table, with every reason
    trace = _section(markdown, "### Traceability")
    result = assess(load_assessment(path), ruleset)
    for flow in result.flows:
        for reason in flow.reasons:
            assert f"| {markdown_escape(flow.id)} | {markdown_escape(reason.rule)} |" in trace


def test_one_driver_per_constraint_and_every_kind_of_flow_stays(ruleset: Ruleset) -> None:
    """Ten flows of three kinds: each driver once, and no kind of flow lost."""
    assessment = generated_assessment(12, 10)
    result = assess(assessment, ruleset)
    markdown = to_markdown(assessment, result, ruleset, date=DATE)
    # the drivers' list, before what the file leaves out and the format assumes
    drivers = _section(markdown, "## Decision Drivers").strip().split("\n\n")[0].splitlines()
    titles = [line.split(":")[0] for line in drivers]
    assert len(titles) == len(set(titles))  # one per constraint
    text = " ".join(drivers)
    for flow in result.flows:  # every flow is in some driver
        assert markdown_escape(flow.id) in text, flow.id
    chosen = re.search(r"\nChosen option: (.*)\n", markdown)
    assert chosen is not None
    for style in ("API-driven", "event-driven", "hybrid"):  # every kind of flow stays
        assert f"are {style}" in chosen.group(1), style
    # the user's numbers: delays as durations, volumes, sizes, consumers
    assert "within 30 seconds" in text and "within 1 minute" in text
    assert "3.9 MB" in text
    assert re.search(r"it has \d+ consumers", text)


def test_drivers_and_because_speak_in_the_field_service_article_s_numbers(
    ruleset: Ruleset,
) -> None:
    assessment = load_assessment(FIELD_SERVICE)
    markdown = _record(assessment, ruleset)
    drivers = _section(markdown, "## Decision Drivers")
    assert "* Who waits: the caller waits for the answer" in drivers
    assert "7.8 MB a message" not in drivers or "each message is 7.8 MB" in drivers
    assert "each message is 7.8 MB (transfer-attachments)" in drivers
    assert "The organisation: the team has no event experience" in drivers
    chosen = re.search(r"\nChosen option: (.*)\n", markdown)
    assert chosen is not None
    assert chosen.group(1).startswith('"API-driven", because every flow is API-driven, as ')
    context = _section(markdown, "## Context and Problem Statement")
    assert "owned by 3 teams (field-ops, support and retailer)" in context
    assert "about 300 requests a day; the targets at most 5 seconds behind; 12 KB" in context


# ---------------------------------------------------------------------------------------------
# 3. Honest options
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*EXAMPLES, FIELD_SERVICE], ids=lambda path: path.stem)
def test_each_option_has_one_line_per_criterion_and_a_score(path: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)
    result = assess(assessment, ruleset)
    story = Narrative(assessment, result, ruleset)
    titles = [criterion.title for criterion in ruleset.criteria]
    for style in ("api", "event", "hybrid"):
        lines = story.option_lines(style)
        assert len(lines) == len(titles)
        for line, title in zip(lines, titles, strict=True):
            assert line.text.lower().startswith(title.lower() + ": ")
            assert line.verdict in ("Good", "Neutral", "Bad")
        assert 0 <= story.option_score(style) <= 100
    # no evidence either way is Neutral; hybrid is never below the better single style
    for style in ("api", "event", "hybrid"):
        for line in story.option_lines(style):
            if line.text.endswith("no input here bears on it."):
                assert line.verdict == "Neutral"
    best = max(story.option_score("api"), story.option_score("event"))
    assert story.option_score("hybrid") >= best - 0.1
    markdown = to_markdown(assessment, result, ruleset, date=DATE)
    for name in ("API-driven", "Event-driven", "Hybrid"):
        option = _section(markdown, f"### {name}")
        assert re.search(r"Score: [\d.]+ of 100\.", option)
        assert "* Good, because" in option or "* Bad, because" in option


@pytest.mark.parametrize("path", [*EXAMPLES, FIELD_SERVICE], ids=lambda path: path.stem)
def test_the_matrix_columns_add_up_to_the_scores_on_a_0_100_scale(
    path: Path, ruleset: Ruleset
) -> None:
    assessment = load_assessment(path)
    result = assess(assessment, ruleset)
    story = Narrative(assessment, result, ruleset)
    matrix = story.matrix()
    assert [row.criterion for row in matrix.rows] == [c.title for c in ruleset.criteria]
    for style in ("api", "event", "hybrid"):
        column = [float(row.points[style]) for row in matrix.rows]
        total = float(matrix.totals[style])
        assert all(0 <= value <= 100 for value in column)
        assert round(sum(column), 1) == total <= 100
    assert float(matrix.totals["api"]) == result.scores.api
    assert float(matrix.totals["event"]) == result.scores.event


def test_the_chosen_option_scores_highest(ruleset: Ruleset) -> None:
    for path in [*EXAMPLES, FIELD_SERVICE]:
        assessment = load_assessment(path)
        result = assess(assessment, ruleset)
        story = Narrative(assessment, result, ruleset)
        scores = {style: story.option_score(style) for style in ("api", "event", "hybrid")}
        assert scores[result.recommendation] == max(scores.values()), path.name


def test_cheap_polling_is_never_a_con_of_the_api_option(ruleset: Ruleset) -> None:
    """A nightly change read by one target: 24 polls a day. Whatever else speaks for events,
    the polling is said in the API option's favour, never against it."""
    assessment = build(
        {
            "name": "Cheap polling",
            "systems": [{"id": "a", "api_rate_limit_per_minute": 100}, {"id": "b"}],
            "flows": [
                {
                    "id": "f",
                    "source": "a",
                    "targets": ["b"],
                    "trigger": "data_change",
                    "max_delay_seconds": 3600,
                    "events_per_day": 20,
                }
            ],
        }
    )
    result = assess(assessment, ruleset)
    assert result.flows[0].polling is not None and result.flows[0].polling.calls_per_day == 24
    story = Narrative(assessment, result, ruleset)
    lines = story.option_lines("api")
    polled = [line for line in lines if "polling" in line.text]
    assert polled
    for line in polled:
        against = line.text.split("; against that, ")
        if line.verdict == "Bad":
            assert "polling" not in against[0], line.text
            assert (
                "request-response is favoured, as for f, polling would take 24 calls"
                in (against[1])
            )
        else:
            assert "polling would take 24 calls a day" in against[0]


# ---------------------------------------------------------------------------------------------
# 4. One number format
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.86, "86%"), (1.0, "100%"), (0.5, "50%"), (0.935, "94%")],
)
def test_confidence_is_a_whole_percentage(value: float, shown: str) -> None:
    assert format_confidence(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(65.0, "65"), (32.5, "32.5"), (8.33, "8.3"), (0.04, "0"), (99.96, "100")],
)
def test_scores_are_whole_or_one_decimal(value: float, shown: str) -> None:
    assert format_score(value) == shown


@pytest.mark.parametrize(
    ("share", "shown"),
    [(0.006, "< 1%"), (0.0001, "< 1%"), (0.0, "0%"), (0.01, "1%"), (0.254, "25%")],
)
def test_shares_below_one_percent_say_so(share: float, shown: str) -> None:
    assert format_percent(share) == shown


@pytest.mark.parametrize(
    ("count", "noun", "shown"),
    [(1, "message", "1 message"), (2, "message", "2 messages"), (1.5, "call", "1.5 calls")],
)
def test_plural_agreement(count: float, noun: str, shown: str) -> None:
    assert plural(count, noun) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.29, "17.4 a minute"), (2.0, "2 a second"), (0.001, "3.6 an hour")],
)
def test_rates_and_sizes_have_their_units(value: float, shown: str) -> None:
    assert format_rate(value) == shown
    assert format_rate(1 / 60, "message") == "1 message a minute"
    assert format_size(8000) == "7.8 MB" and format_size(20) == "20 KB"
    assert format_size(100_000_000) == "95.4 GB" and format_size(1024 * 1024 - 1) == "1,024 MB"
    assert format_duration(86_400) == "1 day" and format_duration(90) == "1.5 minutes"


_OLD_CONFIDENCE = re.compile(r"confidence\s+[01]\.\d\d?\b", re.IGNORECASE)


@pytest.mark.parametrize("path", [*EXAMPLES, FIELD_SERVICE], ids=lambda path: path.stem)
def test_every_output_shows_confidence_as_a_percentage_with_its_meaning(
    path: Path, ruleset: Ruleset
) -> None:
    assessment = load_assessment(path)
    result = assess(assessment, ruleset)
    shown = format_confidence(result.confidence)
    meaning = "50% is a dead heat, 100% a lead of 70 points or more"
    outputs = {
        "md": to_markdown(assessment, result, ruleset, date=DATE),
        "html": to_html(assessment, result, ruleset, diagram_svg=None, date=DATE),
        "text": to_text(assessment, result, ruleset=ruleset),
    }
    outputs["html"] = re.sub(r"<style>.*?</style>", "", outputs["html"], flags=re.DOTALL)
    for name, text in outputs.items():
        assert not _OLD_CONFIDENCE.search(text), name
        assert shown in text and meaning in text.replace("\n", " "), name
        assert not re.search(r"\b\d+\.\d{2,}\b(?!\.)", _without_digests(text)), name


def _without_digests(text: str) -> str:
    return re.sub(r"sha256:[0-9a-f]+|\d+\.\d+\.\d+", "", text)


def test_the_head_to_head_never_shows_more_than_100(ruleset: Ruleset) -> None:
    """Ten flows whose points summed would pass 100: the head-to-head shows means over the
    flows, on the 0-100 scale."""
    assessment = generated_assessment(12, 10)
    html = to_html(assessment, assess(assessment, ruleset), ruleset, diagram_svg=None, date=DATE)
    totals = re.findall(r'<span class="total">([^<]*)</span>', html)
    assert totals and all(float(total) <= 100 for total in totals)


# ---------------------------------------------------------------------------------------------
# Hostile text stays text: front matter, running head, record
# ---------------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    'Ann: "lead" # not a comment',
    "- item\n---\nstatus: accepted",
    "<script>alert(1)</script> & co",
    "back\\slash \x7f del \x85 nel \ufeff bom",
    "[x](javascript:alert(1)) *b* `c`",
]


def test_front_matter_keeps_hostile_names_as_text(ruleset: Ruleset) -> None:
    assessment = _with_record(
        decision_makers=HOSTILE_NAMES, informed=HOSTILE_NAMES[:2], supersedes="ADR: 7 # x"
    )
    markdown = _record(assessment, ruleset, supersedes=assessment.supersedes)
    front = _front_matter(markdown)
    assert front["decision-makers"] == HOSTILE_NAMES
    assert front["informed"] == HOSTILE_NAMES[:2]
    assert front["supersedes"] == "ADR: 7 # x"
    assert front["status"] == "proposed"
    head = markdown[: markdown.index("\n---\n", 4)]
    assert "<" not in head and ">" not in head  # no HTML, should a renderer show it raw
    assert head.count("\n") == 7  # one line per key, whatever the names hold


@pytest.mark.parametrize("text", [*HOSTILE_NAMES, "", "\\", '"', "}"])
def test_yaml_text_reads_back_exactly(text: str) -> None:
    assert yaml.safe_load(f"value: {yaml_text(text)}") == {"value": text}


def test_the_running_head_cannot_leave_its_css_string() -> None:
    for text in (*HOSTILE_NAMES, '"; } body { display: none } @page { x: "', "</style>"):
        escaped = css_string(text)
        inner = escaped[1:-1]
        assert escaped[0] == escaped[-1] == '"'
        assert not set(inner) & set("\"'<>{};/\n")


def test_the_html_record_shows_hostile_record_fields_as_text(ruleset: Ruleset) -> None:
    assessment = _with_record(
        name="</style><script>alert(1)</script>", decision_makers=HOSTILE_NAMES
    )
    result = assess(assessment, ruleset)
    html = to_html(assessment, result, ruleset, diagram_svg=None, date=DATE)
    assert "<script" not in html and html.count("</style>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "\\3c \\2f style\\3e" in html  # the running head, escaped for CSS
