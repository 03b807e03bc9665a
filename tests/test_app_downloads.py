"""What each download button hands over, made the way the button makes it."""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ElementTree

import pytest

from advisor.advice import assess, stamped
from advisor.loader import load_assessment, parse_assessment, rules_digest
from advisor.report import to_json
from advisor.ruleset import Ruleset
from advisor.webapp.diagram import Blueprint, blueprint
from advisor.webapp.downloads import items
from tests.conftest import ROOT

GIFTING = load_assessment(ROOT / "examples" / "gifting-orders.yaml")


@pytest.fixture
def files(ruleset: Ruleset) -> dict[str, bytes]:
    result = assess(GIFTING, ruleset)
    drawing = blueprint(GIFTING, result, ruleset)
    return {item.file_name: item.data() for item in items(GIFTING, result, ruleset, drawing)}


def test_file_names(files: dict[str, bytes]) -> None:
    assert sorted(files) == [
        "gifting-platform-orders-adr.md",
        "gifting-platform-orders-asyncapi.yaml",
        "gifting-platform-orders-blueprint.png",
        "gifting-platform-orders-blueprint.svg",
        "gifting-platform-orders-openapi.yaml",
        "gifting-platform-orders-risks.csv",
        "gifting-platform-orders.html",
        "gifting-platform-orders.json",
        "gifting-platform-orders.yaml",
    ]


def test_the_yaml_is_the_assessment(files: dict[str, bytes]) -> None:
    assert parse_assessment(files["gifting-platform-orders.yaml"].decode()) == GIFTING


def test_the_json_is_the_command_lines(files: dict[str, bytes], ruleset: Ruleset) -> None:
    result = stamped(
        assess(GIFTING, ruleset),
        input="gifting-platform-orders.yaml",  # the assessment's own download, beside it
        rules_digest=rules_digest(ruleset),
    )
    assert files["gifting-platform-orders.json"].decode() == to_json(result)
    json.loads(files["gifting-platform-orders.json"])


def test_the_reports_name_the_integration(files: dict[str, bytes]) -> None:
    page = files["gifting-platform-orders.html"].decode()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "Gifting platform orders" in page and "<svg" in page
    record = files["gifting-platform-orders-adr.md"].decode()
    assert "Gifting platform orders" in record
    assert datetime.date.today().isoformat() in record


def test_the_diagrams(files: dict[str, bytes]) -> None:
    ElementTree.fromstring(files["gifting-platform-orders-blueprint.svg"])
    assert files["gifting-platform-orders-blueprint.png"].startswith(b"\x89PNG\r\n\x1a\n")


def test_without_a_drawing_the_diagram_downloads_are_left_out(ruleset: Ruleset) -> None:
    result = assess(GIFTING, ruleset)
    offered = items(GIFTING, result, ruleset, Blueprint("digraph {}", None, "no renderer"))
    assert [item.suffix for item in offered] == [
        "yaml",
        "html",
        "md",
        "json",
        "yaml",
        "yaml",
        "csv",
    ]
    assert "<svg" not in offered[1].data().decode()


def test_the_contracts_and_backlog_are_the_command_lines(
    files: dict[str, bytes], ruleset: Ruleset
) -> None:
    from advisor.backlog import to_csv
    from advisor.contracts import contract_files

    result = assess(GIFTING, ruleset)
    for name, text in contract_files(GIFTING, result, ruleset).items():
        assert files[f"gifting-platform-orders-{name}"].decode() == text
    assert files["gifting-platform-orders-risks.csv"].decode() == to_csv(GIFTING, result, ruleset)


def test_every_download_has_its_own_key(files: dict[str, bytes], ruleset: Ruleset) -> None:
    result = assess(GIFTING, ruleset)
    offered = items(GIFTING, result, ruleset, blueprint(GIFTING, result, ruleset))
    keys = [item.key for item in offered]
    assert len(keys) == len(set(keys)) == len(files)


def test_only_the_contracts_that_apply_are_offered(ruleset: Ruleset) -> None:
    lookup = load_assessment(ROOT / "examples" / "helpdesk-customer-lookup.yaml")
    result = assess(lookup, ruleset, what_if=False)
    offered = items(lookup, result, ruleset, Blueprint("digraph {}", None, "no renderer"))
    names = [item.file_name for item in offered]
    assert "helpdesk-customer-lookup-openapi.yaml" in names
    assert not any(name.endswith("-asyncapi.yaml") for name in names)
    quiet = result.model_copy(update={"risks": ()})
    offered = items(lookup, quiet, ruleset, Blueprint("digraph {}", None, "no renderer"))
    assert not any(item.suffix == "csv" for item in offered)
