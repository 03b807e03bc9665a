"""A page that shows one rendered blueprint with zoom and pan: the SVG as an image, buttons to
zoom out, in, to fit the width or to show it at its actual size, Ctrl (or Cmd) and the wheel to
zoom at the pointer, and a drag to pan. Self-contained: inline style and script, nothing loaded
from the network; the web app shows it through `streamlit.components.v1.html`.

The SVG goes in as a `data:` URL of an <img>, where a browser never runs scripts nor follows
links. The only user text on the page is the picture's description in words (advisor.alttext),
escaped, which screen readers read with the image.

The drawing opens fitted to the frame's width, but never smaller than its smallest text stays
legible (LEGIBLE_PX): a wide drawing in a narrow column opens at that size, to pan or to fit
with "Fit width".
"""

from __future__ import annotations

import base64
import functools
import re

# A CSS pixel is 3/4 of a point: Graphviz gives the SVG's size in points.
PX_PER_PT = 4 / 3
TOOLBAR_PX = 40
MAX_HEIGHT_PX = 860
MIN_HEIGHT_PX = 160
# The smallest text the opening zoom shows, in CSS pixels (what the browser tests hold it to).
LEGIBLE_PX = 11.0

_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"')
_VIEW_BOX = re.compile(r'<svg\b[^>]*?\bviewBox="[\d.\s-]+?\s([\d.]+)\s[\d.]+"')
_FONT_SIZE = re.compile(r'\bfont-size="([\d.]+)"')


def natural_size(svg: str) -> tuple[float, float]:
    """The SVG's width and height in CSS pixels, as a browser shows it at 100%."""
    found = _SIZE.search(svg)
    if found is None:
        return 800.0, 600.0
    width, width_unit, height, height_unit = found.groups()
    return (
        float(width) * (PX_PER_PT if width_unit == "pt" else 1.0),
        float(height) * (PX_PER_PT if height_unit == "pt" else 1.0),
    )


@functools.lru_cache(maxsize=8)  # asked twice a run (frame_height, page) for the same drawing
def legible_scale(svg: str) -> float:
    """The smallest zoom (1 is the natural size) at which the drawing's smallest text is
    LEGIBLE_PX tall on screen; 0 when the SVG says nothing of its text."""
    width, _ = natural_size(svg)
    box = _VIEW_BOX.search(svg)
    sizes = [float(size) for size in _FONT_SIZE.findall(svg)]
    if box is None or not sizes or float(box.group(1)) <= 0 or min(sizes) <= 0:
        return 0.0
    natural_px = min(sizes) * width / float(box.group(1))  # the smallest text at 100%
    return min(1.0, LEGIBLE_PX * 1.01 / natural_px)  # a hair over: layout rounds sizes


def opening_scale(svg: str, column_px: float) -> float:
    """The zoom the viewer opens at in a column `column_px` wide: fitted to its width, never
    enlarged, and never below the legible scale."""
    width, _ = natural_size(svg)
    fitted = min(1.0, column_px / width) if width > 0 else 1.0
    return max(fitted, legible_scale(svg))


def frame_height(svg: str, column_px: float = 1100.0) -> int:
    """How tall the frame is: the drawing at its opening zoom in a column `column_px` wide,
    with the toolbar, up to MAX_HEIGHT_PX (taller drawings scroll and pan)."""
    _, height = natural_size(svg)
    shown = height * opening_scale(svg, column_px)
    return int(max(MIN_HEIGHT_PX, min(MAX_HEIGHT_PX, shown + TOOLBAR_PX + 8)))


def page(svg: str, title: str, description: str = "") -> str:
    """The viewer's HTML for `svg`; `title` (constant text) names the picture for screen
    readers and `description` (any text: it is escaped) says what it shows, read with it."""
    width, height = natural_size(svg)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        _PAGE.replace("@TITLE@", _attribute(title))
        .replace("@WIDTH@", f"{width:.1f}")
        .replace("@HEIGHT@", f"{height:.1f}")
        .replace("@LEGIBLE@", f"{legible_scale(svg):.4f}")
        .replace("@DATA@", data)
        .replace("@DESCRIPTION@", _attribute(description or title))  # last: user text
    )


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>@TITLE@</title><style>
body { margin: 0; font: 13px/1.3 "Source Sans Pro", "Source Sans 3", sans-serif; color: #344054; }
.bar { display: flex; gap: 4px; align-items: center; height: 32px; }
.bar button { border: 1px solid #d0d5dd; background: #fff; border-radius: 6px; padding: 2px 10px;
  cursor: pointer; font: inherit; color: inherit; }
.bar button:hover { border-color: #98a2b3; }
.bar .zoom { min-width: 3.2em; text-align: center; font-variant-numeric: tabular-nums; }
.bar .hint { margin-left: auto; color: #667085; font-size: 12px; }
.bar button { white-space: nowrap; }
@media (max-width: 480px) { .bar .hint { display: none; } }
.pane { overflow: auto; height: calc(100vh - 42px); border: 1px solid #eaecf0; border-radius: 8px;
  cursor: grab; background: #fff; }
.pane.dragging { cursor: grabbing; }
.pane img { display: block; max-width: none; user-select: none; -webkit-user-drag: none; }
.bar button:focus-visible, .pane:focus-visible { outline: 2px solid #1f5fa8; outline-offset: 2px; }
.words { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
</style></head><body><main>
<div class="bar" role="toolbar" aria-label="Zoom">
<button type="button" data-zoom="out" title="Zoom out" aria-label="Zoom out">&minus;</button>
<span class="zoom" aria-live="polite">100%</span>
<button type="button" data-zoom="in" title="Zoom in" aria-label="Zoom in">+</button>
<button type="button" data-zoom="fit" title="Fit the width">Fit width</button>
<button type="button" data-zoom="actual" title="Show at its actual size">100%</button>
<span class="hint">drag to pan &middot; Ctrl + wheel to zoom</span>
</div>
<div class="pane" tabindex="0" role="group" aria-label="@TITLE@: drag or use + and - to zoom">
<img alt="@TITLE@" aria-describedby="words" draggable="false"
 width="@WIDTH@" height="@HEIGHT@" src="data:image/svg+xml;base64,@DATA@"></div>
<p class="words" id="words">@DESCRIPTION@</p></main>
<script>
(() => {
  const pane = document.querySelector(".pane");
  const image = pane.querySelector("img");
  const shown = document.querySelector(".zoom");
  const width = @WIDTH@, height = @HEIGHT@, legible = @LEGIBLE@;
  let scale = 1;
  function zoom(next, x, y) {
    next = Math.min(4, Math.max(0.1, next));
    x = x === undefined ? pane.clientWidth / 2 : x;
    y = y === undefined ? pane.clientHeight / 2 : y;
    const across = (pane.scrollLeft + x) / (width * scale);
    const down = (pane.scrollTop + y) / (height * scale);
    scale = next;
    image.style.width = width * scale + "px";
    image.style.height = height * scale + "px";
    pane.scrollLeft = across * width * scale - x;
    pane.scrollTop = down * height * scale - y;
    shown.textContent = Math.round(scale * 100) + "%";
  }
  const fit = () => zoom(Math.min(1, (pane.clientWidth - 2) / width), 0, 0);
  const opening = () => zoom(Math.max(Math.min(1, (pane.clientWidth - 2) / width), legible), 0, 0);
  const actions = {
    out: () => zoom(scale / 1.25),
    in: () => zoom(scale * 1.25),
    fit: fit,
    actual: () => zoom(1),
  };
  document.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => actions[button.dataset.zoom]());
  });
  pane.addEventListener("wheel", (event) => {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    const box = pane.getBoundingClientRect();
    const factor = event.deltaY < 0 ? 1.15 : 1 / 1.15;
    zoom(scale * factor, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  let drag = null;
  pane.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, left: pane.scrollLeft, top: pane.scrollTop };
    pane.classList.add("dragging");
    pane.setPointerCapture(event.pointerId);
  });
  pane.addEventListener("pointermove", (event) => {
    if (!drag) return;
    pane.scrollLeft = drag.left - (event.clientX - drag.x);
    pane.scrollTop = drag.top - (event.clientY - drag.y);
  });
  const release = () => { drag = null; pane.classList.remove("dragging"); };
  pane.addEventListener("pointerup", release);
  pane.addEventListener("pointercancel", release);
  pane.addEventListener("keydown", (event) => {
    if (event.key === "+" || event.key === "=") actions.in();
    else if (event.key === "-") actions.out();
    else if (event.key === "0") fit();
  });
  opening();
})();
</script></body></html>
"""
