"""The command line follows its users' habits (ruff, httpie, yamllint, sqlite-utils): `-` for
standard input and output, one name per option, the subcommand's own usage and a "did you mean"
on a mistake, no abbreviations, `-o` that creates folders and refuses a wrong suffix, `--quiet`,
and shell completion made from the parser."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from advisor.cli import build_parser, main
from tests.conftest import EXAMPLES, ROOT

EXAMPLE = ROOT / "examples" / "gifting-orders.yaml"
AZURE_KAFKA = """\
broker_selection:
  - id: our-kafka
    choose: kafka
    when: {fact: context.cloud, op: eq, value: azure}
    why: We run Kafka on Azure.
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# `-` as a file name
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_dash_reads_the_assessment_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    from_file = run(capsys, "assess", EXAMPLE, "--format", fmt)
    stdin(monkeypatch, EXAMPLE.read_bytes())
    from_stdin = run(capsys, "assess", "-", "--format", fmt)
    assert from_stdin[0] == 0 and from_stdin[2] == ""
    if fmt == "json":  # the result names its input
        assert json.loads(from_stdin[1])["name"] == json.loads(from_file[1])["name"]
    else:
        assert from_stdin == from_file


def test_a_dash_reads_standard_input_for_a_diagram_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from_file = run(capsys, "diagram", EXAMPLE, "--format", "dot")
    stdin(monkeypatch, EXAMPLE.read_bytes())
    assert run(capsys, "diagram", "-", "--format", "dot") == from_file


def test_problems_on_standard_input_are_placed_in_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, b"name: x\nsystems: [{id: a}]\nflows: [{id: f, source: a, targ: [a]}]\n")
    code, out, err = run(capsys, "assess", "-")
    assert (code, out) == (1, "")
    assert err.startswith("error: <stdin>:3:")
    assert "unknown key 'targ'; did you mean 'targets'?" in err


def test_a_closed_standard_input_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    code, out, err = run(capsys, "assess", "-")
    assert (code, out) == (1, "")
    assert err == "error: <stdin>: is closed; give the assessment as a FILE\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["assess", str(EXAMPLE), "--format", "json"],
        ["diagram", str(EXAMPLE), "--format", "dot"],
        ["schema"],
    ],
)
def test_output_dash_is_standard_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list
) -> None:
    monkeypatch.chdir(tmp_path)
    plain = run(capsys, *argv)
    assert run(capsys, *argv, "-o", "-") == plain
    assert plain[0] == 0 and plain[1]
    assert list(tmp_path.iterdir()) == []  # no file named "-"


# ---------------------------------------------------------------------------------------------
# -o: folders, suffixes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("report.svg", None, "cannot tell the format of"),
        ("report.html", "json", "is not a name for json output"),
        ("report.md", "text", "is not a name for text output"),
        ("report.png", "html", "is not a name for html output"),
    ],
)
def test_assess_refuses_a_suffix_of_another_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, given: str | None, message: str
) -> None:
    target = tmp_path / name
    options = ["--format", given] if given else []
    code, out, err = run(capsys, "assess", EXAMPLE, "-o", target, *options)
    assert (code, out) == (2, "")
    assert message in err
    assert (
        "assess writes json to .json, text to .txt or .text, html to .html or .htm, md to .md "
        "or .markdown"
    ) in err
    assert not target.exists()


def test_schema_refuses_a_suffix_of_another_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "schema", "-o", tmp_path / "schema.svg")
    assert code == 2
    assert "schema writes json to .json" in err


@pytest.mark.parametrize(
    ("name", "options", "starts"),
    [
        ("result.JSON", [], b"{"),
        ("summary", [], b"Gifting platform orders\n"),  # no suffix: the default format
        ("result", ["--format", "json"], b"{"),
        ("result.out", ["--format", "json"], b"{"),  # a suffix of no format: --format decides
    ],
)
def test_assess_writes_what_the_name_or_format_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, options: list, starts: bytes
) -> None:
    target = tmp_path / name
    assert run(capsys, "assess", EXAMPLE, "-o", target, *options)[0] == 0
    assert target.read_bytes().startswith(starts)


def test_diagram_creates_the_folders_it_goes_in(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "img" / "blueprint.dot"
    assert main(["diagram", str(EXAMPLE), "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("digraph")


# ---------------------------------------------------------------------------------------------
# Mistakes: the subcommand's usage, "did you mean", no abbreviations
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "usage", "hint"),
    [
        (["assess", str(EXAMPLE), "--bogus"], "usage: advisor assess ", ""),
        (["assess", str(EXAMPLE), "--fromat", "json"], "usage: advisor assess ", "'--format'"),
        (["assess", str(EXAMPLE), "--format", "jsn"], "usage: advisor assess ", "'json'"),
        (["asess", str(EXAMPLE)], "usage: advisor [", "'assess'"),
        (["rules", "chek"], "usage: advisor rules [", "'check'"),
        (["rules", "list", "--rule", "x.yaml"], "usage: advisor rules list ", "'--rules'"),
        (
            ["batch", str(EXAMPLE), "-o", "out", "--fail-fst"],
            "usage: advisor batch ",
            "'--fail-fast'",
        ),
        (["diagram", str(EXAMPLE), "--render", "dot"], "usage: advisor diagram ", "'--renderer'"),
        (["completion", "fsh"], "usage: advisor completion ", "'zsh'"),
    ],
)
def test_a_mistake_shows_the_command_s_usage_and_the_closest_name(
    capsys: pytest.CaptureFixture[str], argv: list[str], usage: str, hint: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith(usage), err
    if hint:
        assert err.rstrip().endswith(f"; did you mean {hint}?"), err
    else:
        assert "did you mean" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["assess", str(EXAMPLE), "--form", "json"],  # --format
        ["assess", str(EXAMPLE), "--no-what"],  # --no-what-if
        ["diagram", str(EXAMPLE), "--rend", "dot"],  # --renderer
        ["batch", str(EXAMPLE), "--outp", "out"],  # --output
        ["rules", "check", "--no-default"],  # --no-default-rules
    ],
)
def test_no_option_is_taken_from_the_start_of_its_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert "error:" in err


def _parsers() -> list[argparse.ArgumentParser]:
    found = [build_parser()]
    for parser in found:
        for action in parser._actions:
            if isinstance(action.choices, dict):
                found += action.choices.values()
    return found


def test_every_parser_refuses_abbreviations() -> None:
    parsers = _parsers()
    assert len(parsers) >= 8
    assert all(parser.allow_abbrev is False for parser in parsers)


# ---------------------------------------------------------------------------------------------
# One name per option
# ---------------------------------------------------------------------------------------------


def _options(command: list[str]) -> set[str]:
    parser = build_parser()
    for name in command:
        parser = next(
            action.choices[name]
            for action in parser._actions
            if isinstance(action.choices, dict) and name in action.choices
        )
    return {option for action in parser._actions for option in action.option_strings}


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (["assess"], {"-o", "--output", "--format", "--rules", "--no-default-rules"}),
        (["diagram"], {"-o", "--output", "--format", "--rules", "--no-default-rules"}),
        (["diagram"], {"--renderer", "--timeout"}),
        (["batch"], {"-o", "--output", "--out", "--format", "--rules", "--no-default-rules"}),
        (["batch"], {"--renderer", "--timeout", "-q", "--quiet"}),
        (["rules", "list"], {"--rules", "--no-default-rules"}),
        (["rules", "check"], {"--rules", "--no-default-rules", "-q", "--quiet"}),
        (["schema"], {"-o", "--output"}),
    ],
)
def test_the_same_option_has_the_same_name_everywhere(
    command: list[str], options: set[str]
) -> None:
    assert options <= _options(command)


def test_schema_takes_no_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The assessment format is the same whatever the rules: schema has no --rules."""
    assert not {"--rules", "--no-default-rules"} & _options(["schema"])
    assert run(capsys, "schema", "--rules", tmp_path / "ours.yaml")[0] == 2


def test_rules_check_takes_rules_as_the_others_do(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text(AZURE_KAFKA, encoding="utf-8")
    positional = run(capsys, "rules", "check", ours)
    assert positional[0] == 0
    assert run(capsys, "rules", "check", "--rules", ours) == positional
    code, out, err = run(capsys, "rules", "check", "--no-default-rules")
    assert (code, out) == (2, "")
    assert "--no-default-rules needs at least one rules PATH" in err
    code, _, err = run(capsys, "rules", "check", "--no-default-rules", "--rules", ours)
    assert code == 1 and "scoring: no file sets" in err  # ours alone is not a whole rule set


# ---------------------------------------------------------------------------------------------
# rules check: choices that can never win
# ---------------------------------------------------------------------------------------------


def test_rules_check_warns_about_a_choice_that_can_never_win(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text(AZURE_KAFKA, encoding="utf-8")
    code, out, err = run(capsys, "rules", "check", ours)
    assert code == 0
    assert out.startswith("ok: ")
    assert err == (
        f"warning: {ours}:2:5: broker_selection (id: our-kafka): can never be chosen: the "
        "earlier choice 'azure-managed' holds wherever it does, and the first choice that holds "
        "wins; to make it win, give it the id 'azure-managed' (it then takes that choice's "
        "place) or add `disable: [azure-managed]`\n"
    )


@pytest.mark.parametrize(
    "fix",
    [
        AZURE_KAFKA.replace("id: our-kafka", "id: azure-managed"),
        AZURE_KAFKA + "disable: [azure-managed]\n",
    ],
    ids=["same id", "disable"],
)
def test_either_fix_it_suggests_silences_the_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fix: str
) -> None:
    ours = tmp_path / "ours.yaml"
    ours.write_text(fix, encoding="utf-8")
    code, out, err = run(capsys, "rules", "check", ours)
    assert (code, err) == (0, "")
    assert out.startswith("ok: ")


def test_the_default_rules_check_without_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rules", "check")
    assert (code, err) == (0, "")
    assert out.startswith("ok: ")


def test_quiet_rules_check_says_only_what_is_wrong(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "rules", "check", "-q") == (0, "", "")
    ours = tmp_path / "ours.yaml"
    ours.write_text(AZURE_KAFKA, encoding="utf-8")
    code, out, err = run(capsys, "rules", "check", "--quiet", ours)
    assert (code, out) == (0, "")
    assert err.startswith("warning: ")


# ---------------------------------------------------------------------------------------------
# batch: the same options as the others
# ---------------------------------------------------------------------------------------------


def test_batch_output_has_three_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for index, name in enumerate(("-o", "--output", "--out")):
        out = tmp_path / str(index)
        assert run(capsys, "batch", EXAMPLE, name, out, "--format", "json", "-j", "1")[0] == 0
        assert (out / "summary.csv").is_file()
    code, _, err = run(capsys, "batch", EXAMPLE, "-o", "-")
    assert code == 2 and "batch writes a folder" in err


def test_batch_formats_may_be_repeated(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["batch", EXAMPLE, "-o", out, "-j", "1", "--format", "json", "--format", "md"]
    assert run(capsys, *argv)[0] == 0
    (folder,) = (path for path in out.iterdir() if path.is_dir())
    assert sorted(path.name for path in folder.iterdir()) == ["decision.md", "result.json"]


def test_batch_quiet_prints_no_progress_and_no_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    argv = ["batch", ROOT / "examples", "-o", tmp_path / "out", "--format", "json", "-j", "1"]
    loud = run(capsys, *argv)
    files = len(EXAMPLES)
    assert f"{files}/{files} files" in loud[2]
    assert f"advisor: {files} of {files} files assessed" in loud[2]
    assert run(capsys, *argv, "-q") == (0, "", "")


def test_batch_draws_with_the_renderer_and_timeout_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nsleep 10\n", encoding="utf-8")
    slow.chmod(0o755)
    out = tmp_path / "out"
    argv = ["batch", EXAMPLE, "-o", out, "--format", "svg", "-j", "1"]
    code, _, _ = run(capsys, *argv, "--renderer", slow, "--timeout", "0.2")
    assert code == 1
    (row,) = (out / "summary.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert f"the renderer {slow} did not finish within 0.2 seconds" in row
    code, _, err = run(capsys, *argv, "--timeout", "0")
    assert code == 2 and "--timeout takes a number of seconds above 0" in err


# ---------------------------------------------------------------------------------------------
# diagram, completion, help
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "words"),
    [
        ("bash", ("--no-default-rules", "--renderer", "--format", "_shtab_compgen_files")),
        ("zsh", ("--no-default-rules", "--renderer", "--format", "_files")),
        ("tcsh", ("(bash zsh tcsh)",)),  # shtab's tcsh completes commands and arguments only
    ],
)
def test_completion_is_made_from_the_parser(
    capsys: pytest.CaptureFixture[str], shell: str, words: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, "completion", shell)
    assert (code, err) == (0, "")
    for word in ("assess", "diagram", "batch", "completion", "check", *words):
        assert word in out, word


def test_help_points_to_the_documentation(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--help")[1]
    assert "documentation: README.md, also at https://pypi.org/project/integration-advisor/" in out
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]["Documentation"] in out


def test_diagram_does_not_run_the_what_if_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """The blueprint does not show what would change the answer: it is not worked out."""
    from advisor import advice

    real = advice.assess
    asked: list[object] = []

    def recording(*args: object, **options: object) -> object:
        asked.append(options.get("what_if", True))
        return real(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(advice, "assess", recording)
    assert main(["diagram", str(EXAMPLE), "--format", "dot", "-o", "-"]) == 0
    assert asked == [False]
