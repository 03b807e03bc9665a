"""The JSON Schema of the assessment format, kept draft-07 compatible for editors' YAML plugins."""

from __future__ import annotations

import json
from typing import Any

from advisor.models import RESULT_FORMAT_VERSION, Assessment, Result

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"


def assessment_schema() -> dict[str, Any]:
    schema = Assessment.model_json_schema(ref_template="#/definitions/{model}")
    return _published(schema, "https://integration-advisor.dev/schema/assessment.json")


def result_schema() -> dict[str, Any]:
    """The JSON Schema of the result `advisor assess --format json` writes (format version 2).
    Every key but `date` is always written; `date` only when the decision was dated."""
    schema = Result.model_json_schema(ref_template="#/definitions/{model}", mode="serialization")
    for model in (schema, *schema.get("$defs", {}).values()):
        if "properties" in model:  # every key is written, defaults too
            model["required"] = list(model["properties"])
    schema["required"].remove("date")
    properties = schema["properties"]
    properties["format_version"]["const"] = RESULT_FORMAT_VERSION
    properties["date"]["anyOf"][0]["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
    return _published(schema, "https://integration-advisor.dev/schema/result.json")


def _published(schema: dict[str, Any], schema_id: str) -> dict[str, Any]:
    definitions = schema.pop("$defs", {})
    draft7: dict[str, Any] = {"$schema": SCHEMA_DIALECT, "$id": schema_id, **_draft7(schema)}
    if definitions:
        draft7["definitions"] = {name: _draft7(value) for name, value in definitions.items()}
    return draft7


def _draft7(node: Any) -> Any:
    """Rewrite what draft-07 readers do not know: `$ref` with siblings, `const`-free enums."""
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _draft7(value) for key, value in node.items()}
    if "$ref" in converted and len(converted) > 1:
        ref = converted.pop("$ref")
        converted["allOf"] = [{"$ref": ref}]
    return converted


def assessment_schema_json() -> str:
    return json.dumps(assessment_schema(), indent=2, ensure_ascii=False) + "\n"


def result_schema_json() -> str:
    return json.dumps(result_schema(), indent=2, ensure_ascii=False) + "\n"
