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


def command(argv: Sequence[str], repeat: int = 5) -> float:
    def run() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)

    run()  # warm the file cache
    return best_of(run, repeat)


def verdict(label: str, ours: float, floor: float, budget: float) -> bool:
    ratio = ours / floor
    ok = ratio <= budget
    print(
        f"   {label}: {ours * 1000:.1f} ms vs floor {floor * 1000:.1f} ms = {ratio:.2f}x "
        f"(budget {budget:.1f}x) {'ok' if ok else 'OVER'}",
        flush=True,
    )
    return ok
