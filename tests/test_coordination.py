"""Major-case escalation on the time-skipping server: a group case tells all four liaisons the same
day, proposes a consultation meeting and stays flagged until cleared; a unit with no liaison is an
error the sender sees (state, details, `weiquan case show`), and can be re-sent once fixed."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from domain import visibility as sa
from domain.models import LINKED_UNITS, Agency, CaseIntake
from domain.rules import Settings
from registry.store import Registry
from starters.cases import EventRefused
from starters.cli import app
from tests import factories
from tests.flag_later import FlagLaterWorkflow
from tests.helpers import TODAY, event, eventually, start, until
from tests.test_meeting import until_meeting
from workers.build import RUNNER, activities_for
from workflows.meeting import MeetingWorkflow

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh


async def case_flags(env: WorkflowEnvironment, number: str) -> list[str]:
    description = await env.client.get_workflow_handle(number).describe()
    return list(description.typed_search_attributes.get(sa.CASE_FLAGS) or [])


async def test_group_case_tells_all_four_liaisons_and_proposes_a_meeting(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    client = env.client
    number = await start(client, workers, claimants=10)
    meeting_id = f"MTG-{number}-1"
    view = await until(client, number, lambda v: v.tracks.get(f"协调会商 {meeting_id}") == "建议召开，待召集单位确认",
                       "proposes a meeting")
    assert "group" in view.flags and "major" not in view.flags
    assert any("群体性案件：已当日通报劳动保障监察、劳动人事争议仲裁、工会、法律援助联络员" in f for f in view.facts)
    notices = [n for n in registry.notifications(number) if n.kind == "major.notify"]
    assert sorted((n.unit, n.recipient) for n in notices) == [
        ("arbitration", "示例联络员乙"), ("inspection", "示例联络员甲"), ("legal_aid", "示例联络员丁"),
        ("union", "示例联络员丙")]
    assert all("10名劳动者" in n.body and meeting_id in n.body for n in notices)
    assert {d.rule_id: d.state for d in registry.deadlines(number)}["major.notify"] == "met"
    assert "group" in await case_flags(env, number)

    meeting = await until_meeting(client, meeting_id, lambda v: bool(registry.notifications(meeting_id)),
                                  "proposal sent")
    assert (meeting.status, meeting.convened_by, meeting.cases) == ("proposed", Agency.UNION, [number])
    [proposal] = registry.notifications(meeting_id)
    assert (proposal.kind, proposal.unit) == ("meeting.proposal", "union")
    with pytest.raises(EventRefused) as not_convener:
        await event(client, meeting_id, "meeting_convene", "inspection")
    assert "只有召集单位（工会）" in not_convener.value.zh
    receipt = await event(client, meeting_id, "meeting_convene", "union", place="市总工会三楼会议室")
    assert "已召集" in receipt.message and "通知失败" not in receipt.message
    await until(client, number, lambda v: v.tracks.get(f"协调会商 {meeting_id}") == "已召集，待形成会议纪要",
                "shows the convened meeting")
    assert sorted(n.unit for n in registry.notifications(meeting_id) if n.kind == "meeting.invitation") == [
        "arbitration", "inspection", "legal_aid"]

    with pytest.raises(EventRefused) as not_flagged:
        await event(client, number, "major_flag_clear", "union", flag="major", reason="不适用")
    assert not_flagged.value.code == "not_now"
    cleared = await event(client, number, "major_flag_clear", "inspection", flag="group", reason="已与用人单位达成分期支付")
    assert "已解除“群体性案件”标记" in cleared.message
    view = await until(client, number, lambda v: "group" not in v.flags, "flag cleared")
    assert any("已与用人单位达成分期支付" in f for f in view.facts)
    await eventually(lambda: registry.case(number).flags == [], "the registry's flags cleared")  # type: ignore[union-attr]
    assert "group" not in await case_flags(env, number)


async def test_a_unit_without_a_liaison_is_an_error_the_sender_sees(
        env: WorkflowEnvironment, workers: str, registry: Registry, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client = env.client
    registry.set_liaison(Agency.UNION, {"liaison_name": None}, by="test")
    number = await start(client, workers, claimants=12)
    view = await until(client, number, lambda v: any("未能通报工会" in f for f in v.facts), "says who was missed")
    assert "notify_error" in view.flags
    assert any(f.startswith("通知失败：工会未登记联络员") for f in view.facts)
    assert sorted(n.unit for n in registry.notifications(number) if n.kind == "major.notify") == [
        "arbitration", "inspection", "legal_aid"]
    assert "notice.failed" in [e.kind for e in registry.events(number)]
    assert {d.rule_id: d.state for d in registry.deadlines(number)}["major.notify"] == "running"

    # The staff member looking at the case sees it: `weiquan case show`.
    monkeypatch.setenv("TEMPORAL_ADDRESS", client.service_client.config.target_host)
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    shown = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number])
    assert shown.exit_code == 0, shown.output
    assert "通知失败" in shown.stdout and "工会未登记联络员" in shown.stdout

    # A meeting inviting that unit tells its convener the same way.
    meeting_id = f"MTG-{number}-1"
    receipt = await event(client, meeting_id, "meeting_convene", "union")
    assert "通知失败：" not in receipt.message  # the union convenes: the other three are told
    meeting = await until_meeting(client, meeting_id, lambda v: bool(v.notify_errors), "shows the failed proposal")
    assert meeting.notify_errors == ["工会未登记联络员（【建议召开协调会商】" + meeting_id + " "
                                     + meeting.topic + "）"]  # the proposal to the union itself

    still = await event(client, number, "major_notice_retry", "inspection")
    assert "仍无法通报工会" in still.message
    registry.set_liaison(Agency.UNION, {"liaison_name": "新任联络员"}, by="test")
    sent = await event(client, number, "major_notice_retry", "inspection")
    assert sent.message == "已补发重大案件通报：工会"
    union = [n for n in registry.notifications(number) if n.kind == "major.notify" and n.unit == "union"]
    assert [n.recipient for n in union] == ["新任联络员"]  # resolved when sent, not when the case opened
    assert {d.rule_id: d.state for d in registry.deadlines(number)}["major.notify"] == "met"
    with pytest.raises(EventRefused) as nothing_left:
        await event(client, number, "major_notice_retry", "inspection")
    assert "没有未送达" in nothing_left.value.zh
    assert {u.value for u in LINKED_UNITS} == {n.unit for n in registry.notifications(number)
                                               if n.kind == "major.notify"}


async def test_a_flag_raised_later_escalates_then(env: WorkflowEnvironment, registry: Registry,
                                                  settings: Settings) -> None:
    """Malicious arrears is raised by inspection long after intake; it escalates when raised."""
    client = env.client
    intake = CaseIntake.from_input(factories.intake(channel="union"), TODAY)
    queue = f"t{uuid.uuid4().hex[:8]}.case"
    async with Worker(client, task_queue=queue, workflows=[FlagLaterWorkflow, MeetingWorkflow], workflow_runner=RUNNER,
                      activities=activities_for("case", registry, settings),
                      activity_executor=ThreadPoolExecutor(4)):
        handle = await client.start_workflow(FlagLaterWorkflow.run, intake, id=intake.case_number(), task_queue=queue)
        await env.sleep(timedelta(days=3))
        assert not registry.notifications(handle.id)  # no major flag yet: nobody is told
        await handle.signal(FlagLaterWorkflow.order_unpaid)
        meeting_id = f"MTG-{handle.id}-1"
        for _ in range(300):
            if f"协调会商 {meeting_id}" in await handle.query(FlagLaterWorkflow.tracks):
                break
            await asyncio.sleep(0.03)
        notices = [n for n in registry.notifications(handle.id) if n.kind == "major.notify"]
        assert sorted(n.unit for n in notices) == ["arbitration", "inspection", "legal_aid", "union"]
        assert all("恶意欠薪" in n.subject for n in notices)
        meeting = await until_meeting(client, meeting_id, lambda v: True, "proposed")
        assert meeting.convened_by == Agency.INSPECTION  # its order to pay went unpaid
        await client.get_workflow_handle(meeting_id).terminate("test finished")
        await handle.terminate("test finished")
