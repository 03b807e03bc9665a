"""Every number has a bound that the engine can compute with, refused with file:line:col like any
other bad value; rules that the checker accepts evaluate; text that people read shows something."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.advice import assess
from advisor.errors import InputError
from advisor.loader import load_rules, parse_assessment
from advisor.models import (
    MAX_DELAY_SECONDS,
    MAX_EVENTS_PER_DAY,
    MAX_PAYLOAD_KB,
    MAX_PEAK_PER_SECOND,
    MAX_RATE_LIMIT,
    Assessment,
)
from advisor.ruleset import Ruleset
from advisor.whatif import apply_change

BASE = """\
name: Bounds
systems:
  - id: shop
    api_rate_limit_per_minute: {limit}
  - id: crm
  - id: erp
flows:
  - id: sync
    source: shop
    targets: [crm, erp]
    trigger: data_change
    max_delay_seconds: {delay}
    events_per_day: {events}
    peak_per_second: {peak}
    payload_kb: {payload}
"""
SAFE = {"limit": 60, "delay": 60, "events": 1000, "peak": 1, "payload": 2}


def refusal(**values: Any) -> list[str]:
    with pytest.raises(InputError) as refused:
        parse_assessment(BASE.format(**{**SAFE, **values}), "bounds.yaml")
    return [str(problem) for problem in refused.value.problems]


@pytest.mark.parametrize(
    ("field", "value", "line"),
    [
        ("limit", MAX_RATE_LIMIT + 1, 4),
        ("limit", 10**309, 4),
        ("delay", MAX_DELAY_SECONDS * 2, 12),
        ("events", MAX_EVENTS_PER_DAY + 1, 13),
        ("events", 10**309, 13),
        ("peak", 1.7e308, 14),
        ("peak", MAX_PEAK_PER_SECOND * 10, 14),
        ("payload", MAX_PAYLOAD_KB * 10, 15),
    ],
)
def test_numbers_past_their_bound_are_refused_where_they_stand(
    field: str, value: float, line: int
) -> None:
    problems = refusal(**{field: value})
    assert len(problems) == 1 and problems[0].startswith(f"bounds.yaml:{line}:"), problems
    assert "must be at most" in problems[0]


def test_numbers_at_their_bound_are_assessed_with_finite_results(ruleset: Ruleset) -> None:
    """The largest values the format allows: nothing overflows, and every change the analysis
    proposes is itself a valid assessment."""
    text = BASE.format(
        limit=MAX_RATE_LIMIT,
        delay=MAX_DELAY_SECONDS,
        events=MAX_EVENTS_PER_DAY,
        peak=MAX_PEAK_PER_SECOND,
        payload=MAX_PAYLOAD_KB,
    )
    assessment = parse_assessment(text, "bounds.yaml")
    result = assess(assessment, ruleset)
    assert json.loads(result.model_dump_json())  # finite numbers only: JSON has no Infinity
    for change in result.what_would_change or ():
        Assessment.model_validate(apply_change(assessment, change).model_dump())


@pytest.mark.parametrize("blank", ["   ", "\t", " \u3000 "])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("name: Bounds", "name: '{blank}'"),
        ("  - id: crm\n", "  - id: crm\n    name: '{blank}'\n"),
        ("  - id: crm\n", "  - id: crm\n    owner: '{blank}'\n"),
    ],
)
def test_names_of_spaces_only_are_refused(old: str, new: str, blank: str) -> None:
    text = BASE.format(**SAFE).replace(old, new.format(blank=blank), 1)
    with pytest.raises(InputError) as refused:
        parse_assessment(text, "bounds.yaml")
    assert "must hold more than spaces" in str(refused.value)


def test_a_message_lists_ten_known_ids_at_most() -> None:
    systems = [{"id": f"s{index}"} for index in range(40)]
    flows = [{"id": "f", "source": "s0", "targets": ["zzzz"], "trigger": "schedule"}]
    text = yaml.safe_dump({"name": "Many", "systems": systems, "flows": flows})
    with pytest.raises(InputError) as refused:
        parse_assessment(text, "many.yaml")
    (unknown,) = [str(p) for p in refused.value.problems if "no system has the id" in str(p)]
    assert "known systems: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 and 30 more" in unknown


def _refused_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> str:
    """What loading this rules file (uncached) is refused with."""
    monkeypatch.setenv("ADVISOR_CACHE_DIR", "")
    with pytest.raises(InputError) as refused:
        load_rules([_rules_file(tmp_path, text)])
    return str(refused.value)


def _rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ours.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_long_flat_condition_evaluates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_CACHE_DIR", "")
    tests = "".join(
        f"        - {{fact: flow.consumers, op: le, value: {n}}}\n" for n in range(1000)
    )
    rules = load_rules(
        [
            _rules_file(
                tmp_path,
                "rules:\n  - id: many-tests\n    criterion: coupling\n    favours: api\n"
                "    points: 5\n    when:\n      any:\n" + tests + "    explanation: Ours.\n",
            )
        ]
    )
    assessment = parse_assessment(BASE.format(**SAFE), "bounds.yaml")
    fired = {reason.rule for reason in assess(assessment, rules).flows[0].reasons}
    assert "many-tests" in fired


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - id: huge\n    criterion: coupling\n    favours: api\n    points: 5\n"
            "    when: {fact: flow.consumers, op: ge, value: 1e309}\n    explanation: Ours.\n",
            "a threshold is a finite number",
        ),
        (
            "rules:\n  - id: huge\n    criterion: coupling\n    favours: api\n    points: 5\n"
            "    when: {fact: flow.consumers, op: ge, value: 1e16}\n    explanation: Ours.\n",
            "a threshold is a finite number",
        ),
        ("scoring:\n  peak_factor: .inf\n", "finite number"),
        ("scoring:\n  peak_factor: 100000\n", "must be at most 86,400 (got 100000)"),
        ("scoring:\n  saturation: 1e12\n", "must be at most 10,000"),
    ],
)
def test_rules_the_engine_cannot_compute_with_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    refused = _refused_rules(tmp_path, monkeypatch, text)
    assert expected in refused
    assert refused.startswith(str(tmp_path / "ours.yaml") + ":")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    events_per_day: {events}",
            "    events_per_day: true",
            "expected a whole number, got true",
        ),
        ("    payload_kb: {payload}", "    payload_kb: '2'", "expected a number, got '2'"),
        ("    payload_kb: {payload}", "    payload_kb: false", "expected a number, got false"),
        (
            "    trigger: data_change",
            "    trigger: data_change\n    needs_response: 'off'",
            "expected true or false, got 'off'",
        ),
        (
            "    api_rate_limit_per_minute: {limit}",
            "    api_rate_limit_per_minute: 6e1",
            "expected a whole number, got 60.0",
        ),
        ("  - id: crm\n", "  - id: crm\n    emits_events: 'yes'\n", "expected true or false"),
    ],
)
def test_values_are_taken_as_written(old: str, new: str, expected: str) -> None:
    """No true for 1, no "off" for false, no "2" for 2: YAML 1.2 reads them as they are, and the
    format takes them as they are."""
    assert old in BASE
    text = BASE.replace(old, new, 1).format(**SAFE)
    with pytest.raises(InputError) as refused:
        parse_assessment(text, NAME_OF_FILE)
    (problem,) = refused.value.problems
    assert expected in str(problem) and problem.line is not None, str(problem)


NAME_OF_FILE = "bounds.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - id: ours\n    criterion: coupling\n    favours: api\n    points: '5'\n"
            "    when: {fact: flow.consumers, op: ge, value: 2}\n    explanation: Ours.\n",
            ":5:13: rules[0] (id: ours).points: expected a number",
        ),
        (
            "scoring:\n  style_margin: true\n",
            ":2:17: scoring.style_margin: expected a number, got true",
        ),
    ],
)
def test_rules_numbers_are_taken_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    assert expected in _refused_rules(tmp_path, monkeypatch, text)
