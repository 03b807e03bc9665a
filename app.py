"""Integration Advisor in the browser: pick an example and see its recommendation."""

from pathlib import Path

import streamlit as st

from advisor import assess, load_assessment, load_rules
from advisor.report import STYLE_NAMES

EXAMPLES = Path(__file__).resolve().parent / "examples"

st.set_page_config(page_title="Integration Advisor", layout="wide")
st.title("Integration Advisor")
st.caption("API-driven, event-driven or hybrid: decided flow by flow, every point explained.")

choice = st.selectbox("Example", sorted(path.name for path in EXAMPLES.glob("*.yaml")))
assessment = load_assessment(EXAMPLES / choice)
result = assess(assessment, st.cache_resource(load_rules)())

st.metric(
    "Recommendation", STYLE_NAMES[result.recommendation], f"confidence {result.confidence:.2f}"
)
for flow in result.flows:
    st.subheader(f"{flow.id}: {STYLE_NAMES[flow.style]}")
    st.write(flow.decision.explanation)
    for reason in flow.reasons:
        st.write(f"- **{reason.rule}** ({reason.favours} +{reason.points:g}): {reason.explanation}")
