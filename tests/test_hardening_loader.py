"""The loader against hostile files: YAML 1.2's core schema, core tags only, one merge key,
one line per problem with its place, the limit that truly applies, and bounded reports."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from advisor.cli import main
from advisor.errors import InputError, Problem, did_you_mean, hint_budget, printable
from advisor.loader import load_rules, parse_assessment
from advisor.validation import MAX_LISTED, MAX_PROBLEMS
from advisor.yamldoc import MAX_DEPTH, MAX_NODES, parse_yaml

GOOD = """\
name: Good
context:
  goals: [simplicity, real_time]
systems:
  - id: shop
  - id: crm
flows:
  - id: sync
    source: shop
    targets: [crm]
    trigger: data_change
"""


def refuse(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_assessment(text, "in.yaml")
    return [str(problem) for problem in caught.value.problems]


def value(text: str) -> Any:
    data, _ = parse_yaml(f"a: {text}\n", "in.yaml")
    return data["a"]


# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010", 10),  # YAML 1.1: 8 (octal)
        ("0o10", 8),
        ("0x1A", 26),
        ("-12", -12),
        ("+7", 7),
        ("1e3", 1000.0),  # YAML 1.1: the string "1e3"
        ("1.5E-2", 0.015),
        (".5", 0.5),
        ("1.", 1.0),
        ("1:00:00", "1:00:00"),  # YAML 1.1: 3600 (sexagesimal)
        ("1:30", "1:30"),
        ("0b1010", "0b1010"),  # YAML 1.1: 10
        ("1_000", "1_000"),  # YAML 1.1: 1000
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("Y", "Y"),
        ("true", True),
        ("FALSE", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("2001-01-01", "2001-01-01"),
        ("=", "="),
        ("0x", "0x"),
        ("0o8", "0o8"),
    ],
)
def test_plain_scalars_follow_yaml_1_2_core(text: str, expected: Any) -> None:
    got = value(text)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("text", [".inf", "+.INF", "-.Inf", ".nan", ".NaN"])
def test_infinities_and_nan(text: str) -> None:
    got = value(text)
    assert isinstance(got, float)
    assert (
        math.isnan(got) if "nan" in text.lower() else got == (-1 if "-" in text else 1) * math.inf
    )


def test_an_assessment_reads_numbers_and_words_as_yaml_1_2_does() -> None:
    text = (
        GOOD.replace("name: Good", "name: 1:00:00")
        + "    payload_kb: 1e3\n    events_per_day: 010\n"
    )
    assessment = parse_assessment(text, "in.yaml")
    assert assessment.name == "1:00:00"
    assert assessment.flows[0].payload_kb == 1000
    assert assessment.flows[0].events_per_day == 10


def test_rules_files_are_read_as_yaml_1_2_too(tmp_path: Path) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(
        "rules:\n  - id: our-rule\n    criterion: coupling\n    favours: event\n"
        "    points: 1e1\n    when: {fact: flow.consumers, op: ge, value: 010}\n"
        "    explanation: Ours.\n",
        encoding="utf-8",
    )
    ruleset = load_rules([rules])
    (ours,) = [rule for rule in ruleset.rules if rule.id == "our-rule"]
    assert ours.points == 10
    assert "10" in repr(ours.when) and "8" not in repr(ours.when)


def test_a_number_too_long_for_python_is_refused_with_its_place() -> None:
    (problem,) = refuse(GOOD + "    events_per_day: " + "9" * 5000 + "\n")
    assert problem.startswith("in.yaml:12:21: ") and "too many digits" in problem


# ---------------------------------------------------------------------------------------------
# Tags and merge keys
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tagged", "shown"),
    [
        ("!!set {simplicity, real_time}", "!!set"),
        ("!!omap [{simplicity: 1}]", "!!omap"),
        ("!!pairs [{simplicity: 1}]", "!!pairs"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!timestamp 2001-01-01", "!!timestamp"),
        ("!mine [simplicity]", "!mine"),
        ("!<tag:example.com,2026:goal> [simplicity]", "tag:example.com,2026:goal"),
    ],
)
def test_tags_outside_the_core_schema_are_refused_at_their_place(tagged: str, shown: str) -> None:
    (problem,) = refuse(GOOD.replace("[simplicity, real_time]", tagged))
    assert problem.startswith(f"in.yaml:3:10: uses a YAML tag that is not allowed here ({shown})")


def test_a_set_of_goals_is_refused_with_anchors_too() -> None:
    text = GOOD.replace("[simplicity, real_time]", "&g !!set {simplicity, real_time}")
    (problem,) = refuse(text)
    assert problem.startswith("in.yaml:3:10: uses a YAML tag that is not allowed here (!!set)")


def test_core_tags_written_out_are_fine() -> None:
    text = GOOD.replace("name: Good", "name: !!str 2024").replace("[crm]", "!!seq [crm]")
    assert parse_assessment(text, "in.yaml").name == "2024"


MERGED = """\
name: Merged
base: &base {{emits_events: true}}
more: &more {{owner: team}}
systems:
  - id: shop
{merges}  - id: crm
flows:
  - {{id: sync, source: shop, targets: [crm], trigger: data_change}}
"""


def test_a_repeated_merge_key_is_refused() -> None:
    problems = refuse(MERGED.format(merges="    <<: *base\n    <<: *more\n"))
    assert problems == [
        "in.yaml:7:5: repeats the merge key << in one mapping (first given on line 6); "
        "merge several mappings with one key: `<<: [*first, *second]`"
    ]


def test_one_merge_key_is_still_read() -> None:
    data, _ = parse_yaml(MERGED.format(merges="    <<: [*base, *more]\n"), "in.yaml")
    assert data["systems"] == [
        {"id": "shop", "emits_events": True, "owner": "team"},
        {"id": "crm"},
    ]


# ---------------------------------------------------------------------------------------------
# One line per problem, placed, with control characters escaped
# ---------------------------------------------------------------------------------------------

PLACED = re.compile(r"^in\.yaml:\d+:\d+: ")


def single_lines(problems: list[str]) -> None:
    for problem in problems:
        assert PLACED.match(problem), problem
        assert not re.search("[\x00-\x1f\x7f-\x9f]", problem), problem


def test_a_raw_control_character_is_placed_on_one_line() -> None:
    problems = refuse("name: Good\ndescription: 'a\x07b'\n")
    single_lines(problems)
    assert problems == [
        "in.yaml:2:16: holds the character \\x07 (U+0007), which YAML does not allow in a "
        'file; remove it, or write it as an escape ("\\x07") inside a double-quoted string'
    ]


def test_the_place_of_a_control_character_counts_characters_not_bytes() -> None:
    (problem,) = refuse("name: Good\ndescription: 'é€😀\x1b'\n")
    assert problem.startswith("in.yaml:2:18: holds the character \\x1b")


def test_an_invalid_id_is_echoed_with_its_escapes_shown() -> None:
    text = GOOD.replace("  - id: crm", '  - id: "crm\\e[31m\\nerror: forged"')
    problems = refuse(text)
    single_lines(problems)
    assert any("'crm\\x1b[31m\\nerror: forged' is not a valid id" in p for p in problems)


def test_problem_text_is_always_one_line() -> None:
    problem = Problem("a\nb.yaml", "x\x1b[2J\u2028y\r\tz", 3, 4, "flows[0] (id: \u202e)")
    assert str(problem) == "a\\nb.yaml:3:4: flows[0] (id: \\u202e): x\\x1b[2J\\u2028y\\r\\tz"
    assert printable("plain é 京") == "plain é 京"


# ---------------------------------------------------------------------------------------------
# Limits: each named for what it is
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow  # a document at the value limit
def test_many_values_without_aliases_name_the_value_limit() -> None:
    text = "name: x\nitems: [" + ", ".join(["1"] * MAX_NODES) + "]\n"
    (problem,) = refuse(text)
    assert "value limit" in problem and "alias" not in problem
    assert problem.startswith("in.yaml:2:")


def test_values_expanded_through_aliases_name_the_alias_limit() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 6)]
    (problem,) = refuse("\n".join(lines) + "\n")
    assert "through aliases" in problem and "value limit" not in problem


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5000])
def test_deep_nesting_names_the_depth_limit(levels: int) -> None:
    (problem,) = refuse("name: x\ndescription: " + "[" * levels + "]" * levels + "\n")
    assert f"nested more than {MAX_DEPTH} levels deep (the depth limit)" in problem
    assert PLACED.match(problem)


def test_nesting_to_the_depth_limit_is_read() -> None:
    data, _ = parse_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n", "in.yaml")
    assert isinstance(data["a"], list)


# ---------------------------------------------------------------------------------------------
# Bounded reports
# ---------------------------------------------------------------------------------------------


def many_systems(count: int) -> str:
    return "name: Many\nsystems:\n" + "".join(f"  - id: system-{n:05d}\n" for n in range(count))


def run_assess(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["assess", str(path), "--format", "json"])
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def test_one_unknown_target_named_thousands_of_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file that made the CLI run 20 s, use 1.3 GB and print 262 MB."""
    text = many_systems(2000) + (
        "flows:\n  - id: f\n    source: system-00000\n    trigger: schedule\n    targets:\n"
        + "      - nowhere\n" * 20_000
    )
    path = tmp_path / "explode.yaml"
    path.write_text(text, encoding="utf-8")
    code, err = run_assess(path, capsys)
    assert code == 1
    assert len(err.encode("utf-8")) < 2_000
    assert err == (
        f"error: {path}:2008:9: flows[0] (id: f).targets[0]: no system has the id 'nowhere' "
        "(named 20,000 times); known systems: "
        + ", ".join(f"system-{n:05d}" for n in range(MAX_LISTED))
        + " and 1,990 more\n"
    )


def test_thousands_of_different_unknown_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        many_systems(1000)
        + "flows:\n"
        + "".join(
            f"  - {{id: f{n}, source: x{n}, targets: [y{n}], trigger: schedule}}\n"
            for n in range(5000)
        )
    )
    path = tmp_path / "unknown.yaml"
    path.write_text(text, encoding="utf-8")
    code, err = run_assess(path, capsys)
    lines = err.splitlines()
    assert code == 1
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1] == f"error: {path}: and 9,950 more unknown system ids"
    assert len(err.encode("utf-8")) < 50_000


def test_problems_are_capped_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "name: Many\nsystems: [{id: a}, {id: b}]\nflows:\n" + "".join(
        f"  - {{id: f{n}, source: a, targets: [b], trigger: sometimes}}\n" for n in range(80)
    )
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    code, err = run_assess(path, capsys)
    lines = err.splitlines()
    assert code == 1
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[0].startswith(f"error: {path}:4:") and "'sometimes' is not allowed" in lines[0]
    assert lines[-1] == f"error: {path}: and 30 more problems (only the first 50 are listed)"


def test_lists_of_known_ids_are_cut() -> None:
    text = many_systems(30) + (
        "flows:\n  - {id: f, source: system-00000, targets: [nowhere], trigger: schedule}\n"
    )
    (problem,) = refuse(text)
    assert problem.endswith(
        "no system has the id 'nowhere'; known systems: "
        + ", ".join(f"system-{n:05d}" for n in range(MAX_LISTED))
        + " and 20 more"
    )


def test_hints_stop_when_their_budget_is_spent() -> None:
    choices = [f"choice-{n}" for n in range(100)]
    with hint_budget(250):
        assert did_you_mean("choice-1x", choices) == "; did you mean 'choice-1'?"
        assert did_you_mean("choice-1x", choices) == "; did you mean 'choice-1'?"  # kept
        assert did_you_mean("choice-2x", choices) == "; did you mean 'choice-2'?"
        assert did_you_mean("choice-3x", choices) == ""  # 300 comparisons would overspend
    assert did_you_mean("choice-3x", choices) == "; did you mean 'choice-3'?"
