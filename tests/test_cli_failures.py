"""Every CLI error is a sentence and an exit code, never a traceback: 2 for an unknown or closed
case, 4 when a part of the system does not answer (the server, the registry database, a worker),
saying whether the event may still apply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.common import RawValue
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner, Result

from domain.events.answers import ANSWER_QUERY
from domain.models import CaseIntake
from starters.cases import open_case
from starters.cli import app
from tests import factories
from tests.helpers import TODAY, at_stage, close_after_failed_mediation, start
from workers.binaries import binary
from workers.connect import data_converter

DECISION = {"event_id": "fail-1", "actor": {"unit": "legal_aid", "person": "法援中心"}, "granted": True}


async def weiquan(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


@pytest.fixture
def decision(tmp_path: Path) -> str:
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(DECISION), encoding="utf-8")
    return str(path)


def said(result: Result, code: int, *phrases: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    for phrase in phrases:
        assert phrase in result.output.replace("\n", ""), result.output


async def test_an_unknown_or_closed_case_is_bad_input(env: WorkflowEnvironment, workers: str, decision: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    said(await weiquan("case", "event", "NC360113-AAAAAAAA", "legal_aid_decision", "--file", decision), 2,
         "没有这个编号的案件或会商")
    number = await start(env.client, workers, consent=False)
    await at_stage(env.client, number, "mediation")
    await close_after_failed_mediation(env.client, number)
    await env.client.get_workflow_handle(number).result()
    said(await weiquan("case", "event", number, "legal_aid_decision", "--file", decision), 2, "该案件已结束")


async def test_an_event_the_case_refuses_now_is_exit_3(env: WorkflowEnvironment, workers: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    early = tmp_path / "failed.json"
    early.write_text(json.dumps({"event_id": "early-1", "actor": {"unit": "union", "person": "调解员"},
                                 "reason": "双方分歧较大"}, ensure_ascii=False), encoding="utf-8")
    said(await weiquan("case", "event", number, "mediation_failed", "--file", str(early)), 3, "当前不能")
    said(await weiquan("case", "event", number, "mediation_failed", "--file", str(early), "--lang", "en"), 3,
         "cannot")


async def test_no_worker_answering_is_said_with_what_becomes_of_the_event(
        env: WorkflowEnvironment, decision: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    monkeypatch.setenv("WEIQUAN_ANSWER_WAIT", "2")
    number, _ = await open_case(env.client, CaseIntake.from_input(factories.intake(), TODAY), prefix="nobody")
    # No worker reads the case, so it cannot say whether it has the event: the CLI does not send it.
    said(await weiquan("case", "event", number, "legal_aid_decision", "--file", decision), 4,
         "2 秒内没有 worker 答复", "事件未发送", "之后再次发送")
    await env.client.get_workflow_handle(number).terminate("test finished")


@workflow.defn(name="Silent", sandboxed=False)
class Silent:
    """Takes every event and never answers it: whoever sent one keeps reading for the answer."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal(dynamic=True)
    def take(self, name: str, args: Sequence[RawValue]) -> None:
        pass

    @workflow.query(name=ANSWER_QUERY)
    def answer(self, key: str) -> None:
        return None


async def test_the_server_lost_after_sending_says_the_event_may_apply(decision: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    dev = await WorkflowEnvironment.start_local(dev_server_existing_path=binary("temporal"),
                                                data_converter=data_converter(), ui=False, dev_server_log_level="error")
    number = CaseIntake.from_input(factories.intake(), TODAY).case_number()
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev.client.service_client.config.target_host)
    worker = Worker(dev.client, task_queue="silent", workflows=[Silent])
    try:
        async with worker:
            await dev.client.start_workflow(Silent.run, id=number, task_queue="silent")
            sending = asyncio.create_task(weiquan("case", "event", number, "legal_aid_decision", "--file", decision))
            history = dev.client.get_workflow_handle(number).fetch_history_events
            while not sending.done() and not [e async for e in history()
                                              if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]:
                await asyncio.sleep(0.05)
            await dev.shutdown()  # the CLI is reading for the answer
            said(await sending, 4, "发送事件后与 Temporal 服务失去联系", "可能已经或仍将生效",
                 f"weiquan case show {number}", "同一事件只生效一次")
    except RuntimeError:  # the worker's own end, with its server gone
        pass


def test_the_server_or_the_registry_down_is_unreachable(decision: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    said(CliRunner().invoke(app, ["case", "event", "NC360113-AAAAAAAA", "legal_aid_decision", "--file", decision]),
         4, "无法连接 Temporal 服务")
    said(CliRunner().invoke(app, ["--help"]), 0)
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", "postgresql+psycopg://weiquan@127.0.0.1:9/registry")
    for command in (["case", "list"], ["case", "log", "NC360113-AAAAAAAA"], ["liaison", "list"], ["outbox"]):
        said(CliRunner().invoke(app, command), 4, "无法访问登记库数据库")


CASE, MEETING = "NC360113-AAAAAAAA", "MTG-NC360113-AAAAAAAA-1"
NEEDS_REGISTRY = [["case", "show", CASE], ["case", "deadlines", CASE], ["case", "list"], ["case", "log", CASE],
                  ["calendar", "add", "--from", "2026-10-01", "--workdays", "3"],
                  ["calendar", "load", "examples/calendar-2027.toml"], ["liaison", "import", "examples/liaisons.csv"],
                  ["liaison", "list"], ["liaison", "history", "union"], ["db", "upgrade", "head"], ["db", "current"],
                  ["meeting", "show", MEETING], ["meeting", "list"], ["meeting", "minutes", MEETING], ["outbox"],
                  ["report", "--from", "2026-03-01", "--to", "2026-03-31"]]
GROUP = factories.shared_file("group-case-1000.csv")
NEEDS_SERVER = [["case", "start", "--file", "examples/intake.json"], ["case", "stuck"],
                ["case", "start-group", "--csv", str(GROUP), "--intake", "examples/group-intake.json"],
                ["case", "event", CASE, "legal_aid_decision", "--file", "examples/events/legal_aid_decision.json"],
                ["meeting", "start", "--by", "union", "--person", "张三", "--topic", "欠薪"],
                ["meeting", "event", MEETING, "meeting_confirm", "--file", "examples/events/meeting_confirm.json"]]


@pytest.mark.parametrize("command", NEEDS_REGISTRY, ids=" ".join)
def test_every_command_says_the_registry_is_unreachable(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", "postgresql+psycopg://weiquan@127.0.0.1:9/registry")
    said(CliRunner().invoke(app, command), 4, "错误：无法访问登记库数据库")
    if "--lang" in _options(command):
        said(CliRunner().invoke(app, [*command, "--lang", "en"]), 4, "Error: cannot reach the registry database")


@pytest.mark.parametrize("command", NEEDS_SERVER, ids=" ".join)
def test_every_command_says_the_server_is_unreachable(command: list[str], monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/registry.db")
    sends = "event" in command  # an event's command says what became of the event
    said(CliRunner().invoke(app, command), 4, "错误：无法连接 Temporal 服务", *["事件未发送"] * sends)
    said(CliRunner().invoke(app, [*command, "--lang", "en"]), 4, "Error: cannot reach the Temporal server",
         *["The event was not sent"] * sends)


def _options(command: list[str]) -> set[str]:
    """The options the command takes."""
    from typer.main import get_command

    found: Any = get_command(app)
    for name in command:
        if not hasattr(found, "commands") or name not in found.commands:
            break
        found = found.commands[name]
    return {opt for p in found.params for opt in getattr(p, "opts", [])}
