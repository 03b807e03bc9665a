"""The web app, driven through Streamlit's AppTest: no browser, the real script."""

from __future__ import annotations

import base64
import html
import random
import string
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from advisor.advice import assess
from advisor.blueprint import blueprint_dot
from advisor.cli import main
from advisor.loader import load_assessment
from advisor.models import Assessment
from advisor.questionnaire import answers_from, blank_answers, validate_answers
from advisor.render import render
from advisor.ruleset import Ruleset
from advisor.share import decode_link, encode_link
from tests.conftest import EXAMPLES, ROOT

APP = ROOT / "app.py"
GIFTING = load_assessment(ROOT / "examples" / "gifting-orders.yaml")

# One flow that events win while nobody waits, and APIs win once the initiator waits.
STATUS_SYNC = Assessment.model_validate(
    {
        "name": "Invoice status",
        "systems": [{"id": "billing", "owner": "finance"}, {"id": "portal", "owner": "finance"}],
        "flows": [
            {
                "id": "status-changed",
                "source": "billing",
                "targets": ["portal"],
                "trigger": "data_change",
                "max_delay_seconds": 5,
                "events_per_day": 2000,
            }
        ],
    }
)


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def opened(link: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if link is not None:
        at.query_params["a"] = link
    at.run()
    assert not at.exception, at.exception
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def section(at: AppTest, name: str) -> AppTest:
    """The questions sit in tabs, all drawn on every run; a tab switch needs no rerun."""
    assert any(tab.label.endswith(f" {name}") for tab in at.tabs)
    return at


def generation(at: AppTest) -> int:
    return int(at.session_state["generation"])


def key(at: AppTest, *path: Any) -> str:
    return f"g{generation(at)}:" + ".".join(map(str, path))


def table_key(at: AppTest) -> str:
    """The systems table's key: it stays the same while its edits accumulate."""
    return f"t{at.session_state['table'][0]}:systems"


def recommendation(at: AppTest) -> str:
    (card,) = [item.value for item in at.markdown if 'class="ia-card' in item.value]
    return card.split('<div class="ia-style">', 1)[1].split("<", 1)[0]


def current(at: AppTest) -> Assessment:
    assessment = validate_answers(at.session_state["answers"]).assessment
    assert assessment is not None
    return assessment


def notice(at: AppTest) -> list[str]:
    """The lines under the error box, as the command line prints them."""
    (lines,) = [item.value for item in at.code if item.value.startswith("error: ")]
    return lines.splitlines()


def link_of(at: AppTest) -> str:
    value = at.query_params["a"]
    return value if isinstance(value, str) else value[-1]


def problems_listed(at: AppTest) -> str:
    (listed,) = [item.value for item in at.markdown if 'class="ia-problems"' in item.value]
    return listed


def blueprint_shown(at: AppTest) -> str:
    """The SVG in the zoomable viewer (an iframe holding it as a data: URL)."""
    (frame,) = at.get("iframe")
    page = frame.proto.srcdoc
    prefix = 'src="data:image/svg+xml;base64,'
    assert page.count(prefix) == 1
    data = page.split(prefix, 1)[1].split('"', 1)[0]
    return base64.b64decode(data).decode("utf-8")


def blueprint_of(assessment: Assessment, ruleset: Ruleset, **options: Any) -> str:
    dot = blueprint_dot(assessment, assess(assessment, ruleset), ruleset, **options)
    return render(dot, "svg").decode("utf-8")


def flags(at: AppTest) -> list[str]:
    return [item.value for item in at.markdown if 'class="ia-flag"' in item.value]


# ---------------------------------------------------------------------------------------------


def test_first_open_shows_an_example_already_scored(ruleset: Ruleset) -> None:
    at = opened()
    assert current(at) == GIFTING
    assert recommendation(at) == "Hybrid"
    texts = " ".join(item.value for item in at.markdown)
    assert "Azure Service Bus" in texts
    assert "place\\-order" in " ".join(item.label for item in at.expander)  # Markdown-escaped
    assert blueprint_shown(at) == blueprint_of(GIFTING, ruleset)
    assert not at.error


def test_every_section_renders() -> None:
    at = opened()
    context, systems, flows = at.tabs
    assert [tab.label.split()[-1] for tab in at.tabs] == ["Context", "Systems", "Flows"]
    assert [item.label for item in context.text_input] == ["What is the integration called?"]
    assert len(systems.data_editor) == 1
    assert [item.value for item in flows.toggle] == [True]  # place-order waits for an answer
    assert recommendation(at) == "Hybrid"


def test_the_questions_use_the_rules_words(ruleset: Ruleset) -> None:
    at = section(opened(), "Flows")
    toggle = at.toggle(key=key(at, "flows", 0, "needs_response"))
    assert toggle.label == ruleset.questions["flow.needs_response"].label
    assert toggle.help == ruleset.questions["flow.needs_response"].help
    at = section(at, "Context")
    assert at.selectbox(key=key(at, "context", "cloud")).help == (
        ruleset.questions["context.cloud"].help
    )


def test_waiting_for_an_answer_turns_a_flow_api_driven(ruleset: Ruleset) -> None:
    at = section(opened(encode_link(STATUS_SYNC)), "Flows")
    assert recommendation(at) == "Event-driven"
    before = blueprint_shown(at)
    at.toggle(key=key(at, "flows", 0, "needs_response")).set_value(True)
    run(at)
    assert recommendation(at) == "API-driven"
    assert current(at).flows[0].needs_response is True
    assert blueprint_shown(at) == blueprint_of(current(at), ruleset) != before


def test_every_answer_changes_the_result_it_should(ruleset: Ruleset) -> None:
    at = section(opened(), "Flows")
    at.button_group(key=key(at, "flow-picker")).set_value(1)
    run(at)
    at.number_input(key=key(at, "flows", 1, "events_per_day")).set_value(9_000_000)
    run(at)
    assert current(at).flows[1].events_per_day == 9_000_000
    assert "Apache Kafka" in " ".join(item.value for item in at.markdown)
    at = section(at, "Context")
    at.selectbox(key=key(at, "context", "existing_broker")).set_value("rabbitmq")
    run(at)
    assert current(at).context.existing_broker == "rabbitmq"
    assert "RabbitMQ" in " ".join(item.value for item in at.markdown)


def test_answers_survive_switching_flows_and_reruns() -> None:
    at = section(opened(), "Flows")
    at.number_input(key=key(at, "flows", 0, "events_per_day")).set_value(4321)
    run(at)
    run(run(at))
    assert at.number_input(key=key(at, "flows", 0, "events_per_day")).value == 4321
    at.button_group(key=key(at, "flow-picker")).set_value(1)
    run(at)
    at.button_group(key=key(at, "flow-picker")).set_value(0)
    run(at)
    assert at.number_input(key=key(at, "flows", 0, "events_per_day")).value == 4321
    at = section(at, "Context")
    at.text_input(key=key(at, "name")).input("Renamed")
    run(section(at, "Flows"))
    at = section(at, "Context")
    assert at.text_input(key=key(at, "name")).value == "Renamed"


def test_removing_a_system_flags_its_flows_without_a_crash() -> None:
    at = section(opened(), "Systems")
    at.session_state[table_key(at)] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [1],
    }
    run(at)
    assert [system["id"] for system in at.session_state["answers"]["systems"]] == [
        "storefront",
        "florists",
        "courier",
        "messaging",
    ]
    assert (
        "<li><b>Flows › order-confirmed › Where does the data start?</b>: "
        "no system has the id &#x27;orders&#x27;" in problems_listed(at)
    )
    at = section(at, "Flows")
    assert any("no system has the id" in flag for flag in flags(at))


def test_renaming_a_system_in_the_table_keeps_the_flows_pointing_at_it() -> None:
    at = section(opened(), "Systems")
    at.session_state[table_key(at)] = {
        "edited_rows": {1: {"id": "order-service", "api_rate_limit_per_minute": 60}},
        "added_rows": [{"id": "crm", "name": "CRM"}],
        "deleted_rows": [],
    }
    run(at)
    assessment = current(at)
    assert assessment.system("order-service").api_rate_limit_per_minute == 60
    assert assessment.system("crm").name == "CRM"
    assert assessment.flows[1].source == "order-service"
    assert not flags(at)


def test_table_edits_accumulate_under_one_key() -> None:
    """The table keeps its key as edits arrive, so an edit typed during a rerun is not lost;
    a rename and its undoing both reach the flows."""
    at = section(opened(), "Systems")
    table = table_key(at)
    steps = [
        ({1: {"id": "order-service"}}, "order-service"),
        ({1: {"id": "order-service"}, 0: {"owner": "web team"}}, "order-service"),
        ({1: {"id": "orders"}, 0: {"owner": "web team"}}, "orders"),
    ]
    for edited, source in steps:
        at.session_state[table] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}
        run(at)
        assert table_key(at) == table
        assert current(at).flows[1].source == source
    assert current(at).system("storefront").owner == "web team"
    assert not flags(at)


def test_flows_can_be_added_copied_and_removed() -> None:
    at = section(opened(), "Flows")
    at.button(key=None)  # the buttons are unkeyed; find them by label below
    labels = {button.label: button for button in at.button}
    labels["Add a flow"].click()
    run(at)
    assert [flow.id for flow in current(at).flows] == ["place-order", "order-confirmed"]
    assert at.text_input(key=key(at, "flows", 2, "id")).value == "flow-1"
    at.button_group(key=key(at, "flows", 2, "trigger")).set_value("user_action")
    run(at)  # touched: counted from now on
    assert [flow.id for flow in current(at).flows] == ["place-order", "order-confirmed", "flow-1"]
    {button.label: button for button in at.button}["Duplicate"].click()
    run(at)
    assert [flow.id for flow in current(at).flows][-1] == "flow-2"
    {button.label: button for button in at.button}["Remove"].click()
    run(at)
    assert [flow.id for flow in current(at).flows] == ["place-order", "order-confirmed", "flow-1"]


def test_a_bad_upload_shows_the_command_lines_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = b"name: Broken\nsystems:\n  - id: a\n    emits_events: maybe\nflows: []\n"
    (tmp_path / "broken.yaml").write_bytes(text)
    assert main(["assess", str(tmp_path / "broken.yaml")]) == 1
    cli_lines = [
        line.replace(str(tmp_path / "broken.yaml"), "broken.yaml")
        for line in capsys.readouterr().err.splitlines()
    ]
    at = opened()
    at.file_uploader[0].set_value(("broken.yaml", text, "application/yaml"))
    run(at)
    assert [item.value for item in at.error] == ["**broken\\.yaml could not be opened**"]
    assert notice(at) == cli_lines
    assert current(at) == GIFTING, "the answers stay as they were"
    {button.label: button for button in at.button}["Dismiss"].click()
    run(at)
    assert not at.error


def test_removing_every_system_keeps_the_table() -> None:
    at = section(opened(), "Systems")
    at.session_state[table_key(at)] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [0, 1, 2, 3, 4],
    }
    run(at)
    assert at.session_state["answers"]["systems"] == []
    assert len(at.data_editor) == 1, "the table stays, to add systems back"


def test_the_same_example_and_the_same_file_open_again() -> None:
    at = opened()
    at.text_input(key=key(at, "name")).set_value("Edited")
    run(at)
    at.selectbox(key=key(at, "example")).set_value("gifting-orders.yaml")
    run(at)
    assert current(at) == load_assessment(ROOT / "examples" / "gifting-orders.yaml")
    example = ROOT / "examples" / "fleet-telematics.yaml"
    for _ in range(2):
        at.file_uploader[0].set_value((example.name, example.read_bytes(), "application/yaml"))
        run(at)
        assert current(at) == load_assessment(example)
        {button.label: button for button in at.button}["A blank assessment"].click()
        run(at)
        assert at.session_state["answers"] == blank_answers()


def test_an_assessment_too_large_for_a_link_gets_none() -> None:
    noise = random.Random(7)
    flows = "".join(
        f"  - id: flow-{n}\n    source: a\n    targets: [b]\n    trigger: user_action\n"
        f"    needs_response: true\n    description: "
        + "".join(noise.choice(string.ascii_letters) for _ in range(1900))
        + "\n"
        for n in range(25)
    )
    text = f"name: Large\nsystems: [{{id: a}}, {{id: b}}]\nflows:\n{flows}".encode()
    at = opened()
    at.file_uploader[0].set_value(("large.yaml", text, "application/yaml"))
    run(at)
    assert current(at).name == "Large"
    assert "a" not in at.query_params
    assert any("too large for a link" in warning.value for warning in at.warning)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x00\x01binary", "holds binary data"),
        (b"", "is empty"),
        (b"a: [1, 2\n", "broken.yaml:2"),
        (b"- just\n- a list\n", "holds a list at the top level"),
    ],
)
def test_refused_files_never_show_a_traceback(data: bytes, says: str) -> None:
    at = opened()
    at.file_uploader[0].set_value(("broken.yaml", data, "application/yaml"))
    run(at)
    assert at.error
    assert says in "\n".join(notice(at))


def test_a_good_upload_replaces_the_answers() -> None:
    example = ROOT / "examples" / "fleet-telematics.yaml"
    at = opened()
    at.file_uploader[0].set_value((example.name, example.read_bytes(), "application/yaml"))
    run(at)
    assert current(at) == load_assessment(example)
    assert recommendation(at) == "Event-driven"
    assert not at.error


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_can_be_picked(example: Path, ruleset: Ruleset) -> None:
    at = opened()
    at.selectbox(key=key(at, "example")).set_value(example.name)
    run(at)
    assessment = load_assessment(example)
    assert current(at) == assessment
    names = {"api": "API-driven", "event": "Event-driven", "hybrid": "Hybrid"}
    assert recommendation(at) == names[assess(assessment, ruleset).recommendation]


def test_starting_blank() -> None:
    at = opened()
    {button.label: button for button in at.button}["A blank assessment"].click()
    run(at)
    assert at.session_state["answers"] == blank_answers()


def test_the_link_follows_the_answers_and_opens_the_same_assessment() -> None:
    at = section(opened(), "Flows")
    assert decode_link(link_of(at)) == GIFTING
    at.number_input(key=key(at, "flows", 0, "max_delay_seconds")).set_value(45.0)
    run(at)
    link = link_of(at)
    assert decode_link(link).flows[0].max_delay_seconds == 45
    again = opened(link)
    assert again.session_state["answers"] == at.session_state["answers"]
    assert recommendation(again) == recommendation(at)


@pytest.mark.parametrize("link", ["1garbage", "not a link", "1" + "A" * 50])
def test_a_malformed_link_shows_an_error_and_a_blank_assessment(link: str) -> None:
    at = opened(link)
    assert [item.value for item in at.error] == ["**This link could not be opened**"]
    assert notice(at)[0].startswith("error: link: ")
    assert at.session_state["answers"] == blank_answers()
    assert validate_answers(blank_answers()).assessment is None, "nothing invented is scored"
    assert "Start here" in " ".join(item.value for item in at.markdown)


def test_incomplete_answers_keep_the_last_result_out_of_date() -> None:
    at = section(opened(), "Context")
    at.text_input(key=key(at, "name")).input("")
    run(at)
    assert recommendation(at) == "Hybrid", "the last complete answers' result stays"
    assert any("Out of date" in item.value for item in at.markdown)
    assert len(at.get("iframe")) == 1, "the blueprint from before stays"
    assert (
        "<li><b>Context › What is the integration called?</b>: must not be empty</li>"
        in problems_listed(at)
    )
    assert any("must not be empty" in flag for flag in flags(at))
    assert "a" not in at.query_params or decode_link(link_of(at)) == GIFTING


def test_every_download_is_offered() -> None:
    at = opened()
    assert [button.proto.label for button in at.get("download_button")] == [
        "Assessment (YAML)",
        "Report (HTML)",
        "Decision record (Markdown)",
        "Result (JSON)",
        "Blueprint (SVG)",
        "Blueprint (PNG)",
        "Events contract (AsyncAPI)",
        "API contract (OpenAPI)",
        "Risk backlog (CSV)",
    ]


def test_what_would_change_the_answer_is_listed(ruleset: Ruleset) -> None:
    at = opened()
    listed = " ".join(item.value for item in at.markdown if 'class="ia-changes"' in item.value)
    changes = assess(GIFTING, ruleset).what_would_change
    assert changes
    for change in changes:
        assert html.escape(change.summary) in listed


def test_answers_are_kept_per_visitor() -> None:
    first, second = opened(), opened(encode_link(STATUS_SYNC))
    assert first.session_state["answers"] == answers_from(GIFTING)
    assert second.session_state["answers"] == answers_from(STATUS_SYNC)


def test_a_long_list_of_changes_is_folded(ruleset: Ruleset) -> None:
    """Copies of gifting's event flow each bring their own changes; past six, they fold."""
    confirmed = GIFTING.flows[1]
    copies = tuple(confirmed.model_copy(update={"id": f"confirmed-{n}"}) for n in range(3))
    many = GIFTING.model_copy(update={"flows": (*GIFTING.flows, *copies)})
    changes = assess(many, ruleset).what_would_change
    assert len(changes) > 6
    at = opened(encode_link(many))
    (folded,) = [item for item in at.expander if item.label == f"{len(changes) - 6} more"]
    inside = " ".join(item.value for item in folded.markdown)
    assert all(html.escape(change.summary) in inside for change in changes[6:])
    listed = " ".join(item.value for item in at.markdown if 'class="ia-changes"' in item.value)
    assert all(html.escape(change.summary) in listed for change in changes)


def test_the_example_picker_counts_its_examples_in_its_help() -> None:
    at = opened()
    (picker,) = [box for box in at.selectbox if box.label == "An example"]
    count = len(picker.options)
    words = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")
    assert count == len(list((ROOT / "examples").glob("*.yaml")))
    assert picker.help.startswith(f"{words[count - 1]} integrations, ")
