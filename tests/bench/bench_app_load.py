"""The web app under load: concurrent sessions open share links, the largest included.

A real `streamlit run` on the loopback address, driven by headless Chromium pages opened in
waves (bounded in count and time, loopback only). Reports the server's peak memory, the slowest
time to the first answer, and the memory left once every session has ended, against the idle
server measured in the same run. Budgets: the slowest answer within 15 s, and the memory after
the sessions back within 1.5x the memory after the first, warm-up session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _timing import ROOT

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

WAVES = 3
PAGES_PER_WAVE = 6
ANSWER_BUDGET_S = 15.0
MEMORY_BUDGET = 1.5
SETTLE_S = 150
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _links() -> list[str]:
    """Links of the examples, and the largest assessment whose link the app accepts."""
    from synthetic import generated_assessment

    from advisor.loader import load_assessment
    from advisor.share import MAX_ENCODED, encode_link

    links = [
        encode_link(load_assessment(path)) for path in sorted((ROOT / "examples").glob("*.yaml"))
    ]
    flows, largest = 10, ""
    while True:
        link = encode_link(generated_assessment(max(3, flows // 3), flows))
        if len(link) > MAX_ENCODED:
            break
        largest, flows = link, int(flows * 1.5)
    print(f"   largest accepted link: {len(largest):,} characters", flush=True)
    return [*links, largest]


def _rss_kb(pid: int) -> int:
    """Resident memory of the server and its children, in KiB, from /proc."""
    total = 0
    for child in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def bench() -> bool:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("   no Chromium: install it with `apt-get install chromium` to run this benchmark")
        return False
    from playwright.sync_api import sync_playwright

    links = _links()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tempfile.mkdtemp(prefix="advisor-load-")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": home},
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "_stcore/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    print("   the server did not start within 60 s")
                    return False
                time.sleep(0.5)
        idle = _rss_kb(server.pid)
        slowest, peak = 0.0, idle
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            warm = browser.new_page()
            warm.goto(base + "?a=" + links[0])
            warm.get_by_text("Recommendation for", exact=False).first.wait_for(timeout=60_000)
            warm.close()
            time.sleep(2)
            warmed = _rss_kb(server.pid)
            for wave in range(WAVES):
                pages = []
                for index in range(PAGES_PER_WAVE):
                    page = browser.new_page()
                    link = links[(wave * PAGES_PER_WAVE + index) % len(links)]
                    pages.append((page, time.monotonic()))
                    page.goto(base + "?a=" + link, wait_until="commit")
                for page, started in pages:
                    page.get_by_text("Recommendation for", exact=False).first.wait_for(
                        timeout=int(ANSWER_BUDGET_S * 4 * 1000)
                    )
                    slowest = max(slowest, time.monotonic() - started)
                    peak = max(peak, _rss_kb(server.pid))
                for page, _ in pages:
                    page.close()
            browser.close()
        # Sessions end some time after their sockets close: watch the memory for up to
        # SETTLE_S seconds, and keep the least seen.
        after = _rss_kb(server.pid)
        settle = time.monotonic() + SETTLE_S
        while after > warmed * MEMORY_BUDGET and time.monotonic() < settle:
            time.sleep(5)
            after = min(after, _rss_kb(server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)
    sessions = WAVES * PAGES_PER_WAVE
    print(
        f"   {sessions} sessions in {WAVES} waves of {PAGES_PER_WAVE}: memory idle "
        f"{idle / 1024:.0f} MB, after one session {warmed / 1024:.0f} MB, peak "
        f"{peak / 1024:.0f} MB, after all {after / 1024:.0f} MB",
        flush=True,
    )
    answer_ok = slowest <= ANSWER_BUDGET_S
    memory_ok = after <= warmed * MEMORY_BUDGET
    print(
        f"   slowest first answer {slowest:.1f} s (budget {ANSWER_BUDGET_S:.0f} s) "
        f"{'ok' if answer_ok else 'OVER'}; memory after the sessions {after / warmed:.2f}x the "
        f"warm server (budget {MEMORY_BUDGET:.1f}x) {'ok' if memory_ok else 'OVER'}",
        flush=True,
    )
    return answer_ok and memory_ok
