"""`advisor assess` on one file against `python -c "import yaml, pydantic, jinja2"`."""

from __future__ import annotations

import compileall
import sys

from _timing import BIN, ROOT, commands, verdict

# Times the floor. Of it, YAML and the pydantic models of the assessment and the result take
# about 1.5x on their own (pydantic builds each model's validator, and its plugin lookup loads
# importlib.metadata): printed below as a reference, so that the share of the advisor's own
# code (rules, engine, what-if, command line) is plain to see.
BUDGET = 1.6


def bench() -> bool:
    # As an installed wheel has it: every module byte-compiled (run.py compiles the package
    # first; again here, for a file changed since, which would otherwise compile on every run).
    compileall.compile_dir(ROOT / "advisor", quiet=1)
    example = str(ROOT / "examples" / "gifting-orders.yaml")
    floor, models, json_time, text_time = commands(
        [
            [sys.executable, "-c", "import yaml, pydantic, jinja2"],
            [sys.executable, "-c", "import yaml, advisor.models"],
            [str(BIN / "advisor"), "assess", example, "--format", "json"],
            [str(BIN / "advisor"), "assess", example, "--format", "text"],
        ],
        repeat=11,
    )
    print(
        f"   (yaml and the models alone: {models * 1000:.1f} ms = {models / floor:.2f}x)",
        flush=True,
    )
    ok = verdict("assess --format json", json_time, floor, BUDGET)
    ok &= verdict("assess --format text", text_time, floor, BUDGET)
    return ok
