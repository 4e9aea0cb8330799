"""Hypothesis strategies for everything staff and other systems send: the intake and every event
payload. They are derived from the pydantic models' JSON schemas (event_catalog() lists the
events), so a new event or field is fuzzed without touching this file.

Three kinds of input, mixed: values that fit the schema's shape (but rarely its checks: ID check
digits, phone formats, dates in order), a valid example with one thing broken (a field dropped,
replaced by any JSON value, or an unknown field added), and arbitrary JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from tests import factories

Json = Any

json_values: st.SearchStrategy[Json] = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None) -> st.SearchStrategy[Json]:
    """Values of a pydantic JSON schema's shape (the subset pydantic emits)."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(root["$defs"][name], root))
    if "anyOf" in schema:
        return st.one_of([from_schema(s, root) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, root) for k, v in props.items() if k in required},
            optional={k: from_schema(v, root) for k, v in props.items() if k not in required})
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), root), min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 3), 3))
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum", -10**6), schema.get("maximum", 10**6))
    if kind == "number":
        return st.integers(-10**7, 10**7) | st.floats(-1e7, 1e7, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return json_values


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date":
        return st.dates(date(2000, 1, 1), date(2035, 12, 31)).map(date.isoformat)
    if schema.get("format") == "date-time":
        return st.datetimes().map(lambda d: d.isoformat() + "+08:00")
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
    # Numbers as text too: amounts and ids arrive as strings.
    return st.text(min_size=low, max_size=high) | st.decimals(-10**6, 10**6, places=3).map(str)


def broken(value: Json) -> st.SearchStrategy[Json]:
    """The value with one thing wrong, anywhere in it."""
    if isinstance(value, dict) and value:
        keys = sorted(value)
        return st.one_of(
            st.sampled_from(keys).map(lambda k: {x: v for x, v in value.items() if x != k}),  # dropped
            st.tuples(st.sampled_from(keys), json_values).map(lambda kv: {**value, kv[0]: kv[1]}),  # replaced
            st.text(min_size=1, max_size=8).filter(lambda k: k not in value).map(lambda k: {**value, k: 1}),  # extra
            st.sampled_from(keys).flatmap(
                lambda k: broken(value[k]).map(lambda inner: {**value, k: inner})),  # deeper
        )
    if isinstance(value, list) and value:
        return st.integers(0, len(value) - 1).flatmap(
            lambda i: broken(value[i]).map(lambda inner: [*value[:i], inner, *value[i + 1:]]))
    return json_values


def payloads(model: type[BaseModel], valid: Json | None = None) -> st.SearchStrategy[Json]:
    """Input for ``model``: mostly wrong, sometimes right."""
    shaped = from_schema(model.model_json_schema())
    mixed = [shaped, shaped.flatmap(broken), json_values]
    if valid is not None:
        mixed.append(broken(valid))
    return st.one_of(mixed)


def intakes() -> st.SearchStrategy[Json]:
    from domain.models import CaseIntake

    return payloads(CaseIntake, factories.intake(claimants=2))
