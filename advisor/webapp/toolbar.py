"""Where an assessment comes from (an example, a blank page, a file, a link) and where it goes
(a link to share, the downloads)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

import streamlit as st

from advisor.errors import InputError
from advisor.export import assessment_to_yaml
from advisor.formats import file_stem
from advisor.loader import parse_assessment
from advisor.models import Assessment, Result
from advisor.questionnaire import blank_answers
from advisor.ruleset import Ruleset
from advisor.share import MAX_ENCODED, encode_link
from advisor.webapp import downloads, resources, state
from advisor.webapp.diagram import Blueprint
from advisor.webapp.text import markdown_text
from advisor.yamldoc import MAX_BYTES, decode

EXAMPLE = "example"
UPLOAD = "upload"
UPLOAD_TRIES = "ia-upload-tries"  # files refused so far: a new uploader after each
# Files open up to the command line's limit, yamldoc.MAX_BYTES (1 MiB), and larger ones are
# refused in its words (open_file). The browser's own check counts a megabyte as 1,000,000
# bytes (1,048,576 on Windows), so it is set to 2: it lets every file the command line takes
# through, and the server's limit (server.maxUploadSize in .streamlit/config.toml) matches it.
UPLOAD_MB = 2
LARGEST_FILE = f"{MAX_BYTES:,} bytes (1 MiB)"


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
        help=f"{_count_words(len(titles))} integrations, from a plain API lookup to streaming "
        "telemetry.",
    )
    st.button(
        "A blank assessment",
        icon=":material/note_add:",
        on_click=_start_blank,
        width="stretch",
    )
    # A refused file counts a try: the next try gets an uploader of its own, empty, rather than
    # one still holding the refused file beside the next.
    upload_key = state.key((UPLOAD, st.session_state.get(UPLOAD_TRIES, 0)))
    with st.container(key="ia-upload"):  # look.py hides the browser's own limit, in MB
        st.file_uploader(
            "Your own YAML file",
            type=["yaml", "yml"],
            key=upload_key,
            max_upload_size=UPLOAD_MB,
            help=f"An assessment in the format `advisor assess` reads, up to {LARGEST_FILE}.",
            on_change=_open_upload,  # once per file chosen, a refused one too
            args=(upload_key,),
        )
        st.caption(f"Up to {LARGEST_FILE}, as `advisor assess` reads; .yaml or .yml.")


def _count_words(count: int) -> str:
    """A small count in words, as a sentence starts it (Seven); from 11 on, in figures."""
    words = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")
    return words[count] if count < len(words) else f"{count:,}"


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
        st.session_state[UPLOAD_TRIES] = st.session_state.get(UPLOAD_TRIES, 0) + 1
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


# The longest link the app makes, in characters, address included. The server (uvicorn's HTTP
# parser, h11) refuses a request whose head (the link and the browser's headers, among them the
# Referer that repeats the link) passes 16 KiB once it comes in network-sized pieces, with a bare
# "Invalid HTTP request"; half of that leaves room for any browser's and proxy's headers.
# tests/test_browser_layout.py measures the server's limit and holds this well below it.
LONGEST_LINK = 8_000


# The link of an assessment, by its value: every rerun asks for it, and a large assessment takes
# a third of a second to write out (a link opened in several sessions is written once).
_link = lru_cache(maxsize=16)(encode_link)


def share(assessment: Assessment | None) -> None:
    """Keep the address bar's link in step with complete answers, and offer it to copy; an
    assessment too large for a link is offered as a file instead."""
    if assessment is None:
        st.caption("Answer the flagged questions to get a link.")
        return
    link = _link(assessment)
    base = st.context.url or ""
    address = f"{base}?{state.LINK_PARAM}={quote(link)}"
    if len(link) > MAX_ENCODED or len(address) > LONGEST_LINK:  # no link rather than a bad one
        st.query_params.pop(state.LINK_PARAM, None)
        st.warning(
            f"**This assessment is too large for a link.** Its link would be "
            f"{len(address):,} characters long, and links stay under {LONGEST_LINK:,} so that "
            "every browser and server opens them. Share it as a file instead: a colleague "
            "opens it with Open, then Your own YAML file.",
            icon=":material/link_off:",
        )
        st.download_button(
            "Assessment (YAML)",
            data=lambda: assessment_to_yaml(assessment),  # written when asked for: it is large
            file_name=f"{file_stem(assessment)}.yaml",
            mime="application/yaml",
            icon=":material/description:",
            on_click="ignore",
            width="stretch",
            key="share-yaml",
        )
        return
    if st.query_params.get(state.LINK_PARAM) != link:
        st.query_params[state.LINK_PARAM] = link
    st.caption(
        "Copy this link: a colleague who opens it sees the same answers. The answers travel "
        "inside the link; nothing is stored. The address bar holds the same link, as of the "
        "last time every answer was complete."
    )
    st.code(address, language=None, wrap_lines=True)  # no scrolling box: all of it in sight


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
