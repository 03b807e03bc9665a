"""The output formats' registry and the one way a file is named from an assessment's name."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.formats import NO_SLUG, SLUG_LENGTH, slug

SAFE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Booking platform", "booking-platform"),
        ("Gifting platform orders", "gifting-platform-orders"),
        ("../../x", "x"),
        ("/etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("..", "assessment"),
        ("", "assessment"),
        ("日本語", "assessment"),
        ("Ünïcödé café", "unicode-cafe"),
        ("  Ünïcode / API: v2!  ", "unicode-api-v2"),
        ("CON", "con-assessment"),
        ("lpt9", "lpt9-assessment"),
        ("a" * 100, "a" * 60),
        ("word " * 30, ("word-" * 12).rstrip("-")),
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


@given(st.text())
def test_a_slug_is_a_safe_short_name(name: str) -> None:
    value = slug(name)
    assert SAFE.fullmatch(value), "a-z, 0-9 and single dashes inside, never empty"
    assert len(value) <= SLUG_LENGTH + len(f"-{NO_SLUG}")
    for path in (PurePosixPath, PureWindowsPath):
        assert path("out", value).parent == path("out"), "it cannot leave its folder"
    assert slug(name) == value, "the same name, the same slug"


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_a_slug_keeps_an_ascii_names_letters_and_digits_in_order(name: str) -> None:
    letters = re.sub(r"[^a-z0-9]", "", name.lower())
    value = slug(name)
    if not letters:
        assert value == NO_SLUG
    else:  # all of them, or as many as fit; a device name gets a suffix
        assert letters.startswith(value.replace("-", "")) or value == f"{letters}-{NO_SLUG}"
