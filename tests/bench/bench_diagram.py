"""A 40-flow estate's overview to SVG (blueprint_dot + render) against the bare renderer.

The floor is the renderer alone on the very same DOT, started the same way; the difference is
the blueprint's own work (its plan, its columns and order, the DOT text) and render's checks of
the SVG. Budget: 1.5 times the floor. The 30-system, 50-flow estate is timed too, for reference.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from _timing import ROOT, best_of, verdict

sys.path.insert(0, str(ROOT / "tests"))

from synthetic import generated_assessment, generated_estate

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.loader import load_rules
from advisor.models import Assessment
from advisor.render import find_renderer, render

BUDGET = 1.5


def bench() -> bool:
    ok = _bench("40-flow overview", generated_estate(40), BUDGET)
    _bench("30 systems, 50 flows (no budget)", generated_assessment(30, 50), None)
    return ok


def _bench(label: str, assessment: Assessment, budget: float | None) -> bool:
    ruleset = load_rules()
    result = assess(assessment, ruleset)
    dot = blueprint_dot(assessment, result, ruleset)
    renderer = find_renderer()

    def bare() -> None:
        subprocess.run([renderer, "-Tsvg"], input=dot.encode(), capture_output=True, check=True)

    def ours() -> None:
        render(blueprint_dot(assessment, result, ruleset), "svg")

    bare()  # warm the file cache
    floor, ours_time = _interleaved(bare, ours, repeat=11)
    dot_time = best_of(lambda: blueprint_dot(assessment, result, ruleset), repeat=7)
    print(f"   {label}: blueprint_dot alone {dot_time * 1000:.1f} ms ({len(dot)} bytes of DOT)")
    if budget is None:
        print(f"   {label}: {ours_time / floor:.2f}x the bare renderer", flush=True)
        return True
    return verdict(f"{label}, blueprint_dot + render to SVG", ours_time, floor, budget)


def _interleaved(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """The best of `repeat` runs of each, taken in turns so that a change in the machine's load
    weighs on both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, measured in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            function()
            measured.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])
