"""A consultation meeting on the time-skipping server: convened, confirmed, minutes with two actions;
one is done on time, the other lapses and escalates to the owning unit's head; the cases show it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.calendar import SHANGHAI
from domain.meetings import MeetingRequest, MeetingView
from domain.models import Agency
from registry.store import Registry
from starters.cases import EventRefused
from starters.meetings import meeting_result, meeting_state, start_meeting
from tests.helpers import at_stage, event, server_today, start, until
from workers.build import RUNNER, WORKFLOWS

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh


async def until_meeting(client: Client, meeting_id: str, test: Callable[[MeetingView], bool], what: str,
                        seconds: float = 60) -> MeetingView:
    view = None
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            view = await meeting_state(client, meeting_id)
        except Exception:  # not started yet
            view = None
        if view is not None and test(view):
            return view
        await asyncio.sleep(0.03)
    raise AssertionError(f"{meeting_id}: never {what}; state {view}")


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "documents"
    monkeypatch.setenv("WEIQUAN_DOCUMENTS", str(folder))
    return folder


async def test_meeting_two_actions_one_done_one_escalates_to_the_head(
        env: WorkflowEnvironment, workers: str, registry: Registry, documents: Path) -> None:
    client = env.client
    first = await start(client, workers, consent=False)
    second = await start(client, workers, consent=False)
    await at_stage(client, first, "mediation")
    await at_stage(client, second, "mediation")
    today = await server_today(env)
    request = MeetingRequest(convened_by=Agency.INSPECTION, person="王科长", topic="某公司拖欠工资两案协调",
                             cases=[first, second])
    meeting_id, started = await start_meeting(client, request, today, prefix=workers)
    assert started and meeting_id.startswith("MTG-")
    view = await until_meeting(client, meeting_id, lambda v: len(registry.notifications(meeting_id)) == 3,
                               "invitations sent")
    assert [u.value for u in view.invitees] == ["arbitration", "union", "legal_aid"]
    await until(client, first, lambda v: v.tracks.get(f"协调会商 {meeting_id}") == "已召集，待形成会议纪要",
                "shows the convened meeting")

    with pytest.raises(EventRefused) as not_convener:
        await event(client, meeting_id, "meeting_minutes", "union", plan="先行支付部分工资",
                    actions=[{"task": "x" * 3, "unit": "union", "post": "p", "person": "q",
                              "due": today.isoformat()}])
    assert "只有召集单位" in not_convener.value.zh
    for unit in ("arbitration", "union", "legal_aid"):
        await event(client, meeting_id, "meeting_confirm", unit)
    actions = [
        {"task": "组织用人单位与劳动者代表协商工资支付方案", "unit": "union", "post": "权益维护部部长",
         "person": "章某", "due": (today + timedelta(days=3)).isoformat()},
        {"task": "为两案劳动者指派法律援助律师", "unit": "legal_aid", "post": "公共法律服务管理科科长",
         "person": "刘某", "due": (today + timedelta(days=5)).isoformat()},
    ]
    receipt = await event(client, meeting_id, "meeting_minutes", "inspection",
                          plan="一、用人单位十日内先行支付拖欠工资的百分之五十；二、其余部分由工会组织协商。",
                          actions=actions)
    assert "2 项议定事项开始计时" in receipt.message and "通知失败" not in receipt.message

    view = await meeting_state(client, meeting_id)
    assert view.status == "agreed" and [a.state for a in view.actions] == ["running", "running"]
    assert view.minutes is not None
    text = Path(view.minutes.path).read_text(encoding="utf-8")
    assert Path(view.minutes.path).parent == documents / meeting_id
    for words in ("协调会商纪要", "先行支付", "权益维护部部长", "章某", "公共法律服务管理科科长", "拖拉搪塞"):
        assert words in text
    copies = [n for n in registry.notifications(meeting_id) if n.kind == "meeting.minutes"]
    assert sorted(n.unit for n in copies) == ["arbitration", "inspection", "legal_aid", "union"]
    assert all(view.minutes.path in n.body for n in copies)
    for number in (first, second):
        await until(client, number, lambda v: v.tracks.get(f"协调会商 {meeting_id}") == "未完成事项 2",
                    "shows two open actions")

    with pytest.raises(EventRefused) as not_owner:
        await event(client, meeting_id, "meeting_action_done", "legal_aid", action=1, result="已组织协商")
    assert "该事项由工会负责" in not_owner.value.zh
    done = await event(client, meeting_id, "meeting_action_done", "union", action=1, result="双方达成分期支付意向")
    assert "未完成 1 项" in done.message
    await until(client, first, lambda v: v.tracks.get(f"协调会商 {meeting_id}") == "未完成事项 1", "one open")

    await env.sleep(timedelta(days=7))  # past the second action's date
    view = await until_meeting(client, meeting_id, lambda v: v.actions[1].state == "lapsed", "action 2 lapsed")
    assert view.actions[0].state == "met"
    assert any("已上报法律援助负责人" in f and "刘某" in f for f in view.facts)
    escalations = [n for n in registry.notifications(meeting_id) if n.kind == "escalation"]
    assert {(n.unit, n.recipient) for n in escalations} == {("legal_aid", "示例联络员丁"), ("legal_aid", "示例科长丁")}
    assert all("刘某" in n.body and meeting_id in n.body for n in escalations)
    case_view = await until(client, second, lambda v: v.tracks.get(f"协调会商 {meeting_id}") == "未完成事项 1（逾期 1）",
                            "shows the overdue action")
    assert case_view.stage == "mediation"
    row = registry.meeting(meeting_id)
    assert row is not None and (row.status, row.actions_open, row.actions_overdue) == ("agreed", 1, 1)
    ledger = {d.clock_key: d.state for d in registry.deadlines(meeting_id)}
    assert ledger == {"action.1": "met", "action.2": "lapsed"}

    await event(client, meeting_id, "meeting_action_done", "legal_aid", action=2, result="已指派律师")
    outcome = await meeting_result(client, meeting_id)
    assert (outcome.status, outcome.met, outcome.met_late) == ("closed", 1, 1)
    closed = await until(client, first, lambda v: f"协调会商 {meeting_id}" not in v.tracks, "meeting gone")
    assert any("议定事项已全部落实" in f for f in closed.facts)
    assert registry.meeting(meeting_id).status == "closed"  # type: ignore[union-attr]
    kinds = [e.kind for e in registry.events(first)]
    assert kinds.count("event.meeting_status") >= 4
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter, workflow_runner=RUNNER)
    for workflow_id in (meeting_id, first):  # both histories replay deterministically
        await replayer.replay_workflow(await client.get_workflow_handle(workflow_id).fetch_history())


async def test_meeting_refuses_past_due_actions_and_can_be_cancelled(
        env: WorkflowEnvironment, workers: str, registry: Registry, documents: Path) -> None:
    client = env.client
    today = await server_today(env)
    request = MeetingRequest(convened_by=Agency.UNION, person="章某", topic="建筑工地欠薪隐患研判",
                             kind="risk", invitees=[Agency.INSPECTION])
    meeting_id, _ = await start_meeting(client, request, today, prefix=workers)
    await until_meeting(client, meeting_id, lambda v: v.invitees == [Agency.INSPECTION], "convened")
    with pytest.raises(EventRefused) as past:
        await event(client, meeting_id, "meeting_minutes", "union", plan="排查隐患",
                    actions=[{"task": "排查工地", "unit": "inspection", "post": "科长", "person": "熊某",
                              "due": (today - timedelta(days=1)).isoformat()}])
    assert "早于今天" in past.value.zh
    with pytest.raises(EventRefused):
        await event(client, meeting_id, "meeting_confirm", "legal_aid")  # not invited
    await event(client, meeting_id, "meeting_cancel", "union", reason="隐患已由属地化解")
    outcome = await meeting_result(client, meeting_id)
    assert outcome.status == "cancelled" and outcome.actions == 0
    assert registry.meeting(meeting_id).status == "cancelled"  # type: ignore[union-attr]
