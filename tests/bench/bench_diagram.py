"""A 30-system, 50-flow blueprint to SVG (blueprint_dot + render) against the bare renderer."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from _timing import ROOT, best_of, verdict

sys.path.insert(0, str(ROOT / "tests"))

from synthetic import generated_assessment

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.loader import load_rules
from advisor.render import find_renderer, render


def bench() -> bool:
    ruleset = load_rules()
    assessment = generated_assessment(30, 50)
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
    print(f"   blueprint_dot alone: {dot_time * 1000:.1f} ms ({len(dot)} bytes of DOT)")
    return verdict("blueprint_dot + render to SVG", ours_time, floor, 1.3)


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
