"""Shared by the benchmarks: best-of-N timing of a callable or a command."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def best_of(function: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds: the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def commands(argvs: Sequence[Sequence[str]], repeat: int = 5) -> list[float]:
    """The fastest of `repeat` runs of each command, in seconds. The commands take turns (one
    run of each, `repeat` times over), so that load from elsewhere that comes and goes falls on
    a floor and on what is measured against it alike."""

    def run(argv: Sequence[str]) -> float:
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        return time.perf_counter() - started

    for argv in argvs:
        run(argv)  # warm the file cache
    best = [float("inf")] * len(argvs)
    for _ in range(repeat):
        for index, argv in enumerate(argvs):
            best[index] = min(best[index], run(argv))
    return best


def verdict(label: str, ours: float, floor: float, budget: float) -> bool:
    ratio = ours / floor
    ok = ratio <= budget
    print(
        f"   {label}: {ours * 1000:.1f} ms vs floor {floor * 1000:.1f} ms = {ratio:.2f}x "
        f"(budget {budget:.1f}x) {'ok' if ok else 'OVER'}",
        flush=True,
    )
    return ok
