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
from advisor.share import MAX_ENCODED, encode_link
from advisor.webapp import downloads, resources, state
from advisor.webapp.diagram import Blueprint
from advisor.webapp.text import markdown_text

EXAMPLE = "example"
UPLOAD = "upload"


def start_from() -> None:
    """Open an example, a blank page or a file. Their widgets are new after every replacement,
    so the same example or the same file can be opened again. Whatever is opened closes the
    menu, so that the page it opens is in sight."""
    titles = {item.file: item.title for item in resources.examples()}
    example_key = state.key((EXAMPLE,))
    st.selectbox(
        "An example",
        list(titles),
        index=None,
        placeholder="Pick one to open it",
        format_func=titles.__getitem__,
        key=example_key,
        on_change=_open_example,
        args=(example_key,),
        help="Six integrations, from a plain API lookup to streaming telemetry.",
    )
    st.button(
        "A blank assessment",
        icon=":material/note_add:",
        on_click=_start_blank,
        width="stretch",
    )
    upload_key = state.key((UPLOAD,))
    st.file_uploader(
        "Your own YAML file",
        type=["yaml", "yml"],
        key=upload_key,
        max_upload_size=1,
        help="An assessment in the format `advisor assess` reads, up to 1 MB.",
        on_change=_open_upload,  # once per file chosen, a refused one too
        args=(upload_key,),
    )


def _open_upload(upload_key: str) -> None:
    uploaded = st.session_state.get(upload_key)
    if uploaded is not None:
        state.close_open_menu()
        open_file(uploaded.name, uploaded.getvalue())


def open_file(name: str, data: bytes) -> None:
    """Load an uploaded file, or say why not, in the words the command line uses."""
    try:
        assessment = parse_assessment(decode(data, name), name)
    except InputError as error:
        state.report(f"{name} could not be opened", error.problems)
        return
    state.load(assessment)


def _open_example(example_key: str) -> None:
    chosen = st.session_state[example_key]
    if chosen is not None:
        state.close_open_menu()
        state.load(resources.example(chosen))


def _start_blank() -> None:
    state.close_open_menu()
    state.replace(blank_answers())


def share(assessment: Assessment | None) -> None:
    """Keep the address bar's link in step with complete answers, and offer it to copy."""
    if assessment is None:
        st.caption("Answer the flagged questions to get a link.")
        return
    link = encode_link(assessment)
    if len(link) > MAX_ENCODED:  # a link the app would refuse to open: none at all
        st.query_params.pop(state.LINK_PARAM, None)
        st.caption(
            f"This assessment is too large for a link ({len(link):,} characters; links hold "
            f"up to {MAX_ENCODED:,}). Share it as a file: Download, then Assessment (YAML)."
        )
        return
    if st.query_params.get(state.LINK_PARAM) != link:
        st.query_params[state.LINK_PARAM] = link
    base = st.context.url or ""
    st.caption(
        "Copy this link: a colleague who opens it sees the same answers. The answers travel "
        "inside the link; nothing is stored. The address bar holds the same link, as of the "
        "last time every answer was complete."
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
            key=f"download-{item.key}",
        )


def notice() -> None:
    """Why the last file or link could not be opened, line by line as the command line says."""
    shown = state.notice()
    if shown is None:
        return
    title, problems = shown
    st.error(f"**{markdown_text(title or 'This could not be opened')}**", icon=":material/error:")
    st.code("\n".join(f"error: {problem}" for problem in problems), language=None, wrap_lines=True)
    st.button("Dismiss", icon=":material/close:", type="tertiary", on_click=state.dismiss)
