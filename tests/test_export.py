"""The YAML the web app downloads is the format the command line reads, and reads back equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from advisor.advice import assess, stamped
from advisor.cli import main
from advisor.export import SCHEMA_MODELINE, assessment_to_yaml
from advisor.files import shown_path
from advisor.loader import load_assessment, parse_assessment, rules_digest
from advisor.models import Assessment
from advisor.report import to_json
from advisor.ruleset import Ruleset
from tests.conftest import EXAMPLES
from tests.strategies import assessments

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(assessments())
def test_round_trip(assessment: Assessment) -> None:
    assert parse_assessment(assessment_to_yaml(assessment)) == assessment


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_examples_round_trip(example: Path) -> None:
    assessment = load_assessment(example)
    assert parse_assessment(assessment_to_yaml(assessment)) == assessment


def test_the_format_reads_like_the_examples() -> None:
    text = assessment_to_yaml(
        Assessment.model_validate(
            {
                "name": "Orders",
                "context": {"cloud": "aws", "goals": ["real_time", "decoupling"]},
                "systems": [
                    {"id": "shop", "name": "Shop", "api_rate_limit_per_minute": 600},
                    {"id": "erp", "emits_events": True, "owner": "finance"},
                ],
                "flows": [
                    {
                        "id": "order-placed",
                        "source": "shop",
                        "targets": ["erp"],
                        "trigger": "data_change",
                        "max_delay_seconds": 30.0,
                        "events_per_day": 2500,
                        "payload_kb": 2.5,
                    }
                ],
            }
        )
    )
    assert text == (
        f"{SCHEMA_MODELINE}\n"
        "name: Orders\n"
        "context:\n"
        "  cloud: aws\n"
        "  goals: [real_time, decoupling]\n"
        "systems:\n"
        "  - id: shop\n"
        "    name: Shop\n"
        "    api_rate_limit_per_minute: 600\n"
        "  - id: erp\n"
        "    emits_events: true\n"
        "    owner: finance\n"
        "flows:\n"
        "  - id: order-placed\n"
        "    source: shop\n"
        "    targets: [erp]\n"
        "    trigger: data_change\n"
        "    needs_response: false\n"
        "    max_delay_seconds: 30\n"
        "    events_per_day: 2500\n"
        "    consistency: eventual\n"
        "    payload_kb: 2.5\n"
    )


def test_words_yaml_1_1_would_misread_stay_text() -> None:
    assessment = Assessment.model_validate(
        {
            "name": "no",
            "description": "2024-01-01",
            "systems": [{"id": "on", "name": "yes", "owner": "1.10"}, {"id": "off"}],
            "flows": [{"id": "12", "source": "on", "targets": ["off"], "trigger": "schedule"}],
        }
    )
    assert parse_assessment(assessment_to_yaml(assessment)) == assessment


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_the_command_line_gives_the_same_result(
    example: Path, tmp_path: Path, ruleset: Ruleset, capsys: pytest.CaptureFixture[str]
) -> None:
    """web -> YAML -> `advisor assess` gives the result the web page shows."""
    assessment = load_assessment(example)
    exported = tmp_path / "exported.yaml"
    exported.write_text(assessment_to_yaml(assessment), encoding="utf-8")
    assert main(["assess", str(exported), "--format", "json"]) == 0
    result = stamped(
        assess(assessment, ruleset), input=shown_path(exported), rules_digest=rules_digest(ruleset)
    )
    assert capsys.readouterr().out == to_json(result)
