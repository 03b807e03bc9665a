"""Run every benchmark in this folder (`make bench`): each prints ratios against a floor that it
measures in the same run, so the numbers mean the same on a fast or a slow machine.

    python tests/bench/run.py [NAME ...]     # e.g. `cli_startup`; default: all

The package is byte-compiled first, as `pip install` does for an installed wheel: an editable
checkout (or PYTHONDONTWRITEBYTECODE) would otherwise compile every module on every start,
which no user of an installed advisor pays, while the floors' libraries are compiled.
"""

from __future__ import annotations

import compileall
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    compileall.compile_dir(HERE.parents[1] / "advisor", quiet=1)
    modules = sorted(HERE.glob("bench_*.py"))
    if names:
        modules = [path for path in modules if path.stem.removeprefix("bench_") in names]
    failures = 0
    for path in modules:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        title = (module.__doc__ or path.stem).strip().splitlines()[0]
        print(f"\n== {path.stem.removeprefix('bench_')}: {title}", flush=True)
        started = time.perf_counter()
        ok = module.bench()
        print(f"   ({time.perf_counter() - started:.1f} s){'' if ok else '  OVER BUDGET'}")
        failures += not ok
    print(f"\n{len(modules) - failures} within budget, {failures} over budget")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
