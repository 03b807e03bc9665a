"""The package's imports form no cycle: every arrow between two modules points one way. (The
package itself, `advisor/__init__.py`, re-exports the public API lazily and is left out.)"""

from __future__ import annotations

import tomllib

import grimp

from tests.conftest import ROOT


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = grimp.build_graph("advisor", include_external_packages=False)
    cycles = sorted(
        f"{importer} -> {imported} -> ... -> {importer}"
        for importer in graph.modules - {"advisor"}
        for imported in graph.find_modules_directly_imported_by(importer) - {"advisor"}
        if importer != imported and graph.chain_exists(importer=imported, imported=importer)
    )
    assert not cycles, "\n".join(cycles)


def _contracts() -> list[dict[str, list[str]]]:
    with (ROOT / "pyproject.toml").open("rb") as stream:
        contracts: list[dict[str, list[str]]] = tomllib.load(stream)["tool"]["importlinter"][
            "contracts"
        ]
    return contracts


def test_every_module_belongs_to_a_layer() -> None:
    """A new module is named in the layering contracts (core, or presentation and I/O, or an
    edge), so that `make lint` holds its arrows too."""
    named = {
        module
        for contract in _contracts()
        for key in ("source_modules", "forbidden_modules")
        for module in contract.get(key, [])
    }
    modules = {
        "advisor." + ".".join(path.relative_to(ROOT / "advisor").with_suffix("").parts)
        for path in (ROOT / "advisor").rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    unplaced = sorted(
        module
        for module in modules
        if not any(module == layer or module.startswith(layer + ".") for layer in named)
    )
    assert not unplaced, f"name these in pyproject.toml's [tool.importlinter] contracts: {unplaced}"


def test_templates_have_one_jinja_environment() -> None:
    """Every template (reports, the portfolio overview, contracts) is rendered by
    `report.environment()`: one place sets escaping and filters, so no output escapes
    differently from the rest."""
    made = sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "advisor").rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "Environment(" in line or "jinja2.Template(" in line
    )
    assert len(made) == 1 and made[0].startswith("advisor/report.py:"), made
