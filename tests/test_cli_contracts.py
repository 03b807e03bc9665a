"""`advisor contracts FILE -o DIR` and `advisor backlog FILE`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_cli import run
from tests.test_contracts import check_asyncapi, check_openapi

EXAMPLES = ROOT / "examples"


def test_contracts_writes_the_files_that_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "contracts"
    code, stdout, err = run(
        capsys, "contracts", str(EXAMPLES / "gifting-orders.yaml"), "-o", str(out)
    )
    assert (code, stdout) == (0, "")
    assert sorted(path.name for path in out.iterdir()) == ["asyncapi.yaml", "openapi.yaml"]
    assert err == f"advisor: wrote {out / 'asyncapi.yaml'} and {out / 'openapi.yaml'}\n"
    check_asyncapi(yaml.safe_load((out / "asyncapi.yaml").read_text(encoding="utf-8")))
    check_openapi(yaml.safe_load((out / "openapi.yaml").read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("example", "written"),
    [
        ("helpdesk-customer-lookup", ["openapi.yaml"]),
        ("fleet-telematics", ["asyncapi.yaml"]),
    ],
)
def test_contracts_removes_an_earlier_draft_that_no_longer_applies(
    example: str, written: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = run(capsys, "contracts", str(EXAMPLES / "gifting-orders.yaml"), "-o", str(tmp_path))
    assert both[0] == 0
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    earlier = {name: (tmp_path / name).read_bytes() for name in written}
    code, _, err = run(capsys, "contracts", str(EXAMPLES / f"{example}.yaml"), "-o", str(tmp_path))
    (gone,) = {"asyncapi.yaml", "openapi.yaml"} - set(written)
    assert code == 0
    assert err == (
        f"advisor: wrote {tmp_path / written[0]}; "
        f"removed {tmp_path / gone}, an earlier draft that no longer applies\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*written, "notes.txt"])
    assert (tmp_path / written[0]).read_bytes() != earlier[written[0]]


def test_contracts_keeps_a_file_of_the_users_own_under_a_contracts_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "asyncapi.yaml"
    own.write_text("asyncapi: 3.0.0\ninfo: {title: Ours, version: 2.0.0}\n", encoding="utf-8")
    lookup = str(EXAMPLES / "helpdesk-customer-lookup.yaml")  # needs no AsyncAPI document
    code, _, err = run(capsys, "contracts", lookup, "-o", str(tmp_path), "-q")
    assert code == 0
    assert own.read_text(encoding="utf-8").startswith("asyncapi: 3.0.0\ninfo: {title: Ours")
    assert err == (
        f"advisor: warning: kept {own}: no flow needs it now, and the advisor did not draft it "
        "(a file of your own?); remove it yourself if it is out of date\n"
    )


@pytest.mark.parametrize("name", ["A name long enough that PyYAML folds the line " * 3, "x"])
def test_every_draft_carries_the_mark_that_tells_it_from_a_users_file(name: str) -> None:
    from advisor.advice import assess
    from advisor.contracts import DRAFT_HEAD, contract_files, is_draft
    from advisor.loader import load_assessment, load_rules

    ruleset = load_rules()
    assessment = load_assessment(EXAMPLES / "gifting-orders.yaml")
    assessment = assessment.model_copy(update={"name": name.strip()})
    files = contract_files(assessment, assess(assessment, ruleset, what_if=False), ruleset)
    assert sorted(files) == ["asyncapi.yaml", "openapi.yaml"]
    assert all(is_draft(text[:DRAFT_HEAD]) for text in files.values())
    assert not is_draft("asyncapi: 3.0.0\ninfo: {title: Integration Advisor}\n")


def test_contracts_refuses_a_file_as_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "contracts.txt"
    target.write_text("mine\n", encoding="utf-8")
    code, stdout, err = run(
        capsys, "contracts", str(EXAMPLES / "gifting-orders.yaml"), "-o", str(target)
    )
    assert (code, stdout) == (1, "")
    assert err == f"error: {target}: is a file; give -o a folder for the contracts\n"
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_contracts_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "contracts", str(EXAMPLES / "gifting-orders.yaml"))
    assert code == 2 and "-o/--output" in err
    code, _, err = run(capsys, "contracts", str(EXAMPLES / "gifting-orders.yaml"), "-o", "-")
    assert code == 2 and "give -o DIR" in err


def test_contracts_refuses_an_assessment_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "contracts", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "out")
    )
    assert code == 1 and "missing.yaml" in err
    assert not (tmp_path / "out").exists()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_backlog_is_csv_on_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "backlog", str(EXAMPLES / "gifting-orders.yaml"))
    assert (code, err) == (0, "")
    rows = _rows(out)
    assert list(rows[0]) == ["Summary", "Description", "Labels", "Priority"]
    assert {row["Labels"] for row in rows} >= {"idempotency", "retried-commands"}


def test_backlog_takes_its_format_from_the_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(EXAMPLES / "gifting-orders.yaml")
    assert run(capsys, "backlog", source, "-o", str(tmp_path / "risks.md"))[0] == 0
    assert (tmp_path / "risks.md").read_text(encoding="utf-8").count("\n- [ ] ") >= 5
    assert run(capsys, "backlog", source, "-o", str(tmp_path / "deep" / "risks.csv"))[0] == 0
    assert _rows((tmp_path / "deep" / "risks.csv").read_text(encoding="utf-8"))
    code, out, _ = run(capsys, "backlog", source, "--format", "md")
    assert code == 0 and out.startswith("# Risks to mitigate: ")


def test_backlog_refuses_a_suffix_of_another_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(EXAMPLES / "gifting-orders.yaml")
    code, _, err = run(capsys, "backlog", source, "-o", str(tmp_path / "risks.json"))
    assert code == 2 and "backlog writes csv to .csv, md to .md or .markdown" in err
    code, _, err = run(capsys, "backlog", source, "--format", "md", "-o", str(tmp_path / "r.csv"))
    assert code == 2 and "is not a name for md output" in err
    assert not list(tmp_path.iterdir())


DOCS = ROOT / "docs" / "contracts"


@pytest.mark.parametrize("example", ["field-service-article", "gifting-orders"])
def test_the_documented_contracts_are_what_the_commands_write(
    example: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(EXAMPLES / f"{example}.yaml")
    assert run(capsys, "contracts", source, "-o", str(tmp_path), "-q")[0] == 0
    assert run(capsys, "backlog", source, "-o", str(tmp_path / "risks.csv"))[0] == 0
    assert run(capsys, "backlog", source, "-o", str(tmp_path / "risks.md"))[0] == 0
    kept = sorted(path.name for path in (DOCS / example).iterdir())
    assert kept == sorted(path.name for path in tmp_path.iterdir())
    for name in kept:
        assert (DOCS / example / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"docs/contracts/{example}/{name} is out of date: rerun advisor contracts and "
            "advisor backlog on the example"
        )


def test_the_readme_excerpt_is_from_the_documented_openapi() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Contracts and a backlog", 1)[1].split("\n## ", 1)[0]
    excerpt = section.split("```yaml\n", 1)[1].split("```", 1)[0].splitlines()
    shown = [line for line in excerpt if line.strip() not in ("paths:", "...")]
    document = (DOCS / "field-service-article" / "openapi.yaml").read_text(encoding="utf-8")
    assert "\n".join(shown) in document


def test_batch_writes_each_assessments_contracts_into_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = [
        str(EXAMPLES / "gifting-orders.yaml"),
        str(EXAMPLES / "helpdesk-customer-lookup.yaml"),
    ]
    out = tmp_path / "reports"
    batch = ["batch", *inputs, "-o", str(out), "--format", "json", "--jobs", "1", "-q"]
    assert run(capsys, *batch, "--contracts")[0] == 0
    gifting, lookup = out / "gifting-platform-orders", out / "helpdesk-customer-lookup"
    assert sorted(p.name for p in gifting.iterdir()) == [
        "asyncapi.yaml",
        "openapi.yaml",
        "result.json",
    ]
    assert sorted(p.name for p in lookup.iterdir()) == ["openapi.yaml", "result.json"]
    single = tmp_path / "single"
    assert run(capsys, "contracts", inputs[0], "-o", str(single), "-q")[0] == 0
    for name in ("asyncapi.yaml", "openapi.yaml"):
        assert (gifting / name).read_bytes() == (single / name).read_bytes()
    own = lookup / "asyncapi.yaml"  # a file of the user's own, under a contract's name
    own.write_text("asyncapi: 3.0.0\n", encoding="utf-8")
    assert run(capsys, *batch)[0] == 0  # without --contracts, an earlier run's contracts go
    assert sorted(p.name for p in gifting.iterdir()) == ["result.json"]
    assert sorted(p.name for p in lookup.iterdir()) == ["asyncapi.yaml", "result.json"]
    assert own.read_text(encoding="utf-8") == "asyncapi: 3.0.0\n"
