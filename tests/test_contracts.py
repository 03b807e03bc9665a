"""The contracts `advisor contracts` writes: AsyncAPI 3.0.0 documents valid against the official
JSON Schema (vendored in tests/data/asyncapi), OpenAPI 3.1.0 documents valid for
openapi-spec-validator, each flow in them as its advice says, and no input able to break them."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from openapi_spec_validator import validate as validate_openapi

from advisor.advice import assess
from advisor.contracts import (
    ASYNCAPI_FILE,
    OPENAPI_FILE,
    asyncapi_document,
    contract_files,
    contract_names,
    markdown_text,
    openapi_document,
    to_yaml,
    topic_name,
)
from advisor.models import Assessment, Broker, Result
from advisor.ruleset import Ruleset
from tests.conftest import EXAMPLES, ROOT, build, minimal
from tests.strategies import TEXT, assessments
from tests.synthetic import generated_assessment

SCHEMA = ROOT / "tests" / "data" / "asyncapi" / "asyncapi-3.0.0.schema.json"
CASES = sorted((ROOT / "tests" / "cases").glob("*.yaml"))
CORPUS = sorted((ROOT / "tests" / "corpus").glob("*.yaml"))
HOSTILE = ROOT / "tests" / "data" / "hostile-names.yaml"
# Every broker choice the default rules can make, and no broker (direct delivery)
CHOICES: tuple[str | None, ...] = (
    "kafka",
    "sns_sqs",
    "eventbridge",
    "pubsub",
    "service_bus",
    "rabbitmq",
    "other",
    None,
)


@functools.cache
def _asyncapi_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def check_asyncapi(document: dict[str, Any]) -> None:
    """Valid against the official AsyncAPI 3.0.0 schema, and every $ref leads somewhere."""
    errors = sorted(_asyncapi_validator().iter_errors(document), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{error.json_path}: {error.message[:300]}" for error in errors)
    check_references(document)


def check_openapi(document: dict[str, Any]) -> None:
    validate_openapi(document)  # raises on any problem, $refs included
    check_references(document)


def check_references(document: dict[str, Any]) -> None:
    for ref in _refs(document):
        assert ref.startswith("#/"), ref
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(node, dict) and part in node, f"{ref} leads nowhere"
            node = node[part]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def load_case(path: Path) -> Assessment:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return build(data.get("assessment", data))


def with_broker(result: Result, choice: str | None) -> Result:
    """The result as if the rules had picked `choice` (None: no broker, direct delivery)."""
    broker = Broker(choice=choice, name=f"Broker {choice}", why="Chosen for the test.", rule="t")
    return result.model_copy(update={"broker": broker})


def documents(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Both documents as written to their files, read back."""
    files = contract_files(assessment, result, ruleset)
    events = files.get(ASYNCAPI_FILE)
    calls = files.get(OPENAPI_FILE)
    return (
        None if events is None else yaml.load(events, Loader=SAFE_LOADER),
        None if calls is None else yaml.load(calls, Loader=SAFE_LOADER),
    )


# yaml.safe_load's reading with libyaml's parser, several times faster on these documents.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every OpenAPI operation, in paths and in webhooks."""
    found = []
    for section in ("paths", "webhooks"):
        for item in document.get(section, {}).values():
            found += [op for method, op in item.items() if method in _METHODS]
    return found


_METHODS = ("get", "put", "post", "delete", "patch")


def flow_of(described: dict[str, Any]) -> str:
    """The flow a part of a contract says it came from."""
    match = re.match(r"From flow `([^`]+)`", described["description"])
    assert match, described["description"]
    return match.group(1)


def check_round_trip(assessment: Assessment, result: Result, ruleset: Ruleset) -> None:
    """Every event or hybrid flow is exactly one channel, with one send and a receive per
    target; every API flow is at least one operation, every hybrid flow a GET; the files that
    do not apply are not written; both documents are valid."""
    events, calls = documents(assessment, result, ruleset)
    written = [name for name, doc in ((ASYNCAPI_FILE, events), (OPENAPI_FILE, calls)) if doc]
    assert contract_names(result) == tuple(written)
    styles = {flow.id: flow.style for flow in result.flows}
    evented = [flow for flow in assessment.flows if styles[flow.id] != "api"]
    direct = result.broker is None or result.broker.choice is None
    if not evented:
        assert events is None
    else:
        assert events is not None
        check_asyncapi(events)
        channels = events["channels"]
        assert sorted(channels) == sorted(flow.id for flow in evented)
        addresses = [channel["address"] for channel in channels.values()]
        assert len(set(addresses)) == len(addresses)
        for flow in evented:
            channel = channels[flow.id]
            assert channel["address"] == topic_name(flow)
            assert len(channel["messages"]) == 1
            used = [
                op
                for op in events["operations"].values()
                if op["channel"]["$ref"] == f"#/channels/{flow.id}"
            ]
            assert sorted(op["action"] for op in used) == ["receive"] * len(flow.targets) + ["send"]
            assert {flow_of(op) for op in used} == {flow.id}
        assert ("servers" in events) == (not direct and result.broker.choice != "other")  # type: ignore[union-attr]
    needs_calls = any(styles[flow.id] != "event" for flow in assessment.flows) or (
        direct and bool(evented)
    )
    if not needs_calls:
        assert calls is None
        return
    assert calls is not None
    check_openapi(calls)
    by_flow: dict[str, list[str]] = {}
    for op in operations(calls):
        by_flow.setdefault(flow_of(op), []).append(op["operationId"])
    for flow in assessment.flows:
        if styles[flow.id] == "api":
            assert by_flow.get(flow.id), f"API flow {flow.id} has no operation"
        if styles[flow.id] == "hybrid":
            assert f"/{flow.source}/{flow.id}/{{id}}" in calls["paths"]
    assert sorted(calls.get("webhooks", {})) == sorted(flow.id for flow in evented if direct)


# ---------------------------------------------------------------------------------------------
# Every example, case and corpus entry, and generated estates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*EXAMPLES, *CASES, *CORPUS, HOSTILE], ids=lambda path: path.stem)
def test_every_known_assessment_gives_valid_contracts(path: Path, ruleset: Ruleset) -> None:
    assessment = load_case(path)
    check_round_trip(assessment, assess(assessment, ruleset, what_if=False), ruleset)


EVENTED = [
    path
    for path in [*EXAMPLES, *CASES, *CORPUS]
    if path.stem
    in {
        "fleet-telematics",  # per-key order, three consumers
        "clinic-documents",  # hybrid, large payloads
        "gifting-orders",  # API and events together
        "producer-without-events",  # dual write
        "global-ordering-ledger",
        "supplier-invoices-claim-check",
    }
]


@pytest.mark.parametrize("choice", CHOICES, ids=str)
@pytest.mark.parametrize("path", EVENTED, ids=lambda path: path.stem)
def test_every_broker_gives_a_valid_asyncapi(
    path: Path, choice: str | None, ruleset: Ruleset
) -> None:
    assessment = load_case(path)
    check_round_trip(
        assessment, with_broker(assess(assessment, ruleset, what_if=False), choice), ruleset
    )


@pytest.mark.parametrize(
    "size",
    [(3, 5), pytest.param((30, 50), marks=pytest.mark.slow)],
    ids=lambda size: f"{size[0]}x{size[1]}",
)
def test_generated_estates_give_valid_contracts(size: tuple[int, int], ruleset: Ruleset) -> None:
    assessment = generated_assessment(*size)
    check_round_trip(assessment, assess(assessment, ruleset, what_if=False), ruleset)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(assessment=assessments(), choice=st.sampled_from(CHOICES), keep=st.booleans())
def test_any_assessment_gives_valid_contracts(
    assessment: Assessment, choice: str | None, keep: bool, ruleset: Ruleset
) -> None:
    result = assess(assessment, ruleset, what_if=False)
    check_round_trip(assessment, result if keep else with_broker(result, choice), ruleset)


# ---------------------------------------------------------------------------------------------
# What each flow becomes
# ---------------------------------------------------------------------------------------------


def _contracts(
    ruleset: Ruleset, data: dict[str, Any], choice: str | bool | None = False
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, Result]:
    assessment = build(data)
    result = assess(assessment, ruleset, what_if=False)
    if choice is not False:
        result = with_broker(result, choice)  # type: ignore[arg-type]
    events, calls = documents(assessment, result, ruleset)
    return events, calls, result


def _risks(result: Result, flow: str) -> set[str]:
    return {risk.id for risk in result.risks if flow in risk.flows}


def _system(system_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": system_id, "name": system_id.upper(), **fields}


def _evented(**flow: Any) -> dict[str, Any]:
    """One flow from `a` to three consumers, busy enough to be event-driven."""
    data = minimal(events_per_day=5_000_000, max_delay_seconds=1, peak_per_second=2000, **flow)
    data["flows"][0]["targets"] = ["b", "c", "d"]
    return data


def _lookup(**flow: Any) -> dict[str, Any]:
    """An agent's lookup: the target calls the source and waits."""
    return {
        "name": "Lookup",
        "systems": [_system("crm", api_rate_limit_per_minute=60), _system("desk")],
        "flows": [
            {
                "id": "customer",
                "source": "crm",
                "targets": ["desk"],
                "trigger": "user_action",
                "initiator": "target",
                "needs_response": True,
                "max_delay_seconds": 2,
                **flow,
            }
        ],
    }


def test_a_lookup_is_a_get_on_the_source_with_429_for_its_rate_limit(ruleset: Ruleset) -> None:
    events, calls, result = _contracts(ruleset, _lookup())
    assert result.flows[0].style == "api"
    assert events is None
    assert calls is not None
    get = calls["paths"]["/crm/customer/{id}"]["get"]
    assert get["tags"] == ["crm"]
    assert set(get["responses"]) == {"200", "404", "429"}
    assert get["responses"]["429"]["headers"]["Retry-After"] == {
        "$ref": "#/components/headers/Retry-After"
    }
    assert "60 calls a minute" in get["responses"]["429"]["description"]
    assert not any(p["name"] == "Idempotency-Key" for p in get["parameters"])


def test_no_429_where_the_called_side_gives_no_rate_limit(ruleset: Ruleset) -> None:
    data = _lookup()
    data["systems"][0].pop("api_rate_limit_per_minute")
    _, calls, _ = _contracts(ruleset, data)
    assert calls is not None
    assert "429" not in calls["paths"]["/crm/customer/{id}"]["get"]["responses"]
    assert "headers" not in calls["components"]


def test_a_command_is_a_post_to_each_target_with_an_idempotency_key(ruleset: Ruleset) -> None:
    data = {
        "name": "Orders",
        "systems": [_system("shop"), _system("erp", api_rate_limit_per_minute=30), _system("wms")],
        "flows": [
            {
                "id": "place-order",
                "source": "shop",
                "targets": ["erp", "wms"],
                "trigger": "user_action",
                "needs_response": True,
                "consistency": "strong",
                "max_delay_seconds": 2,
            }
        ],
    }
    _, calls, result = _contracts(ruleset, data)
    assert result.flows[0].style == "api"
    assert "retried-commands" in _risks(result, "place-order")
    assert calls is not None
    for target, limited in (("erp", True), ("wms", False)):
        post = calls["paths"][f"/{target}/place-order"]["post"]
        key = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
        assert key and key[0]["in"] == "header" and key[0]["required"] is True
        assert "201" in post["responses"]
        assert ("429" in post["responses"]) is limited  # the called target's own limit


def test_no_idempotency_key_where_retried_commands_was_not_raised(ruleset: Ruleset) -> None:
    data = minimal(trigger="user_action", needs_response=False, max_delay_seconds=1)
    data["flows"][0].update(consistency="strong")
    _, calls, result = _contracts(ruleset, data)
    assert result.flows[0].style == "api"
    assert "retried-commands" not in _risks(result, "f")
    assert calls is not None
    post = calls["paths"]["/b/f"]["post"]
    assert [p["name"] for p in post["parameters"]] == []
    assert set(post["responses"]) == {"202"}


def test_a_polled_flow_lists_changes_since_with_pages(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "tests" / "cases" / "polled-report-is-api.yaml")
    result = assess(assessment, ruleset, what_if=False)
    polled = [flow for flow in result.flows if flow.style == "api" and flow.polling is not None]
    assert polled, "the case no longer has a polled API flow"
    _, calls = documents(assessment, result, ruleset)
    assert calls is not None
    for advice in polled:
        flow = next(flow for flow in assessment.flows if flow.id == advice.id)
        get = calls["paths"][f"/{flow.source}/{flow.id}"]["get"]
        names = [p["name"] for p in get["parameters"]]
        assert names[:1] == ["updated_since"] and "cursor" in names and "limit" in names
        assert get["parameters"][0]["schema"] == {"type": "string", "format": "date-time"}
        page = calls["components"]["schemas"][f"{flow.id}-page"]
        assert set(page["properties"]) == {"items", "next_cursor"}


def test_no_updated_since_for_a_lookup(ruleset: Ruleset) -> None:
    _, calls, result = _contracts(ruleset, _lookup())
    assert result.flows[0].polling is None
    assert calls is not None
    assert "/crm/customer" not in calls["paths"]
    names = [p["name"] for p in calls["paths"]["/crm/customer/{id}"]["get"]["parameters"]]
    assert names == ["id"]


def test_a_hybrid_flow_is_a_thin_event_and_a_fetch(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "clinic-documents.yaml")
    result = assess(assessment, ruleset, what_if=False)
    assert {flow.id: flow.style for flow in result.flows}["referral-received"] == "hybrid"
    events, calls = documents(assessment, result, ruleset)
    assert events is not None and calls is not None
    data = events["components"]["schemas"]["referral-received-data"]
    assert data["required"] == ["id", "version", "url"]
    assert data["properties"]["url"]["format"] == "uri"
    fetch = calls["paths"]["/documents/referral-received/{id}"]["get"]
    assert fetch["operationId"] == "referral-received.get"
    assert "hybrid" in fetch["description"]


def test_an_event_carries_the_change_and_cloudevents_attributes(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "fleet-telematics.yaml")
    events = asyncapi_document(assessment, assess(assessment, ruleset, what_if=False), ruleset)
    assert events is not None
    (flow,) = assessment.flows
    envelope = events["components"]["schemas"][f"{flow.id}-event"]
    assert envelope["required"] == [
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "datacontenttype",
        "data",
    ]
    assert envelope["properties"]["specversion"]["const"] == "1.0"
    assert envelope["properties"]["type"]["const"] == topic_name(flow)
    assert envelope["properties"]["source"]["const"] == f"/systems/{flow.source}"
    data = events["components"]["schemas"][f"{flow.id}-data"]
    assert {"id", "change"} <= set(data["required"])
    message = events["components"]["messages"][flow.id]
    assert message["contentType"] == "application/cloudevents+json"
    for attribute in ("specversion", "source", "type", "time", "datacontenttype"):
        assert f"`{attribute}`" in message["description"]


def test_topic_names_follow_the_convention() -> None:
    flow = build(minimal(trigger="data_change")).flows[0]
    assert topic_name(flow) == "a.f.changed.v1"
    words = {"user_action": "submitted", "telemetry": "reported", "schedule": "published"}
    for trigger, word in words.items():
        assert topic_name(build(minimal(trigger=trigger)).flows[0]) == f"a.f.{word}.v1"


@pytest.mark.parametrize(
    ("ordering", "risk"),
    [("none", None), ("per_key", "ordering-per-key"), ("global", "ordering-global")],
)
def test_headers_follow_the_risks_raised(ordering: str, risk: str | None, ruleset: Ruleset) -> None:
    events, _, result = _contracts(ruleset, _evented(ordering=ordering), "kafka")
    assert result.flows[0].style == "event"
    raised = _risks(result, "f")
    assert events is not None
    headers = events["components"]["messages"]["f"]["headers"]
    assert {"Event-Id", "Correlation-Id"} <= set(headers["required"])
    assert ("Idempotency-Key" in headers["properties"]) == ("idempotency" in raised)
    assert ("Partition-Key" in headers["properties"]) == (risk is not None)
    if risk is not None:
        assert risk in raised
        assert risk in headers["properties"]["Partition-Key"]["description"]
    kafka = events["channels"]["f"]["bindings"]["kafka"]
    assert (kafka.get("partitions") == 1) == (ordering == "global")
    key = events["components"]["messages"]["f"]["bindings"]["kafka"].get("key")
    assert (key is not None) == (risk is not None)


@pytest.mark.parametrize(
    ("choice", "protocols"),
    [
        ("kafka", ["kafka"]),
        ("sns_sqs", ["sns", "sqs"]),
        ("pubsub", ["googlepubsub"]),
        ("rabbitmq", ["amqp"]),
        ("service_bus", ["amqps"]),
        ("eventbridge", ["https"]),
        ("other", []),
        (None, []),
    ],
)
def test_the_server_is_the_chosen_brokers(
    choice: str | None, protocols: list[str], ruleset: Ruleset
) -> None:
    events, calls, _ = _contracts(ruleset, _evented(), choice)
    assert events is not None
    assert [server["protocol"] for server in events.get("servers", {}).values()] == protocols
    send = events["operations"]["f.send"]
    if choice is None:
        assert send["bindings"] == {"http": {"method": "POST", "bindingVersion": "0.3.0"}}
        assert calls is not None and "f" in calls["webhooks"]
        assert "webhook" in events["info"]["description"]
    else:
        assert calls is None or "webhooks" not in calls


def test_sns_sqs_queues_and_dead_letter_queues(ruleset: Ruleset) -> None:
    data = _evented(ordering="per_key")
    data["flows"][0]["targets"] = ["b", "c"]
    events, _, result = _contracts(ruleset, data, "sns_sqs")
    assert events is not None
    assert "poison-messages" in _risks(result, "f")
    assert events["channels"]["f"]["bindings"]["sns"]["name"] == "a-f-changed-v1.fifo"
    consumers = events["operations"]["f.send"]["bindings"]["sns"]["consumers"]
    assert [c["endpoint"]["name"] for c in consumers] == ["b--f.fifo", "c--f.fifo"]
    queues = events["operations"]["f.receive.c"]["bindings"]["sqs"]["queues"]
    assert [q["name"] for q in queues] == ["c--f.fifo", "c--f-dlq.fifo"]
    assert queues[0]["redrivePolicy"]["deadLetterQueue"] == {"name": "c--f-dlq.fifo"}


def test_long_ids_give_sqs_names_within_80_characters(ruleset: Ruleset) -> None:
    data = _evented(ordering="per_key")
    long_target, long_flow = "t" * 64, "f" * 64
    data["systems"].append({"id": long_target})
    data["flows"][0].update(id=long_flow, targets=[long_target])
    events, _, _ = _contracts(ruleset, data, "sns_sqs")
    assert events is not None
    queues = events["operations"][f"{long_flow}.receive.{long_target}"]["bindings"]["sqs"]
    names = [queue["name"] for queue in queues["queues"]]
    assert all(len(name) <= 80 and name.endswith(".fifo") for name in names)
    assert len(set(names)) == 2


def test_only_the_files_that_apply(ruleset: Ruleset) -> None:
    def files(name: str) -> list[str]:
        assessment = load_case(ROOT / "examples" / f"{name}.yaml")
        return list(contract_files(assessment, assess(assessment, ruleset), ruleset))

    assert files("helpdesk-customer-lookup") == [OPENAPI_FILE]
    assert files("fleet-telematics") == [ASYNCAPI_FILE]
    assert files("gifting-orders") == [ASYNCAPI_FILE, OPENAPI_FILE]


def test_an_event_only_integration_with_a_broker_has_no_openapi(ruleset: Ruleset) -> None:
    _, calls, result = _contracts(ruleset, _evented(), "kafka")
    assert [flow.style for flow in result.flows] == ["event"]
    assert calls is None


# ---------------------------------------------------------------------------------------------
# Where every part comes from, and user text
# ---------------------------------------------------------------------------------------------


def _described(document: dict[str, Any], sections: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    for section in sections:
        node: Any = document
        for part in section.split("."):
            node = node.get(part, {})
        yield from node.values()


def test_every_part_says_its_flow_and_recommendation(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "gifting-orders.yaml")
    result = assess(assessment, ruleset, what_if=False)
    styles = {flow.id: flow.style for flow in result.flows}
    words = {"api": "API-driven", "event": "event-driven", "hybrid": "hybrid"}
    events, calls = documents(assessment, result, ruleset)
    assert events is not None and calls is not None
    parts = [
        *_described(
            events, ("channels", "operations", "components.messages", "components.schemas")
        ),
        *operations(calls),
        *_described(calls, ("components.schemas",)),
    ]
    assert len(parts) > 8
    for part in parts:
        flow = flow_of(part)
        assert f"recommended {words[styles[flow]]}" in part["description"].lower().replace(
            "api-driven", "API-driven"
        )


def _rendered_text(markdown: str) -> tuple[str, set[str]]:
    """What a CommonMark renderer shows of `markdown`, and the HTML tags it makes."""
    rendered = MarkdownIt("commonmark").render(markdown)
    tags = set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", rendered))
    return html.unescape(re.sub(r"<[^>]*>", "", rendered)).strip(), tags


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_user_text_shows_as_typed_in_commonmark(text: str) -> None:
    shown, tags = _rendered_text(f"Flow: {markdown_text(text)}.")
    # CommonMark shows U+0000 as U+FFFD, as it must
    assert shown == f"Flow: {' '.join(text.split())}.".replace("\x00", "\ufffd")
    assert tags <= {"p"}


def test_hostile_names_stay_text(ruleset: Ruleset) -> None:
    assessment = load_case(HOSTILE)
    result = assess(assessment, ruleset, what_if=False)
    events, calls = documents(assessment, result, ruleset)
    assert events is not None and calls is not None
    assert events["info"]["title"] == assessment.name == calls["info"]["title"]
    for document in (events, calls):
        for part in _all_descriptions(document):
            _, tags = _rendered_text(part)
            assert tags <= {"p", "code"}, part
    script = assessment.system("script")
    send = events["operations"]["document-stored.send"]
    assert send["summary"] == f"{script.label} publishes each document-stored event"


def _all_descriptions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from _all_descriptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _all_descriptions(item)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_yaml_reads_back_as_built(value: Any) -> None:
    document = {"text": value, "again": value}  # the same object twice: no alias
    text = to_yaml(document)
    assert yaml.safe_load(text) == document
    assert "&id" not in text


def test_the_documents_are_the_same_on_every_run(ruleset: Ruleset) -> None:
    assessment = load_case(ROOT / "examples" / "gifting-orders.yaml")
    first = contract_files(assessment, assess(assessment, ruleset), ruleset)
    again = contract_files(assessment, assess(assessment, ruleset), ruleset)
    assert first == again
    assert openapi_document(assessment, assess(assessment, ruleset), ruleset) is not None


def test_the_html_report_lists_every_channel_and_operation(ruleset: Ruleset) -> None:
    from advisor.contracts import contract_parts
    from advisor.report import to_html

    assessment = load_case(ROOT / "examples" / "clinic-documents.yaml")
    result = assess(assessment, ruleset, what_if=False)
    events, calls = documents(assessment, result, ruleset)
    assert events is not None and calls is not None
    page = to_html(assessment, result, ruleset, diagram_svg=None)
    section = page.split('<section id="contracts">', 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r"<tr><td class=\"id\">([^<]*)</td>.*?<td class=\"id\">([^<]*)</td></tr>", section
    )
    shown = [(flow, html.unescape(where)) for flow, where in rows]
    assert shown == [
        (part.flow, part.where) for part in contract_parts(assessment, result, ruleset)
    ]
    expected = {channel["address"] for channel in events["channels"].values()}
    expected |= {f"{m.upper()} {p}" for p, item in calls["paths"].items() for m in item}
    assert {where for _, where in shown} == expected
    assert '<a href="#contracts">Contracts</a>' in page
