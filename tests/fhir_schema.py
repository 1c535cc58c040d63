"""The official FHIR R4 JSON schema (tests/data/fhir/fhir.schema.json), ready to validate.

The schema says "any resource" as a `oneOf` over all 145 resource definitions, and a
JSON-schema validator checks every branch in full, which takes seconds per resource. Each
definition requires `resourceType` with a `const` and forbids other properties, so exactly
one branch can ever match: dispatching on `resourceType` (draft 7 `if`/`then`) accepts and
rejects the same documents, in milliseconds.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

SCHEMA = Path(__file__).parent / "data" / "fhir" / "fhir.schema.json"


@cache
def r4_validator() -> Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    any_resource = schema["definitions"]["ResourceList"]["oneOf"]
    kinds = [ref["$ref"].rsplit("/", 1)[1] for ref in any_resource]
    schema["definitions"]["ResourceList"] = {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"enum": kinds}},
        "allOf": [
            {
                "if": {"properties": {"resourceType": {"const": kind}}},
                "then": {"$ref": f"#/definitions/{kind}"},
            }
            for kind in kinds
        ],
    }
    del schema["oneOf"]
    schema["allOf"] = [{"$ref": "#/definitions/ResourceList"}]  # errors name the leaf at fault
    return Draft7Validator(schema)


def r4_errors(resource: dict[str, Any]) -> list[str]:
    """Where and why `resource` is not valid FHIR R4 JSON (empty when it is)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:200]}"
        for error in r4_validator().iter_errors(resource)
    ]
