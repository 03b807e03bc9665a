"""Rendering: every example to SVG and PNG with the bundled renderer, user text that stays text,
and a renderer that is missing, fails, hangs or writes something else."""

from __future__ import annotations

import stat
import struct
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import generated_data

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.loader import load_assessment, load_rules
from advisor.models import Assessment
from advisor.render import (
    ENVIRONMENT_VARIABLE,
    PNG_MAGIC,
    RenderError,
    RenderTimeout,
    find_renderer,
    render,
)
from advisor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile-names.yaml"
SVG = "{http://www.w3.org/2000/svg}"
# Every element name Graphviz writes into an SVG; anything else would be injected markup.
GRAPHVIZ_ELEMENTS = {"svg", "g", "title", "text", "polygon", "path", "ellipse", "polyline"}
TINY_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><text>ok</text></svg>'


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_rules()


@pytest.fixture(autouse=True)
def _no_renderer_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)


def dot_of(assessment: Assessment, ruleset: Ruleset) -> str:
    return blueprint_dot(assessment, assess(assessment, ruleset), ruleset)


def texts(svg: bytes) -> list[str]:
    """The text of every <text> element, after checking the SVG is well-formed."""
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def node_texts(svg: bytes) -> list[str]:
    """Each node's lines joined with spaces: a long name is wrapped at spaces."""
    root = ElementTree.fromstring(svg)
    return [
        " ".join(element.text or "" for element in group.iter(f"{SVG}text"))
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "node"
    ]


def assert_only_graphviz_markup(svg: bytes) -> None:
    root = ElementTree.fromstring(svg)
    names = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert names <= GRAPHVIZ_ELEMENTS, names - GRAPHVIZ_ELEMENTS
    for element in root.iter():
        assert not {name for name in element.attrib if name.lower().startswith("on")}
        assert not {name for name in element.attrib if name.endswith("href")}


def fake_renderer(directory: Path, body: str, name: str = "fake-renderer") -> Path:
    """An executable shell script standing in for a renderer."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_renders_to_svg_naming_every_system(path: Path, ruleset: Ruleset) -> None:
    assessment = load_assessment(path)
    svg = render(dot_of(assessment, ruleset), "svg")
    written, boxes = texts(svg), node_texts(svg)
    for system in assessment.systems:
        assert any(text.startswith(system.label) for text in boxes), system.label
        if system.owner:
            assert system.owner in written  # its owner's box
    assert_only_graphviz_markup(svg)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_renders_to_png(path: Path, ruleset: Ruleset) -> None:
    png = render(dot_of(load_assessment(path), ruleset), "png")
    assert png.startswith(PNG_MAGIC) and len(png) > 1000


def test_hostile_names_come_out_as_typed_and_as_text_only(ruleset: Ruleset) -> None:
    assessment = load_assessment(HOSTILE)
    svg = render(dot_of(assessment, ruleset), "svg")
    written, boxes = texts(svg), node_texts(svg)
    for system in assessment.systems:  # a typed newline is a line break, a long name wraps
        assert any(text.startswith(" ".join(system.label.splitlines())) for text in boxes)
        if system.owner:
            assert system.owner in written  # its owner's box
    assert f"Integration blueprint: {assessment.name}" in written
    focused = render(
        blueprint_dot(assessment, assess(assessment, ruleset), ruleset, flow="document-stored"),
        "svg",
    )
    assert f"{assessment.system('script').label} API" in texts(focused)
    assert_only_graphviz_markup(svg)
    assert_only_graphviz_markup(focused)
    for raw in (
        b"<b>",
        b"<i>",
        b"<script",
        b"<![CDATA[",
        b'<?xml version="1.0"?>',
        b"<!-- comment -->",
    ):
        assert raw not in svg.split(b"?>", 1)[1]  # nothing after the XML declaration
    assert b"pwn" not in b"".join(line for line in svg.splitlines() if b"<title>" in line)


def test_hostile_names_render_to_png(ruleset: Ruleset) -> None:
    assert render(dot_of(load_assessment(HOSTILE), ruleset), "png").startswith(PNG_MAGIC)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
        min_size=1,
        max_size=40,
    ).filter(lambda text: text.strip() == text and text.strip()),
    owner=st.sampled_from(["<b>", "\\N", '"]', "&amp;", "a & b"]),
)
def test_any_name_is_drawn_as_typed(name: str, owner: str) -> None:
    data = generated_data(3, 1)
    data["systems"][1].update(name=name, owner=owner)
    ruleset = load_rules()
    svg = render(dot_of(Assessment.model_validate(data), ruleset), "svg")
    printable = "".join(
        char if char in "\t" or (char >= " " and char not in "\ufffe\uffff") else "\ufffd"
        for char in name
    )
    assert any(text.startswith(printable) for text in node_texts(svg))  # wrapped at spaces
    assert owner in texts(svg)  # its owner's box


# ---------------------------------------------------------------------------------------------
# Choosing and running the renderer
# ---------------------------------------------------------------------------------------------


def test_the_bundled_renderer_is_found_beside_the_interpreter() -> None:
    found = Path(find_renderer())
    assert found.name.startswith("graphviz-pure")
    assert found.parent == Path(sys.executable).parent


def test_the_renderer_beside_the_interpreter_comes_before_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside = fake_renderer(tmp_path / "venv" / "bin", "exit 0", "graphviz-pure")
    on_path = fake_renderer(tmp_path / "elsewhere", "exit 0", "graphviz-pure")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "bin" / "python"))
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert find_renderer() == str(beside)
    beside.unlink()
    assert find_renderer() == str(on_path)


def test_no_renderer_anywhere_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="pip install graphviz-pure"):
        render("digraph { a }", "svg")


def test_a_missing_renderer_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"renderer .*missing.* does not exist"):
        render("digraph { a }", "svg", renderer=str(tmp_path / "missing"))


def test_a_renderer_name_not_on_path_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match=r"'dot' .* is not on PATH"):
        render("digraph { a }", "svg", renderer="dot")


def test_a_renderer_name_is_looked_up_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dot = fake_renderer(tmp_path, f"cat >/dev/null; echo '{TINY_SVG}'", "dot")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_renderer("dot") == str(dot)
    assert render("digraph { a }", "svg", renderer="dot") == f"{TINY_SVG}\n".encode()


def test_a_file_that_is_not_executable_is_a_clear_error(tmp_path: Path) -> None:
    plain = tmp_path / "renderer"
    plain.write_text("not a program")
    with pytest.raises(RenderError, match="is not executable"):
        render("digraph { a }", "svg", renderer=str(plain))


def test_the_environment_variable_chooses_the_renderer_and_the_option_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_environment = fake_renderer(tmp_path / "a", f"echo '{TINY_SVG}'")
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(from_environment))
    assert find_renderer() == str(from_environment)
    assert texts(render("digraph { a }", "svg")) == ["ok"]
    chosen = fake_renderer(tmp_path / "b", "exit 0")
    assert find_renderer(str(chosen)) == str(chosen)


def test_the_renderer_gets_the_dot_on_stdin_and_the_format_as_a_flag(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    renderer = fake_renderer(tmp_path, f"echo \"$@\" > {seen}; cat >> {seen}; echo '{TINY_SVG}'")
    render("digraph { a }", "svg", renderer=str(renderer))
    assert seen.read_text() == "-Tsvg\ndigraph { a }"


def test_a_png_is_drawn_at_twice_the_density_of_the_svg(ruleset: Ruleset) -> None:
    """A PNG shown at the SVG's size has at least two pixels for each of its CSS pixels (a CSS
    pixel is 3/4 of the SVG's point), so that it stays sharp on a high-density screen."""
    dot = dot_of(load_assessment(ROOT / "examples" / "gifting-orders.yaml"), ruleset)
    root = ElementTree.fromstring(render(dot, "svg"))
    width_pt = float(root.get("width", "").removesuffix("pt"))
    height_pt = float(root.get("height", "").removesuffix("pt"))
    png = render(dot, "png")
    width_px, height_px = struct.unpack(">II", png[16:24])
    assert width_px >= 2 * width_pt * 4 / 3
    assert height_px >= 2 * height_pt * 4 / 3


def test_a_failing_renderer_is_an_error_with_its_message(tmp_path: Path) -> None:
    renderer = fake_renderer(tmp_path, "echo 'Error: syntax error in line 1' >&2; exit 3")
    with pytest.raises(RenderError, match=r"failed \(exit code 3\): Error: syntax error"):
        render("digraph { a }", "svg", renderer=str(renderer))


def test_a_renderer_that_hangs_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    renderer = fake_renderer(tmp_path, f"sleep 300 & echo $! > {pid_file}; wait")
    with pytest.raises(RenderTimeout, match=r"did not finish within 0\.5 seconds"):
        render("digraph { a }", "svg", renderer=str(renderer), timeout=0.5)
    assert not _alive(int(pid_file.read_text()))


def _alive(pid: int) -> bool:
    """Whether the process runs, waiting a little for a killed one to be reaped."""
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize(
    ("fmt", "output", "message"),
    [
        ("svg", "this is not XML", "not well-formed"),
        ("svg", "<html/>", "did not write an SVG document"),
        ("svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', "<script>"),
        ("svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "active content"),
        ("png", "GIF89a", "did not write a PNG image"),
    ],
)
def test_output_that_is_not_what_was_asked_for_is_refused(
    tmp_path: Path, fmt: str, output: str, message: str
) -> None:
    renderer = fake_renderer(tmp_path, f"cat > /dev/null; printf '%s' '{output}'")
    with pytest.raises(RenderError, match=message):
        render("digraph { a }", "svg" if fmt == "svg" else "png", renderer=str(renderer))


def test_only_svg_and_png() -> None:
    with pytest.raises(ValueError, match="use svg or png"):
        render("digraph { a }", "pdf")  # type: ignore[arg-type]
