"""Checking a value against a schema of /openapi.json: the part of JSON Schema the document
uses (types, required and extra properties, items, $ref, allOf/anyOf/oneOf/not, enum, const,
minimum and maximum, minLength and maxLength, pattern, and the uuid, date and date-time
formats)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

_TYPES: dict[str, Any] = {
    "null": lambda v: v is None, "boolean": lambda v: isinstance(v, bool),
    # As JSON Schema counts it: 2000.0 is an integer.
    "integer": lambda v: ((isinstance(v, int) and not isinstance(v, bool))
                          or (isinstance(v, float) and v.is_integer())),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str), "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_FORMATS: dict[str, Any] = {"uuid": uuid.UUID, "date": dt.date.fromisoformat,
                            "date-time": dt.datetime.fromisoformat}


def problems(value: Any, schema: dict[str, Any], spec: dict[str, Any],
             where: str = "$") -> list[str]:
    """Every way ``value`` departs from ``schema`` (``$ref`` resolved in ``spec``), each
    naming where."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return problems(value, spec["components"]["schemas"][name], spec, where)
    found: list[str] = []
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[name](value) for name in names):
            return [f"{where}: {value!r} is not {types}"]
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and _TYPES["number"](value) and value < schema["minimum"]:
        found.append(f"{where}: {value!r} is below {schema['minimum']}")
    if "maximum" in schema and _TYPES["number"](value) and value > schema["maximum"]:
        found.append(f"{where}: {value!r} is above {schema['maximum']}")
    if isinstance(value, str):
        found += _string_problems(value, schema, where)
    if "not" in schema and not problems(value, schema["not"], spec, where):
        found.append(f"{where}: {value!r} matches what is ruled out")
    if isinstance(value, str) and schema.get("format") in _FORMATS:
        try:
            _FORMATS[schema["format"]](value)
        except ValueError:
            found.append(f"{where}: {value!r} is no {schema['format']}")
    for part in schema.get("allOf", []):
        found += problems(value, part, spec, where)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            matching = [part for part in schema[key] if not problems(value, part, spec, where)]
            if not matching or (key == "oneOf" and len(matching) > 1):
                found.append(f"{where}: {value!r} matches {len(matching)} of {key}")
    if isinstance(value, dict):
        found += _object_problems(value, schema, spec, where)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], spec, f"{where}[{index}]")
    return found


def _string_problems(value: str, schema: dict[str, Any], where: str) -> list[str]:
    found = []
    if len(value) < schema.get("minLength", 0):
        found.append(f"{where}: {value!r} is shorter than {schema['minLength']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(f"{where}: {value[:20]!r}... is longer than {schema['maxLength']}")
    if "pattern" in schema and not re.search(_ecma(schema["pattern"]), value):
        found.append(f"{where}: {value!r} does not match {schema['pattern']}")
    return found


def _ecma(pattern: str) -> str:
    """A pattern whose final ``$`` means the end, as in ECMA 262 (Python's also matches
    before a final line break)."""
    return pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") \
        else pattern


def _object_problems(value: dict[str, Any], schema: dict[str, Any], spec: dict[str, Any],
                     where: str) -> list[str]:
    properties: dict[str, Any] = schema.get("properties", {})
    found = [f"{where}: {name!r} is required" for name in schema.get("required", [])
             if name not in value]
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            found += problems(item, properties[name], spec, f"{where}.{name}")
        elif extra is False:
            found.append(f"{where}: {name!r} is not documented")
        elif isinstance(extra, dict):
            found += problems(item, extra, spec, f"{where}.{name}")
    return found


def answer_schema(spec: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema the document gives for that answer."""
    response = spec["paths"][path][method]["responses"][str(status)]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema
