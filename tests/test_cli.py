"""The command line, in process: outputs, exit codes, help."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from advisor.cli import main
from tests.commands import every_command
from tests.conftest import EXAMPLES, ROOT

BOOKING = str(ROOT / "examples" / "gifting-orders.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_assess_json_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "assess", BOOKING, "--format", "json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert set(result) >= {
        "name",
        "recommendation",
        "confidence",
        "scores",
        "flows",
        "broker",
        "risks",
    }
    assert result["recommendation"] == "hybrid"
    flow = result["flows"][0]
    assert set(flow) >= {"id", "style", "scores", "reasons", "polling"}
    assert set(flow["reasons"][0]) == {"rule", "criterion", "favours", "points", "explanation"}
    assert set(result["broker"]) >= {"choice", "why"}
    assert set(result["risks"][0]) == {"id", "title", "mitigation", "flows"}


def test_no_what_if_leaves_the_analysis_out_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    analysed = json.loads(run(capsys, "assess", BOOKING, "--format", "json")[1])
    code, out, _ = run(capsys, "assess", BOOKING, "--format", "json", "--no-what-if")
    skipped = json.loads(out)
    assert code == 0
    assert analysed["what_would_change"], "the example has changes that flip it"
    assert skipped["what_would_change"] is None  # not analysed, which is not "nothing flips"
    assert skipped["what_would_change_complete"] is None and analysed["what_would_change_complete"]
    left_out = {"what_would_change": None, "what_would_change_complete": None}
    assert {**skipped, **left_out} == {**analysed, **left_out}
    record = run(capsys, "assess", BOOKING, "--format", "md", "--no-what-if")[1]
    assert "Not analysed" in record
    assert "Not analysed" not in run(capsys, "assess", BOOKING, "--format", "md")[1]


@pytest.mark.parametrize("command", [["assess"], ["diagram", "--format", "dot"]])
def test_the_output_is_never_the_assessment_itself(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_bytes(Path(BOOKING).read_bytes())
    code, out, err = run(capsys, command[0], str(mine), *command[1:], "-o", str(mine))
    assert (code, out) == (2, "")
    assert "is the assessment itself" in err
    assert mine.read_bytes() == Path(BOOKING).read_bytes()


def test_a_reader_that_goes_away_ends_the_output_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once it has its line
    with open(write_end, "w", encoding="utf-8", buffering=1) as closed:  # a line at a time
        monkeypatch.setattr("sys.stdout", closed)
        assert main(["rules", "list"]) == 0
    assert capsys.readouterr().err == ""


def test_text_never_sends_control_characters_to_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "escape.yaml"
    path.write_text(
        'name: "red \\e[31mX\\a"\n'
        'systems: [{id: a, name: "b\\x9bc"}, {id: b}]\n'
        "flows: [{id: f, source: a, targets: [b], trigger: user_action, needs_response: true}]\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "assess", str(path), "--format", "text")
    assert code == 0
    assert out.startswith("red \\x1b[31mX\\x07\n")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)


def test_assess_is_byte_identical_between_runs(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "assess", BOOKING, "--format", "json")[1]
    assert run(capsys, "assess", BOOKING, "--format", "json")[1] == first


@pytest.mark.parametrize("terminal", [True, False])
def test_text_is_the_default_wherever_the_output_goes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: terminal)
    default = run(capsys, "assess", BOOKING)
    code, out, _ = run(capsys, "assess", BOOKING, "--format", "text")
    assert default == (code, out, "")
    assert "Recommendation: Hybrid" in out
    assert "place-order: API-driven" in out and "order-confirmed: Event-driven" in out
    assert "[needs-response]" in out


def test_output_file_follows_its_suffix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "result.txt"
    code, out, err = run(capsys, "assess", BOOKING, "-o", str(target))
    assert (code, out, err) == (0, "", "")
    assert target.read_text(encoding="utf-8").startswith("Gifting platform orders\n")
    as_json = tmp_path / "result.json"
    assert run(capsys, "assess", BOOKING, "-o", str(as_json))[0] == 0
    assert json.loads(as_json.read_text(encoding="utf-8"))["name"] == "Gifting platform orders"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["result.json", "result.txt"]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed\n", ":2:1: "),
        ("nmae: x\n", "unknown key 'nmae'; did you mean 'name'?"),
        ("", "is empty"),
    ],
)
def test_refused_input_exits_1_with_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "assess", str(path), "--format", "json")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {path}")
    assert message in err
    assert "Traceback" not in err


def test_refused_input_writes_no_output_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("nope: 1\n", encoding="utf-8")
    assert run(capsys, "assess", str(bad), "-o", str(tmp_path / "out.json"))[0] == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.yaml"]


def test_missing_file_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "assess", str(tmp_path / "absent.yaml"))
    assert (code, out) == (1, "")
    assert "absent.yaml: no such file" in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["assess"],
        ["assess", BOOKING, "--format", "pdf"],
        ["assess", BOOKING, "--frobnicate"],
        ["frobnicate"],
        ["rules", "list", "--no-default-rules"],
    ],
)
def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "usage:" in err or "error:" in err


def test_output_creates_the_folders_it_goes_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "docs" / "adr" / "0007-integration.md"
    code, out, err = run(capsys, "assess", BOOKING, "-o", str(target), "--date", "2026-01-15")
    assert (code, out, err) == (0, "", "")
    assert "2026-01-15" in target.read_text(encoding="utf-8")


def test_unwritable_output_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    code, out, err = run(capsys, "assess", BOOKING, "-o", str(tmp_path / "file" / "x.json"))
    assert (code, out) == (2, "")
    assert "cannot write" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("advisor 0.")


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_every_command_has_help_with_examples(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "usage: advisor" in out
    leaf = not any(
        other[: len(command)] == command and len(other) > len(command) for other in every_command()
    )
    if leaf:
        assert "examples:" in out
    for example in re.findall(r"\bexamples/[\w.-]+\.yaml\b", out):
        assert (ROOT / example).is_file(), f"the help of {' '.join(command)} names {example}"


def test_top_level_help_shows_every_command_at_work(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--help")[1]
    examples = out.split("examples:", 1)[1]
    for command in {name for name, *_ in every_command()}:
        assert f"advisor {command} " in examples, command


def test_schema_is_draft_07(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(schema)
    for keyword in ("prefixItems", "unevaluatedProperties", "$dynamicRef"):
        assert keyword not in out


def test_rules_check_and_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "rules", "check")
    assert code == 0 and out.startswith("ok: ")
    bad = tmp_path / "ours.yaml"
    bad.write_text("rules:\n  - id: x\n", encoding="utf-8")
    code, out, err = run(capsys, "rules", "check", str(bad))
    assert (code, out) == (1, "")
    assert f"{bad}:2:5: rules[0] (id: x): missing required key 'criterion'" in err
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and "needs-response" in out


def test_own_rules_change_the_answer(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text(
        "rules:\n"
        "  - id: we-love-events\n"
        "    criterion: complexity\n"
        "    favours: event\n"
        "    points: 100\n"
        "    when: {fact: flow.trigger, op: eq, value: user_action}\n"
        "    explanation: House rule.\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "assess", BOOKING, "--format", "json", "--rules", str(ours))
    assert code == 0
    flows = {flow["id"]: flow for flow in json.loads(out)["flows"]}
    assert flows["place-order"]["style"] != "api"
    assert any(reason["rule"] == "we-love-events" for reason in flows["place-order"]["reasons"])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_assesses(capsys: pytest.CaptureFixture[str], example: Path) -> None:
    code, out, err = run(capsys, "assess", str(example), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["recommendation"] in ("api", "event", "hybrid")


def test_the_html_report_shows_the_focused_views_under_the_overview(tmp_path: Path) -> None:
    from advisor.blueprint import VIEW_CAPTIONS

    written = tmp_path / "gifting.html"
    assert main(["assess", str(ROOT / "examples" / "gifting-orders.yaml"), "-o", str(written)]) == 0
    html = written.read_text(encoding="utf-8")
    assert html.count("<svg") == 3  # the overview, the events and the API calls
    assert VIEW_CAPTIONS["events"] in html and VIEW_CAPTIONS["api"] in html
