"""The command line's edges against what a shell can hand it: -o naming a device, a FIFO or a
symbolic link; a standard output that is full, closed or not UTF-8."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from advisor import files
from advisor.cli import main
from advisor.schema import assessment_schema_json
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "gifting-orders.yaml")
UNICODE = (
    'name: "Café 京 😀"\n'
    'systems: [{id: a, name: "Sé"}, {id: b}]\n'
    "flows: [{id: f, source: a, targets: [b], trigger: user_action, needs_response: true}]\n"
)


@pytest.fixture
def nothing_special_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """os.replace may not rename over anything but a regular file: the defect itself, caught
    before it happens, since as root a rename over /dev/null would destroy the device."""
    real = os.replace

    def replace(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise AssertionError(f"{target} would have been replaced by a regular file")
        real(source, target, *args, **kwargs)

    monkeypatch.setattr(files.os, "replace", replace)


# ---------------------------------------------------------------------------------------------
# -o: regular files atomically, devices and FIFOs written through, links followed
# ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("nothing_special_replaced")
def test_output_to_dev_null_keeps_the_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "-o", os.devnull]) == 0
    assert main(["assess", EXAMPLE, "--format", "json", "-o", os.devnull]) == 0
    assert capsys.readouterr() == ("", "")
    assert stat.S_ISCHR(os.lstat(os.devnull).st_mode)


def read_all(path: Path, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with path.open("rb") as stream:  # waits for a writer, as `cat fifo` does
            into.append(stream.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


@pytest.mark.usefixtures("nothing_special_replaced")
def test_output_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = read_all(fifo, received)
    assert main(["schema", "-o", str(fifo)]) == 0
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    reader.join(timeout=60)  # a guard against a hang, not a measure
    assert received == [assessment_schema_json().encode("utf-8")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["results.json"]


def test_output_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real" / "result.json"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "result.json"
    link.symlink_to(target)
    assert main(["assess", EXAMPLE, "--format", "json", "-o", str(link)]) == 0
    assert link.is_symlink() and link.readlink() == target
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == "Gifting platform orders"
    assert not [path for path in tmp_path.rglob("*") if path.name.endswith(".tmp")]


def test_output_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "schema.json"
    link.symlink_to(tmp_path / "made.json")
    assert main(["schema", "-o", str(link)]) == 0
    assert link.is_symlink()
    assert (tmp_path / "made.json").read_text(encoding="utf-8") == assessment_schema_json()


@pytest.mark.usefixtures("nothing_special_replaced")
def test_output_through_a_symlink_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "schema.json"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = read_all(fifo, received)
    assert main(["schema", "-o", str(link)]) == 0
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    reader.join(timeout=60)
    assert received == [assessment_schema_json().encode("utf-8")]


def test_output_to_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"advisor: error: cannot write {tmp_path}: is a folder\n"
    assert list(tmp_path.iterdir()) == []


def test_a_regular_file_is_still_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    target.write_text("old\n", encoding="utf-8")
    before = os.stat(target).st_ino
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == assessment_schema_json()
    assert os.stat(target).st_ino != before  # a new file renamed into place


# ---------------------------------------------------------------------------------------------
# Standard output: full, closed, or in an encoding without the characters
# ---------------------------------------------------------------------------------------------


class FullDevice(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(28, "No space left on device")


def test_a_full_standard_output_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = io.TextIOWrapper(io.BufferedWriter(FullDevice()), encoding="utf-8")
    monkeypatch.setattr("sys.stdout", full)
    assert main(["assess", EXAMPLE, "--format", "json"]) == 1
    assert capsys.readouterr().err == (
        "advisor: error: cannot write to standard output: No space left on device\n"
    )


def test_text_in_an_encoding_without_the_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "unicode.yaml"
    path.write_text(UNICODE, encoding="utf-8")
    outputs = {}
    for fmt in ("json", "text", "md"):
        raw = io.BytesIO()
        ascii_out = io.TextIOWrapper(raw, encoding="ascii")
        monkeypatch.setattr("sys.stdout", ascii_out)
        assert main(["assess", str(path), "--format", fmt]) == 0
        ascii_out.flush()
        outputs[fmt] = raw.getvalue().decode("ascii")
    assert capsys.readouterr().err == ""
    assert json.loads(outputs["json"])["name"] == "Café 京 😀"
    assert '"name": "Caf\\u00e9 \\u4eac \\ud83d\\ude00"' in outputs["json"]
    assert outputs["text"].startswith("Caf\\xe9 \\u4eac \\U0001f600\n")
    assert "Caf&#233; &#20140; &#128512;" in outputs["md"]


def cli(*argv: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
    """`python -m advisor`, from this checkout, as a user's shell would start it."""
    env = {**os.environ, **options.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-m", "advisor", *argv],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        check=False,
        **options,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (["assess", EXAMPLE, "--format", "json", "-o", "/dev/full"], "/dev/full"),
        (["assess", EXAMPLE, "--format", "json", "-o", "/proc/result.json"], None),
    ],
    ids=["full", "no-such-place"],
)
def test_a_full_device_behind_o_is_exit_1_and_a_path_that_cannot_be_written_exit_2(
    argv: list[str], where: str | None
) -> None:
    done = cli(*argv)
    if where is None:  # /proc takes no new file, not even root's: the path is wrong
        assert done.returncode == 2 and b"cannot write /proc/result.json" in done.stderr
        return
    assert done.returncode == 1
    assert (
        done.stderr == f"advisor: error: cannot write {where}: No space left on device\n".encode()
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    "argv",
    [["assess", EXAMPLE, "--format", "json"], ["rules", "list"], ["--help"], ["schema"]],
    ids=["assess", "rules-list", "help", "schema"],
)
def test_dev_full_is_one_line_and_exit_1(argv: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = cli(*argv, stdout=full)
    assert done.returncode == 1
    assert done.stderr == (
        b"advisor: error: cannot write to standard output: No space left on device\n"
    )


def test_a_closed_standard_output_is_one_line_and_exit_1() -> None:
    done = cli("assess", EXAMPLE, "--format", "json", preexec_fn=lambda: os.close(1))
    assert done.returncode == 1
    assert done.stderr == (
        b"advisor: error: standard output is closed; write the result to a file with -o PATH\n"
    )


@pytest.mark.parametrize("fmt", ["json", "text", "md", "html"])
def test_an_ascii_standard_output_gets_escapes_not_a_traceback(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "unicode.yaml"
    path.write_text(UNICODE, encoding="utf-8")
    done = cli(
        "assess",
        str(path),
        "--format",
        fmt,
        stdout=subprocess.PIPE,
        env={"PYTHONIOENCODING": "ascii"},
    )
    assert (done.returncode, done.stderr) == (0, b"")
    text = done.stdout.decode("ascii")
    if fmt == "json":
        assert json.loads(text)["name"] == "Café 京 😀"
    elif fmt == "text":
        assert text.startswith("Caf\\xe9 \\u4eac \\U0001f600\n")
    else:
        assert "Caf&#233; &#20140; &#128512;" in text


def test_errors_never_reach_standard_output_when_standard_error_is_closed(
    tmp_path: Path,
) -> None:
    done = cli(
        "assess",
        str(tmp_path / "missing.yaml"),
        stdout=subprocess.PIPE,
        preexec_fn=lambda: os.close(2),
    )
    assert (done.returncode, done.stdout) == (1, b"")
