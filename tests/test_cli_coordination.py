"""The CLI for coordination and supervision: the liaison directory, `weiquan meeting`, `weiquan report`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from domain.models import Agency
from domain.rules import Settings
from registry.store import Registry
from starters.cli import app
from tests.conftest import terminate_open_cases
from tests.helpers import server_today
from tests.test_report import seeded  # noqa: F401  (fixture)
from workers.build import build_workers
from workers.queues import DEFAULT_PREFIX

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Registry) -> Path:
    """The CLI on the test's registry (tests/conftest.py keeps it in tmp_path/registry.db)."""
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/registry.db")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps at the terminal's width
    return tmp_path


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


# ---- liaison directory -----------------------------------------------------------------------------


def test_liaison_directory_import_list_edit_history(cli_env: Path, registry: Registry) -> None:
    sheet = cli_env / "liaisons.csv"
    sheet.write_text("unit,department,head_name,head_phone,liaison_name,liaison_phone,landline\n"
                     "union,权益维护部,章毅,13970875989,章毅,13970875989,0791-83868130\n"
                     "legal_aid,公共法律服务管理科,某科长,0791-86819927,某联络员,13800000000,\n", encoding="utf-8-sig")
    imported = invoke("liaison", "import", str(sheet), "--by", "办公室")
    assert imported.exit_code == 0 and "已导入 2 个单位" in imported.stdout
    listing = invoke("liaison", "list", "--json")
    rows = {r["unit"]: r for r in json.loads(listing.stdout)}
    assert rows["union"]["liaison_name"] == "章毅" and rows["legal_aid"]["liaison_phone"] == "13800000000"
    assert rows["inspection"]["liaison_name"] == "示例联络员甲"  # units not in the file keep their entry

    edited = invoke("liaison", "set", "union", "--liaison-name", "新联络员", "--liaison-phone", "13900000000",
                    "--by", "管理员")
    assert edited.exit_code == 0, edited.output
    cleared = invoke("liaison", "set", "arbitration", "--liaison-name", "")
    assert cleared.exit_code == 0 and "没有联络员" in cleared.stderr
    shown = invoke("liaison", "list")
    assert "新联络员" in shown.stdout and "未登记" in shown.stdout and "arbitration" in shown.stderr
    history = json.loads(invoke("liaison", "history", "union", "--json").stdout)
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in history[-2:]] == [
        ("liaison_name", "章毅", "新联络员", "管理员"), ("liaison_phone", "13970875989", "13900000000", "管理员")]
    assert registry.liaisons()[0].unit == "arbitration" and registry.liaisons()[0].liaison_name is None


@pytest.mark.parametrize("bad_row, message", [
    ("union,甲,12345", "liaison_phone"),
    ("court,甲,", "not a linked unit"),
    ("nobody,甲,", "nobody"),
])
def test_liaison_import_refuses_a_bad_sheet_and_changes_nothing(cli_env: Path, registry: Registry, bad_row: str,
                                                                  message: str) -> None:
    sheet = cli_env / "bad.csv"
    sheet.write_text(f"unit,liaison_name,liaison_phone\ninspection,先写的一行,13800000000\n{bad_row}\n",
                     encoding="utf-8")
    before = [(r.unit, r.liaison_name) for r in registry.liaisons()]
    result = invoke("liaison", "import", str(sheet))
    assert result.exit_code == 2 and message in result.output and "第 3 行" in result.output
    assert [(r.unit, r.liaison_name) for r in registry.liaisons()] == before  # not even the good first row
    bad_phone = invoke("liaison", "set", "union", "--head-phone", "abc")
    assert bad_phone.exit_code == 2 and "号码格式不正确" in bad_phone.output


# ---- report ------------------------------------------------------------------------------------------


def test_report_command_formats(cli_env: Path, seeded: dict[str, str]) -> None:  # noqa: F811
    period = ["--from", "2026-03-01", "--to", "2026-03-31"]
    table = invoke("report", *period)
    assert table.exit_code == 0, table.output
    for title in ("督办报告 · 全市 · 2026-03-01 至 2026-03-31", "受理与结案 · 按受理渠道", "当前逾期事项"):
        assert title in table.stdout
    out = cli_env / "march.csv"
    written = invoke("report", *period, "--format", "csv", "--out", str(out))
    assert written.exit_code == 0 and "已写入" in written.stderr
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["工会", "2", "1", "1", "15,000.00", "10,000.00", "10,000.00", "8,000.00", "80.0%"] in rows
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    district = invoke("report", *period, "--district", "360102", "--json")
    assert json.loads(district.stdout)["opened"] == 1
    page = cli_env / "march.html"
    assert invoke("report", *period, "--format", "html", "--out", str(page)).exit_code == 0
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")
    english = invoke("report", *period, "--lang", "en")
    assert "Supervision report" in english.stdout and "On-time rate by rule" in english.stdout


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-03-31", "--to", "2026-03-01"], "不能早于"),
    (["--from", "2026-02-30", "--to", "2026-03-01"], "应为日期"),
    (["--from", "2026-03-01", "--to", "2026-03-31", "--district", "999999"], "区县“999999”无效"),
    (["--from", "2026-03-01", "--to", "2026-03-31", "--format", "pdf"], "--format"),
])
def test_report_bad_input_exit_2(cli_env: Path, args: list[str], message: str) -> None:
    result = invoke("report", *args)
    assert result.exit_code == 2 and message in result.output


# ---- meetings ----------------------------------------------------------------------------------------


async def test_meeting_commands(env: WorkflowEnvironment, cli_env: Path, registry: Registry, settings: Settings,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    registry.set_liaison(Agency.LEGAL_AID, {"liaison_name": None}, by="test")
    today = await server_today(env)

    async def cli(*args: str) -> Result:
        return await asyncio.to_thread(invoke, *args)

    async with AsyncExitStack() as stack:  # the CLI starts meetings on the default queues
        for worker in build_workers(env.client, registry, settings, prefix=DEFAULT_PREFIX):
            await stack.enter_async_context(worker)
        started = await cli("meeting", "start", "--by", "inspection", "--person", "王科长", "--topic", "欠薪隐患研判",
                            "--kind", "risk", "--place", "监察支队会议室")
        assert started.exit_code == 0, started.output
        meeting_id = started.stdout.strip().splitlines()[-1]  # (in-process workers log to stdout too)
        assert meeting_id.startswith("MTG-") and "法律援助未登记联络员" in started.stderr  # the sender is told
        await cli("meeting", "event", meeting_id, "meeting_confirm", "--file", str(payload(cli_env, "union")))
        minutes = payload(cli_env, "inspection", plan="建立欠薪隐患台账，每周通报。", actions=[
            {"task": "摸排在建工地工资支付情况", "unit": "union", "post": "权益维护部部长", "person": "章某",
             "due": (today + timedelta(days=2)).isoformat()}])
        recorded = await cli("meeting", "event", meeting_id, "meeting_minutes", "--file", str(minutes))
        assert recorded.exit_code == 0 and "1 项议定事项开始计时" in recorded.stdout
        assert "通知失败：法律援助未登记联络员" in recorded.stdout  # its copy of the minutes could not be sent
        refused = await cli("meeting", "event", meeting_id, "meeting_action_done",
                            "--file", str(payload(cli_env, "legal_aid", action=1, result="已办")))
        assert refused.exit_code == 3 and "该事项由工会负责" in refused.stderr

        shown = await cli("meeting", "show", meeting_id)
        assert shown.exit_code == 0 and "摸排在建工地工资支付情况" in shown.stdout and "章某" in shown.stdout
        assert "法律援助未登记联络员" in shown.stderr
        listed = await cli("meeting", "list", "--open")
        assert meeting_id in listed.stdout and "1/1" in listed.stdout
        document = await cli("meeting", "minutes", meeting_id)
        assert "协调会商纪要" in document.stdout and "建立欠薪隐患台账" in document.stdout
        outbox = await cli("outbox", "--case", meeting_id, "--json")
        notices = json.loads(outbox.stdout[outbox.stdout.index("["):])
        assert {n["kind"] for n in notices} == {"meeting.invitation", "meeting.minutes"}
        await terminate_open_cases(env.client, registry)


_payloads = iter(range(10**6))


def payload(folder: Path, unit: str, **fields: object) -> Path:
    path = folder / f"event-{next(_payloads)}.json"
    path.write_text(json.dumps({"actor": {"unit": unit, "person": "经办人"}, **fields}, ensure_ascii=False),
                    encoding="utf-8")
    return path
