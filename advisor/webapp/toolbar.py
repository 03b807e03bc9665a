"""Where an assessment comes from (an example, a blank page, a file, a link) and where it goes
(a link to share, the downloads)."""

from __future__ import annotations

from urllib.parse import quote

import streamlit as st

from advisor.errors import InputError
from advisor.loader import decode, parse_assessment
from advisor.models import Assessment, Result
from advisor.questionnaire import blank_answers
from advisor.ruleset import Ruleset
from advisor.share import encode_link
from advisor.webapp import downloads, resources, state
from advisor.webapp.diagram import Blueprint

EXAMPLE = "example"
UPLOAD = "upload"
UPLOADED = "uploaded-file"


def start_from() -> None:
    files = [item.file for item in resources.examples()]
    titles = {item.file: item.title for item in resources.examples()}
    if EXAMPLE not in st.session_state:
        st.session_state[EXAMPLE] = files[0]
    st.selectbox(
        "An example",
        files,
        format_func=titles.__getitem__,
        key=EXAMPLE,
        on_change=_open_example,
        help="Six integrations, from a plain API lookup to streaming telemetry.",
    )
    st.button(
        "A blank assessment",
        icon=":material/note_add:",
        on_click=_start_blank,
        width="stretch",
    )
    uploaded = st.file_uploader(
        "Your own YAML file",
        type=["yaml", "yml"],
        key=UPLOAD,
        max_upload_size=1,
        help="An assessment in the format `advisor assess` reads, up to 1 MB.",
    )
    if uploaded is not None and st.session_state.get(UPLOADED) != uploaded.file_id:
        st.session_state[UPLOADED] = uploaded.file_id
        open_file(uploaded.name, uploaded.getvalue())


def open_file(name: str, data: bytes) -> None:
    """Load an uploaded file, or say why not, in the words the command line uses."""
    try:
        assessment = parse_assessment(decode(data, name), name)
    except InputError as error:
        state.report(f"{name} could not be opened", error.problems)
        return
    state.load(assessment)


def _open_example() -> None:
    state.load(resources.example(st.session_state[EXAMPLE]))


def _start_blank() -> None:
    state.replace(blank_answers())


def share(assessment: Assessment | None) -> None:
    """Keep the address bar's link in step with complete answers, and offer it to copy."""
    if assessment is None:
        st.caption("Answer the flagged questions to get a link.")
        return
    link = encode_link(assessment)
    if st.query_params.get(state.LINK_PARAM) != link:
        st.query_params[state.LINK_PARAM] = link
    base = st.context.url or ""
    st.caption(
        "Copy this link: a colleague who opens it sees the same answers. The answers travel "
        "inside the link; nothing is stored. The address bar holds the same link."
    )
    st.code(f"{base}?{state.LINK_PARAM}={quote(link)}", language=None)


def export(
    assessment: Assessment | None,
    result: Result | None,
    ruleset: Ruleset,
    drawing: Blueprint | None,
) -> None:
    if assessment is None or result is None or drawing is None:
        st.caption("Answer the flagged questions to download the assessment and its report.")
        return
    for item in downloads.items(assessment, result, ruleset, drawing):
        st.download_button(
            item.label,
            data=item.data,
            file_name=item.file_name,
            mime=item.mime,
            help=item.help,
            icon=item.icon,
            on_click="ignore",
            width="stretch",
            key=f"download-{item.suffix}",
        )


def notice() -> None:
    """Why the last file or link could not be opened, line by line as the command line says."""
    shown = state.notice()
    if shown is None:
        return
    title, problems = shown
    st.error(f"**{title or 'This could not be opened'}**", icon=":material/error:")
    st.code("\n".join(f"error: {problem}" for problem in problems), language=None, wrap_lines=True)
    st.button("Dismiss", icon=":material/close:", type="tertiary", on_click=state.dismiss)
