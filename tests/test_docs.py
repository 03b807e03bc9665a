"""The README and the code agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.facts import FACTS
from advisor.loader import load_rules
from tests.commands import every_command
from tests.conftest import EXAMPLES, ROOT
from tests.test_rules import RULE

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_twoevery_command() -> None:
    assert "make run" in README and "make test" in README


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_every_command_is_documented(command: list[str]) -> None:
    assert f"advisor {' '.join(command)}" in README


@pytest.mark.parametrize("fact", sorted(FACTS))
def test_every_fact_is_documented(fact: str) -> None:
    assert f"`{fact}`" in README


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_is_listed(example: Path) -> None:
    assert f"`{example.name}`" in README


def test_documented_error_matches_the_real_one(tmp_path: Path) -> None:
    shown = re.search(r"error: (ours\.yaml:.*)", README)
    assert shown is not None
    ours = tmp_path / "ours.yaml"
    ours.write_text(RULE.format(when="{fact: flow.consumer, op: ge, value: 3}"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rules([ours])
    (problem,) = caught.value.problems
    assert str(problem).replace(str(ours), "ours.yaml") == shown.group(1)


def _said(text: str) -> str:
    return " ".join(text.split())


def test_the_recommendation_rule_is_stated_as_the_code_applies_it() -> None:
    """tests/test_contract.py checks the rule on every example."""
    assert (
        "The integration is API-driven when every flow is, event-driven when every flow is, "
        "and hybrid otherwise"
    ) in _said(README)


def test_operators_are_documented_for_the_kinds_they_apply_to() -> None:
    from advisor.ruleset import _OPS_BY_KIND

    said = _said(README)
    assert (
        "Operators: `eq`, `ne` for choices, true/false and numbers; `in`, `not_in` (with a list "
        "of values) for choices only; `lt`, `le`, `gt`, `ge` for numbers; `contains`, `lacks` "
        "for sets"
    ) in said
    assert _OPS_BY_KIND["bool"] == ("eq", "ne", "exists")
    assert {"eq", "ne", "in", "not_in"} <= set(_OPS_BY_KIND["enum"])
    assert {"eq", "ne", "lt", "le", "gt", "ge"} <= set(_OPS_BY_KIND["number"])
    assert not {"in", "not_in"} & set(_OPS_BY_KIND["number"])
    assert {"contains", "lacks"} <= set(_OPS_BY_KIND["set"])


def test_the_commands_said_to_take_rules_are_those_that_do() -> None:
    said = _said(README)
    sentence = said.split("on every command that rules change: ", 1)[1].split(" (", 1)[0]
    documented = set(re.findall(r"`([a-z ]+)`", sentence))
    assert documented == {
        "assess",
        "diagram",
        "batch",
        "diff",
        "contracts",
        "backlog",
        "rules list",
        "rules check",
    }
    for command in every_command():
        code = _run_quietly([*command, "--help"])
        takes = "--rules" in code
        assert takes == (" ".join(command) in documented) or command == ["rules"], command
    assert "`schema` takes none" in said


def _run_quietly(argv: list[str]) -> str:
    import contextlib
    import io

    from advisor.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv)
    return out.getvalue()


def test_the_borderline_wording_is_the_tool_s(ruleset: object) -> None:
    from advisor.advice import assess
    from tests.conftest import build, minimal

    quoted = re.search(r'\("(3,600 sits exactly on [^"]*)"\)', _said(README))
    assert quoted is not None
    result = assess(build(minimal(targets=["b", "c", "d"])), ruleset)  # type: ignore[arg-type]
    summaries = [change.summary for change in result.what_would_change or ()]
    assert any(quoted.group(1) in summary for summary in summaries), summaries


def test_every_template_is_documented_with_its_context() -> None:
    for template in sorted((ROOT / "templates").iterdir()):
        if template.name != "README.md":
            assert f"`{template.name}`" in README, template.name
    assert "`IndexContext`" in README and "`advisor/batch.py`" in README
    assert "`advisor/report_context.py`" in README


def test_make_run_is_documented_where_it_listens() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ADDRESS ?= 127.0.0.1" in makefile and "PORT   ?= 8501" in makefile
    assert "http://127.0.0.1:8501" in README and "localhost" not in README
    assert "make run ADDRESS=0.0.0.0" in _said(README)
