"""`advisor diagram`, run in-process: formats, outputs, renderer choice and its failures."""

from __future__ import annotations

import stat
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.loader import load_assessment
from advisor.render import ENVIRONMENT_VARIABLE, PNG_MAGIC

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "clinic-documents.yaml"
GOLDEN = Path(__file__).resolve().parent / "golden" / "clinic-documents.dot"
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile-names.yaml"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _no_renderer_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)


def svg_texts(svg: bytes | str) -> list[str]:
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def script(directory: Path, body: str) -> Path:
    path = directory / "renderer"
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("suffix", [".svg", ".SVG"])
def test_svg_file_names_every_system(tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"blueprint{suffix}"
    assert main(["diagram", str(EXAMPLE), "-o", str(output)]) == 0
    written = " ".join(svg_texts(output.read_bytes()))  # a long name wraps at spaces
    assert all(system.label in written for system in load_assessment(EXAMPLE).systems)


def test_png_file(tmp_path: Path) -> None:
    output = tmp_path / "blueprint.png"
    assert main(["diagram", str(EXAMPLE), "-o", str(output)]) == 0
    assert output.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("suffix", [".dot", ".gv"])
def test_dot_file_is_the_blueprint(tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"blueprint{suffix}"
    assert main(["diagram", str(EXAMPLE), "-o", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


def test_format_wins_over_the_suffix(tmp_path: Path) -> None:
    output = tmp_path / "blueprint.out"
    assert main(["diagram", str(EXAMPLE), "-o", str(output), "--format", "svg"]) == 0
    svg_texts(output.read_bytes())


def test_without_output_svg_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(EXAMPLE)]) == 0
    assert "Document store" in svg_texts(capsys.readouterr().out)


def test_dot_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(EXAMPLE), "--format", "dot"]) == 0
    assert capsys.readouterr().out == GOLDEN.read_text(encoding="utf-8")


def test_png_to_stdout_when_it_is_not_a_terminal(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert main(["diagram", str(EXAMPLE), "--format", "png"]) == 0
    assert capsysbinary.readouterr().out.startswith(PNG_MAGIC)


def test_png_to_a_terminal_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["diagram", str(EXAMPLE), "--format", "png"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "-o PATH.png" in captured.err


def test_an_unknown_suffix_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "blueprint.txt"
    assert main(["diagram", str(EXAMPLE), "-o", str(output)]) == 2
    assert (
        f"cannot tell the format of {output}: diagram writes svg to .svg, png to .png, dot to "
        ".dot or .gv; or give --format"
    ) in capsys.readouterr().err
    assert not output.exists()
    # .txt is the text format's suffix: --format svg does not make it an SVG's name
    assert main(["diagram", str(EXAMPLE), "-o", str(output), "--format", "svg"]) == 2
    assert f"-o {output} is not a name for svg output" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf", "1e12"])
def test_a_timeout_must_be_a_sensible_number(
    capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    assert main(["diagram", str(EXAMPLE), "--timeout", timeout]) == 2
    assert "--timeout" in capsys.readouterr().err


def test_a_refused_assessment_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nsystems: []\nflows: []\n", encoding="utf-8")
    assert main(["diagram", str(broken), "-o", str(tmp_path / "x.svg")]) == 1
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "x.svg").exists()


def test_rules_are_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "ours.yaml"
    rules.write_text(
        "brokers:\n  - id: sns_sqs\n    name: Our SNS & SQS\n    summary: Ours.\n",
        encoding="utf-8",
    )
    assert main(["diagram", str(EXAMPLE), "--format", "dot", "--rules", str(rules)]) == 0
    assert 'label="Our SNS &amp; SQS"' in capsys.readouterr().out


def test_a_missing_renderer_exits_1_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-dot"
    output = tmp_path / "x.svg"
    assert main(["diagram", str(EXAMPLE), "-o", str(output), "--renderer", str(missing)]) == 1
    captured = capsys.readouterr()
    assert f"the renderer {missing} (from --renderer {missing}) does not exist" in captured.err
    assert "Traceback" not in captured.err
    assert not output.exists()


def test_a_failing_renderer_from_the_environment_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = script(tmp_path, "echo 'Error: out of memory' >&2; exit 2")
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(renderer))
    assert main(["diagram", str(EXAMPLE)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"the renderer {renderer} failed (exit code 2): Error: out of memory" in captured.err


def test_a_renderer_that_hangs_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    renderer = script(tmp_path, "exec sleep 300")
    arguments = ["diagram", str(EXAMPLE), "--renderer", str(renderer), "--timeout", "0.5"]
    assert main(arguments) == 1
    assert "did not finish within 0.5 seconds" in capsys.readouterr().err


def test_the_dot_format_needs_no_renderer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "no-such-dot")
    assert main(["diagram", str(EXAMPLE), "--format", "dot", "--renderer", missing]) == 0
    assert capsys.readouterr().out.startswith("digraph blueprint {")


def test_hostile_names_give_a_clean_svg(tmp_path: Path) -> None:
    output = tmp_path / "hostile.svg"
    assert main(["diagram", str(HOSTILE), "-o", str(output)]) == 0
    svg = output.read_bytes()
    assert "<b>x</b>" in svg_texts(svg)
    assert b"<b>" not in svg and b"<script" not in svg


def test_help_explains_renderers_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--help"]) == 0
    text = capsys.readouterr().out
    for needle in ("--renderer PATH|dot", "ADVISOR_RENDERER", "graphviz-pure", "exit codes"):
        assert needle in text


def test_the_command_line_starts_without_graphviz() -> None:
    """Start-up time is benchmarked: the diagram modules load only when `diagram` runs."""
    code = (
        "import sys, advisor.cli; print(sorted({'graphviz', 'advisor.render'} & set(sys.modules)))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout == "[]\n"
