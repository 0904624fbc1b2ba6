"""Hypothesis strategies that generate values valid by a JSON Schema, as a schema-driven fuzzer does.

It covers what OpenAPI documents of django-ninja/pydantic use: `$ref` into components, `allOf`
of one schema, `anyOf`, `enum`, objects with `properties`/`required`, strings with `pattern`,
`minLength`, `maxLength` and `format: date`, integers and numbers with bounds, booleans and null.
Anything else raises, so a schema that grows a keyword this does not know fails the test loudly
instead of being fuzzed with the wrong values.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hypothesis import strategies as st

_IGNORED = {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}


class UnsupportedSchema(ValueError):
    pass


def from_schema(schema: dict[str, Any], document: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid by `schema`, resolving `$ref`s in `document` (the whole OpenAPI document)."""
    if "$ref" in schema:
        return from_schema(_resolve(schema["$ref"], document), document)
    if "allOf" in schema:
        if len(schema["allOf"]) != 1:
            raise UnsupportedSchema("allOf of several schemas")
        return from_schema(schema["allOf"][0], document)
    if "anyOf" in schema:
        return st.one_of([from_schema(option, document) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    known = _IGNORED | {"type"}
    if kind == "object":
        _check(schema, known | {"properties", "required", "additionalProperties"})
        return _object(schema, document)
    if kind == "string":
        _check(schema, known | {"pattern", "minLength", "maxLength", "format"})
        return _string(schema)
    if kind == "integer":
        _check(schema, known | {"minimum", "maximum"})
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "boolean":
        _check(schema, known)
        return st.booleans()
    if kind == "null":
        return st.none()
    raise UnsupportedSchema(f"schema {schema!r}")


def _check(schema: dict[str, Any], known: set[str]) -> None:
    unknown = set(schema) - known
    if unknown:
        raise UnsupportedSchema(f"keywords {sorted(unknown)}")


def _resolve(ref: str, document: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise UnsupportedSchema(f"reference {ref}")
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _object(schema: dict[str, Any], document: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {name: from_schema(sub, document) for name, sub in properties.items() if name in required},
        optional={name: from_schema(sub, document) for name, sub in properties.items() if name not in required},
    )


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if schema.get("format") == "date":
        if "pattern" in schema:
            raise UnsupportedSchema("a date with a pattern")
        return st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat)
    if "format" in schema:
        raise UnsupportedSchema(f"format {schema['format']}")
    if "pattern" in schema:
        # JSON Schema patterns are ECMA-262: `$` is the end of the text, as \Z is in Python.
        pattern = re.compile(schema["pattern"].removesuffix("$") + r"\Z")
        strings = st.from_regex(pattern)
    else:
        strings = st.text(max_size=high if high is not None else 50)
    return strings.filter(lambda text: low <= len(text) and (high is None or len(text) <= high))
