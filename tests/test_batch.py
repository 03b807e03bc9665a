"""`advisor batch`: a mixed folder of good, malformed and hostile files, run in-process."""

from __future__ import annotations

import csv
import html
import io
import json
import multiprocessing
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from advisor import batch, files, formats
from advisor.cli import main
from advisor.files import shown_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
REQUIRED_COLUMNS = (
    "file",
    "name",
    "recommendation",
    "confidence",
    "api_score",
    "event_score",
    "flows_api",
    "flows_event",
    "flows_hybrid",
    "broker",
    "error",
)


def assessment(name: str, *, trigger: str = "user_action", extra: str = "") -> str:
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f"""\
name: "{quoted}"
systems:
  - id: shop
  - id: crm
flows:
  - id: sync
    source: shop
    targets: [crm]
    trigger: {trigger}
    needs_response: {"true" if trigger == "user_action" else "false"}
{STREAM if trigger == "telemetry" else ""}{extra}"""


STREAM = "    max_delay_seconds: 5\n    events_per_day: 500000\n"  # a busy stream: event-driven


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 9)}]\n"
    for level in range(8)
)

HOSTILE: dict[str, str | bytes] = {
    "broken.yaml": "name: [unclosed\nsystems: {\n",
    "unknown-key.yaml": assessment("Unknown key") + "colour: blue\n",
    "binary.yaml": bytes(range(256)) * 4,
    "empty.yaml": "",
    "alias-bomb.yml": ALIAS_BOMB,
    "not-a-mapping.yaml": "- just\n- a list\n",
    "python-tag.yaml": "name: !!python/object/apply:os.system ['echo hi']\n",
}
GOOD: dict[str, str] = {
    "escape.yaml": assessment("../../x"),
    "absolute.yaml": assessment("/tmp/outside/abs"),
    "dots.yaml": assessment(".."),
    "unicode-only.yaml": assessment("日本語の統合"),
    "html.yaml": assessment('<script>alert("x")</script> & <b>bold</b>', trigger="data_change"),
    "dup-a.yaml": assessment("Duplicate name"),
    "dup-b.yaml": assessment("Duplicate name", trigger="telemetry"),
    "sub/deeper/nested.yml": assessment("Nested one", trigger="schedule"),
    "spaced name.yaml": assessment("Spaced"),
}


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    """A folder mixing the shipped examples with hostile and malformed files."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        shutil.copy(example, folder / example.name)
    for name, content in {**HOSTILE, **GOOD}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "skipped.yaml").write_text("not: read\n")
    (folder / "notes.txt").write_text("not an assessment\n")
    return folder


def read_summary(out: Path) -> list[dict[str, str]]:
    with (out / "summary.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def leftovers(folder: Path) -> list[Path]:
    """Temporary files an interrupted write would leave behind."""
    return [path for path in folder.rglob("*") if path.name.endswith(".tmp")]


def run_batch(*argv: str | Path) -> int:
    return main(["batch", *map(str, argv)])


# ---------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------


def test_quiet_still_shows_the_refusals_the_first_ten_in_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for number in range(12):
        (inputs / f"bad-{number:02d}.yaml").write_text("nme: x\n", encoding="utf-8")
    (inputs / "good.yaml").write_text(assessment("Good"), encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch(inputs, "--out", out, "--format", "json", "--jobs", "1", "-q") == 1
    said = capsys.readouterr().err.splitlines()
    refused = [row["error"] for row in read_summary(out) if row["error"]]
    assert len(refused) == 12
    shown = [f"error: {line}" for error in refused[:10] for line in error.splitlines()]
    assert said == [
        *shown,
        f"advisor: 2 more refused files not shown: see the error column of {out / 'summary.csv'}",
    ]
    assert any("did you mean 'name'" in line for line in said)


def test_mixed_folder(portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    before = sorted(tmp_path.rglob("*"))
    assert run_batch(portfolio, "--out", out, "--format", "json", "--jobs", "2") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    said = captured.err.splitlines()  # no progress off a terminal
    assert said[-1].startswith("advisor: ") and "refused" in said[-1]  # the one-line summary

    rows = read_summary(out)
    expected_files = sorted(
        (
            path
            for path in portfolio.rglob("*")
            if path.suffix in (".yaml", ".yml") and ".hidden" not in path.parts
        ),
        key=Path,
    )
    # relative paths, never the machine's own folders
    assert [row["file"] for row in rows] == [shown_path(path) for path in expected_files]
    assert not any(Path(row["file"]).is_absolute() for row in rows)
    assert set(REQUIRED_COLUMNS) <= set(rows[0])

    good = [row for row in rows if not row["error"]]
    refused = [row for row in rows if row["error"]]
    # before it, each refused file's problems, in input order, as `advisor assess` words them
    assert said[:-1] == [f"error: {line}" for row in refused for line in row["error"].splitlines()]
    assert len(good) == len(GOOD) + len(EXAMPLES)
    assert {Path(row["file"]).name for row in refused} == set(HOSTILE)
    for row in refused:
        assert row["recommendation"] == row["name"] == row["folder"] == ""
        assert main(["assess", row["file"], "--format", "json"]) == 1
        said = capsys.readouterr().err.splitlines()
        assert row["error"] == "\n".join(line.removeprefix("error: ") for line in said)
    for row in good:
        assert main(["assess", row["file"], "--format", "json"]) == 0
        assessed = capsys.readouterr().out
        assert row["recommendation"] in ("api", "event", "hybrid")
        assert f'"recommendation": "{row["recommendation"]}"' in assessed
        assert (out / row["folder"] / "result.json").read_text(encoding="utf-8") == assessed

    # one folder per good file, nothing else, and nothing outside --out
    folders = sorted(path.name for path in out.iterdir() if path.is_dir())
    assert folders == sorted(row["folder"] for row in good)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in folders)
    assert sorted(path.name for path in out.iterdir() if path.is_file()) == [
        "flows.csv",
        "index.html",
        "summary.csv",
    ]
    after = sorted(path for path in tmp_path.rglob("*") if out not in (path, *path.parents))
    assert after == before
    assert not leftovers(out)

    by_file = {Path(row["file"]).name: row for row in rows}
    assert by_file["escape.yaml"]["folder"] == "x"
    assert by_file["absolute.yaml"]["folder"] == "tmp-outside-abs"
    assert (
        by_file["dots.yaml"]["folder"] == "dots"
    )  # the name has nothing for a folder: the file gives it
    assert by_file["unicode-only.yaml"]["folder"] == "unicode-only"
    assert by_file["dup-a.yaml"]["folder"] == "duplicate-name"
    assert by_file["dup-b.yaml"]["folder"] == "duplicate-name-2"
    assert by_file["nested.yml"]["name"] == "Nested one"


def test_index_is_self_contained_and_escaped(
    portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_batch(portfolio, "--out", out, "--format", "json", "--jobs", "1") == 1
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("<script") == 1  # our own, inline: sorting and filtering
    assert "<script src" not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "<link" not in page and "@import" not in page
    rows = read_summary(out)
    for row in rows:
        if row["folder"]:
            assert f'href="{row["folder"]}/result.json"' in page
    # counts per recommendation, and the most frequent risks
    counts = {style: sum(row["recommendation"] == style for row in rows) for style in ("api",)}
    assert f"<strong>{counts['api']}</strong><span>API-driven</span>" in page
    assert "Most frequent risks" in page and "Tight coupling to the callee" in page


@pytest.mark.slow  # whole portfolios, worker processes or PNG drawings
def test_jobs_do_not_change_the_output(
    portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_batch(portfolio, "--out", one, "--jobs", "1") == 1
    assert run_batch(portfolio, "--out", two, "--jobs", "2") == 1
    first, second = tree(one), tree(two)
    assert len(first) > 10
    assert first == second


@pytest.mark.slow  # whole portfolios, worker processes or PNG drawings
def test_parallel_run_is_ordered_with_many_chunks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More chunks than the window holds, so results wait for their turn."""
    folder = tmp_path / "many"
    folder.mkdir()
    triggers = ("user_action", "data_change", "schedule", "telemetry")
    for index in range(60):
        content = assessment(f"Item {index % 7}", trigger=triggers[index % 4])
        if index % 13 == 5:
            content = "name: [broken\n"
        (folder / f"{index:03d}.yaml").write_text(content)
    monkeypatch.setattr(batch, "chunk_size", lambda inputs, jobs: 2)
    assert run_batch(folder, "--out", tmp_path / "a", "--jobs", "2", "--format", "json") == 1
    assert run_batch(folder, "--out", tmp_path / "b", "--jobs", "1", "--format", "json") == 1
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    rows = read_summary(tmp_path / "a")
    assert [Path(row["file"]).name for row in rows] == [f"{i:03d}.yaml" for i in range(60)]
    assert sum(bool(row["error"]) for row in rows) == 5


def test_all_good_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run_batch(ROOT / "examples", "--out", out, "--jobs", "1") == 0
    rows = read_summary(out)
    assert len(rows) == len(EXAMPLES) and not any(row["error"] for row in rows)
    err = capsys.readouterr().err
    assert err.startswith(f"advisor: {len(EXAMPLES)} of {len(EXAMPLES)} files assessed")
    assert err.count("\n") == 1


def test_fail_fast_stops_at_the_first_refusal(
    portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_batch(portfolio, "--out", out, "--fail-fast", "--jobs", "2") == 1
    rows = read_summary(out)
    assert rows[-1]["error"] and not any(row["error"] for row in rows[:-1])
    assert Path(rows[-1]["file"]).name == "alias-bomb.yml"  # the first refused, in path order
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(
        row["folder"] for row in rows[:-1]
    )
    assert "stopped at the first refusal" in capsys.readouterr().err
    assert "The run stopped at the first refused file" in (out / "index.html").read_text()


def test_a_rerun_replaces_what_it_produces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    target = folder / "one.yaml"
    target.write_text(assessment("Changing", trigger="user_action"))
    assert run_batch(folder, "--out", out, "--format", "json") == 0
    first = (out / "changing" / "result.json").read_text()
    target.write_text(assessment("Changing", trigger="telemetry"))
    (folder / "two.yaml").write_text("name: [broken\n")
    assert run_batch(folder, "--out", out, "--format", "json") == 1
    second = (out / "changing" / "result.json").read_text()
    assert '"recommendation": "api"' in first and '"recommendation": "api"' not in second
    assert [row["file"] for row in read_summary(out)] == [
        shown_path(target),
        shown_path(folder / "two.yaml"),
    ]
    assert sorted(path.name for path in out.iterdir()) == [
        "changing",
        "flows.csv",
        "index.html",
        "summary.csv",
    ]
    assert not leftovers(out)


def test_a_rerun_never_mixes_two_assessments_in_one_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "b.yaml").write_text(assessment("Orders A"))
    assert run_batch(folder, "--out", out, "--format", "json,md") == 0
    (folder / "a.yaml").write_text(assessment("orders-a", trigger="telemetry"))
    assert run_batch(folder, "--out", out, "--format", "json") == 0
    assert [row["folder"] for row in read_summary(out)] == ["orders-a", "orders-a-2"]
    first = out / "orders-a"
    assert sorted(path.name for path in first.iterdir()) == ["result.json"]
    assert '"name": "orders-a"' in (first / "result.json").read_text()
    (first / "notes.txt").write_text("mine")
    assert run_batch(folder, "--out", out, "--format", "md") == 0
    assert sorted(path.name for path in first.iterdir()) == ["decision.md", "notes.txt"]


def test_names_with_nothing_for_a_folder_take_the_file_s_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "kyoto-orders.yaml").write_text(assessment("京都の注文"))
    (folder / "punctuation.yaml").write_text(assessment("!!! ???"))
    assert run_batch(folder, "--out", out, "--format", "json") == 0
    assert [row["folder"] for row in read_summary(out)] == ["kyoto-orders", "punctuation"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_summary_cells_are_never_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], start: str
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    name = f'{start}HYPERLINK("http://example.com","x")'
    (folder / "one.yaml").write_text(assessment(name))
    assert run_batch(folder, "--out", out, "--format", "json") == 0
    (row,) = read_summary(out)
    assert row["name"] == "'" + name
    assert json.loads((out / row["folder"] / "result.json").read_text())["name"] == name


def test_a_symlink_in_the_way_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / "one.yaml").write_text(assessment("Changing"))
    out.mkdir()
    (out / "changing").symlink_to(elsewhere)
    assert run_batch(folder, "--out", out, "--format", "json") == 2
    assert "in the way" in capsys.readouterr().err
    assert not list(elsewhere.iterdir())
    assert not leftovers(out)


# ---------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------


def test_default_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run_batch(ROOT / "examples", "--out", out, "--date", "2026-01-15") == 0
    folder = out / "gifting-platform-orders"
    assert sorted(path.name for path in folder.iterdir()) == [
        "blueprint.svg",
        "decision.md",
        "report.html",
        "result.json",
    ]
    assert "2026-01-15" in (folder / "decision.md").read_text(encoding="utf-8")
    assert (folder / "blueprint.svg").read_text(encoding="utf-8").lstrip().startswith("<")
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report  # the blueprint, drawn once for both
    assert 'href="gifting-platform-orders/report.html"' in (out / "index.html").read_text()


def test_no_what_if(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, quick = tmp_path / "out", tmp_path / "quick"
    assert run_batch(ROOT / "examples", "--out", out, "--format", "json,md") == 0
    assert run_batch(ROOT / "examples", "--out", quick, "--format", "json,md", "--no-what-if") == 0
    assert (quick / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()
    for result in sorted(quick.glob("*/result.json")):
        analysed = json.loads((out / result.parent.name / "result.json").read_text())
        skipped = json.loads(result.read_text())
        assert skipped == {
            **analysed,
            "what_would_change": None,
            "what_would_change_complete": None,
        }
        assert "Not analysed" in (result.parent / "decision.md").read_text(encoding="utf-8")


@pytest.mark.slow  # whole portfolios, worker processes or PNG drawings
def test_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run_batch(ROOT / "examples", "--out", out, "--format", "png", "--jobs", "1") == 0
    for folder in (path for path in out.iterdir() if path.is_dir()):
        assert [path.name for path in folder.iterdir()] == ["blueprint.png"]
        assert (folder / "blueprint.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert 'href="fleet-telematics/blueprint.png"' in (out / "index.html").read_text()


def test_without_a_renderer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_RENDERER", str(tmp_path / "no-such-renderer"))
    out = tmp_path / "out"
    # a program it needs is missing: 1, as `advisor diagram` says it, and nothing is written
    assert run_batch(ROOT / "examples", "--out", out, "--format", "json,svg") == 1
    assert "cannot draw the blueprints" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.delenv("ADVISOR_RENDERER")
    missing = str(tmp_path / "no-dot")
    assert run_batch(ROOT / "examples", "-o", out, "--format", "png", "--renderer", missing) == 1
    assert f"the renderer {missing} (from --renderer {missing}) does not exist" in (
        capsys.readouterr().err
    )
    assert not out.exists()
    monkeypatch.setenv("ADVISOR_RENDERER", str(tmp_path / "no-such-renderer"))
    assert run_batch(ROOT / "examples", "--out", out, "--format", "html", "--jobs", "1") == 0
    assert "warning: the reports have no blueprint" in capsys.readouterr().err
    report = (out / "fleet-telematics" / "report.html").read_text(encoding="utf-8")
    assert "<svg" not in report


def test_a_blueprint_that_cannot_be_drawn_is_that_file_s_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor import render

    real = render.render

    def failing(dot: str, fmt: str, **options: object) -> bytes:
        if "Fleet" in dot:
            raise render.RenderError("the renderer timed out after 30 s")
        return real(dot, fmt)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "render", failing)
    out = tmp_path / "out"
    assert run_batch(ROOT / "examples", "--out", out, "--format", "json,svg", "--jobs", "1") == 1
    rows = {Path(row["file"]).name: row for row in read_summary(out)}
    assert rows["fleet-telematics.yaml"]["error"] == (
        f"{shown_path(ROOT / 'examples' / 'fleet-telematics.yaml')}: the blueprint could not be "
        "drawn: "
        "the renderer timed out after 30 s"
    )
    assert not (out / "fleet-telematics").exists()
    assert sum(not row["error"] for row in rows.values()) == len(EXAMPLES) - 1


# ---------------------------------------------------------------------------------------------
# Interruptions
# ---------------------------------------------------------------------------------------------


def _fail_on(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    call: int,
    error: BaseException,
    *,
    half_written: bool = False,
) -> None:
    """The `call`-th call of `batch.<name>` fails; `half_written`: a (path, data) writer writes
    half its data first, as a full disk or a Ctrl-C in the middle of a write leaves it."""
    calls = 0
    real = getattr(batch, name)

    def failing(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            if half_written:
                path, data = args
                path.write_bytes(data[: len(data) // 2])
            raise error
        return real(*args)

    monkeypatch.setattr(batch, name, failing)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_leaves_no_half_written_file(
    portfolio: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
) -> None:
    out = tmp_path / "out"
    _fail_on(monkeypatch, "publish", 4, KeyboardInterrupt())
    assert run_batch(portfolio, "--out", out, "--jobs", jobs, "--format", "json") == 130
    assert "interrupted" in capsys.readouterr().err
    assert not leftovers(out)
    assert not (out / "summary.csv").exists() and not (out / "index.html").exists()
    published = list(out.iterdir())  # the three published before, whole, and nothing else
    assert len(published) == 3
    for folder in published:
        assert [path.name for path in folder.iterdir()] == ["result.json"]
        assert (folder / "result.json").read_text(encoding="utf-8").endswith("}\n")
    assert not multiprocessing.active_children()


@pytest.mark.parametrize(
    ("error", "call", "code", "whole"),
    [
        (KeyboardInterrupt(), 3, 130, 2),
        (OSError(28, "No space left on device"), 5, 1, 4),  # the device's failure: exit 1
    ],
    ids=["ctrl-c", "full disk"],
)
def test_a_report_write_that_fails_midway_leaves_no_half_written_file(
    portfolio: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    call: int,
    code: int,
    whole: int,
) -> None:
    out = tmp_path / "out"
    _fail_on(monkeypatch, "_write_new", call, error, half_written=True)
    assert run_batch(portfolio, "--out", out, "--jobs", "1", "--format", "json") == code
    said = capsys.readouterr().err
    assert ("interrupted" if code == 130 else "No space left on device") in said
    assert not leftovers(out) and not (out / "summary.csv").exists()
    reports = list(out.glob("*/result.json"))
    assert len(reports) == whole  # those published before, and nothing else
    assert len(list(out.rglob("*"))) == 2 * whole
    for report in reports:
        assert report.read_text(encoding="utf-8").endswith("}\n")


@pytest.mark.slow  # whole portfolios, worker processes or PNG drawings
def test_interrupted_rerun_keeps_the_previous_summary_whole(
    portfolio: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    assert run_batch(portfolio, "--out", out, "--jobs", "1") == 1
    summary = (out / "summary.csv").read_bytes()
    total = len(read_summary(out))

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "write_index", interrupt)
    assert run_batch(portfolio, "--out", out, "--jobs", "1") == 130
    assert (out / "summary.csv").read_bytes() == summary
    assert len(read_summary(out)) == total
    assert not leftovers(out)


def test_a_failing_summary_write_leaves_no_temporary_file(
    portfolio: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    real = os.fsync

    def fsync(handle: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", fsync)
    assert run_batch(portfolio, "--out", out, "--jobs", "1", "--format", "json") == 1  # EIO
    monkeypatch.setattr(files.os, "fsync", real)
    assert "Input/output error" in capsys.readouterr().err
    assert not leftovers(out) and not (out / "summary.csv").exists()


@pytest.mark.slow  # whole portfolios, worker processes or PNG drawings
def test_a_worker_that_dies_ends_the_run_instead_of_hanging_it(
    portfolio: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    real = batch.assess_file

    def assess_file(path: Path, *args: object) -> batch.Outcome:
        if path.name == "gifting-orders.yaml":
            os._exit(3)  # as a worker killed for want of memory would, without a word
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "assess_file", assess_file)
    assert run_batch(portfolio, "--out", out, "--jobs", "2") == 1
    assert "worker process ended unexpectedly" in capsys.readouterr().err
    assert not leftovers(out) and not (out / "summary.csv").exists()
    assert not multiprocessing.active_children()


# ---------------------------------------------------------------------------------------------
# Wrong usage
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "jsn"], "unknown format 'jsn'; did you mean 'json'?"),
        (["--format", "json,pdf"], "unknown format 'pdf'"),
        (["--format", ","], "--format needs at least one of"),
        (["--jobs", "0"], "--jobs must be 1 or more"),
        (["--jobs", "two"], "invalid int value"),
        (["--no-default-rules"], "--no-default-rules needs at least one --rules PATH"),
    ],
)
def test_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_batch(ROOT / "examples", "--out", out, *argv) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_input_is_refused_in_its_row_and_the_others_are_assessed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "missing.yaml"
    assert run_batch(missing, ROOT / "examples", "-o", out, "--format", "json", "-j", "1") == 1
    rows = read_summary(out)
    assert len(rows) == len(EXAMPLES) + 1
    assert sum(not row["error"] for row in rows) == len(EXAMPLES)
    (refused,) = (row for row in rows if row["error"])
    assert refused["error"].endswith("missing.yaml: no such file")
    n = len(EXAMPLES)
    assert f"{n} of {n + 1} files assessed" in capsys.readouterr().err


def test_usage_errors_about_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    (tmp_path / "empty").mkdir()
    assert run_batch(tmp_path / "empty", "--out", out) == 2
    assert "no *.yaml or *.yml files" in capsys.readouterr().err
    assert run_batch(ROOT / "examples") == 2  # --out is required
    assert "--out" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert run_batch(ROOT / "examples", "--out", tmp_path / "file") == 2
    assert "cannot write" in capsys.readouterr().err
    assert not out.exists()


def test_refused_rules_exit_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{id: x}]\n")
    assert run_batch(ROOT / "examples", "--out", tmp_path / "out", "--rules", rules) == 1
    assert str(rules) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# The parts
# ---------------------------------------------------------------------------------------------


def test_folders_are_named_by_the_one_slug() -> None:
    assert batch.slug is formats.slug  # tested in test_formats.py


def test_collisions_are_numbered_in_input_order() -> None:
    slugs = batch.Slugs()
    claimed = [slugs.claim(name) for name in ("A", "a", "A!", "a-2", "../a", "")]
    assert claimed == ["a", "a-2", "a-3", "a-2-2", "a-4", "assessment"]


def test_discover(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.yml").write_text("")
    (tmp_path / "b" / "a.yaml").write_text("")
    (tmp_path / "a.yaml").write_text("")
    (tmp_path / "c.txt").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("")
    (tmp_path / ".hidden.yaml").write_text("")
    (tmp_path / "b" / "link.yaml").symlink_to(tmp_path / "a.yaml")  # the same file again
    (tmp_path / "b" / "broken.yaml").symlink_to(tmp_path / "gone.yaml")  # kept, to be refused
    named = tmp_path / "c.txt"
    found = batch.discover([tmp_path / "b", tmp_path, named, tmp_path / "a.yaml"])
    assert found == [
        tmp_path / "a.yaml",
        tmp_path / "b" / "a.yaml",
        tmp_path / "b" / "broken.yaml",
        tmp_path / "b" / "z.yml",
        named,
    ]
    # a path that is not there is kept, in its place, to be refused in its row
    assert batch.discover([tmp_path / "nope", named]) == [named, tmp_path / "nope"]


def test_parse_formats() -> None:
    assert batch.parse_formats(" JSON , json") == ("json",)
    assert batch.default_formats() == tuple(
        name for name in batch.DEFAULT_FORMATS if name in batch.FORMATS
    )
    with pytest.raises(ValueError, match="did you mean 'json'"):
        batch.parse_formats("jason")


def test_progress_draws_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    progress = batch.Progress(stream)
    tally = batch.Tally(total=3)
    for _ in range(3):
        tally.done += 1
        progress(tally)
    progress.clear()
    text = stream.getvalue()
    assert "\n" not in text
    assert "3/3 files" in text and "/s" in text
    assert text.endswith("\r\x1b[K")  # the line is erased once the run ends


def test_progress_shows_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert run_batch(ROOT / "examples", "--out", tmp_path / "out", "--jobs", "1") == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    progress, _, summary = captured.err.rpartition("\r\x1b[K")
    assert f"{len(EXAMPLES)}/{len(EXAMPLES)} files" in progress
    assert summary.startswith(f"advisor: {len(EXAMPLES)} of {len(EXAMPLES)} files assessed")


def test_atomic_writer_respects_the_umask(tmp_path: Path) -> None:
    files.write_atomic(tmp_path / "a.txt", b"x", sync=False)
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask


# ---------------------------------------------------------------------------------------------
# The portfolio: every artefact linked, totals, firmness, the run, per-flow rows
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("portfolio") / "out"
    assert run_batch(ROOT / "examples", "--out", out, "--jobs", "1", "--date", "2026-01-15") == 0
    return out


def _flows_csv(out: Path) -> list[dict[str, str]]:
    with (out / "flows.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_flows_csv_has_a_row_per_flow_of_every_assessment(examples_run: Path) -> None:
    rows = _flows_csv(examples_run)
    assert list(rows[0]) == list(batch.FLOW_COLUMNS)
    summary = read_summary(examples_run)
    assert len(rows) == sum(int(row["flows"]) for row in summary)
    gifting = [row for row in rows if row["assessment"] == "Gifting platform orders"]
    assert [(row["flow"], row["source"], row["targets"], row["style"]) for row in gifting] == [
        ("place-order", "storefront", "orders", "api"),
        ("order-confirmed", "orders", "florists courier messaging", "event"),
    ]
    placed, confirmed = gifting
    assert (placed["confidence"], placed["api_score"], placed["event_score"]) == ("96%", "65", "0")
    assert placed["polling_calls_per_day"] == "" and placed["broker"] == ""
    assert confirmed["polling_calls_per_day"] == "8640" and confirmed["broker"] == "service_bus"
    expected = shown_path(ROOT / "examples" / "gifting-orders.yaml")
    assert {row["file"] for row in gifting} == {expected}


def test_summary_numbers_are_the_reports(examples_run: Path) -> None:
    for row in read_summary(examples_run):
        assert re.fullmatch(r"\d{1,3}%", row["confidence"]), row["confidence"]
        for score in (row["api_score"], row["event_score"]):
            assert re.fullmatch(r"\d{1,3}(\.\d)?", score), score
        assert not Path(row["file"]).is_absolute()


def test_the_overview_links_every_artefact_and_says_the_run(examples_run: Path) -> None:
    page = (examples_run / "index.html").read_text(encoding="utf-8")
    for row in read_summary(examples_run):
        for name in ("report.html", "decision.md", "result.json", "blueprint.svg"):
            assert f'href="{row["folder"]}/{name}"' in page
            assert (examples_run / row["folder"] / name).is_file()
    assert 'href="summary.csv"' in page and 'href="flows.csv"' in page
    digest = json.loads((examples_run / "gifting-platform-orders" / "result.json").read_text())
    assert f"Run of 2026-01-15 · rules digest <code>{digest['rules_digest']}</code>" in page
    # totals: flows, the polling the API-driven flows keep, the brokers needed
    flows = _flows_csv(examples_run)
    polling = sum(int(row["polling_calls_per_day"] or 0) for row in flows if row["style"] == "api")
    assert f"<dt>Flows</dt><dd>{len(flows)}</dd>" in page
    assert f"<dt>Polling calls a day</dt><dd>{polling:,} (API-driven flows)</dd>" in page
    needed = sum(1 for row in read_summary(examples_run) if row["broker"] not in ("", "none"))
    assert f"<dt>Brokers needed</dt><dd>{needed} assessments (" in page
    # firmness: the confidence as a percentage, its meaning in the header and the caption
    assert '<th class="num" title="Confidence says how far each flow&#39;s winning side' in page
    assert "<caption>Firmness is the recommendation’s confidence." in page
    assert re.search(r'<td class="num">\d{1,3}%</td>', page)
    for header in ("API-driven flows", "Event-driven flows", "Hybrid flows"):
        assert f">{header}</th>" in page
    assert "(A/E/H)" not in page


def test_the_overview_sorts_and_filters_with_nothing_from_the_network(examples_run: Path) -> None:
    page = (examples_run / "index.html").read_text(encoding="utf-8")
    script = page[page.index("<script>") : page.index("</script>")]
    assert page.count("<script") == 1 and "src=" not in script
    for fetching in ("fetch(", "XMLHttpRequest", "import(", "http", "innerHTML", "eval("):
        assert fetching not in script, fetching
    assert len(script) < 3000  # small: sorting and a filter box
    # progressive: the table is whole without it, in input order
    table = page[page.index('<table id="assessments">') : page.index("</table>", page.index("id="))]
    names = re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', table)
    assert names == [html.escape(row["name"]) for row in read_summary(examples_run)]


def test_each_decision_record_shows_the_blueprint_beside_it(examples_run: Path) -> None:
    for row in read_summary(examples_run):
        record = (examples_run / row["folder"] / "decision.md").read_text(encoding="utf-8")
        assert "\n![The integration blueprint](blueprint.svg)\n" in record
        assert "\ndate: 2026-01-15\n" in record


def test_without_svg_the_record_links_no_blueprint(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_batch(ROOT / "examples", "--out", out, "--format", "md", "--jobs", "1") == 0
    record = (out / "gifting-platform-orders" / "decision.md").read_text(encoding="utf-8")
    assert "blueprint.svg" not in record
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="gifting-platform-orders/decision.md"' in page
    assert 'href="gifting-platform-orders/report.html"' not in page


def test_flows_csv_keeps_the_spreadsheet_escaping_and_the_overview_the_name(
    tmp_path: Path,
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "a.yaml").write_text(assessment("=HYPERLINK(1)"))
    assert run_batch(folder, "--out", out, "--format", "json") == 0
    (row,) = _flows_csv(out)
    assert row["assessment"] == "'=HYPERLINK(1)"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert ">=HYPERLINK(1)</a>" in page


def test_standard_input_is_refused_as_a_batch_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_batch("-", "--out", tmp_path / "out") == 2
    assert "not standard input (-)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
