"""The README and the code agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.facts import FACTS
from advisor.loader import load_rules
from tests.conftest import EXAMPLES, ROOT
from tests.test_cli import _commands
from tests.test_rules import RULE

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands() -> None:
    assert "make run" in README and "make test" in README


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
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
