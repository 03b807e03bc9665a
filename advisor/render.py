"""Rendering DOT to SVG or PNG with a Graphviz program, in a subprocess with a timeout.

The renderer is, in this order: the one asked for (`renderer=`, the CLI's `--renderer`), the
ADVISOR_RENDERER environment variable, the `graphviz-pure` program installed beside this Python
by the package of that name (so no system Graphviz is needed), `graphviz-pure` on PATH. A
renderer is a path to a program, or the name of one on PATH such as `dot` for a system Graphviz.
Anything that goes wrong (no renderer, a crash, a timeout, output that is not SVG or PNG) is a
RenderError whose message says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Literal

from advisor.wording import format_duration

DEFAULT_RENDERER = "graphviz-pure"
ENVIRONMENT_VARIABLE = "ADVISOR_RENDERER"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# PNGs are drawn at 200 dots an inch: more than twice the 96 a browser gives the SVG's points, so
# that a PNG shown at the SVG's size stays sharp on a high-density screen or on paper.
PNG_DPI = 200

_SVG = "{http://www.w3.org/2000/svg}"
_ACTIVE_ELEMENTS = frozenset({"script", "foreignObject", "iframe", "object", "embed"})
_MESSAGE_LINES = 5


class RenderError(Exception):
    """The diagram could not be rendered; the message says why and what to do."""


class RenderTimeout(RenderError):
    """The renderer did not finish in time and was stopped."""


def find_renderer(renderer: str | None = None) -> str:
    """The path of the program that will render: see the module's docstring for the order."""
    choice = renderer or os.environ.get(ENVIRONMENT_VARIABLE) or None
    if choice is not None:
        return _resolve(choice, f"--renderer {choice}" if renderer else ENVIRONMENT_VARIABLE)
    beside = shutil.which(DEFAULT_RENDERER, path=str(Path(sys.executable).parent))
    found = beside or shutil.which(DEFAULT_RENDERER)
    if found is None:
        raise RenderError(
            f"no renderer found: the {DEFAULT_RENDERER} program is neither beside "
            f"{sys.executable} nor on PATH; install it with `pip install {DEFAULT_RENDERER}`, "
            f"or choose a Graphviz `dot` with --renderer PATH (or {ENVIRONMENT_VARIABLE}=PATH)"
        )
    return found


def _resolve(choice: str, given_by: str) -> str:
    if os.sep in choice or (os.altsep is not None and os.altsep in choice):
        path = Path(choice)
        if not path.is_file():
            raise RenderError(f"the renderer {choice} (from {given_by}) does not exist")
        if not os.access(path, os.X_OK):
            raise RenderError(f"the renderer {choice} (from {given_by}) is not executable")
        return choice
    found = shutil.which(choice)
    if found is None:
        raise RenderError(
            f"the renderer {choice!r} (from {given_by}) is not on PATH; give its full path, "
            f"or leave the choice out to use {DEFAULT_RENDERER}"
        )
    return found


def render(
    dot: str,
    fmt: Literal["svg", "png"],
    *,
    renderer: str | None = None,
    timeout: float = 30.0,
) -> bytes:
    """`dot` rendered as SVG or PNG bytes, exactly as the renderer wrote them.

    The output is checked, not changed: an SVG must be well-formed XML with no scripts or event
    handlers, a PNG must start with PNG's signature.
    """
    if fmt not in ("svg", "png"):
        raise ValueError(f"cannot render to {fmt!r}: use svg or png")
    program = find_renderer(renderer)
    returncode, output, stderr = _run(program, fmt, dot.encode("utf-8"), timeout)
    if returncode != 0:
        raise RenderError(
            f"the renderer {program} failed (exit code {returncode})" + _stderr_summary(stderr)
        )
    if fmt == "png":
        if not output.startswith(PNG_MAGIC):
            raise RenderError(f"the renderer {program} did not write a PNG image")
    else:
        _check_svg(output, program)
    return output


def _run(program: str, fmt: str, dot: bytes, timeout: float) -> tuple[int, bytes, bytes]:
    """Run the renderer with the DOT on stdin. On POSIX it gets a process group of its own, so a
    timeout stops it together with anything it started (which would otherwise hold the pipes)."""
    try:
        process = subprocess.Popen(
            [program, f"-T{fmt}", *((f"-Gdpi={PNG_DPI}",) if fmt == "png" else ())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
    except OSError as error:
        raise RenderError(f"cannot run the renderer {program}: {error.strerror or error}") from None
    with process:
        try:
            output, stderr = process.communicate(dot, timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise RenderTimeout(
                f"the renderer {program} did not finish within {format_duration(timeout)} and "
                "was stopped; a large diagram may need a longer timeout"
            ) from None
        except BaseException:
            _stop(process)
            raise
    return process.returncode, output, stderr


def _stop(process: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        process.kill()
    process.communicate()


def _stderr_summary(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line][:_MESSAGE_LINES]
    return (": " + " / ".join(lines)) if lines else ""


def _check_svg(svg: bytes, program: str) -> None:
    """Refuse output that is not an SVG document, or that could run code when opened."""
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError as error:
        raise RenderError(
            f"the renderer {program} wrote SVG that is not well-formed: {error}"
        ) from None
    if root.tag != f"{_SVG}svg":
        raise RenderError(f"the renderer {program} did not write an SVG document")
    for element in root.iter():
        name = element.tag.rpartition("}")[2]
        if name in _ACTIVE_ELEMENTS:
            raise RenderError(f"the renderer {program} wrote SVG with a <{name}> element")
        for attribute, value in element.attrib.items():
            local = attribute.rpartition("}")[2].lower()
            if local.startswith("on") or value.strip().lower().startswith("javascript:"):
                raise RenderError(f"the renderer {program} wrote SVG with active content")
