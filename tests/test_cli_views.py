"""`advisor diagram --view` and `--flow`, run in-process: each draws what the blueprint module
draws for it; an unknown flow is a usage error that suggests the closest id."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.cli import main
from advisor.loader import load_assessment, load_rules
from advisor.render import ENVIRONMENT_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "gifting-orders.yaml"


@pytest.fixture(autouse=True)
def _no_renderer_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)


def expected(**options: str) -> str:
    ruleset = load_rules()
    assessment = load_assessment(EXAMPLE)
    return blueprint_dot(assessment, assess(assessment, ruleset), ruleset, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("view", ["overview", "events", "api"])
def test_view_draws_that_view(view: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(EXAMPLE), "--format", "dot", "--view", view]) == 0
    assert capsys.readouterr().out == expected(view=view)


def test_the_overview_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(EXAMPLE), "--format", "dot"]) == 0
    assert capsys.readouterr().out == expected(view="overview")


def test_flow_draws_that_flow_and_its_neighbours(tmp_path: Path) -> None:
    output = tmp_path / "flow.svg"
    assert main(["diagram", str(EXAMPLE), "--flow", "order-confirmed", "-o", str(output)]) == 0
    root = ElementTree.fromstring(output.read_bytes())
    texts = {element.text for element in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "order-confirmed" in texts
    assert any("order-confirmed (event-driven) and its neighbours" in (t or "") for t in texts)


def test_an_unknown_flow_is_a_usage_error_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "flow.svg"
    assert main(["diagram", str(EXAMPLE), "--flow", "order-confirm", "-o", str(output)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "advisor: error: --flow: no flow has the id 'order-confirm'; "
        "did you mean 'order-confirmed'?\n"
    )
    assert not output.exists()


def test_view_and_flow_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["diagram", str(EXAMPLE), "--view", "api", "--flow", "place-order"]
    assert main(arguments) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unknown_view_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(EXAMPLE), "--view", "sideways"]) == 2
    assert "invalid choice: 'sideways'" in capsys.readouterr().err


def test_a_png_has_twice_the_pixels_of_the_svgs_css_width(tmp_path: Path) -> None:
    """Sharp on a high-density screen: at least 2 device pixels per CSS pixel of the SVG."""
    svg, png = tmp_path / "b.svg", tmp_path / "b.png"
    assert main(["diagram", str(EXAMPLE), "-o", str(svg)]) == 0
    assert main(["diagram", str(EXAMPLE), "-o", str(png)]) == 0
    width_pt = float(ElementTree.fromstring(svg.read_bytes()).get("width", "").removesuffix("pt"))
    width_px, height_px = struct.unpack(">II", png.read_bytes()[16:24])
    assert width_px >= 2 * width_pt * 4 / 3
    assert height_px > 0
