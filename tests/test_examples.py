"""The shipped examples: editors find their schema, and the schema is the model's."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from advisor.advice import assess
from advisor.loader import load_assessment
from advisor.ruleset import Ruleset
from advisor.schema import assessment_schema
from tests.conftest import EXAMPLES, ROOT

MODELINE = "# yaml-language-server: $schema=assessment.schema.json"


def test_there_are_examples_of_every_outcome(ruleset: Ruleset) -> None:
    assert len(EXAMPLES) >= 6
    outcomes = {assess(load_assessment(path), ruleset).recommendation for path in EXAMPLES}
    assert outcomes == {"api", "event", "hybrid"}
    styles = {
        flow.style for path in EXAMPLES for flow in assess(load_assessment(path), ruleset).flows
    }
    assert styles == {"api", "event", "hybrid"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_declares_its_schema_and_validates(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    jsonschema.Draft7Validator(assessment_schema()).validate(yaml.safe_load(text))


def test_published_schema_is_current() -> None:
    published = json.loads((ROOT / "examples" / "assessment.schema.json").read_text("utf-8"))
    assert published == assessment_schema(), (
        "run: advisor schema -o examples/assessment.schema.json"
    )


def test_schema_is_valid_draft_07() -> None:
    jsonschema.Draft7Validator.check_schema(assessment_schema())


def test_schema_refuses_what_the_loader_refuses() -> None:
    validator = jsonschema.Draft7Validator(assessment_schema())
    bad = {
        "name": "x",
        "systems": [{"id": "A b"}],
        "flows": [{"id": "f", "source": "a", "targets": [], "trigger": "sometimes", "extra": 1}],
    }
    messages = " ".join(error.message for error in validator.iter_errors(bad))
    assert "does not match" in messages
    assert "'sometimes' is not one of" in messages
    assert "Additional properties are not allowed ('extra' was unexpected)" in messages
