"""The contracts an integration needs, drafted from its advice: an AsyncAPI 3.0.0 document for
the flows that travel as events and an OpenAPI 3.1.0 document for the ones that call an API.

Pure: an assessment, its result and the rules in, YAML text out; the files are written by the
edges. Only the documents that apply are made (`contract_files`): `asyncapi.yaml` when a flow is
event-driven or hybrid, `openapi.yaml` when a flow calls an API (an API-driven flow, the fetch of
a hybrid flow, or the webhook that delivers events where no broker is needed).

Topic names follow one convention, `<domain>.<entity>.<event>.v1`:

- `<domain>` is the id of the flow's source system (the system that owns the data);
- `<entity>` is the flow's id;
- `<event>` is what happened, from the flow's trigger: a data change `changed`, a user action
  `submitted`, telemetry `reported`, a schedule `published`;
- `v1` is the contract's major version: a change that breaks consumers gets a new channel
  (`.v2`) beside the old one, never an edit in place.

The flow `referral-received` of the system `documents`, a data change, is published as
`documents.referral-received.changed.v1`. Ids hold only a-z, 0-9, `-` and `_`, so the dots
separate the parts without ambiguity, and the name is at once a valid Kafka topic, a RabbitMQ
routing key (consumers can bind `documents.#`) and the CloudEvents `type`. SNS topics, which
take no dots, get the name with dashes for dots (and `.fifo` where order matters).

Every event travels as a CloudEvents 1.0 event in structured mode
(`application/cloudevents+json`): specversion, id, source (`/systems/<source id>`), type (the
topic name), time and datacontenttype around the data. The headers carry the event id and a
correlation id, and, where the advice raised the risk for that flow, the idempotency key and the
ordering (partition) key.

Every channel, message, operation and schema says which flow it came from and what the flow
was recommended. What people typed (names, descriptions) is escaped for CommonMark and the
documents are built as data and dumped with PyYAML's safe dumper, so no input can break them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from advisor.models import Assessment, Flow, FlowResult, Result, System
from advisor.ruleset import Ruleset
from advisor.wording import (
    STYLE_IN_TEXT,
    format_confidence,
    format_duration,
    format_number,
    plural,
)

ASYNCAPI_FILE = "asyncapi.yaml"
OPENAPI_FILE = "openapi.yaml"
# What every drafted document's description says of it: how a contract file that an earlier run
# wrote is told from a file of the user's own under the same name (`is_draft`).
DRAFTED_BY = "drafted by Integration Advisor"
# How far into a file that mark is looked for: it sits in the description, after the title.
DRAFT_HEAD = 8192
CONTRACT_VERSION = "1.0.0"
TOPIC_VERSION = "v1"
EVENT_WORDS = {
    "data_change": "changed",
    "user_action": "submitted",
    "telemetry": "reported",
    "schedule": "published",
}
CLOUDEVENTS_JSON = "application/cloudevents+json"
API_BASE = "https://api.example.com"

# Risk ids (rules/30-risks.yaml) that put something in a contract
IDEMPOTENCY = "idempotency"
ORDERING_PER_KEY = "ordering-per-key"
ORDERING_GLOBAL = "ordering-global"
RETRIED_COMMANDS = "retried-commands"
POISON_MESSAGES = "poison-messages"
SCHEMA_DRIFT = "schema-drift"
TRACING = "tracing"

# The headers every event carries (and every webhook call), and the ones a risk adds
EVENT_ID = "Event-Id"
CORRELATION_ID = "Correlation-Id"
IDEMPOTENCY_KEY = "Idempotency-Key"
PARTITION_KEY = "Partition-Key"

_KAFKA_BINDING = "0.5.0"
_AMQP_BINDING = "0.3.0"
_SNS_BINDING = "0.1.0"
_SQS_BINDING = "0.2.0"
_PUBSUB_BINDING = "0.2.0"
_HTTP_BINDING = "0.3.0"
_SQS_NAME_LIMIT = 80  # characters in an SQS queue name, .fifo included
_MAX_RECEIVES = 5  # deliveries before a message goes to the dead-letter queue


# ---------------------------------------------------------------------------------------------
# What applies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    """One flow as the contracts see it: its inputs, its advice and the risks raised on it."""

    flow: Flow
    advice: FlowResult
    risks: frozenset[str]

    @property
    def id(self) -> str:
        return self.flow.id

    @property
    def style(self) -> str:
        return self.advice.style

    @property
    def ordered(self) -> bool:
        return bool(self.risks & {ORDERING_PER_KEY, ORDERING_GLOBAL})


def _planned(assessment: Assessment, result: Result) -> list[_Planned]:
    """The flows in the assessment's order, each with its advice and its risks."""
    advice = {flow.id: flow for flow in result.flows}
    raised: dict[str, set[str]] = {}
    for risk in result.risks:
        for flow_id in risk.flows:
            raised.setdefault(flow_id, set()).add(risk.id)
    return [
        _Planned(flow, advice[flow.id], frozenset(raised.get(flow.id, ())))
        for flow in assessment.flows
        if flow.id in advice
    ]


def topic_name(flow: Flow) -> str:
    """The flow's channel address: `<source>.<flow>.<event>.v1` (see the module's docstring)."""
    return f"{flow.source}.{flow.id}.{EVENT_WORDS[flow.trigger]}.{TOPIC_VERSION}"


def event_source(flow: Flow) -> str:
    """The CloudEvents `source` of the flow's events: the producing system, as a URI reference."""
    return f"/systems/{flow.source}"


def direct_delivery(result: Result) -> bool:
    """Whether events go without a broker: the source's webhooks call each consumer."""
    return result.broker is None or result.broker.choice is None


def _polled(assessment: Assessment, planned: _Planned) -> bool:
    """An API-driven flow whose targets (or an adapter for them) poll the source for changes:
    the targets call it, or the source cannot push its changes."""
    if planned.style != "api" or planned.advice.polling is None:
        return False
    return (
        planned.flow.caller == "target" or not assessment.system(planned.flow.source).emits_events
    )


def contract_names(result: Result) -> tuple[str, ...]:
    """The names of the contract files that apply, without drafting them: asyncapi.yaml when a
    flow is event-driven or hybrid, openapi.yaml when a flow calls an API (an API-driven flow,
    a hybrid flow's fetch, or the webhooks of events delivered without a broker)."""
    styles = {flow.style for flow in result.flows}
    evented = bool(styles & {"event", "hybrid"})
    calls = bool(styles & {"api", "hybrid"}) or (evented and direct_delivery(result))
    return tuple(
        name for name, applies in ((ASYNCAPI_FILE, evented), (OPENAPI_FILE, calls)) if applies
    )


def contract_files(assessment: Assessment, result: Result, ruleset: Ruleset) -> dict[str, str]:
    """The contract files that apply to this integration, by file name, as YAML text."""
    files = {}
    events = asyncapi_document(assessment, result, ruleset)
    if events is not None:
        files[ASYNCAPI_FILE] = to_yaml(events)
    calls = openapi_document(assessment, result, ruleset)
    if calls is not None:
        files[OPENAPI_FILE] = to_yaml(calls)
    return files


def is_draft(head: str) -> bool:
    """Whether a contract file, of which `head` is the start (`DRAFT_HEAD` characters), is a
    draft of the advisor's: only such a file is removed when it no longer applies; a file of
    the user's own under the same name stays. (PyYAML folds long lines, so the mark may be
    split across them.)"""
    return DRAFTED_BY in " ".join(head.split())


@dataclass(frozen=True)
class ContractPart:
    """One part of the contracts, for a report: the flow it comes from, its file, and the
    channel's address or the operation's method and path."""

    flow: str
    file: str
    where: str


def contract_parts(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> tuple[ContractPart, ...]:
    """Every channel and operation the contracts hold, flow by flow in the assessment's order:
    `documents.referral-received.changed.v1`, `GET /documents/referral-received/{id}`, `POST
    (webhook referral-received)`."""
    parts: list[ContractPart] = []
    events = asyncapi_document(assessment, result, ruleset)
    if events is not None:
        for flow_id, channel in events["channels"].items():
            parts.append(ContractPart(flow_id, ASYNCAPI_FILE, channel["address"]))
    calls = openapi_document(assessment, result, ruleset)
    if calls is not None:
        for path, item in calls.get("paths", {}).items():
            for method, operation in item.items():
                flow_id = operation["operationId"].split(".", 1)[0]
                parts.append(ContractPart(flow_id, OPENAPI_FILE, f"{method.upper()} {path}"))
        parts += [
            ContractPart(name, OPENAPI_FILE, f"POST (webhook {name})")
            for name in calls.get("webhooks", {})
        ]
    order = {flow.id: index for index, flow in enumerate(assessment.flows)}
    return tuple(sorted(parts, key=lambda part: order[part.flow]))


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, without anchors and aliases (which some tools reject)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# Line breaks beyond \n that a reader folds inside a plain or single-quoted scalar (PyYAML
# writes them raw there): text that holds one is written double-quoted, where they are escaped.
_FOLDED_BREAKS = ("\x85", "\u2028", "\u2029")


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if any(mark in text for mark in _FOLDED_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(document: dict[str, Any]) -> str:
    """A document as YAML, keys in the order they were built, any text escaped by the dumper."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------

_MARKUP = re.compile(r"([\\`*_\[\]<>&#|~])")


def markdown_text(text: str) -> str:
    """Text someone typed, as CommonMark that shows it and nothing else: on one line (breaks and
    runs of spaces become one space) with every character that could start markup (emphasis,
    links, code, HTML, entities, headings, tables) escaped with a backslash."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def _label(system: System) -> str:
    return markdown_text(system.label)


def _route(assessment: Assessment, flow: Flow) -> str:
    targets = ", ".join(_label(assessment.system(target)) for target in flow.targets)
    return f"{_label(assessment.system(flow.source))} → {targets}"


def _origin(assessment: Assessment, planned: _Planned) -> str:
    """Which flow a part of a contract comes from, and what the flow was recommended."""
    flow, advice = planned.flow, planned.advice
    said = f": {markdown_text(flow.description)}" if flow.description else ""
    return (
        f"From flow `{flow.id}` ({_route(assessment, flow)}){said}. Recommended "
        f"{STYLE_IN_TEXT[advice.style]} (confidence {format_confidence(advice.confidence)}): "
        f"{markdown_text(advice.decision.explanation)}"
    )


def _brief_origin(planned: _Planned) -> str:
    """The short form of `_origin`, for the parts that repeat it (schemas, each consumer)."""
    advice = planned.advice
    return (
        f"From flow `{planned.id}`, recommended {STYLE_IN_TEXT[advice.style]} (confidence "
        f"{format_confidence(advice.confidence)})."
    )


def _one_line(text: str) -> str:
    """Text someone typed, for a plain-text field (a title, a summary): on one line."""
    return " ".join(text.split())


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _code(text: str) -> str:
    """An id or a name we made, as a code span (ids never hold a backtick)."""
    return f"`{text}`"


def _listed(names: Iterable[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


# ---------------------------------------------------------------------------------------------
# The event: CloudEvents envelope, data and headers (shared by AsyncAPI and OpenAPI webhooks)
# ---------------------------------------------------------------------------------------------


def _data_schema(assessment: Assessment, planned: _Planned) -> dict[str, Any]:
    flow = planned.flow
    source = assessment.system(flow.source)
    if planned.style == "hybrid":
        return {
            "type": "object",
            "description": _paragraphs(
                _brief_origin(planned),
                "A thin event: it says what changed and where to fetch it, not the data "
                f"itself; each consumer fetches the current state with GET {_code(url_of(flow))} "
                f"(operation {_code(fetch_operation_id(flow))} in openapi.yaml).",
            ),
            "required": ["id", "version", "url"],
            "properties": {
                "id": {"type": "string", "description": f"The {flow.id} record's id."},
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "The record's version after the change: a consumer that "
                    "already holds this version or a later one skips the fetch.",
                },
                "url": {
                    "type": "string",
                    "format": "uri",
                    "description": f"Where to fetch the record from {_label(source)}: "
                    f"{API_BASE}{url_of(flow)} with the id filled in.",
                },
            },
        }
    properties: dict[str, Any] = {
        "id": {"type": "string", "description": f"The {flow.id} record's id."},
        "change": {
            "type": "object",
            "description": "What changed: the record's fields that changed, with their new "
            "values (a stub: list the fields here).",
            "additionalProperties": True,
        },
    }
    required = ["id", "change"]
    if planned.ordered:
        properties["version"] = {
            "type": "integer",
            "minimum": 1,
            "description": "The record's version after the change: consumers drop an event "
            "older than the version they hold.",
        }
        required.append("version")
    return {
        "type": "object",
        "description": _paragraphs(
            _brief_origin(planned),
            f"The data of each {flow.id} event: the record's id and the change.",
        ),
        "required": required,
        "properties": properties,
    }


def _envelope_schema(assessment: Assessment, planned: _Planned, data_ref: str) -> dict[str, Any]:
    flow = planned.flow
    return {
        "type": "object",
        "description": _paragraphs(
            _brief_origin(planned), f"The CloudEvents 1.0 envelope of {_code(flow.id)}."
        ),
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
        "properties": {
            "specversion": {
                "type": "string",
                "const": "1.0",
                "description": "The CloudEvents version.",
            },
            "id": {
                "type": "string",
                "minLength": 1,
                "description": f"Unique for each event from this source; the {EVENT_ID} "
                "header holds the same value.",
            },
            "source": {
                "type": "string",
                "format": "uri-reference",
                "const": event_source(flow),
                "description": "The system that produced the event.",
            },
            "type": {
                "type": "string",
                "const": topic_name(flow),
                "description": "What happened, named as the channel.",
            },
            "subject": {"type": "string", "description": "The record's id, as in data.id."},
            "time": {
                "type": "string",
                "format": "date-time",
                "description": "When the change happened at the source (RFC 3339).",
            },
            "datacontenttype": {
                "type": "string",
                "const": "application/json",
                "description": "The data is JSON.",
            },
            "data": {"$ref": data_ref},
        },
    }


def _envelope_text(flow: Flow) -> str:
    return (
        "Sent as a CloudEvents 1.0 event in structured mode "
        f"({_code(CLOUDEVENTS_JSON)}): `specversion` 1.0; `id`, unique for each event (also in "
        f"the {EVENT_ID} header); `source` {_code(event_source(flow))}; `type` "
        f"{_code(topic_name(flow))}; `time`, when the change happened (RFC 3339); "
        "`datacontenttype` application/json; and `data`, the record's id and the change."
    )


@dataclass(frozen=True)
class _Header:
    name: str
    description: str


def _event_headers(planned: _Planned) -> list[_Header]:
    """The headers of the flow's events: always the event id and the correlation id; the
    idempotency key and the ordering key where the advice raised those risks on the flow."""
    flow = planned.flow
    traced = " (risk raised: tracing)" if TRACING in planned.risks else ""
    headers = [
        _Header(
            EVENT_ID,
            "The event's CloudEvents id: a consumer can drop a repeat before reading the body.",
        ),
        _Header(
            CORRELATION_ID,
            "The business transaction the event belongs to: pass it on to every message and "
            f"API call it leads to, and log it at each hop{traced}.",
        ),
    ]
    if IDEMPOTENCY in planned.risks:
        headers.append(
            _Header(
                IDEMPOTENCY_KEY,
                f"The same for every delivery of the same change of one {flow.id} record (its "
                "id and version), even when it is sent again under a new event id: consumers "
                "keep the keys they have handled and skip a repeat (risk raised: idempotency).",
            )
        )
    if ORDERING_GLOBAL in planned.risks:
        headers.append(
            _Header(
                PARTITION_KEY,
                "One key for every event of the flow, so that all of them keep one total "
                "order (a single partition or queue; it caps throughput) (risk raised: "
                "ordering-global).",
            )
        )
    elif ORDERING_PER_KEY in planned.risks:
        headers.append(
            _Header(
                PARTITION_KEY,
                f"The {flow.id} record's id: events about one record keep their order "
                "(partition, ordering, message group or session key) (risk raised: "
                "ordering-per-key).",
            )
        )
    return headers


def _headers_schema(planned: _Planned) -> dict[str, Any]:
    headers = _event_headers(planned)
    return {
        "type": "object",
        "required": [header.name for header in headers],
        "properties": {
            header.name: {"type": "string", "description": header.description} for header in headers
        },
    }


# ---------------------------------------------------------------------------------------------
# AsyncAPI 3.0.0
# ---------------------------------------------------------------------------------------------


def asyncapi_document(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> dict[str, Any] | None:
    """The AsyncAPI 3.0.0 document of the event-driven and hybrid flows; None when no flow
    is either."""
    evented = [item for item in _planned(assessment, result) if item.style in ("event", "hybrid")]
    if not evented:
        return None
    choice = None if result.broker is None else result.broker.choice
    document: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {
            "title": assessment.name,
            "version": CONTRACT_VERSION,
            "description": _asyncapi_about(assessment, result, ruleset, evented),
        },
        "defaultContentType": CLOUDEVENTS_JSON,
    }
    servers = _servers(choice, evented)
    if servers:
        document["servers"] = servers
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for planned in evented:
        flow = planned.flow
        channels[flow.id] = _channel(assessment, planned, choice)
        messages[flow.id] = _message(assessment, planned, choice)
        schemas[f"{flow.id}-event"] = _envelope_schema(
            assessment, planned, f"#/components/schemas/{flow.id}-data"
        )
        schemas[f"{flow.id}-data"] = _data_schema(assessment, planned)
        operations[f"{flow.id}.send"] = _send(assessment, planned, choice)
        for target in flow.targets:
            operations[f"{flow.id}.receive.{target}"] = _receive(
                assessment, planned, target, choice
            )
    document["channels"] = channels
    document["operations"] = operations
    document["components"] = {"schemas": schemas, "messages": messages}
    return document


def _asyncapi_about(
    assessment: Assessment, result: Result, ruleset: Ruleset, evented: list[_Planned]
) -> str:
    broker = result.broker
    if broker is None or broker.choice is None:
        carried = (
            "No broker: each event is POSTed by its source straight to each consumer's "
            "webhook, with retries and a log of failed deliveries (the webhooks are in "
            "openapi.yaml)."
        )
        why = markdown_text(broker.why) if broker is not None else ""
    else:
        carried = f"Broker: {markdown_text(broker.name)}."
        if broker.choice not in _SERVER_MAKERS:
            carried += " Add its server to this document: its protocol is not known here."
        why = markdown_text(broker.why)
    flows = ", ".join(_code(item.id) for item in evented)
    return _paragraphs(
        f"The events of {markdown_text(assessment.name)}, {DRAFTED_BY} from "
        f"its assessment: the {plural(len(evented), 'flow')} recommended event-driven or "
        f"hybrid ({flows}). The integration as a whole is recommended "
        f"{STYLE_IN_TEXT[result.recommendation]} (confidence "
        f"{format_confidence(result.confidence)}).",
        _paragraphs(carried, why),
        "Channels are named `<domain>.<entity>.<event>.v1`: the source system's id, the "
        "flow's id, what happened (changed, submitted, reported or published) and the "
        "contract's major version. Every event is a CloudEvents 1.0 event in structured mode.",
    )


def _servers(choice: str | None, evented: list[_Planned]) -> dict[str, Any]:
    maker = _SERVER_MAKERS.get(choice or "")
    return maker(evented) if maker is not None else {}


def _kafka_servers(evented: list[_Planned]) -> dict[str, Any]:
    binding: dict[str, Any] = {}
    if any(SCHEMA_DRIFT in item.risks for item in evented):
        binding["schemaRegistryUrl"] = "https://schema-registry.example.com"
        binding["schemaRegistryVendor"] = "confluent"
    binding["bindingVersion"] = _KAFKA_BINDING
    return {
        "kafka": {
            "host": "kafka.example.com:9092",
            "protocol": "kafka",
            "description": "Apache Kafka: the bootstrap servers of your cluster (replace the "
            "host)."
            + (
                " Producers register each channel's schema in the schema registry, which "
                "refuses a change that would break a consumer (risk raised: schema-drift)."
                if "schemaRegistryUrl" in binding
                else ""
            ),
            "bindings": {"kafka": binding},
        }
    }


def _sns_sqs_servers(evented: list[_Planned]) -> dict[str, Any]:
    return {
        "sns": {
            "host": "sns.us-east-1.amazonaws.com",
            "protocol": "sns",
            "description": "Amazon SNS: one topic per channel, fanned out to a queue per "
            "consumer (replace the region).",
        },
        "sqs": {
            "host": "sqs.us-east-1.amazonaws.com",
            "protocol": "sqs",
            "description": "Amazon SQS: each consumer reads its own queue, subscribed to the "
            "channel's topic (replace the region).",
        },
    }


def _eventbridge_servers(evented: list[_Planned]) -> dict[str, Any]:
    return {
        "eventbridge": {
            "host": "events.us-east-1.amazonaws.com",
            "protocol": "https",
            "description": "Amazon EventBridge, reached over HTTPS: producers call PutEvents on "
            "the integration's event bus with the channel's name as the detail-type and the "
            "CloudEvents source as the source; a rule per consumer routes each detail-type to "
            "the consumer's target (an SQS queue or an API destination) (replace the region).",
        }
    }


def _pubsub_servers(evented: list[_Planned]) -> dict[str, Any]:
    return {
        "pubsub": {
            "host": "pubsub.googleapis.com",
            "protocol": "googlepubsub",
            "description": "Google Cloud Pub/Sub: one topic per channel, a subscription per "
            "consumer.",
        }
    }


def _service_bus_servers(evented: list[_Planned]) -> dict[str, Any]:
    return {
        "servicebus": {
            "host": "{namespace}.servicebus.windows.net",
            "protocol": "amqps",
            "protocolVersion": "1.0",
            "description": "Azure Service Bus over AMQP 1.0: one topic per channel, a "
            "subscription per consumer; where order matters, sessions with the Partition-Key "
            "header as the session id.",
            "variables": {
                "namespace": {
                    "default": "your-namespace",
                    "description": "The Service Bus namespace.",
                }
            },
        }
    }


def _rabbitmq_servers(evented: list[_Planned]) -> dict[str, Any]:
    return {
        "rabbitmq": {
            "host": "rabbitmq.example.com:5672",
            "protocol": "amqp",
            "protocolVersion": "0.9.1",
            "description": "RabbitMQ: a topic exchange per producing system; each consumer "
            "binds its own durable queue (with a dead-letter exchange) to the channel's "
            "routing key (replace the host).",
        }
    }


_SERVER_MAKERS = {
    "kafka": _kafka_servers,
    "sns_sqs": _sns_sqs_servers,
    "eventbridge": _eventbridge_servers,
    "pubsub": _pubsub_servers,
    "service_bus": _service_bus_servers,
    "rabbitmq": _rabbitmq_servers,
}


def _channel(assessment: Assessment, planned: _Planned, choice: str | None) -> dict[str, Any]:
    flow = planned.flow
    delivery = _delivery_text(planned, choice)
    channel: dict[str, Any] = {
        "address": topic_name(flow),
        "title": flow.id,
        "summary": f"{EVENT_WORDS[flow.trigger].capitalize()} events of {flow.id}",
        "description": _paragraphs(
            _origin(assessment, planned),
            f"About {plural(flow.events_per_day, 'event')} a day, to "
            f"{plural(len(flow.targets), 'consumer')}; the targets may be "
            f"{format_duration(flow.max_delay_seconds)} behind at most.",
            delivery,
        ),
        "messages": {flow.id: {"$ref": f"#/components/messages/{flow.id}"}},
    }
    bindings = _channel_bindings(planned, choice)
    if bindings:
        channel["bindings"] = bindings
    return channel


def _delivery_text(planned: _Planned, choice: str | None) -> str:
    flow = planned.flow
    if choice is None:
        return (
            "No broker: the source POSTs each event to every consumer's webhook "
            f"({_code(flow.id)} in openapi.yaml's webhooks) and retries with back-off until it "
            "gets a 2xx answer, logging the deliveries that keep failing."
        )
    if choice == "sns_sqs":
        names = _sqs_names(planned)
        queues = ", ".join(_code(names[target][0]) for target in flow.targets)
        return f"SNS topic {_code(_sns_topic(planned))}, fanned out to the queues {queues}."
    if choice == "rabbitmq":
        return (
            f"Published to the topic exchange {_code(_exchange(flow))} with the routing key "
            f"{_code(topic_name(flow))}."
        )
    return ""


def _channel_bindings(planned: _Planned, choice: str | None) -> dict[str, Any]:
    flow = planned.flow
    if choice == "kafka":
        binding: dict[str, Any] = {}
        if ORDERING_GLOBAL in planned.risks:
            binding["partitions"] = 1
        binding["bindingVersion"] = _KAFKA_BINDING
        return {"kafka": binding}
    if choice == "sns_sqs":
        return {
            "sns": {
                "name": _sns_topic(planned),
                "ordering": {"type": "FIFO" if planned.ordered else "standard"},
                "bindingVersion": _SNS_BINDING,
            }
        }
    if choice == "rabbitmq":
        return {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": _exchange(flow),
                    "type": "topic",
                    "durable": True,
                    "autoDelete": False,
                    "vhost": "/",
                },
                "bindingVersion": _AMQP_BINDING,
            }
        }
    return {}


def _message(assessment: Assessment, planned: _Planned, choice: str | None) -> dict[str, Any]:
    flow = planned.flow
    thin = planned.style == "hybrid"
    message: dict[str, Any] = {
        "name": flow.id,
        "title": f"{flow.id} {EVENT_WORDS[flow.trigger]}",
        "summary": (
            f"{flow.id}: a thin event saying a record changed; fetch it from its source"
            if thin
            else f"{flow.id}: a record {EVENT_WORDS[flow.trigger]}, with the change"
        ),
        "description": _paragraphs(_origin(assessment, planned), _envelope_text(flow)),
        "contentType": CLOUDEVENTS_JSON,
        "headers": _headers_schema(planned),
        "payload": {"$ref": f"#/components/schemas/{flow.id}-event"},
        "correlationId": {
            "description": "The business transaction the event belongs to.",
            "location": f"$message.header#/{CORRELATION_ID}",
        },
    }
    bindings = _message_bindings(planned, choice)
    if bindings:
        message["bindings"] = bindings
    return message


def _message_bindings(planned: _Planned, choice: str | None) -> dict[str, Any]:
    flow = planned.flow
    if choice == "kafka":
        binding: dict[str, Any] = {}
        if ORDERING_GLOBAL in planned.risks:
            binding["key"] = {
                "type": "string",
                "description": "Any key: the topic has a single partition, which keeps one "
                "total order.",
            }
        elif ORDERING_PER_KEY in planned.risks:
            binding["key"] = {
                "type": "string",
                "description": f"The {flow.id} record's id (the {PARTITION_KEY} header), so "
                "that events about one record stay in one partition, in order.",
            }
        binding["bindingVersion"] = _KAFKA_BINDING
        return {"kafka": binding}
    if choice == "rabbitmq":
        return {"amqp": {"messageType": topic_name(flow), "bindingVersion": _AMQP_BINDING}}
    if choice == "pubsub":
        return {"googlepubsub": {"bindingVersion": _PUBSUB_BINDING}}
    return {}


def _send(assessment: Assessment, planned: _Planned, choice: str | None) -> dict[str, Any]:
    flow = planned.flow
    source = assessment.system(flow.source)
    outbox = (
        " It cannot publish its own changes: whatever writes its data publishes in the same "
        "transaction (an outbox, change-data capture, or an adapter polling its changes) "
        "(risk raised: dual-write)."
        if "dual-write" in planned.risks
        else ""
    )
    operation: dict[str, Any] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{flow.id}"},
        "title": f"{flow.source} publishes {flow.id}",
        "summary": f"{_one_line(source.label)} publishes each {flow.id} event",
        "description": _paragraphs(
            _origin(assessment, planned),
            f"The producer: {_label(source)} ({_code(flow.source)}).{outbox}",
            _ordering_text(planned, choice),
        ),
        "messages": [{"$ref": f"#/channels/{flow.id}/messages/{flow.id}"}],
    }
    bindings = _send_bindings(planned, choice)
    if bindings:
        operation["bindings"] = bindings
    return operation


def _ordering_text(planned: _Planned, choice: str | None) -> str:
    if not planned.ordered:
        return ""
    if ORDERING_GLOBAL in planned.risks:
        return (
            "Order: every event keeps one total order, through a single partition or queue, "
            "which caps throughput; check whether the order of each record's own events would "
            "do (risk raised: ordering-global)."
        )
    where = {
        "kafka": "the message key",
        "sns_sqs": "the FIFO message group id",
        "pubsub": "the ordering key (with message ordering on each subscription)",
        "service_bus": "the session id",
        "rabbitmq": "a consistent-hash exchange or a single active consumer per queue",
        "eventbridge": "the target queue's FIFO message group id",
    }.get(choice or "", "one delivery at a time per record")
    return (
        f"Order: events about one record keep their order through {where}, set from the "
        f"{PARTITION_KEY} header (risk raised: ordering-per-key)."
    )


def _send_bindings(planned: _Planned, choice: str | None) -> dict[str, Any]:
    if choice is None:
        return {"http": {"method": "POST", "bindingVersion": _HTTP_BINDING}}
    if choice == "sns_sqs":
        names = _sqs_names(planned)
        return {
            "sns": {
                "consumers": [
                    {
                        "protocol": "sqs",
                        "endpoint": {"name": names[target][0]},
                        "rawMessageDelivery": True,
                    }
                    for target in planned.flow.targets
                ],
                "bindingVersion": _SNS_BINDING,
            }
        }
    if choice == "rabbitmq":
        return {
            "amqp": {
                "deliveryMode": 2,
                "mandatory": True,
                "timestamp": True,
                "bindingVersion": _AMQP_BINDING,
            }
        }
    return {}


def _receive(
    assessment: Assessment, planned: _Planned, target: str, choice: str | None
) -> dict[str, Any]:
    flow = planned.flow
    consumer = assessment.system(target)
    duties = []
    if IDEMPOTENCY in planned.risks:
        duties.append(
            f"skips an event whose {IDEMPOTENCY_KEY} it has handled (deliveries are at least once)"
        )
    if POISON_MESSAGES in planned.risks:
        duties.append(
            "retries a failing event with back-off, then sets it aside in a dead-letter queue "
            "that someone watches and can replay"
        )
    if planned.style == "hybrid":
        duties.append(
            f"fetches the record with {_code(fetch_operation_id(flow))} (openapi.yaml) unless it "
            "holds that version already"
        )
    operation: dict[str, Any] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{flow.id}"},
        "title": f"{target} receives {flow.id}",
        "summary": f"{_one_line(consumer.label)} receives each {flow.id} event",
        "description": _paragraphs(
            _brief_origin(planned),
            f"A consumer: {_label(consumer)} ({_code(target)})."
            + "".join(f" It {duty}." for duty in duties),
        ),
        "messages": [{"$ref": f"#/channels/{flow.id}/messages/{flow.id}"}],
    }
    bindings = _receive_bindings(planned, target, choice)
    if bindings:
        operation["bindings"] = bindings
    return operation


def _receive_bindings(planned: _Planned, target: str, choice: str | None) -> dict[str, Any]:
    flow = planned.flow
    if choice == "kafka":
        return {
            "kafka": {
                "groupId": {"type": "string", "enum": [f"{target}.{flow.id}"]},
                "bindingVersion": _KAFKA_BINDING,
            }
        }
    if choice == "sns_sqs":
        queue, dead_letters = _sqs_names(planned)[target]
        fifo = planned.ordered
        main: dict[str, Any] = {"name": queue, "fifoQueue": fifo}
        queues = [main]
        if POISON_MESSAGES in planned.risks:
            main["redrivePolicy"] = {
                "deadLetterQueue": {"name": dead_letters},
                "maxReceiveCount": _MAX_RECEIVES,
            }
            queues.append({"name": dead_letters, "fifoQueue": fifo})
        return {"sqs": {"queues": queues, "bindingVersion": _SQS_BINDING}}
    if choice == "rabbitmq":
        return {"amqp": {"ack": True, "bindingVersion": _AMQP_BINDING}}
    return {}


def _exchange(flow: Flow) -> str:
    return f"{flow.source}.events"


def _sns_topic(planned: _Planned) -> str:
    """The channel's name as an SNS topic: no dots (dashes instead), `.fifo` where ordered."""
    name = topic_name(planned.flow).replace(".", "-")
    return name + ".fifo" if planned.ordered else name


def _sqs_names(planned: _Planned) -> dict[str, tuple[str, str]]:
    """Each consumer's queue and dead-letter queue, within SQS's 80 characters."""
    suffix = ".fifo" if planned.ordered else ""
    names = {}
    for target in planned.flow.targets:
        base = f"{target}--{planned.flow.id}"
        names[target] = (
            _bounded(base, _SQS_NAME_LIMIT - len(suffix)) + suffix,
            _bounded(base + "-dlq", _SQS_NAME_LIMIT - len(suffix)) + suffix,
        )
    return names


def _bounded(name: str, limit: int) -> str:
    """`name` cut to `limit` characters, the cut part replaced by a short digest of the whole
    so that two long names stay apart."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: limit - len(digest) - 1]}-{digest}"


# ---------------------------------------------------------------------------------------------
# OpenAPI 3.1.0
# ---------------------------------------------------------------------------------------------


def url_of(flow: Flow) -> str:
    """The path of one record of a flow, on its source's API."""
    return f"/{flow.source}/{flow.id}/{{id}}"


def fetch_operation_id(flow: Flow) -> str:
    """The operation that fetches one record of a flow from its source."""
    return f"{flow.id}.get"


def openapi_document(
    assessment: Assessment, result: Result, ruleset: Ruleset
) -> dict[str, Any] | None:
    """The OpenAPI 3.1.0 document of the API calls: the API-driven flows, the fetches of the
    hybrid flows, and the webhooks of event flows delivered without a broker; None when there
    is none of them."""
    builder = _OpenApi(assessment)
    direct = direct_delivery(result)
    for planned in _planned(assessment, result):
        flow = planned.flow
        if planned.style == "api":
            if flow.caller == "target":
                builder.read(planned, listing=_polled(assessment, planned) or _scheduled(flow))
            else:
                for target in flow.targets:
                    builder.command(planned, target)
                if _polled(assessment, planned):
                    builder.read(planned, listing=True)
        elif planned.style == "hybrid":
            builder.read(planned, listing=False)
        if planned.style in ("event", "hybrid") and direct:
            builder.webhook(planned)
    if not builder.paths and not builder.webhooks:
        return None
    return builder.document(result)


def _scheduled(flow: Flow) -> bool:
    return flow.trigger == "schedule"


class _OpenApi:
    """The OpenAPI document as it is built, operation by operation."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment = assessment
        self.paths: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, Any] = {}
        self.schemas: dict[str, Any] = {}
        self.called: list[str] = []  # the systems that serve an operation, in order
        self.flows: list[str] = []
        self.limited = False  # some operation answers 429 with Retry-After

    def _note(self, planned: _Planned, system: str) -> None:
        if system not in self.called:
            self.called.append(system)
        if planned.id not in self.flows:
            self.flows.append(planned.id)

    def _record_schema(self, planned: _Planned) -> str:
        name = planned.id
        if name not in self.schemas:
            self.schemas[name] = {
                "type": "object",
                "description": _paragraphs(
                    _brief_origin(planned),
                    f"One {planned.id} record (a stub: add its fields).",
                ),
                "required": ["id"],
                "properties": {
                    "id": {"type": "string", "description": "The record's id."},
                    "version": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Raised by one at every change.",
                    },
                    "updated_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When the record last changed (RFC 3339).",
                    },
                },
                "additionalProperties": True,
            }
        return f"#/components/schemas/{name}"

    def _too_many(self, planned: _Planned, system: System) -> dict[str, Any]:
        limit = system.api_rate_limit_per_minute
        assert limit is not None
        self.limited = True
        raised = " (risk raised: rate-limit)" if "rate-limit" in planned.risks else ""
        return {
            "description": f"{_label(system)} allows {format_number(limit)} calls a minute"
            f"{raised}: wait as long as Retry-After says, then retry with back-off.",
            "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
        }

    def read(self, planned: _Planned, *, listing: bool) -> None:
        """A GET on the source: one record by id (a lookup, a hybrid fetch), or the list of
        records (a scheduled pull; a polled flow's changes, with updated_since)."""
        flow = planned.flow
        source = self.assessment.system(flow.source)
        self._note(planned, flow.source)
        record = self._record_schema(planned)
        polled = planned.advice.polling is not None and listing and not _scheduled(flow)
        responses: dict[str, Any] = {}
        parameters: list[dict[str, Any]] = []
        if listing:
            path = f"/{flow.source}/{flow.id}"
            operation_id = f"{flow.id}.list"
            summary = f"List {flow.id} records" + (" changed since a time" if polled else "")
            page = f"{flow.id}-page"
            self.schemas[page] = {
                "type": "object",
                "description": _paragraphs(_brief_origin(planned), f"A page of {flow.id} records."),
                "required": ["items"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": record}},
                    "next_cursor": {
                        "type": ["string", "null"],
                        "description": "Pass as cursor for the next page; null on the last.",
                    },
                },
            }
            if polled:
                parameters.append(
                    {
                        "name": "updated_since",
                        "in": "query",
                        "required": False,
                        "description": "Only the records changed at or after this time (RFC "
                        "3339): pass the updated_at of the last record seen, so that a poll "
                        "reads only what changed.",
                        "schema": {"type": "string", "format": "date-time"},
                    }
                )
            parameters += [
                {
                    "name": "cursor",
                    "in": "query",
                    "required": False,
                    "description": "The next_cursor of the previous page; none for the first.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Records a page, at most.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                },
            ]
            responses["200"] = {
                "description": "A page of records, oldest change first.",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{page}"}}
                },
            }
            role = self._list_role(planned, polled)
        else:
            path = url_of(flow)
            operation_id = fetch_operation_id(flow)
            summary = f"Get one {flow.id} record"
            parameters.append(
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": "The record's id.",
                    "schema": {"type": "string"},
                }
            )
            responses["200"] = {
                "description": "The record as it is now.",
                "content": {"application/json": {"schema": {"$ref": record}}},
            }
            responses["404"] = {"description": "No record has this id."}
            role = self._fetch_role(planned)
        if source.api_rate_limit_per_minute is not None:
            responses["429"] = self._too_many(planned, source)
        self.paths.setdefault(path, {})["get"] = {
            "tags": [flow.source],
            "operationId": operation_id,
            "summary": summary,
            "description": _paragraphs(_origin(self.assessment, planned), role),
            "parameters": parameters,
            "responses": responses,
        }

    def _list_role(self, planned: _Planned, polled: bool) -> str:
        flow = planned.flow
        callers = _listed([_label(self.assessment.system(t)) for t in flow.targets])
        if not polled:
            return f"{callers} pull the records on their schedule, page by page."
        polling = planned.advice.polling
        assert polling is not None
        if flow.caller == "target":
            who = f"{callers} poll it"
        else:
            who = (
                f"{_label(self.assessment.system(flow.source))} cannot push its changes, so an "
                f"adapter polls it for {callers}"
            )
        return (
            f"{who} for changes: every {format_duration(flow.max_delay_seconds)} to meet the "
            f"delay, about {format_number(polling.calls_per_day)} calls a day. Ask with "
            "updated_since and page with cursor, so that a poll reads only what changed."
        )

    def _fetch_role(self, planned: _Planned) -> str:
        flow = planned.flow
        callers = _listed([_label(self.assessment.system(t)) for t in flow.targets])
        if planned.style == "hybrid":
            return (
                f"The fetch of the hybrid flow: {callers} get the record here when the thin "
                f"event {_code(topic_name(flow))} tells them it changed."
            )
        waits = " and wait for the answer" if flow.needs_response else ""
        return f"A lookup: {callers} call {_label(self.assessment.system(flow.source))}{waits}."

    def command(self, planned: _Planned, target: str) -> None:
        """A POST (or a PUT for a record's new state) from the source to one target."""
        flow = planned.flow
        called = self.assessment.system(target)
        self._note(planned, target)
        upsert = flow.trigger in ("data_change", "telemetry")
        method = "put" if upsert else "post"
        path = f"/{target}/{flow.id}/{{id}}" if upsert else f"/{target}/{flow.id}"
        body = f"{flow.id}-request"
        if body not in self.schemas:
            self.schemas[body] = {
                "type": "object",
                "description": _paragraphs(
                    _brief_origin(planned),
                    f"What the source sends (a stub: add the fields of {flow.id}).",
                ),
                "properties": {"id": {"type": "string", "description": "The record's id."}},
                "additionalProperties": True,
            }
        parameters: list[dict[str, Any]] = []
        if upsert:
            parameters.append(
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": "The record's id.",
                    "schema": {"type": "string"},
                }
            )
        responses: dict[str, Any] = {}
        if flow.needs_response:
            outcome = f"{flow.id}-outcome"
            self.schemas.setdefault(
                outcome,
                {
                    "type": "object",
                    "description": _paragraphs(
                        _brief_origin(planned),
                        "What the caller waits for (a stub: add its fields).",
                    ),
                    "required": ["id"],
                    "properties": {"id": {"type": "string", "description": "The record's id."}},
                    "additionalProperties": True,
                },
            )
            done = {
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{outcome}"}}
                }
            }
            if upsert:
                responses["200"] = {"description": "Done: the record as stored.", **done}
            else:
                responses["201"] = {"description": "Done: the outcome.", **done}
        else:
            responses["202"] = {"description": "Accepted: the caller does not wait for more."}
        if RETRIED_COMMANDS in planned.risks:
            parameters.append(
                {
                    "name": IDEMPOTENCY_KEY,
                    "in": "header",
                    "required": True,
                    "description": "A key the caller makes for this command (a UUID) and sends "
                    "again, unchanged, with every retry: a repeated key returns the first "
                    "outcome instead of applying the command twice (risk raised: "
                    "retried-commands).",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            )
            responses["409"] = {
                "description": "A request with this Idempotency-Key is still being processed: "
                "retry later."
            }
            responses["422"] = {
                "description": "This Idempotency-Key was used with a different request body."
            }
        if called.api_rate_limit_per_minute is not None:
            responses["429"] = self._too_many(planned, called)
        source = self.assessment.system(flow.source)
        waits = "waits for the outcome" if flow.needs_response else "does not wait for more"
        self.paths.setdefault(path, {})[method] = {
            "tags": [target],
            "operationId": f"{flow.id}.{method}.{target}",
            "summary": f"{flow.id}: "
            + ("store a record's new state" if upsert else "send the command"),
            "description": _paragraphs(
                _origin(self.assessment, planned),
                f"A command: {_label(source)} calls {_label(called)} and {waits}.",
            ),
            "parameters": parameters,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                },
            },
            "responses": responses,
        }

    def webhook(self, planned: _Planned) -> None:
        """The call that delivers an event flow's events without a broker: the source POSTs
        each event to every consumer's endpoint."""
        flow = planned.flow
        for target in flow.targets:
            self._note(planned, target)
        envelope, data = f"{flow.id}-event", f"{flow.id}-data"
        self.schemas[envelope] = _envelope_schema(
            self.assessment, planned, f"#/components/schemas/{data}"
        )
        self.schemas[data] = _data_schema(self.assessment, planned)
        parameters = [
            {
                "name": header.name,
                "in": "header",
                "required": True,
                "description": header.description,
                "schema": {"type": "string"},
            }
            for header in _event_headers(planned)
        ]
        responses: dict[str, Any] = {
            "204": {
                "description": "Received: answer only once the event is stored, so that the "
                "source retries anything else."
            }
        }
        limited = [
            self.assessment.system(target)
            for target in flow.targets
            if self.assessment.system(target).api_rate_limit_per_minute is not None
        ]
        if limited:
            tightest = min(limited, key=lambda system: system.api_rate_limit_per_minute or 0)
            responses["429"] = self._too_many(planned, tightest)
        consumers = _listed([_label(self.assessment.system(t)) for t in flow.targets])
        self.webhooks[flow.id] = {
            "post": {
                "tags": list(flow.targets),
                "operationId": f"{flow.id}.webhook",
                "summary": f"{flow.id}: receive an event",
                "description": _paragraphs(
                    _origin(self.assessment, planned),
                    f"No broker: {_label(self.assessment.system(flow.source))} POSTs each event "
                    f"to this endpoint on {consumers}, and retries with back-off until it gets a "
                    "2xx answer.",
                    _envelope_text(flow),
                ),
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {
                        CLOUDEVENTS_JSON: {"schema": {"$ref": f"#/components/schemas/{envelope}"}}
                    },
                },
                "responses": responses,
            }
        }

    def document(self, result: Result) -> dict[str, Any]:
        assessment = self.assessment
        document: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": {
                "title": assessment.name,
                "version": CONTRACT_VERSION,
                "description": _paragraphs(
                    f"The API calls of {markdown_text(assessment.name)}, {DRAFTED_BY} "
                    "from its assessment, for the flows "
                    f"{', '.join(_code(flow) for flow in self.flows)}. The integration as a "
                    f"whole is recommended {STYLE_IN_TEXT[result.recommendation]} (confidence "
                    f"{format_confidence(result.confidence)}).",
                    "Every path starts with the id of the system that serves it; replace the "
                    "server with each system's own base URL.",
                ),
            },
            "servers": [{"url": API_BASE, "description": "Replace with each system's base URL."}],
            "tags": [self._tag(system) for system in self.called],
        }
        if self.paths:
            document["paths"] = self.paths
        if self.webhooks:
            document["webhooks"] = self.webhooks
        document["components"] = {"schemas": self.schemas}
        if self.limited:
            document["components"]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before calling again.",
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        return document

    def _tag(self, system_id: str) -> dict[str, Any]:
        system = self.assessment.system(system_id)
        owner = f", owned by {markdown_text(system.owner)}" if system.owner else ""
        return {"name": system_id, "description": f"{_label(system)}{owner}."}
