"""Links that carry an assessment: compact, exact, and refused with a reason when broken."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from advisor.errors import InputError
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.share import MAX_ENCODED, VERSION, decode_link, encode_link
from advisor.yamldoc import MAX_BYTES
from tests.conftest import EXAMPLES
from tests.strategies import assessments

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pack(data: bytes, level: int = 9) -> str:
    return VERSION + base64.urlsafe_b64encode(zlib.compress(data, level)).rstrip(b"=").decode()


@SETTINGS
@given(assessments())
def test_round_trip(assessment: Assessment) -> None:
    link = encode_link(assessment)
    assert decode_link(link) == assessment
    assert set(link) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_examples_make_short_links(example: Path) -> None:
    assessment = load_assessment(example)
    link = encode_link(assessment)
    assert decode_link(link) == assessment
    assert len(link) < 1_000


def refusal(value: str) -> str:
    with pytest.raises(InputError) as caught:
        decode_link(value)
    problems = caught.value.problems
    assert problems and all(problem.file == "link" for problem in problems)
    return "\n".join(problem.message for problem in problems)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "holds no assessment"),
        ("   ", "holds no assessment"),
        ("1", "cut short"),
        ("1abc!", "not valid base64url"),
        ("1A", "not valid base64url"),
        ("1" + "A" * 40, "does not decompress"),
        ("9" + "A" * 40, "different version"),
        ("x" * 40, "damaged"),
        ("1" + "A" * (MAX_ENCODED + 1), "too long"),
    ],
)
def test_malformed_links_are_refused_with_a_reason(value: str, says: str) -> None:
    message = refusal(value)
    assert says in message
    assert "ask for the link again" in message


def test_a_cut_link_is_refused(tmp_path: Path) -> None:
    link = encode_link(load_assessment(EXAMPLES[0]))
    assert "cut short" in refusal(link[: len(link) // 2])


def test_trailing_data_is_refused() -> None:
    link = encode_link(load_assessment(EXAMPLES[0]))
    packed = base64.urlsafe_b64decode(link[1:] + "=" * (-len(link[1:]) % 4)) + b"junk"
    assert "data after its end" in refusal(
        VERSION + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()
    )


def test_a_small_link_cannot_expand_into_a_large_document() -> None:
    bomb = pack(b"name: " + b"a" * (MAX_BYTES * 10))
    assert len(bomb) < MAX_ENCODED
    assert "expands to more than" in refusal(bomb)


def test_what_a_link_holds_is_checked_like_a_file() -> None:
    message = refusal(pack(b"name: x\nsystems: []\nflows: []\nextra: 1\n"))
    assert "unknown key 'extra'" in message
    assert "!!python" not in refusal(pack(b"name: !!python/object:os.system x\n"))
    assert "binary data" in refusal(pack(b"\x00\x01"))


def test_a_link_naming_a_missing_system_says_which() -> None:
    text = (
        b"name: x\nsystems: [{id: a}, {id: b}]\n"
        b"flows: [{id: f, source: a, targets: [c], trigger: schedule}]\n"
    )
    assert "no system has the id 'c'" in refusal(pack(text))
