"""`make run`: this machine only unless told otherwise, and no lookup of an external IP."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(
    subprocess.run(["make", "--version"], capture_output=True, check=False).returncode != 0,
    reason="make is not installed",
)


def run_command(*variables: str) -> list[str]:
    """The command `make run` would start (`make -n` prints it), as words."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PORT", "ADDRESS", "URL_HOST", "MAKEFLAGS")
    }
    printed = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", *variables],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    (line,) = (line for line in printed.splitlines() if " streamlit run " in line)
    return shlex.split(line)


def option(words: list[str], name: str) -> str:
    return words[words.index(name) + 1]


def test_listens_on_this_machine_only_by_default() -> None:
    words = run_command()
    assert option(words, "--server.address") == "127.0.0.1"
    assert option(words, "--server.port") == "8501"
    # given, the address shown is the one to open, and no external IP is looked up
    assert option(words, "--browser.serverAddress") == "127.0.0.1"


def test_port_and_address_can_be_chosen() -> None:
    words = run_command("PORT=8600", "ADDRESS=0.0.0.0")
    assert option(words, "--server.port") == "8600"
    assert option(words, "--server.address") == "0.0.0.0"
    host = subprocess.run(["hostname"], capture_output=True, text=True, check=True).stdout
    assert option(words, "--browser.serverAddress") == host.strip()
    words = run_command("ADDRESS=0.0.0.0", "URL_HOST=advisor.example.org")
    assert option(words, "--browser.serverAddress") == "advisor.example.org"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_the_server_says_where_it_is_and_nothing_alarming(tmp_path: Path) -> None:
    port = _free_port()
    words = run_command(f"PORT={port}")
    words[0] = sys.executable if words[0].endswith("python") else words[0]
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*words, "--server.fileWatcherType", "none"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                    ) as answer:
                        if answer.read() == b"ok":
                            break
                except OSError:
                    assert process.poll() is None, log.read_text(errors="replace")
                    assert time.monotonic() < deadline, log.read_text(errors="replace")
                    time.sleep(0.25)
            time.sleep(0.5)  # the banner comes right after the server is up
        finally:
            process.terminate()
            process.wait(timeout=30)
    said = log.read_text(encoding="utf-8", errors="replace")
    assert f"URL: http://127.0.0.1:{port}" in said
    assert f"started on 127.0.0.1:{port}" in said
    assert "Network URL" not in said and "External URL" not in said
    assert "Did not auto detect external IP" not in said
