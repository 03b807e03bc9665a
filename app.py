"""Integration Advisor in the browser: the questions on the left, the answer on the right.

streamlit run app.py        (or `make run`)
"""

import streamlit as st

from advisor.questionnaire import notes, progress, validate_answers
from advisor.webapp import (
    diagram,
    history,
    look,
    questions,
    resources,
    results,
    state,
    toolbar,
    versions,
)

st.set_page_config(page_title="Integration Advisor", page_icon=resources.ICON, layout="wide")
look.apply()
ruleset = resources.rules()
state.start()
history.record()

heading, tools = st.columns([2, 3], vertical_alignment="center")
with heading:
    st.title("Integration Advisor", anchor=False)
    st.caption(
        "API-driven, event-driven or hybrid? Describe the integration: the recommendation, "
        "its reasons and the blueprint follow every answer."
    )
bar = tools.container(horizontal=True, horizontal_alignment="right")
with bar.popover("Open", icon=":material/folder_open:", key=state.OPEN_MENU, on_change="rerun"):
    toolbar.start_from()

checked = validate_answers(state.answers())
done = progress(state.answers())
to_fix = notes(checked, state.answers(), ruleset)
assessment = checked.assessment
result = state.assessed(assessment, ruleset) if assessment else None
drawing = (
    diagram.blueprint(assessment, result, ruleset, *diagram.choice(result))
    if assessment and result
    else None
)
good = state.remember(assessment, result, drawing)  # kept, out of date, while incomplete

with bar.popover("Share", icon=":material/link:"):
    toolbar.share(assessment)
with bar.popover("Download", icon=":material/download:", type="primary"):
    toolbar.export(assessment, result, ruleset, drawing)
with bar.popover("Versions", icon=":material/history:", key=versions.MENU, on_change="rerun"):
    versions.panel(assessment, result)
with bar.popover(resources.rules_label(), icon=":material/rule:", key="rules"):
    resources.rules_choice()
# Containers keep the questions at the same place in the page, whatever appears above them,
# so the tab a visitor is on stays open.
with st.container():
    toolbar.notice()
    versions.comparison(assessment, result, ruleset)
with st.container():
    if good:
        results.status(done, to_fix, stale=assessment is None)
        results.answer(good.assessment, good.result)
    else:
        results.start_here(state.answers(), to_fix)
results.bar(good.assessment if good else None, good.result if good else None)

ask, why = st.columns([1, 1], gap="large")
with ask:
    st.header("Describe the integration", anchor=False)
    history.controls()
    questions.overview(done)
    context, systems, flows = st.tabs(questions.SECTIONS, key="sections")
    with context:
        questions.context_section(ruleset, checked)
    with systems:
        questions.systems_section(ruleset, checked)
    with flows:
        questions.flows_section(ruleset, checked, result)
with why:
    results.problems(to_fix)
    if good:
        results.blueprint(good.drawing, good.result, good.assessment)
        results.reasons(good.assessment, good.result, ruleset)
    else:
        st.caption("The reasons, the risks and what would change the answer follow it.")
