"""What a command loads: each command imports the modules its work needs, and no more.

Start-up time is benchmarked against importing yaml, pydantic and jinja2 (`make bench`,
cli_startup); these tests hold the reason it is short without timing anything: the templates,
the drawing, the contracts, the web app and its data libraries stay unloaded until used.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "gifting-orders.yaml")
# Libraries of the reports, the drawing and the web app, and the modules that use them.
HEAVY = (
    "jinja2",
    "markupsafe",
    "graphviz",
    "pandas",
    "numpy",
    "pyarrow",
    "streamlit",
    "shtab",
    "advisor.report_context",
    "advisor.blueprint",
    "advisor.render",
    "advisor.mermaid",
    "advisor.charts",
    "advisor.contracts",
    "advisor.backlog",
    "advisor.batch",
    "advisor.webapp",
)


def loaded_by(*argv: str) -> set[str]:
    """The modules loaded by `advisor ARGV...`, run in a fresh interpreter."""
    code = (
        "import contextlib, io, json, sys\n"
        "from advisor.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(sys.argv[1:])\n"
        "assert code == 0, code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(json.loads(completed.stdout))


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        name for name in modules if any(name == h or name.startswith(f"{h}.") for h in HEAVY)
    )


def test_help_loads_no_library_of_the_work() -> None:
    modules = loaded_by("--help")
    assert heavy(modules) == []
    assert not {"pydantic", "yaml", "advisor.models", "advisor.loader"} & modules


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_assess_as_json_or_text_loads_no_template_drawing_or_web_library(fmt: str) -> None:
    modules = loaded_by("assess", EXAMPLE, "--format", fmt)
    assert "advisor.engine" in modules  # it did assess
    assert heavy(modules) == []
    # the narrative explains each flow's style in the text only
    assert ("advisor.narrative" in modules) == (fmt == "text")


def test_the_modules_held_back_exist() -> None:
    """The list above is no formality: each name is a module there is to load."""
    for name in HEAVY:
        assert importlib.util.find_spec(name) is not None, name
