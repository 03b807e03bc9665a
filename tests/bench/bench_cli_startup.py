"""`advisor assess` on one file against `python -c "import yaml, pydantic, jinja2"`."""

from __future__ import annotations

import sys

from _timing import BIN, ROOT, command, verdict


def bench() -> bool:
    floor = command([sys.executable, "-c", "import yaml, pydantic, jinja2"], repeat=7)
    example = str(ROOT / "examples" / "gifting-orders.yaml")
    json_time = command([str(BIN / "advisor"), "assess", example, "--format", "json"], repeat=7)
    text_time = command([str(BIN / "advisor"), "assess", example, "--format", "text"], repeat=7)
    ok = verdict("assess --format json", json_time, floor, 2.0)
    ok &= verdict("assess --format text", text_time, floor, 2.0)
    return ok
