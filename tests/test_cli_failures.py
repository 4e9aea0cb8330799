"""Every CLI error is a sentence and an exit code, never a traceback: 2 for an unknown or closed
case, 4 when a part of the system does not answer (the server, the registry database, a worker),
saying whether the event may still apply."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from domain.models import CaseIntake
from starters.cases import open_case
from starters.cli import app
from tests import factories
from tests.helpers import TODAY, at_stage, close_after_failed_mediation, start

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
    said(await weiquan("case", "event", number, "legal_aid_decision", "--file", decision), 4,
         "2 秒内没有 worker 答复", "仍可能生效", "再次发送同一文件是安全的")
    await env.client.get_workflow_handle(number).terminate("test finished")


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
NEEDS_SERVER = [["case", "start", "--file", "examples/intake.json"], ["case", "stuck"],
                ["case", "event", CASE, "legal_aid_decision", "--file", "examples/events/legal_aid_decision.json"],
                ["meeting", "start", "--by", "union", "--person", "张三", "--topic", "欠薪"]]


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
    said(CliRunner().invoke(app, command), 4, "错误：无法连接 Temporal 服务")
    said(CliRunner().invoke(app, [*command, "--lang", "en"]), 4, "Error: cannot reach the Temporal server")


def _options(command: list[str]) -> set[str]:
    """The options the command takes."""
    from typer.main import get_command

    found: Any = get_command(app)
    for name in command:
        if not hasattr(found, "commands") or name not in found.commands:
            break
        found = found.commands[name]
    return {opt for p in found.params for opt in getattr(p, "opts", [])}
