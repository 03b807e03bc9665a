"""The loader refuses every kind of bad input with the file, the place and what to write."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.loader import load_assessment, parse_assessment
from advisor.yamldoc import MAX_ALIASES, MAX_BYTES

GOOD = """\
name: Good
systems:
  - id: shop
    emits_events: true
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


def test_good_input_loads() -> None:
    assessment = parse_assessment(GOOD, "in.yaml")
    assert assessment.flows[0].targets == ("crm",)
    assert assessment.context.stage == "growing"


@pytest.mark.parametrize("written", ["context: null\n", "context:\n", "context: ~\n"])
def test_an_empty_context_is_all_defaults(written: str) -> None:
    """The context is optional as a whole, so a `context:` left empty means what leaving it out
    means; an empty list or a value of another kind is still refused."""
    assert parse_assessment(written + GOOD, "in.yaml") == parse_assessment(GOOD, "in.yaml")
    (problem,) = refuse("context: []\n" + GOOD)
    assert problem.startswith("in.yaml:1:10: context:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "name: x\nsystems: [\n  - id: a\n", "in.yaml:3:3: ", id="broken-flow-sequence"
        ),
        pytest.param("name: 'open\nsystems: []\n", "in.yaml:3:1: ", id="unclosed-quote"),
        pytest.param("name: x\n\tsystems: []\n", "in.yaml:2:1: ", id="tab-indent"),
        pytest.param(
            GOOD.replace("name: Good", "name: Good\nname: Twice"),
            "in.yaml:2:1: duplicate key 'name' (first given on line 1)",
            id="duplicate-key",
        ),
        pytest.param(
            GOOD.replace("    source: shop", "    source: shop\n    source: crm"),
            "in.yaml:9:5: duplicate key 'source' (first given on line 8)",
            id="duplicate-nested-key",
        ),
        pytest.param("", "in.yaml:1:1: is empty", id="empty"),
        pytest.param("# only a comment\n", "in.yaml:1:1: is empty", id="only-comment"),
        pytest.param("- a\n- b\n", "in.yaml:1:1: holds a list at the top level", id="top-list"),
        pytest.param("just text\n", "holds a single value (text) at the top level", id="scalar"),
        pytest.param(
            "name: !!python/object/apply:os.system ['echo pwned']\n",
            "in.yaml:1:7: uses a YAML tag that is not allowed here",
            id="python-tag",
        ),
        pytest.param("--- {name: a}\n--- {name: b}\n", "in.yaml:2:1: ", id="two-documents"),
    ],
)
def test_broken_yaml_is_placed(text: str, expected: str) -> None:
    problems = refuse(text)
    assert any(problem.startswith(expected) or expected in problem for problem in problems), (
        problems
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            ("name: Good", "nmae: Good"),
            "in.yaml:1:1: nmae: unknown key 'nmae'; did you mean 'name'?",
            id="unknown-top-key",
        ),
        pytest.param(
            ("    trigger: data_change", "    triger: data_change"),
            "in.yaml:10:5: flows[0] (id: sync).triger: unknown key 'triger'; "
            "did you mean 'trigger'?",
            id="unknown-flow-key",
        ),
        pytest.param(
            ("    trigger: data_change", "    trigger: data_changed"),
            "in.yaml:10:14: flows[0] (id: sync).trigger: 'data_changed' is not allowed; expected "
            "one of: user_action, data_change, schedule, telemetry; did you mean 'data_change'?",
            id="enum-typo",
        ),
        pytest.param(
            ("    emits_events: true", "    emits_events: sometimes"),
            "in.yaml:4:19: systems[0] (id: shop).emits_events: expected true or false",
            id="wrong-type",
        ),
        pytest.param(
            ("    trigger: data_change", "    trigger: data_change\n    events_per_day: -5"),
            "in.yaml:11:21: flows[0] (id: sync).events_per_day: must be at least 1 (got -5)",
            id="negative",
        ),
        pytest.param(
            ("    source: shop", "    source: shopp"),
            "in.yaml:8:13: flows[0] (id: sync).source: no system has the id 'shopp'; "
            "did you mean 'shop'?",
            id="unknown-source",
        ),
        pytest.param(
            ("    targets: [crm]", "    targets: [shop]"),
            "in.yaml:9:15: flows[0] (id: sync).targets[0]: flow 'sync' targets its own source",
            id="self-target",
        ),
        pytest.param(
            ("  - id: crm", "  - id: shop"),
            "in.yaml:5:9: systems[1] (id: shop).id: system id 'shop' is used twice",
            id="duplicate-system",
        ),
        pytest.param(
            ("  - id: shop\n", "  - id: Shop Floor\n"),
            "systems[0] (id: Shop Floor).id: 'Shop Floor' is not a valid id",
            id="bad-id",
        ),
        pytest.param(
            ("    trigger: data_change\n", ""),
            "in.yaml:7:5: flows[0] (id: sync): missing required key 'trigger'",
            id="missing-key",
        ),
        pytest.param(
            ("    targets: [crm]", "    targets: crm"),
            "in.yaml:9:14: flows[0] (id: sync).targets: expected a list (`[a, b]`, or one "
            "`- item` a line), got 'crm'",
            id="not-a-list",
        ),
        pytest.param(
            ("    trigger: data_change", "    trigger: data_change\n    payload_kb: .inf"),
            "in.yaml:11:17: flows[0] (id: sync).payload_kb: expected a finite number, got .inf",
            id="infinite",
        ),
        pytest.param(
            ("    trigger: data_change", "    trigger: data_change\n    max_delay_seconds: 0.0"),
            "flows[0] (id: sync).max_delay_seconds: must be at least 0.001 (got 0.0)",
            id="no-delay",
        ),
        pytest.param(
            ("name: Good", "name: Good\ncontext: {goals: [real_time, real_time]}"),
            "context.goals: goal 'real_time' is listed twice",
            id="duplicate-goal",
        ),
    ],
)
def test_wrong_values_name_the_field_and_line(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD
    problems = refuse(GOOD.replace(old, new, 1))
    assert any(problem.startswith(expected) or expected in problem for problem in problems), (
        problems
    )


def test_every_problem_is_reported_in_line_order() -> None:
    text = GOOD.replace("name: Good", "nam: Good").replace("data_change", "data_changed")
    problems = refuse(text)
    assert [problem.split(":")[1] for problem in problems] == ["1", "1", "10"]
    assert any("missing required key 'name'" in problem for problem in problems)


def test_yaml_1_1_words_stay_text() -> None:
    text = GOOD.replace("name: Good", "name: no") + "    ordering: none\n"
    assert parse_assessment(text, "in.yaml").name == "no"
    dated = parse_assessment(GOOD.replace("name: Good", "name: 2024-01-01"), "in.yaml")
    assert dated.name == "2024-01-01"


def test_on_as_a_key_is_not_a_boolean() -> None:
    problems = refuse(GOOD.replace("name: Good", "name: Good\non: push"))
    assert any("unknown key 'on'" in problem for problem in problems), problems


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    lines.append("name: *a8")
    started = time.perf_counter()
    problems = refuse("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 5  # a guard against hanging, not a benchmark
    assert "alias" in problems[0]
    assert "limit" in problems[0]


def test_many_aliases_are_refused() -> None:
    text = "x: &x 1\nitems: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    (problem,) = refuse(text)
    assert f"more than {MAX_ALIASES} aliases (the alias limit)" in problem


def test_a_few_aliases_are_fine() -> None:
    text = GOOD.replace("targets: [crm]", "targets: &t [crm]") + (
        "  - id: again\n    source: shop\n    targets: *t\n    trigger: schedule\n"
    )
    assert parse_assessment(text, "in.yaml").flows[1].targets == ("crm",)


def test_deep_nesting_is_refused() -> None:
    problems = refuse("name: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problems


def test_oversized_file_names_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(GOOD + "# " + "x" * MAX_BYTES + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_assessment(path)
    assert str(caught.value) == (
        f"{path}: is larger than the size limit of {MAX_BYTES:,} bytes (1 MiB)"
    )


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError) as caught:
        load_assessment(path)
    assert "holds binary data, not UTF-8 text" in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_latin1_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(GOOD.replace("name: Good", "name: Caf\xe9").encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_assessment(path)
    assert str(caught.value).startswith(f"{path}:1: holds binary data, not UTF-8 text")


def test_utf8_bom_and_unicode_names_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("Good", "Caf\u00e9 \u2615").encode())
    assert load_assessment(path).name == "Caf\u00e9 \u2615"


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_assessment(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a folder"):
        load_assessment(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("name: Good", "name: ''", "name: must not be empty"),
        (
            "name: Good",
            "name: 12",
            'name: expected text, got 12; to write it as text, put it in quotes: "12"',
        ),
        ("name: Good", "name: [a, b]", "name: expected text, got a list"),
        ("name: Good", 'name: Good\nsupersedes: "one\\ntwo"', "supersedes: must be one line"),
        (
            "name: Good",
            "name: Good\ncontext: {stage: true}",
            "true is not allowed; expected one of",
        ),
        (
            "name: Good",
            "name: Good\ncontext: [a]",
            "context: expected a mapping (`key: value` lines), got a list",
        ),
    ],
)
def test_problems_are_worded_as_yaml_writes_values(old: str, new: str, says: str) -> None:
    """The user's words, not the validator's: true and null as YAML writes them, a list or a
    mapping by its kind, a length as a count."""
    with pytest.raises(InputError) as refused:
        parse_assessment(GOOD.replace(old, new, 1), "in.yaml")
    assert says in str(refused.value)


def test_a_document_of_nothing_is_empty() -> None:
    with pytest.raises(InputError) as refused:
        parse_assessment("---\n", "in.yaml")
    assert str(refused.value) == "in.yaml:1:1: is empty; an assessment starts with `name:`"


@pytest.mark.parametrize(
    "text",
    ["name: x\nsystems:\n\t- id: a\n", "name: x\nsystems:\n  - id: a\n\tname: b\n"],
    ids=["tab-first", "tab-inside"],
)
def test_a_tab_as_indentation_is_named_with_the_fix(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_assessment(text, "in.yaml")
    (problem,) = refused.value.problems
    assert problem.column == 1 and problem.line in (3, 4)
    assert str(problem).endswith(
        "; YAML indents with spaces, never tabs: replace the tab with spaces"
    )
