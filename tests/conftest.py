from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from advisor.loader import load_rules
from advisor.models import Assessment
from advisor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

# `make quick` sets ADVISOR_TEST_PROFILE=quick: every property test then tries at most
# QUICK_EXAMPLES inputs (its own max_examples included), for a short loop while editing.
# `make test` runs each with the number of examples it asks for.
QUICK_EXAMPLES = 15
settings.register_profile("quick", max_examples=QUICK_EXAMPLES)
PROFILE = os.environ.get("ADVISOR_TEST_PROFILE", "default")
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In the quick profile, property tests that ask for more examples get QUICK_EXAMPLES."""
    if PROFILE != "quick":
        return
    for item in items:
        test = getattr(item, "obj", None)
        asked = getattr(test, "_hypothesis_internal_use_settings", None)
        if isinstance(asked, settings) and asked.max_examples > QUICK_EXAMPLES:
            test._hypothesis_internal_use_settings = settings(asked, max_examples=QUICK_EXAMPLES)


@pytest.fixture(autouse=True, scope="session")
def _components_scanned_once() -> Iterator[None]:
    """The first run of each AppTest has Streamlit scan every installed package's metadata for
    components: a fifth of a second, most of a run of the app. The installed packages do not
    change while the tests run, so they are scanned once and the answer is reused."""
    if "streamlit" not in sys.modules:  # no test of the app was collected
        yield
        return
    from streamlit.components.v2 import manifest_scanner

    scan = functools.cache(manifest_scanner.scan_component_manifests)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests", scan)
        yield


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_rules()


def minimal(**flow: Any) -> dict[str, Any]:
    """A two-system assessment as plain data, with one flow from `a` to `b` (overridable)."""
    return {
        "name": "Minimal",
        "systems": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
        "flows": [{"id": "f", "source": "a", "targets": ["b"], "trigger": "data_change", **flow}],
    }


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[Any, str], Path]:
    def write(data: Any, name: str = "assessment.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def build(data: dict[str, Any]) -> Assessment:
    return Assessment.model_validate(data)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's own rules cache."""
    os.environ["ADVISOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True, scope="session")
def _private_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's own saved versions (the app and the servers that
    browser tests start inherit this)."""
    import os

    os.environ["ADVISOR_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture
def fresh_streamlit_caches() -> Iterator[None]:
    """Streamlit's caches outlive an AppTest: a test of the app starts from cold ones (and
    leaves none behind)."""
    import streamlit as st  # only the app's tests pay for importing it

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
