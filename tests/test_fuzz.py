"""Hostile input, generated: assessments and rules files with extreme and non-finite numbers, huge
lists, repeated ids, control and bidi characters, deep nesting within the limits, every YAML
scalar form and tag. Whatever comes in, no exception escapes, a refusal is one line per problem
that names file:line:col, and every output stays bounded in size.

The default run is short (`make test`); `ADVISOR_FUZZ_EXAMPLES=2000 make fuzz` runs it longer.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.errors import InputError
from advisor.loader import load_rules, parse_assessment
from advisor.report import to_html, to_json, to_markdown, to_text
from advisor.ruleset import Ruleset
from advisor.share import decode_link, encode_link

EXAMPLES = int(os.environ.get("ADVISOR_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NAME = "fuzz.yaml"
MAX_OUTPUT = 8 * 1024 * 1024  # bytes of any one output, for inputs the loader accepts

# Scalars as YAML writes them: numbers at and past every bound, YAML 1.1 forms that YAML 1.2
# reads as text, tags the format does not take, and text that plays with terminals and layout.
SCALARS = st.sampled_from(
    [
        "0",
        "-1",
        "1",
        "1e3",
        "1e308",
        "1.7e308",
        "1e309",
        "-1e309",
        ".inf",
        "-.inf",
        ".nan",
        "9" * 400,
        "010",
        "0o17",
        "0x1A",
        "0b1010",
        "1:00:00",
        "1_000",
        "yes",
        "off",
        "~",
        "null",
        "true",
        "''",
        "'   '",
        "!!set {a, b}",
        "!!binary aGVsbG8=",
        "!!timestamp 2001-12-14",
        "!local x",
        "!!python/object:os.system x",
        '"\\x1b[31mred\\x1b[0m"',
        '"line\\nbreak"',
        '"\\u202eevil\\u202c"',
        '"![x](http://host/p.png)"',
        '"=SUM(A1)"',
        '"<script>alert(1)</script>"',
    ]
)
KEYS = st.sampled_from(
    [
        "name",
        "description",
        "id",
        "events_per_day",
        "peak_per_second",
        "max_delay_seconds",
        "payload_kb",
        "api_rate_limit_per_minute",
        "items_polled_one_by_one",
        "needs_response",
        "emits_events",
        "trigger",
        "initiator",
        "owner",
        "goals",
        "stage",
        "colour",
        "<<",
    ]
)

BASE = {
    "name": "Fuzzed",
    "context": {"stage": "growing", "goals": ["real_time"]},
    "systems": [
        {"id": "shop", "name": "Shop", "emits_events": True, "api_rate_limit_per_minute": 60},
        {"id": "crm", "name": "CRM", "owner": "sales"},
        {"id": "erp", "name": "ERP", "owner": "finance"},
    ],
    "flows": [
        {
            "id": "orders",
            "source": "shop",
            "targets": ["crm", "erp"],
            "trigger": "data_change",
            "max_delay_seconds": 30,
            "events_per_day": 5000,
        },
        {
            "id": "lookup",
            "source": "crm",
            "targets": ["shop"],
            "trigger": "user_action",
            "needs_response": True,
            "initiator": "target",
        },
    ],
}


@st.composite
def hostile_documents(draw: st.DrawFn) -> str:
    """A valid assessment's YAML, then edits: a key set to a hostile scalar at some mapping,
    lists grown by repeating items, and nesting added within the depth limit."""
    text = yaml.safe_dump(BASE, sort_keys=False, allow_unicode=True)
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["set", "repeat", "nest", "targets"]))
        if kind == "set":
            at = draw(st.integers(0, len(lines) - 1))
            indent = len(lines[at]) - len(lines[at].lstrip(" -"))
            lines.insert(at + 1, " " * indent + f"{draw(KEYS)}: {draw(SCALARS)}")
        elif kind == "repeat":
            count = draw(st.sampled_from([2, 50, 2000]))
            lines.append("systems_extra: [" + ", ".join(["{id: x}"] * count) + "]")
        elif kind == "nest":
            depth = draw(st.integers(1, 90))
            lines.append("deep: " + "[" * depth + "1" + "]" * depth)
        else:
            count = draw(st.sampled_from([3, 60, 3000]))
            lines.append("  - {id: many, source: shop, trigger: schedule, targets: [")
            lines.append(
                "    " + ", ".join([draw(st.sampled_from(["ghost", "crm"]))] * count) + "]}"
            )
    return "\n".join(lines) + "\n"


def assert_placed_lines(refused: InputError) -> None:
    assert refused.problems
    for problem in refused.problems:
        shown = str(problem)
        assert "\n" not in shown and "\r" not in shown, shown
        assert shown.startswith(f"{NAME}:"), shown
        assert problem.line is not None, shown  # always file:line:col
    assert len(str(refused)) < 64 * 1024  # problems are capped, and so are their messages


def assert_every_output_is_bounded(text: str, ruleset: Ruleset) -> None:
    try:
        assessment = parse_assessment(text, NAME)
    except InputError as refused:
        assert_placed_lines(refused)
        return
    result = assess(assessment, ruleset)
    outputs = [
        to_json(result),
        to_text(assessment, result),
        to_markdown(assessment, result, ruleset, date=datetime.date(2026, 1, 1)),
        to_html(assessment, result, ruleset, diagram_svg=None),
        blueprint_dot(assessment, result, ruleset),
    ]
    for output in outputs:
        assert len(output.encode("utf-8")) < MAX_OUTPUT
    link = encode_link(assessment)
    assert decode_link(link) == assessment


@FUZZ
@given(hostile_documents())
def test_hostile_assessments_are_refused_in_one_line_each_or_advised_on(text: str) -> None:
    assert_every_output_is_bounded(text, _rules())


@FUZZ
@given(st.binary(max_size=2048))
def test_any_bytes_are_refused_or_read(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    assert_every_output_is_bounded(text, _rules())


CONDITIONS = st.recursive(
    st.builds(
        lambda fact, op, value: {"fact": fact, "op": op, "value": value},
        st.sampled_from(
            ["flow.consumers", "flow.trigger", "flow.payload_kb", "context.goals", "flow.nothing"]
        ),
        st.sampled_from(["eq", "ge", "lt", "in", "contains", "exists", "matches"]),
        st.one_of(
            st.integers(-(10**20), 10**20),
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(["data_change", "real_time", "x"]),
            st.booleans(),
            st.lists(st.sampled_from(["data_change", "schedule"]), max_size=3),
        ),
    ),
    lambda inner: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, max_size=40)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, max_size=40)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=200,
)


@FUZZ
@given(
    CONDITIONS,
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6)),
    st.sampled_from(["peak_factor", "saturation", "style_margin", "hybrid_floor"]),
)
def test_hostile_rules_are_refused_in_one_line_each_or_evaluate(
    condition: Any, number: float, setting: str
) -> None:
    text = yaml.safe_dump(
        {
            "scoring": {setting: number},
            "rules": [
                {
                    "id": "fuzzed",
                    "criterion": "coupling",
                    "favours": "event",
                    "points": 5,
                    "when": condition,
                    "explanation": "Fuzzed {flow.consumers}.",
                }
            ],
        }
    )
    path = _folder() / "fuzz-rules.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        rules = load_rules([path])
    except InputError as refused:
        for problem in refused.problems:
            shown = str(problem)
            assert "\n" not in shown and shown.startswith(str(path)), shown
        return
    assessment = parse_assessment(yaml.safe_dump(BASE), NAME)
    assert to_json(assess(assessment, rules))


_CACHE: dict[str, Any] = {}


def _rules() -> Ruleset:
    if "rules" not in _CACHE:
        _CACHE["rules"] = load_rules()
    rules: Ruleset = _CACHE["rules"]
    return rules


def _folder() -> Path:
    if "folder" not in _CACHE:
        import tempfile

        _CACHE["folder"] = Path(tempfile.mkdtemp(prefix="advisor-fuzz-"))
    folder: Path = _CACHE["folder"]
    return folder


@pytest.fixture(autouse=True)
def _no_rules_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_CACHE_DIR", "")  # every fuzzed rules file is read afresh


APP = Path(__file__).resolve().parents[1] / "app.py"


@settings(
    max_examples=max(3, EXAMPLES // 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_documents(), st.booleans())
def test_the_web_app_opens_any_link_without_an_exception(text: str, broken: bool) -> None:
    """A link made from a hostile assessment the loader accepts, or a link cut short: the page
    shows the advice or the refusal, never a traceback."""
    import streamlit as st_app
    from streamlit.testing.v1 import AppTest

    try:
        link = encode_link(parse_assessment(text, NAME))
    except InputError:
        link = "v1" + text.encode("utf-8").hex()[:200]  # a link that is not one
    if broken:
        link = link[: len(link) // 2]
    st_app.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["a"] = link
    at.run()
    assert not at.exception, at.exception
