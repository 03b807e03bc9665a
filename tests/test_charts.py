"""The portfolio overview's bar charts: inline SVG with the right bars and numbers, a table behind
each holding the same numbers, names escaped, nothing from the network."""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from pathlib import Path

import pytest

from advisor.charts import Bar, bar_chart
from advisor.wording import format_number
from tests.test_batch import assessment, read_summary, run_batch

HOSTILE_NAME = '<script>alert("x")</script> & <b>bold</b>'
FILES = {
    "hostile.yaml": assessment(HOSTILE_NAME, trigger="data_change"),
    "lookup.yaml": assessment("Lookup", trigger="user_action"),
    "stream.yaml": assessment("Stream", trigger="telemetry"),
    "nightly.yaml": assessment("Nightly", trigger="schedule"),
    "changes.yaml": assessment(
        "Changes", trigger="data_change", extra="    max_delay_seconds: 60\n"
    ),
}
_BAR = re.compile(
    r'<g class="bar"><text [^>]*>(?P<label>[^<]*)</text><rect [^>]*width="(?P<width>[\d.]+)"'
    r"[^>]*/><text [^>]*>(?P<shown>[^<]*)</text></g>"
)
_ROW = re.compile(r'<tr><td>(?P<label>[^<]*)</td><td class="num">(?P<shown>[^<]*)</td></tr>')


@pytest.fixture
def page_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, content in FILES.items():
        (folder / name).write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch(folder, "--out", out, "--format", "json", "--jobs", "1") == 0
    return (out / "index.html").read_text(encoding="utf-8"), out


def _charts(page: str) -> dict[str, tuple[list[tuple[str, str, float]], list[tuple[str, str]]]]:
    """Title -> (bars: label, shown, width), (table rows: label, shown), read from the page."""
    charts = {}
    for figure in re.findall(r'<figure class="chart">(.*?)</figure>', page, re.DOTALL):
        svg = re.search(r"<svg [^>]*>.*?</svg>", figure, re.DOTALL)
        assert svg is not None
        (title,) = re.findall(r"<title>([^<]*)</title>", svg[0])
        assert f'role="img" aria-label="{title}"' in svg[0]
        bars = [
            (html.unescape(m["label"]), html.unescape(m["shown"]), float(m["width"]))
            for m in _BAR.finditer(svg[0])
        ]
        table = figure[svg.end() :]
        rows = [
            (html.unescape(m["label"]), html.unescape(m["shown"])) for m in _ROW.finditer(table)
        ]
        charts[html.unescape(title)] = (bars, rows)
    return charts


def _flows(out: Path) -> list[dict[str, str]]:
    with (out / "flows.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _same(
    chart: tuple[list[tuple[str, str, float]], list[tuple[str, str]]],
) -> list[tuple[str, str]]:
    """The chart's rows, after checking the table holds what the bars show, in the same order."""
    bars, rows = chart
    assert len(bars) == len(rows)
    for (label, shown, _), (row_label, row_shown) in zip(bars, rows, strict=True):
        assert shown == row_shown
        assert row_label.startswith(label.rstrip("…"))
    widths = [width for _, _, width in bars]
    values = [float(shown.replace(",", "")) for _, shown, _ in bars]
    for (width_a, value_a), (width_b, value_b) in zip(
        zip(widths, values, strict=True), zip(widths[1:], values[1:], strict=True), strict=False
    ):
        assert (width_a > width_b) == (value_a > value_b)  # longer bar, larger number
    return rows


def test_the_overview_charts_its_portfolio(page_and_out: tuple[str, Path]) -> None:
    page, out = page_and_out
    charts = _charts(page)
    assert len(charts) == 4 and page.count('<svg role="img"') == 4
    summary = read_summary(out)
    flows = _flows(out)

    styles = Counter(row["style"] for row in flows)
    names = {"api": "API-driven", "event": "Event-driven", "hybrid": "Hybrid"}
    assert _same(charts["Flows per recommended style"]) == [
        (names[style], format_number(styles[style])) for style in ("api", "event", "hybrid")
    ]
    assert styles["api"] and styles["event"]  # the portfolio has bars of both kinds

    brokers = dict(_same(charts["Brokers chosen"]))
    without = sum(row["broker"] in ("", "none") for row in summary)
    assert brokers.pop("No broker") == format_number(without)
    assert sum(int(count) for count in brokers.values()) == len(summary) - without
    assert brokers  # the event stream needed one

    risks = Counter(risk for row in summary for risk in row["risks"].split())
    shown = _same(charts["The 8 most frequent risks"])
    assert [count for _, count in shown] == [
        format_number(count) for count in sorted(risks.values(), reverse=True)[:8]
    ]

    bill: Counter[str] = Counter()
    for row in flows:
        if row["style"] == "api" and row["polling_calls_per_day"]:
            bill[row["assessment"]] += int(row["polling_calls_per_day"])
    expected = sorted(((-calls, name) for name, calls in bill.items() if calls))[:10]
    polling = _same(charts["Polling calls a day, the 10 largest integrations"])
    assert polling == [(name, format_number(-calls)) for calls, name in expected]
    assert any(name == HOSTILE_NAME for name, _ in polling)


def test_chart_labels_are_escaped_and_nothing_comes_from_the_network(
    page_and_out: tuple[str, Path],
) -> None:
    page, _ = page_and_out
    figures = "".join(re.findall(r'<figure class="chart">.*?</figure>', page, re.DOTALL))
    assert "<script" not in figures and "<b>" not in figures
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/sc" in figures  # cut in the bar, whole below
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in figures
    )
    assert "<script src" not in page
    assert not re.search(r"https?://|xlink:|href=", figures)


def test_a_bar_chart_escapes_every_label_and_scales_to_the_largest() -> None:
    chart = bar_chart(
        '"Risks" <all>',
        "Count",
        [Bar('a"b<c>&d', 40, "40"), Bar("e", 10, "10"), Bar("f", 0, "0")],
    )
    assert '<svg role="img" aria-label="&quot;Risks&quot; &lt;all&gt;"' in chart.svg
    assert "<title>&quot;Risks&quot; &lt;all&gt;</title>" in chart.svg
    assert "a&quot;b&lt;c&gt;&amp;d" in chart.svg and "<c>" not in chart.svg
    widths = [float(width) for width in re.findall(r'<rect [^>]*width="([\d.]+)"', chart.svg)]
    assert widths[0] == 4 * widths[1] and widths[2] == 0


def test_a_chart_without_bars_says_so_in_its_own_words() -> None:
    chart = bar_chart("Polling calls a day", "Calls a day", [], "No flow <that> polls.")
    assert chart.bars == () and chart.empty == "No flow <that> polls."
    assert ">No flow &lt;that&gt; polls.</text></svg>" in chart.svg
    assert "None" not in chart.svg
