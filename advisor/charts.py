"""Small horizontal bar charts as inline SVG, for the portfolio overview. Pure: labels and numbers
in, SVG text out; no script, no font or image from anywhere. Every label goes through
html.escape; the numbers are shown as the caller formatted them, and a table beside each chart
(in the template) holds the same rows for screen readers and for copying.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 560
LABEL_WIDTH = 220  # the labels' column; longer labels are cut with an ellipsis (the table has all)
VALUE_WIDTH = 90
BAR_HEIGHT = 18
GAP = 6
LABEL_CHARS = 32


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as people read it: 1,234
    colour: str = "#5d6678"


@dataclass(frozen=True)
class Chart:
    """A chart: its title (the SVG's accessible name and the table's caption), its bars in the
    order shown, the SVG and the name of its value column."""

    title: str
    column: str
    bars: tuple[Bar, ...]
    svg: str
    empty: str = "Nothing to show."  # what a chart without bars says instead


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def bar_chart(
    title: str, column: str, bars: Sequence[Bar], empty: str = "Nothing to show."
) -> Chart:
    """Horizontal bars, one a row, scaled to the largest value; `empty` in their place when
    there are none."""
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    largest = max((bar.value for bar in bars), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    name = html.escape(title)
    parts = [
        f'<svg role="img" aria-label="{name}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" class="chart">',
        f"<title>{name}</title>",
    ]
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = round(room * max(bar.value, 0) / largest, 1)
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<g class="bar"><text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{html.escape(_cut(bar.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{html.escape(bar.colour)}"/>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{middle}" dominant-baseline="middle">'
            f"{html.escape(bar.shown)}</text></g>"
        )
    if not bars:
        parts.append(f'<text x="0" y="{GAP + BAR_HEIGHT / 2}">{html.escape(empty)}</text>')
    parts.append("</svg>")
    return Chart(title=title, column=column, bars=tuple(bars), svg="".join(parts), empty=empty)
