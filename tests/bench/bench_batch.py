"""`advisor batch` over 10,000 generated assessments against merely parsing them with libyaml.

    python tests/bench/run.py batch          # or: python tests/bench/bench_batch.py [COUNT]

Measures, in the same run: (a) parsing every file with PyYAML's CSafeLoader in one process,
the floor; (b) `advisor batch --format json --jobs 1` against it (budget 2.0x), and without the
what-would-change analysis (`--no-what-if`, budget 1.5x), each run taking turns with the floor so
that load from elsewhere falls on both alike; the time each costs a file, and the processor time
(user and system) beside the elapsed time, since other work may share the processors; and the
peak memory of the batch and its workers (budget 150 MB); (c) `--jobs 2` against `--jobs 1` (at
least 1.8x faster on two cores); (d) `--format svg` on a sample against running the renderer
alone on the same diagrams.
"""

from __future__ import annotations

import itertools
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple, get_args

from _timing import BIN, ROOT, best_of

from advisor.models import Cloud, Consistency, Experience, Goal, Ordering, Stage, Trigger

COUNT = 10_000
SVG_SAMPLE = 200
MEMORY_BUDGET_MB = 150

STAGES, EXPERIENCES, CLOUDS, GOALS, TRIGGERS, CONSISTENCIES, ORDERINGS = (
    get_args(values) for values in (Stage, Experience, Cloud, Goal, Trigger, Consistency, Ordering)
)

FLOOR = """\
import os, sys, yaml
paths = sorted(
    os.path.join(folder, name)
    for folder, _, names in os.walk(sys.argv[1])
    for name in names
    if name.endswith((".yaml", ".yml"))
)
for path in paths:
    with open(path, "rb") as stream:
        yaml.load(stream.read(), Loader=yaml.CSafeLoader)
"""

PEAK_MEMORY = """\
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def generate(folder: Path, count: int, seed: int = 20_240_605) -> None:
    """`count` varied assessments: 2 to 12 systems, 1 to 15 flows, every field exercised."""
    rng = random.Random(seed)
    for index in range(count):
        systems = [f"sys-{n}" for n in range(rng.randint(2, 12))]
        goals = ", ".join(rng.sample(GOALS, rng.randint(0, 3)))
        lines = [
            f"name: Integration {index:05d} {rng.choice(['orders', 'stock', 'crm', 'iot'])}",
            "description: >-",
            "  Generated to measure batch runs; every field of the format appears somewhere.",
            "context:",
            f"  stage: {rng.choice(STAGES)}",
            f"  team_event_experience: {rng.choice(EXPERIENCES)}",
            f"  cloud: {rng.choice(CLOUDS)}",
            f"  existing_broker: {rng.choice(['none', 'none', 'kafka', 'rabbitmq', 'sns_sqs'])}",
            f"  goals: [{goals}]",
            "systems:",
        ]
        for system in systems:
            lines += [f"  - id: {system}", f"    name: System {system.upper()}"]
            if rng.random() < 0.6:
                lines.append(f"    emits_events: {rng.choice(['true', 'false'])}")
            if rng.random() < 0.5:
                lines.append(f"    api_rate_limit_per_minute: {rng.choice([60, 600, 6000])}")
            if rng.random() < 0.7:
                lines.append(f"    owner: team-{rng.randint(1, 4)}")
        lines.append("flows:")
        for number in range(rng.randint(1, 15)):
            source = rng.choice(systems)
            others = [system for system in systems if system != source]
            targets = rng.sample(others, rng.randint(1, min(3, len(others))))
            lines += [
                f"  - id: flow-{number}",
                f"    description: Flow {number} from {source}",
                f"    source: {source}",
                f"    targets: [{', '.join(targets)}]",
                f"    trigger: {rng.choice(TRIGGERS)}",
                f"    needs_response: {rng.choice(['true', 'false'])}",
                f"    max_delay_seconds: {rng.choice([1, 5, 30, 300, 3600, 86400])}",
                f"    events_per_day: {rng.choice([10, 100, 2500, 50_000, 2_000_000])}",
                f"    consistency: {rng.choice(CONSISTENCIES)}",
                f"    ordering: {rng.choice(ORDERINGS)}",
                f"    payload_kb: {rng.choice([1, 2, 20, 500])}",
            ]
            if rng.random() < 0.3:
                lines.append(f"    peak_per_second: {rng.choice([1, 50, 2000])}")
        path = folder / f"team-{index % 10}" / f"integration-{index:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(argv: list[str], repeat: int, out: Path | None = None) -> float:
    """The best of `repeat` runs, each after the disk has settled (sync). With `out`, each run
    writes into a new folder beside it, `--out` being the last argument: removing 10,000 report
    folders between runs would leave the disk busy during the next one."""
    return min(_timed(argv, out)[0] for _ in range(repeat))


def taking_turns(argvs: list[tuple[list[str], Path | None]], repeat: int) -> list[Timing]:
    """The best elapsed and processor times of each command, the commands taking turns (one
    run of each, `repeat` times over)."""
    best = [Timing(float("inf"), float("inf")) for _ in argvs]
    for _ in range(repeat):
        for index, (argv, out) in enumerate(argvs):
            elapsed, processor = _timed(argv, out)
            best[index] = Timing(
                min(best[index].elapsed, elapsed), min(best[index].processor, processor)
            )
    return best


class Timing(NamedTuple):
    elapsed: float  # seconds on the clock
    processor: float  # seconds of user and system time of the command and its children


def _timed(argv: list[str], out: Path | None) -> tuple[float, float]:
    if out is not None:
        argv = [*argv[:-1], str(out.with_name(f"{out.name}-{next(_RUNS)}"))]
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    processor = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, processor


_RUNS = itertools.count()


def ratio(label: str, ours: float, floor: float, budget: float | None, lower: bool = True) -> bool:
    value = ours / floor
    ok = budget is None or (value <= budget if lower else value >= budget)
    limit = "" if budget is None else f" (budget {'<=' if lower else '>='} {budget:.1f}x)"
    verdict = "" if budget is None else (" ok" if ok else " OVER")
    print(f"   {label}: {ours:.2f} s vs {floor:.2f} s = {value:.2f}x{limit}{verdict}", flush=True)
    return ok


def bench(count: int = COUNT) -> bool:
    advisor = str(BIN / "advisor")
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as scratch:
        inputs, out = Path(scratch) / "in", Path(scratch) / "out"
        started = time.perf_counter()
        generate(inputs, count)
        print(f"   generated {count:,} assessments in {time.perf_counter() - started:.1f} s")

        batch = [advisor, "batch", str(inputs), "--format", "json"]
        floor, full, quick = taking_turns(
            [
                ([sys.executable, "-c", FLOOR, str(inputs)], None),
                ([*batch, "--jobs", "1", "--out", str(out)], out),
                ([*batch, "--jobs", "1", "--no-what-if", "--out", str(out)], out),
            ],
            repeat=3,
        )
        one = full.elapsed
        ok = ratio("(b) batch --format json --jobs 1 vs parsing alone", one, floor.elapsed, 2.0)
        ok &= ratio(
            "(b) the same with --no-what-if vs parsing alone", quick.elapsed, floor.elapsed, 1.5
        )
        ratio("    processor time, batch", full.processor, floor.processor, None)
        ratio("    processor time, --no-what-if", quick.processor, floor.processor, None)
        per_file = [1000 * seconds / count for seconds in (floor.elapsed, quick.elapsed, one)]
        print(
            f"   (b) a file: parsing {per_file[0]:.2f} ms, batch --no-what-if "
            f"{per_file[1]:.2f} ms, the what-if analysis {per_file[2] - per_file[1]:.2f} ms more",
            flush=True,
        )

        peak = subprocess.run(
            [sys.executable, "-c", PEAK_MEMORY, *batch, "--jobs", "1", "--out", f"{out}-peak"],
            check=True,
            capture_output=True,
            text=True,
        )
        megabytes = int(peak.stdout) / 1024
        memory_ok = megabytes < MEMORY_BUDGET_MB
        print(
            f"   (b) peak memory, --jobs 1: {megabytes:.0f} MB "
            f"(budget < {MEMORY_BUDGET_MB} MB){' ok' if memory_ok else ' OVER'}"
        )
        ok &= memory_ok

        two = run([*batch, "--jobs", "2", "--out", str(out)], repeat=3, out=out)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        if cores >= 2:
            ok &= ratio("(c) --jobs 2 speed-up over --jobs 1", one, two, 1.8, lower=False)
        else:
            ratio("(c) --jobs 2 speed-up over --jobs 1 (one core: no budget)", one, two, None)
        ok &= svg(inputs, Path(scratch), advisor)
    return ok


def svg(inputs: Path, scratch: Path, advisor: str) -> bool:
    """(d): batch with --format svg against the renderer alone on the same diagrams."""
    sample = scratch / "sample"
    sample.mkdir()
    for path in sorted(inputs.rglob("*.yaml"))[:SVG_SAMPLE]:
        (sample / path.name).write_bytes(path.read_bytes())
    diagrams = _diagram_sources(sample)

    def render_alone() -> None:
        for source in diagrams:
            _render_svg(source)

    alone = best_of(render_alone, 1)
    argv = [advisor, "batch", str(sample), "--format", "svg", "--jobs", "1"]
    ours = run([*argv, "--out", str(scratch / "svg")], repeat=1, out=scratch / "svg")
    label = f"(d) batch --format svg --jobs 1 vs the renderer alone ({SVG_SAMPLE} files)"
    ratio(label, ours, alone, None)
    return True


def _diagram_sources(folder: Path) -> list[str]:
    """The DOT source of every assessment's blueprint, made before the timing starts."""
    from advisor.advice import assess
    from advisor.blueprint import blueprint_dot
    from advisor.loader import load_assessment, load_rules

    ruleset = load_rules()
    sources = []
    for path in sorted(folder.glob("*.yaml")):
        assessment = load_assessment(path)
        sources.append(blueprint_dot(assessment, assess(assessment, ruleset), ruleset))
    return sources


def _render_svg(source: str) -> bytes:
    from advisor.render import render

    return render(source, "svg")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(0 if bench(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT) else 1)
