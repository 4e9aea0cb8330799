"""An event's payload as a JSON schema and as a filled example, from its declaration alone (name,
model, senders, title): the integration contract (starters/contract.py) writes them down, and the
staff CLI shows them (`weiquan case events`, `weiquan case template`) without any workflow code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import DEFAULT_REF_TEMPLATE

from domain.catalogue import Declared
from domain.i18n import AGENCY, FIELD

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "events"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


class ContractError(Exception):
    pass


def schema_of(tp: Any, mode: str, title: str | None = None, description: str | None = None, *,
              ref_template: str = DEFAULT_REF_TEMPLATE) -> dict[str, Any]:
    schema = TypeAdapter(tp).json_schema(mode=mode, ref_template=ref_template)  # type: ignore[arg-type]
    if title:
        schema["title"] = title
    if description:
        schema["description"] = description
    return {"$schema": DIALECT, **schema}


def units(spec: Declared) -> list[str]:
    return sorted(a.value for a in spec.actors)


def event_schema(spec: Declared, *, ref_template: str = DEFAULT_REF_TEMPLATE) -> dict[str, Any]:
    """The payload's schema, with the units allowed to send it written into ``actor.unit``
    (``ref_template``: where its shared parts go; the gateway's OpenAPI document puts them in its
    components)."""
    doc = " ".join((spec.model.__doc__ or "").split())  # a docstring's lines, as one
    schema = schema_of(spec.model, "validation", spec.name,
                       f"{spec.title[0]} · {spec.title[1]}" + (f". {doc}" if doc else ""), ref_template=ref_template)
    schema["properties"]["actor"] = {
        **schema["properties"]["actor"],
        "properties": {"unit": {"enum": units(spec)}},
        "description": f"只能由{'、'.join(AGENCY[u][0] for u in units(spec))}发送 · "
                       f"sent only by {', '.join(units(spec))}",
    }
    return schema


def synthesize(schema: dict[str, Any], defs: dict[str, Any], field: str = "") -> Any:
    """A plausible value for a schema: the example for an event nobody has written one for (text
    says which field it stands for, so a clerk filling the template sees what goes where)."""
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        merged["properties"] = {**target.get("properties", {}), **schema.get("properties", {})}
        return synthesize(merged, defs, field)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("default") is not None:
        return schema["default"]
    if options := schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf"):
        return synthesize(next(s for s in options if s.get("type") != "null"), defs, field)
    match schema.get("type"):
        case "object":
            required = schema.get("required", [])
            return {k: synthesize(v, defs, k) for k, v in schema.get("properties", {}).items() if k in required}
        case "array":
            return [synthesize(schema.get("items", {}), defs, field) for _ in range(schema.get("minItems", 0))]
        case "boolean":
            return True
        case "integer" | "number":
            return schema.get("minimum", 1)
        case _:
            dated = {"date": "2026-12-01", "date-time": "2026-12-01T09:00:00+08:00"}.get(schema.get("format", ""))
            text = ("示例" + FIELD[field][0] if field in FIELD else "示例说明").ljust(schema.get("minLength", 0), "。")
            return dated or text[:schema.get("maxLength", len(text))]


def example(spec: Declared, schema: dict[str, Any]) -> dict[str, Any]:
    """examples/events/<name>.json when someone wrote it (the staff CLI uses it too), else one
    synthesized from the schema; given an event id and an allowed actor; always valid."""
    path = EXAMPLES / f"{spec.name}.json"
    if path.exists():
        body = json.loads(path.read_text(encoding="utf-8"))
    else:
        body = {k: v for k, v in synthesize(schema, schema.get("$defs", {})).items() if k not in ("event_id", "actor")}
    actor = body.pop("actor", {"unit": units(spec)[0], "person": "经办人"})
    payload = {"event_id": body.pop("event_id", f"{actor.get('unit')}:{spec.name}:0001"), "actor": actor, **body}
    try:
        spec.model.model_validate(payload)
    except ValidationError as err:
        raise ContractError(f"the example for {spec.name} is not a valid payload; write a valid one in "
                            f"examples/events/{spec.name}.json\n{err}") from None
    if payload["actor"]["unit"] not in units(spec):
        raise ContractError(f"examples/events/{spec.name}.json: actor.unit must be one of {units(spec)}")
    return payload
