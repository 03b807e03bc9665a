"""The contract, field by field: every input field, result key and exit code that it fixes
(kept as data in tests/data/contract.yaml) is read, written and returned as it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.cli import main
from advisor.errors import InputError
from advisor.loader import parse_assessment
from tests.conftest import EXAMPLES, ROOT

CONTRACT: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "data" / "contract.yaml").read_text(encoding="utf-8")
)
INPUT: dict[str, Any] = CONTRACT["input"]
RESULT: dict[str, Any] = CONTRACT["result"]
MINIMAL = """\
name: Minimal
systems: [{id: a}, {id: b}]
flows: [{id: f, source: a, targets: [b], trigger: data_change}]
"""


def loads(text: str) -> dict[str, Any]:
    return parse_assessment(text, "in.yaml").model_dump(mode="json")


def refused(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_assessment(text, "in.yaml")
    return str(caught.value)


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def test_every_input_field_is_read_as_written() -> None:
    written = yaml.safe_load(CONTRACT["every_field"])
    read = loads(CONTRACT["every_field"])
    assert {*INPUT["required"], *INPUT["optional"]} == set(written)
    for key in written:
        if key not in ("context", "systems", "flows"):
            assert read[key] == written[key], key
    assert set(written["context"]) == set(INPUT["context"])
    for key, value in written["context"].items():
        assert read["context"][key] == value, key
        assert value != INPUT["context"][key]["default"], f"{key} should differ from its default"
    system = written["systems"][0]
    assert set(system) == {*INPUT["system"]["required"], *INPUT["system"]["optional"]}
    assert {key: read["systems"][0][key] for key in system} == system
    flow = written["flows"][0]
    assert set(flow) == {*INPUT["flow"]["required"], *INPUT["flow"]["optional"]}
    assert {key: read["flows"][0][key] for key in flow} == flow
    for key, default in INPUT["flow"]["optional"].items():
        assert flow[key] != default, f"flows[0].{key} should differ from its default"


def test_every_optional_field_has_its_default() -> None:
    read = loads(MINIMAL)
    assert read["description"] is None
    for key, spec in INPUT["context"].items():
        assert read["context"][key] == spec["default"], key
    for key, default in INPUT["system"]["optional"].items():
        assert read["systems"][0][key] == default, key
    for key, default in INPUT["flow"]["optional"].items():
        assert read["flows"][0][key] == default, key


@pytest.mark.parametrize("required", INPUT["required"])
def test_a_required_field_left_out_is_refused(required: str) -> None:
    data = yaml.safe_load(MINIMAL)
    del data[required]
    assert f"missing required key '{required}'" in refused(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("where", "key"),
    [("systems", key) for key in INPUT["system"]["required"]]
    + [("flows", key) for key in INPUT["flow"]["required"]],
)
def test_a_required_field_of_a_system_or_flow_left_out_is_refused(where: str, key: str) -> None:
    data = yaml.safe_load(MINIMAL)
    del data[where][0][key]
    assert f"missing required key '{key}'" in refused(yaml.safe_dump(data))


def _choices() -> list[tuple[str, str, list[str]]]:
    found = [
        ("context", key, spec["values"])
        for key, spec in INPUT["context"].items()
        if "values" in spec
    ]
    found.append(("context", "goals", INPUT["context"]["goals"]["any_of"]))
    found += [("flow", key, INPUT["flow"][key]) for key in ("trigger", "consistency", "ordering")]
    return found


@pytest.mark.parametrize(("where", "key", "values"), _choices(), ids=lambda x: str(x))
def test_every_choice_is_taken_and_no_other(where: str, key: str, values: list[str]) -> None:
    for value in values:
        data = yaml.safe_load(MINIMAL)
        written: Any = [value] if key == "goals" else value
        if where == "context":
            data["context"] = {key: written}
            assert loads(yaml.safe_dump(data))["context"][key] == written
        else:
            data["flows"][0][key] = written
            assert loads(yaml.safe_dump(data))["flows"][0][key] == written
    data = yaml.safe_load(MINIMAL)
    if where == "context":
        data["context"] = {key: ["not-a-choice"] if key == "goals" else "not-a-choice"}
    else:
        data["flows"][0][key] = "not-a-choice"
    assert "not-a-choice" in refused(yaml.safe_dump(data))


def test_ids_follow_the_pattern_and_length() -> None:
    good = "a" * INPUT["id_length"]
    assert loads(MINIMAL.replace("id: a}", f"id: {good}}}").replace("source: a", f"source: {good}"))
    for bad in ("A", "-a", "a b", "a" * (INPUT["id_length"] + 1)):
        text = MINIMAL.replace("{id: a}", f"{{id: '{bad}'}}").replace(
            "source: a", f"source: '{bad}'"
        )
        refused(text)


def test_names_are_bounded() -> None:
    assert loads(MINIMAL.replace("Minimal", "n" * INPUT["name_length"]))
    refused(MINIMAL.replace("Minimal", "n" * (INPUT["name_length"] + 1)))


def test_unknown_keys_and_unknown_systems_are_refused() -> None:
    assert "did you mean 'targets'" in refused(MINIMAL.replace("targets:", "target:"))
    assert "no system has the id 'c'" in refused(MINIMAL.replace("targets: [b]", "targets: [c]"))


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("results")
    found = []
    for example in EXAMPLES:
        target = folder / f"{example.stem}.json"
        assert main(["assess", str(example), "--format", "json", "-o", str(target)]) == 0
        found.append(json.loads(target.read_text(encoding="utf-8")))
    return found


def test_every_result_key_is_there(results: list[dict[str, Any]]) -> None:
    assert {result["recommendation"] for result in results} == set(RESULT["recommendation"])
    brokers = polls = 0
    for result in results:
        assert set(RESULT["keys"]) <= set(result)
        assert set(result["scores"]) >= set(RESULT["scores"])
        assert 0 <= result["confidence"] <= 1
        for flow in result["flows"]:
            assert set(RESULT["flow"]) <= set(flow)
            assert flow["style"] in RESULT["style"]
            for reason in flow["reasons"]:
                assert set(RESULT["reason"]) <= set(reason)
                assert reason["favours"] in RESULT["favours"]
            if flow["polling"] is not None:
                polls += 1
                assert set(RESULT["polling"]) <= set(flow["polling"])
                assert type(flow["polling"]["calls_per_day"]) is int  # a whole number
        if result["broker"] is not None:
            brokers += 1
            assert set(RESULT["broker"]) <= set(result["broker"])
        for risk in result["risks"]:
            assert set(RESULT["risk"]) <= set(risk)
    assert brokers and polls, "the examples show a broker and a polling cost"


def test_the_flows_decide_the_recommendation(results: list[dict[str, Any]]) -> None:
    """api when every flow is api, event when every flow is event, hybrid otherwise."""
    for result in results:
        styles = {flow["style"] for flow in result["flows"]}
        expected = styles.pop() if styles in ({"api"}, {"event"}) else "hybrid"
        assert result["recommendation"] == expected, result["name"]


def test_no_broker_when_no_flow_is_event_or_hybrid(results: list[dict[str, Any]]) -> None:
    for result in results:
        if result["recommendation"] == "api":
            assert result["broker"] is None, result["name"]


# ---------------------------------------------------------------------------------------------
# Exit codes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", CONTRACT["exit_codes"]["cases"], ids=lambda case: " ".join(map(str, case))
)
def test_exit_code(
    case: list[Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ADVISOR_RENDERER", raising=False)
    code, *argv = case
    (tmp_path / "refused.yaml").write_text("name: x\nsystems: []\n", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    places = {
        "{example}": str(ROOT / "examples" / "gifting-orders.yaml"),
        "{missing}": str(tmp_path / "missing.yaml"),
        "{refused}": str(tmp_path / "refused.yaml"),
        "{binary}": str(tmp_path / "binary.yaml"),
        "{out}": str(tmp_path / "out"),
    }
    assert main([places.get(str(arg), str(arg)) for arg in argv]) == code
    err = capsys.readouterr().err
    if code:
        assert err.strip() and "Traceback" not in err


def test_the_help_says_what_each_exit_code_means(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])
    said = " ".join(capsys.readouterr().out.split("exit codes:")[1].split())
    meanings = CONTRACT["exit_codes"]["meanings"]
    assert f"0 {meanings[0]}" in said
    for word in ("refused", "missing", "unreadable", "renderer"):
        assert word in said.split("; 2")[0], word
    assert "2 the command was used wrongly" in said
