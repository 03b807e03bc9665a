"""The JSON result, format version 2: versioned, traceable to its rules and input, described by
a published schema, and byte-stable from day to day."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from advisor import __version__
from advisor.cli import main
from advisor.loader import load_rules, rule_files, rules_digest
from advisor.paths import rules_dir
from advisor.schema import result_schema, result_schema_json
from tests.conftest import EXAMPLES, ROOT

RULES_BYTES = b"".join(path.read_bytes() for path in rule_files([rules_dir()]))


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["assess", *argv, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_the_result_says_its_version_generator_rules_and_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    data = _json(capsys, "examples/gifting-orders.yaml")
    assert data["format_version"] == "2"
    assert data["generator"] == {"name": "integration-advisor", "version": __version__}
    assert data["rules_digest"] == "sha256:" + hashlib.sha256(RULES_BYTES).hexdigest()
    assert data["input"] == "examples/gifting-orders.yaml"
    assert "date" not in data  # byte-stable from day to day
    flows = data["flows"]
    assert isinstance(flows, list)
    assert [(flow["id"], flow["source"], flow["targets"]) for flow in flows] == [
        ("place-order", "storefront", ["orders"]),
        ("order-confirmed", "orders", ["florists", "courier", "messaging"]),
    ]
    # the keys the contract's checker reads are where they were
    assert data["recommendation"] == "hybrid"
    assert data["broker"]["choice"] == "service_bus"  # type: ignore[index]


def test_an_absolute_input_is_written_relative(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "examples")
    data = _json(capsys, str(ROOT / "examples" / "fleet-telematics.yaml"))
    assert data["input"] == "fleet-telematics.yaml"


def test_the_date_is_written_only_when_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, str(EXAMPLES[0]), "--date", "2026-01-15")
    assert data["date"] == "2026-01-15"
    assert list(data)[-2:] == ["date", "input"]


def test_the_digest_follows_the_rules_in_force(tmp_path: Path) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text("version: 1\ndisable: [fan-out]\n", encoding="utf-8")
    layered = load_rules([ours])
    expected = hashlib.sha256(RULES_BYTES + ours.read_bytes()).hexdigest()
    assert rules_digest(layered) == f"sha256:{expected}"
    assert rules_digest(load_rules()) != rules_digest(layered)


def test_the_published_result_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    published = (ROOT / "examples" / "result.schema.json").read_text(encoding="utf-8")
    assert published == result_schema_json(), (
        "run: advisor schema --result -o examples/result.schema.json"
    )
    assert main(["schema", "--result"]) == 0
    assert capsys.readouterr().out == published
    jsonschema.Draft7Validator.check_schema(result_schema())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
@pytest.mark.parametrize("extra", [(), ("--date", "2026-01-15"), ("--no-what-if",)])
def test_every_example_s_result_meets_the_schema(
    example: Path, extra: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _json(capsys, str(example), *extra)
    jsonschema.Draft7Validator(result_schema()).validate(data)


def test_the_schema_refuses_what_a_version_2_result_never_holds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _json(capsys, str(EXAMPLES[0]))
    validator = jsonschema.Draft7Validator(result_schema())
    for broken in (
        {**data, "format_version": "1"},
        {key: value for key, value in data.items() if key != "rules_digest"},
        {**data, "date": "15/01/2026"},
        {**data, "surprise": 1},
    ):
        assert list(validator.iter_errors(broken)), broken
