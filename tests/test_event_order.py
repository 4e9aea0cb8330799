"""Refusals come in the documented order and say what the schema says: the actor before the
payload, then the payload, a reused event id, the stage; a refused signal is recorded with the
unit and person it claims."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from registry.store import Registry
from starters.cases import EventRefused, case_state, send_event
from starters.cli import app
from tests.helpers import actor, at_stage, settle, start

GRANT = {"actor": actor("legal_aid"), "granted": True, "lawyer": {"name": "张律师"}}


async def refusal(env: WorkflowEnvironment, number: str, name: str, payload: dict[str, object]) -> EventRefused:
    with pytest.raises(EventRefused) as refused:
        await send_event(env.client, number, name, payload)
    return refused.value


async def test_the_actor_is_checked_before_the_payload_and_the_payload_before_the_stage(
        env: WorkflowEnvironment, workers: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    wrong_and_broken = {"event_id": "o-1", "actor": actor("union"), "granted": "perhaps", "lawyer": 7}
    assert (await refusal(env, number, "legal_aid_decision", wrong_and_broken)).code == "wrong_actor"
    broken = {**wrong_and_broken, "actor": actor("legal_aid")}
    assert (await refusal(env, number, "legal_aid_decision", broken)).code == "invalid_payload"
    # The CLI checks a file in the same order, before it connects.
    path = tmp_path / "e.json"
    path.write_text(json.dumps(wrong_and_broken), encoding="utf-8")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    result = await asyncio.to_thread(CliRunner().invoke, app, ["case", "event", number, "legal_aid_decision",
                                                                "--file", str(path)])
    assert result.exit_code == 3 and "工会不能发送" in result.output
    # The payload before the stage: a later stage's event with a broken payload is invalid, not early.
    early = {"event_id": "o-2", "actor": actor("union"), "reason": 7}
    assert (await refusal(env, number, "mediation_failed", early)).code == "invalid_payload"
    assert (await refusal(env, number, "mediation_failed", {**early, "reason": "双方分歧较大"})).code == "not_now"


async def test_a_reused_event_id_with_other_content_is_refused_as_conflict(
        env: WorkflowEnvironment, workers: str, registry: Registry, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    first = await send_event(env.client, number, "legal_aid_decision", {"event_id": "c-1", **GRANT})
    again = await send_event(env.client, number, "legal_aid_decision", {"event_id": "c-1", **GRANT})
    assert again == first  # the same event: the first answer
    await at_stage(env.client, number, "mediation")
    other_content = {"event_id": "c-1", **GRANT, "lawyer": {"name": "李律师"}}
    other_event = {"event_id": "c-1", "actor": actor("union"), "reason": "双方分歧较大"}
    for name, payload, says in (("legal_aid_decision", other_content, "不同的内容"),
                                ("mediation_failed", other_event, "另一事件")):
        refused = await refusal(env, number, name, payload)
        assert refused.code == "conflict" and says in refused.zh and "legal_aid_decision" in refused.zh
    # Through the CLI: exit 2, and nothing applied.
    path = tmp_path / "e.json"
    path.write_text(json.dumps(other_event, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    result = await asyncio.to_thread(CliRunner().invoke, app, ["case", "event", number, "mediation_failed",
                                                                "--file", str(path)])
    assert result.exit_code == 3 and "未生效" in result.output, result.output
    await settle(env.client, number)
    assert [e.kind for e in registry.events(number)].count("event.mediation_failed") == 0
    assert (await case_state(env.client, number)).stage == "mediation"


async def test_messages_say_the_schema_limits(env: WorkflowEnvironment, workers: str) -> None:
    number = await start(env.client, workers, consent=False)
    await at_stage(env.client, number, "mediation")
    short = await refusal(env, number, "mediation_failed", {"event_id": "m-1", "actor": actor("union"), "reason": "x"})
    assert short.code == "invalid_payload" and "至少 2 个字符" in short.zh and "at least 2 characters" in short.en
    assert "不能为空" not in short.zh


async def test_a_refused_event_is_logged_with_the_unit_and_person_it_claims(
        env: WorkflowEnvironment, workers: str, registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    with caplog.at_level(logging.INFO, logger="temporalio.workflow"):
        with pytest.raises(EventRefused) as refused:
            await send_event(env.client, number, "mediation_failed",
                             {"event_id": "s-1", "actor": actor("union", "调解员乙"), "reason": "越级"})
    assert refused.value.code == "not_now"
    lines = [r.getMessage() for r in caplog.records if "mediation_failed refused" in r.getMessage()]
    assert lines and "union (调解员乙)" in lines[0] and "id s-1" in lines[0]
    assert "event.refused" not in [e.kind for e in registry.events(number)]
