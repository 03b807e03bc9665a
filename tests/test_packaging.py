"""The installed wheel finds its rules and templates: nothing depends on the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel and unpacked into a folder of its own."""
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(build),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = build.glob("*.whl")
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def run_installed(site: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "advisor", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )


def test_wheel_carries_rules_and_templates(installed: Path) -> None:
    rules = sorted(path.name for path in (installed / "advisor" / "_data" / "rules").glob("*.yaml"))
    assert rules == sorted(path.name for path in (ROOT / "rules").glob("*.yaml"))
    packaged = installed / "advisor" / "_data" / "templates"
    assert sorted(path.relative_to(packaged) for path in packaged.rglob("*.*")) == sorted(
        path.relative_to(ROOT / "templates") for path in (ROOT / "templates").rglob("*.*")
    )
    assert (installed / "advisor" / "py.typed").exists()


def test_installed_advisor_uses_its_packaged_data(installed: Path, tmp_path: Path) -> None:
    probe = run_installed(installed, "rules", "check", cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import advisor.paths as p; print(p.__file__); print(p.rules_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=True,
    ).stdout.splitlines()
    assert all(line.startswith(str(installed)) for line in where), where


def test_installed_assess_matches_the_checkout(installed: Path, tmp_path: Path) -> None:
    example = ROOT / "examples" / "gifting-orders.yaml"
    packaged = run_installed(installed, "assess", str(example), "--format", "json", cwd=tmp_path)
    assert packaged.returncode == 0, packaged.stderr
    checkout = subprocess.run(
        [sys.executable, "-m", "advisor", "assess", str(example), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    installed_result, checkout_result = json.loads(packaged.stdout), json.loads(checkout.stdout)
    # the input is the file as each run names it, relative to the folder it runs in
    assert installed_result.pop("input") == Path(os.path.relpath(example, tmp_path)).as_posix()
    assert checkout_result.pop("input") == "examples/gifting-orders.yaml"
    assert installed_result == checkout_result  # the rules' digest too: the same files


def test_wheel_carries_the_examples_the_web_app_offers(installed: Path, tmp_path: Path) -> None:
    packaged = installed / "advisor" / "_data" / "examples"
    assert sorted(path.name for path in packaged.glob("*.yaml")) == sorted(
        path.name for path in (ROOT / "examples").glob("*.yaml")
    )
    where = subprocess.run(
        [sys.executable, "-c", "import advisor.paths as p; print(p.examples_dir())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=True,
    ).stdout.strip()
    assert where == str(packaged)
