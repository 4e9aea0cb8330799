"""The integration contract (docs/integration.md, docs/schemas/) is generated from the code and
committed; these tests fail while the committed files lag behind the events the case accepts."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from pydantic import Field
from typer.testing import CliRunner

import workflows.case
from domain.events.base import CaseEvent
from domain.models import Agency
from starters import contract
from starters.cli import app
from workflows.case import event_catalog
from workflows.events import case_event


def test_committed_contract_is_in_sync_with_the_code() -> None:
    lagging = contract.stale()
    assert not lagging, ("out of date: " + ", ".join(map(str, lagging))
                         + " — run `python -m starters.contract --write` and commit docs/")
    assert CliRunner().invoke(app, ["contract"]).exit_code == 0


@pytest.mark.parametrize("name", list(event_catalog()))
def test_each_event_is_documented_with_an_example_its_schema_accepts(name: str) -> None:
    spec = event_catalog()[name]
    schema = json.loads((contract.ROOT / contract.SCHEMAS / "events" / f"{name}.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    payload = contract.example(spec, schema)
    validator.validate(payload)
    doc = (contract.ROOT / contract.DOC).read_text(encoding="utf-8")
    assert f'--name {name} \\\n  --input' in doc  # the signal
    assert f'--name answer \\\n  --input \'"{contract.answer_key(name, payload)}"\'' in doc  # its answer
    outsiders = [a.value for a in Agency if a not in spec.actors]
    if outsiders:  # the schema itself says who may send the event
        wrong = {**payload, "actor": {**payload["actor"], "unit": outsiders[0]}}
        assert not validator.is_valid(wrong)


def test_answers_and_queries_have_schemas() -> None:
    names = {p.relative_to(contract.ROOT / contract.SCHEMAS).as_posix()
             for p in (contract.ROOT / contract.SCHEMAS).rglob("*.json")}
    assert {"event-receipt.json", "event-refusal.json", "case-input.json", "case-result.json",
            "queries/state.json"} <= names
    doc = (contract.ROOT / contract.DOC).read_text(encoding="utf-8")
    assert 'temporal workflow query --workflow-id "$CASE" --name state' in doc


class NewPayload(CaseEvent):
    """A payload someone adds later."""

    amount: int = Field(ge=3)
    reason: str = Field(min_length=6)


class NewStage:
    @case_event("brand_new_event", NewPayload, actors={Agency.ARBITRATION}, title=("新事件", "a new event"),
                when=lambda stage, event: None)
    async def handle(self, event: NewPayload) -> tuple[str, str]:
        return "好", "ok"


def test_a_new_event_documents_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflows.case, "STAGES", (*workflows.case.STAGES, (NewStage, None)))
    assert contract.SCHEMAS / "events" / "brand_new_event.json" in contract.stale()
    files = contract.render()
    schema = json.loads(files[contract.SCHEMAS / "events" / "brand_new_event.json"])
    assert schema["properties"]["actor"]["properties"]["unit"]["enum"] == ["arbitration"]
    example = contract.example(event_catalog()["brand_new_event"], schema)  # synthesized, and valid
    Draft202012Validator(schema).validate(example)
    assert example["actor"]["unit"] == "arbitration" and example["amount"] >= 3
    assert "### `brand_new_event` — 新事件 · a new event" in files[contract.DOC]
