"""The package's imports form no cycle: every arrow between two modules points one way. (The
package itself, `advisor/__init__.py`, re-exports the public API lazily and is left out.)"""

from __future__ import annotations

import grimp


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = grimp.build_graph("advisor", include_external_packages=False)
    cycles = sorted(
        f"{importer} -> {imported} -> ... -> {importer}"
        for importer in graph.modules - {"advisor"}
        for imported in graph.find_modules_directly_imported_by(importer) - {"advisor"}
        if importer != imported and graph.chain_exists(importer=imported, imported=importer)
    )
    assert not cycles, "\n".join(cycles)
