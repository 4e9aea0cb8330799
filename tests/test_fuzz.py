"""Fuzzed input (tests/fuzz.py) through both doors: the CLI and the running case's update
validators. Bad input is refused with a clear reason naming the field; no workflow task fails.

Example counts stay modest (the suite must stay fast); WEIQUAN_FUZZ_EXAMPLES raises them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.catalogue import wrong_sender
from domain.i18n import explain
from domain.models import CaseIntake
from domain.rules import Settings
from registry.store import Registry
from starters.cases import EventRefused, send_event, signed
from starters.cli import app
from tests.conftest import running_workers, terminate_open_cases
from tests.fuzz import intakes, json_values, payloads
from tests.helpers import TODAY, start
from tests.paths import until
from workflows.case import event_catalog

EXAMPLES = int(os.environ.get("WEIQUAN_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])
CATALOG = event_catalog()
CODES = {"unknown_event", "payload", "invalid_payload", "wrong_actor", "unauthenticated", "conflict", "not_now"}
runner = CliRunner()
NO_SERVER = {"TEMPORAL_ADDRESS": "127.0.0.1:9"}  # nothing listens: refusing must not need a server


def events() -> st.SearchStrategy[tuple[str, Any]]:
    """(event name, payload) for every event of the catalogue, plus unknown names."""
    known = st.sampled_from(sorted(CATALOG)).flatmap(lambda n: st.tuples(st.just(n), payloads(CATALOG[n].model)))
    unknown = st.tuples(st.from_regex(r"[a-z_]{1,20}", fullmatch=True).filter(lambda n: n not in CATALOG),
                        json_values)
    return st.one_of(known, unknown)


def cli(*args: str, content: str) -> Any:
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, NO_SERVER):
        file = Path(tmp) / "input.json"
        file.write_text(content, encoding="utf-8")
        return runner.invoke(app, [*args, "--file", str(file)])


def assert_names_fields(output: str, error: ValidationError) -> None:
    flat = output.replace("\n", "")
    for problem in explain(error, "zh"):
        assert problem["label"] in flat, f"{problem} not named in:\n{output}"


# ---- the CLI ------------------------------------------------------------------------------------


@FUZZ
@given(data=intakes())
def test_cli_refuses_bad_intake_before_connecting(data: Any) -> None:
    try:
        CaseIntake.from_input(data, TODAY)
    except ValidationError as err:
        result = cli("case", "start", content=json.dumps(data, ensure_ascii=False))
        assert result.exit_code == 2, result.output
        assert_names_fields(result.output, err)
    else:
        assume(False)  # valid: the CLI would go on to connect


@FUZZ
@given(text=st.text(max_size=40))
def test_cli_refuses_what_is_not_json(text: str) -> None:
    try:
        json.loads(text)
    except ValueError:
        result = cli("case", "start", content=text)
        assert result.exit_code == 2 and "不是有效的 JSON" in result.output, result.output
    else:
        assume(False)


@FUZZ
@given(event=events())
def test_cli_refuses_bad_event_before_connecting(event: tuple[str, Any]) -> None:
    name, payload = event
    result = cli("case", "event", "NC360113-FUZZ0000", name, content=json.dumps(payload, ensure_ascii=False))
    if name not in CATALOG:
        assert result.exit_code == 2 and "未知事件" in result.output
        return
    if not isinstance(payload, dict):
        assert result.exit_code == 2 and "JSON 对象" in result.output
        return
    actor = payload.get("actor")
    if isinstance(actor, dict) and wrong_sender(CATALOG[name], actor.get("unit")):  # the actor comes first
        assert result.exit_code == 3 and "不能发送" in result.output.replace("\n", ""), result.output
        return
    try:
        CATALOG[name].model.model_validate({"event_id": "x", **payload})
    except ValidationError as err:
        assert result.exit_code == 2, result.output
        assert_names_fields(result.output, err)
    else:
        assume(False)


# ---- the running case ----------------------------------------------------------------------------


class Cases:
    """Open cases to fuzz, one per stage of interest; a case that closes is replaced."""

    def __init__(self, client: Client, prefix: str) -> None:
        self.client, self.prefix = client, prefix
        self.numbers: dict[str, str] = {}
        self.touched: set[str] = set()

    async def at(self, kind: str) -> str:
        number = self.numbers.get(kind)
        if number is None or (await self.client.get_workflow_handle(number).describe()).close_time is not None:
            number = await start(self.client, self.prefix, consent=(kind == "review"))
            await until(self.client, number, lambda v: bool(v.deadlines), "running its first clock")
            self.numbers[kind] = number
        self.touched.add(number)
        return number

    async def failed_tasks(self) -> dict[str, int]:
        found = {}
        for number in sorted(self.touched):
            history = await self.client.get_workflow_handle(number).fetch_history()
            failures = sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED for e in history.events)
            if failures:
                found[number] = failures
        return found


@pytest.fixture
async def cases(env: WorkflowEnvironment, registry: Registry, settings: Settings) -> Any:
    async with running_workers(env.client, registry, settings) as prefix:
        pool = Cases(env.client, prefix)
        yield pool
        await terminate_open_cases(env.client, registry)


EXAMPLE_IDS = itertools.count()


@FUZZ
@given(event=events(), kind=st.sampled_from(["review", "mediation"]), event_id=st.none() | st.integers(0, 10**9))
@example(event=("legal_aid_decision", None), kind="review", event_id=None).via("JSON null")
@example(event=("mediation_failed", [1, 2]), kind="mediation", event_id=None).via("a list")
@example(event=("clock_pause", "text"), kind="review", event_id=None).via("a string")
async def test_update_validators_refuse_bad_input_clearly(cases: Cases, event: tuple[str, Any], kind: str,
                                                          event_id: int | None) -> None:
    name, payload = event
    if isinstance(payload, dict) and event_id is not None:
        # Unique per example: the pooled cases remember every id (a reused id answers with its first event).
        payload = {**payload, "event_id": f"fuzz-{event_id}-{next(EXAMPLE_IDS)}"}
    number = await cases.at(kind)
    spec = CATALOG.get(name)
    try:
        sendable = spec is not None and bool(spec.model.model_validate(payload))
    except ValidationError:
        sendable = False
    try:
        receipt = await asyncio.wait_for(send_event(cases.client, number, name, payload), timeout=20)
    except EventRefused as refused:
        assert refused.code in CODES, f"unclear refusal {refused.code}: {refused.en}"
        assert refused.zh and refused.en
        if sendable:  # what the CLI lets through, the case must not call malformed
            assert refused.code != "invalid_payload", refused.en
    else:
        assert sendable and receipt.event == name
    assert await cases.failed_tasks() == {}


async def test_garbage_signals_are_refused_and_never_fail_a_task(env: WorkflowEnvironment, workers: str,
                                                                  registry: Registry) -> None:
    number = await start(env.client, workers)
    await until(env.client, number, lambda v: v.stage == "legal_aid_review", "at review")
    handle = env.client.get_workflow_handle(number)
    garbage = [("legal_aid_decision", {"granted": "maybe"}), ("no_such_event", [1, 2]), ("clock_pause", None),
               ("mediation_failed", {"event_id": "s-1", "actor": {"unit": "union", "person": "x"}, "reason": "太短"}),
               ("legal_aid_decision", "garbage")]
    for name, payload in garbage:
        await handle.signal(name, payload)
    good = {"event_id": "s-ok", "actor": {"unit": "legal_aid", "person": "x"}, "granted": True,
            "lawyer": {"name": "周律师"}}
    await handle.signal("legal_aid_decision", signed(env.client, number, "legal_aid_decision", good))
    await until(env.client, number, lambda v: v.stage == "mediation", "in mediation")
    kinds = [e.kind for e in registry.events(number)]
    assert "event.refused" not in kinds and kinds.count("event.legal_aid_decision") == 1
    history = await handle.fetch_history()
    assert not [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
