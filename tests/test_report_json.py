"""`to_json` writes the same text whichever serializer it takes: pydantic's (fast) when every
number would read the same, the standard library's otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.advice import assess
from advisor.loader import load_assessment, load_rules
from advisor.models import FlowResult, Polling, Reason, Result, Scores, StyleDecision
from advisor.report import to_json

ROOT = Path(__file__).resolve().parents[1]


def reference(result: Result) -> str:
    """The standard library's text; the date is written only when there is one."""
    leave_out = {"date"} if result.date is None else None
    data = result.model_dump(mode="json", exclude=leave_out)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_examples(path: Path) -> None:
    result = assess(load_assessment(path), load_rules())
    assert to_json(result) == reference(result)


NUMBERS = st.one_of(  # results hold finite numbers only (the models refuse others)
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-4, 9.99e-5, 1e-5, 5e-324, 1e16, 1e22]),
)


COUNTS = st.integers(min_value=0, max_value=10**18)  # polling counts are whole numbers


@given(COUNTS, st.one_of(st.none(), NUMBERS), COUNTS, NUMBERS, st.text())
def test_any_numbers_and_text(
    calls: int, share: float | None, wasted: int, points: float, text: str
) -> None:
    scores = Scores(api=12.5, event=0.0)
    flow = FlowResult(
        id="f",
        style="api",
        confidence=0.5,
        scores=scores,
        decision=StyleDecision(rule="style_margin", explanation=text),
        reasons=(Reason(rule="r", criterion="c", favours="api", points=points, explanation=text),),
        polling=Polling(calls_per_day=calls, quota_share=share, wasted_calls_per_day=wasted),
    )
    result = Result(
        name=text,
        recommendation="api",
        confidence=1.0,
        scores=scores,
        flows=(flow,),
        broker=None,
        risks=(),
    )
    assert to_json(result) == reference(result)
