"""Writing an assessment back out as the YAML that `advisor assess` and `advisor batch` read.

The document starts with the editor modeline the CLI recommends, keeps the contract's key order,
writes whole numbers as integers and leaves out what a reader does not need: unset optional
fields, a context that is all defaults, and a flow's refinements (peak rate, ordering, message
size) while they keep their defaults. The answers the questionnaire always asks about (trigger,
waits for an answer, delay, volume, consistency) are always written.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from advisor.models import Assessment, Context, Flow, System
from advisor.yamldoc import core_resolvers

SCHEMA_MODELINE = "# yaml-language-server: $schema=assessment.schema.json"

RECORD_FIELDS = ("status", "supersedes", "decision_makers", "informed")
_ALWAYS_WRITTEN = frozenset(
    {"id", "source", "targets", "trigger", "needs_response", "max_delay_seconds"}
    | {"events_per_day", "consistency"}
)


class _Inline(list[Any]):
    """A short list written on one line, `[a, b]`, as in the examples."""


class _Dumper(yaml.SafeDumper):
    """Text that a YAML reader could take for anything but text is quoted: by YAML 1.2's core
    schema (the loader's: `08`, `1e3`) and by YAML 1.1's (other readers': `yes`, `1:30`)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent list items under their key (`systems:` then `  - id: ...`)."""
        super().increase_indent(flow, False)


def _inline(dumper: yaml.SafeDumper, data: _Inline) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    """Unicode line breaks other than \\n are only kept exactly inside double quotes."""
    style = '"' if any(char in data for char in _UNICODE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_UNICODE_BREAKS = frozenset("\x85\u2028\u2029")
_Dumper.yaml_implicit_resolvers = {
    first: list(resolvers) for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
for _first, _resolvers in core_resolvers().items():
    _Dumper.yaml_implicit_resolvers.setdefault(_first, []).extend(_resolvers)
_Dumper.add_representer(_Inline, _inline)
_Dumper.add_representer(str, _text)


def assessment_to_yaml(assessment: Assessment, *, modeline: bool = True) -> str:
    """The assessment as a YAML document; `parse_assessment` reads it back to an equal one."""
    text = yaml.dump(
        assessment_data(assessment),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return f"{SCHEMA_MODELINE}\n{text}" if modeline else text


def assessment_data(assessment: Assessment) -> dict[str, Any]:
    """The assessment as plain data in the contract's key order, defaults left out."""
    data: dict[str, Any] = {"name": assessment.name}
    if assessment.description is not None:
        data["description"] = assessment.description
    for name in RECORD_FIELDS:  # the decision record's metadata, where given
        value = getattr(assessment, name)
        if value:
            data[name] = list(value) if isinstance(value, tuple) else value
    context = _context(assessment.context)
    if context:
        data["context"] = context
    data["systems"] = [_system(system) for system in assessment.systems]
    data["flows"] = [_flow(flow) for flow in assessment.flows]
    return data


def _context(context: Context) -> dict[str, Any]:
    default = Context()
    data: dict[str, Any] = {}
    for name in Context.model_fields:
        value = getattr(context, name)
        if value != getattr(default, name):
            data[name] = _Inline(value) if name == "goals" else value
    return data


def _system(system: System) -> dict[str, Any]:
    data: dict[str, Any] = {"id": system.id}
    for name in ("name", "emits_events", "api_rate_limit_per_minute", "owner"):
        value = getattr(system, name)
        if value is not None and value is not False:
            data[name] = value
    return data


def _flow(flow: Flow) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in Flow.model_fields.items():
        value = getattr(flow, name)
        if name not in _ALWAYS_WRITTEN and (value is None or value == field.default):
            continue
        if name == "targets":
            value = _Inline(value)
        data[name] = _number(value)
    return data


def _number(value: Any) -> Any:
    """3600.0 is written 3600: floats that hold a whole number become integers."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value
