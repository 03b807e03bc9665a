"""The output formats' registry and the one way a file is named from an assessment's name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import get_args

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from advisor.advice import assess
from advisor.formats import (
    ASSESS,
    BACKLOG,
    BATCH,
    BATCH_DEFAULT,
    CONTRACTS,
    DIAGRAM,
    DOWNLOADS,
    FORMATS,
    NO_SLUG,
    SLUG_LENGTH,
    Escape,
    Subject,
    file_stem,
    slug,
)
from advisor.loader import load_assessment, parse_assessment
from advisor.models import Assessment
from advisor.ruleset import Ruleset
from tests.conftest import ROOT

SAFE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Booking platform", "booking-platform"),
        ("Gifting platform orders", "gifting-platform-orders"),
        ("../../x", "x"),
        ("/etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("..", "assessment"),
        ("", "assessment"),
        ("日本語", "assessment"),
        ("Ünïcödé café", "unicode-cafe"),
        ("  Ünïcode / API: v2!  ", "unicode-api-v2"),
        ("CON", "con-assessment"),
        ("lpt9", "lpt9-assessment"),
        ("a" * 100, "a" * 60),
        ("word " * 30, ("word-" * 12).rstrip("-")),
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_downloads_are_named_after_the_assessment() -> None:
    assessment = Assessment.model_validate(
        {
            "name": "  Ünïcode / API: v2!  ",
            "systems": [{"id": "a"}, {"id": "b"}],
            "flows": [{"id": "f", "source": "a", "targets": ["b"], "trigger": "schedule"}],
        }
    )
    assert file_stem(assessment) == "unicode-api-v2" == slug(assessment.name)


@given(st.text())
def test_a_slug_is_a_safe_short_name(name: str) -> None:
    value = slug(name)
    assert SAFE.fullmatch(value), "a-z, 0-9 and single dashes inside, never empty"
    assert len(value) <= SLUG_LENGTH + len(f"-{NO_SLUG}")
    for path in (PurePosixPath, PureWindowsPath):
        assert path("out", value).parent == path("out"), "it cannot leave its folder"
    assert slug(name) == value, "the same name, the same slug"


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_a_slug_keeps_an_ascii_names_letters_and_digits_in_order(name: str) -> None:
    letters = re.sub(r"[^a-z0-9]", "", name.lower())
    value = slug(name)
    if not letters:
        assert value == NO_SLUG
    else:  # all of them, or as many as fit; a device name gets a suffix
        assert letters.startswith(value.replace("-", "")) or value == f"{letters}-{NO_SLUG}"


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------


def test_every_format_says_what_it_is() -> None:
    for name, fmt in FORMATS.items():
        assert fmt.name == name
        assert fmt.suffixes and all(re.fullmatch(r"\.[a-z]+", suffix) for suffix in fmt.suffixes)
        assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", fmt.mime), name
        assert fmt.label and fmt.help and "\n" not in fmt.help, name
        assert fmt.help.endswith("."), name
        assert fmt.escape in get_args(Escape)
        assert fmt.file_name == f"{fmt.stem}{fmt.suffix}" and slug(fmt.stem) == fmt.stem
    for offered in (ASSESS, DIAGRAM, BATCH, BATCH_DEFAULT, DOWNLOADS, CONTRACTS, (BACKLOG,)):
        assert set(offered) <= set(FORMATS)
    assert set(BATCH_DEFAULT) <= set(BATCH)


def test_loading_the_registry_loads_no_writer() -> None:
    """The command line imports it for --help: the writers' modules load when one is called."""
    code = (
        "import sys, advisor.formats; print(sorted(name for name in sys.modules if "
        "name.startswith(('advisor.', 'jinja2', 'graphviz', 'pydantic', 'yaml'))))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout == "['advisor._version', 'advisor.formats']\n"  # and the package's


@pytest.fixture(scope="module")
def gifting(ruleset: Ruleset) -> Subject:
    assessment = load_assessment(ROOT / "examples" / "gifting-orders.yaml")
    return Subject(assessment, assess(assessment, ruleset, what_if=False), ruleset)


def test_each_writer_writes_its_format(gifting: Subject) -> None:
    written = {name: fmt.data(gifting) for name, fmt in FORMATS.items()}
    assert json.loads(written["json"])["name"] == gifting.result.name
    assert written["text"].decode().startswith(f"{gifting.result.name}\n")
    assert written["html"].lstrip().lower().startswith(b"<!doctype html>")
    assert written["md"].startswith(b"---\n")
    assert written["dot"].startswith(b"digraph blueprint {")
    ElementTree.fromstring(written["svg"])
    assert written["png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert parse_assessment(written["yaml"].decode()) == gifting.assessment
    assert written["csv"].startswith(b"Summary,Description,Labels,Priority")
    for name in CONTRACTS:
        assert yaml.safe_load(written[name])[name]


def test_a_contract_that_does_not_apply_is_refused(ruleset: Ruleset) -> None:
    lookup = load_assessment(ROOT / "examples" / "helpdesk-customer-lookup.yaml")
    subject = Subject(lookup, assess(lookup, ruleset, what_if=False), ruleset)
    with pytest.raises(ValueError, match="no asyncapi contract applies"):
        FORMATS["asyncapi"].write(subject)


def test_the_edges_read_the_registry(
    gifting: Subject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from advisor import batch, cli
    from advisor.webapp.diagram import Blueprint
    from advisor.webapp.downloads import items

    assert {name: item.filename for name, item in batch.FORMATS.items()} == {
        name: FORMATS[name].file_name for name in BATCH
    }
    assert batch.DEFAULT_FORMATS == BATCH_DEFAULT
    example = str(ROOT / "examples" / "gifting-orders.yaml")
    assert cli.main(["assess", example, "-o", str(tmp_path / "report.unknown")]) == 2
    said = ", ".join(f"{name} to {' or '.join(FORMATS[name].suffixes)}" for name in ASSESS)
    assert f"assess writes {said}" in capsys.readouterr().err
    drawing = Blueprint("digraph {}", "<svg/>")
    offered = items(gifting.assessment, gifting.result, gifting.ruleset, drawing)
    names = [*DOWNLOADS, *CONTRACTS, BACKLOG]  # gifting's has both contracts and risks
    assert [(item.label, item.suffix, item.mime, item.help) for item in offered] == [
        (FORMATS[name].label, FORMATS[name].extension, FORMATS[name].mime, FORMATS[name].help)
        for name in names
    ]
