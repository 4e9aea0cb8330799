"""A consultation meeting (协调会商) [Plan 四(二)1, 四(三)]: its own workflow, id ``MTG-…``.

Any linked unit convenes one about cases or a problem (or a major case proposes one, which the
convening unit confirms or declines); the invited units confirm; the convening unit records the
agreed plan as minutes — a document filed beside the meeting and copied to the units concerned
through the outbox; each action, owned by a unit, a post and a person, runs as a ``meeting.action``
clock, and an overdue action escalates to the owning unit's liaison and head (拖拉搪塞). Every case
the meeting concerns is told where it stands (its current details show the open actions).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.meeting_file import MeetingChange, MeetingFile
    from activities.signing import SignRequest, UnitSigner
    from domain import visibility as sa
    from domain.calendar import SHANGHAI, local_text
    from domain.events.coordination import MeetingNews
    from domain.events.meeting import ActionDone, MeetingCancel, MeetingConfirm, MeetingConvene, MeetingMinutes
    from domain.i18n import AGENCY, CLOCK_STATE
    from domain.identity import is_meeting_id
    from domain.meetings import (
        KIND_WORDS,
        STATUS_WORDS,
        ActionItem,
        ActionView,
        DocumentRef,
        MeetingOutcome,
        MeetingRequest,
        MeetingSnapshot,
        MeetingStatus,
        MeetingView,
        MinutesRequest,
    )
    from domain.models import LINKED_UNITS, Actor, Agency
    from domain.records import CaseChange, CaseSnapshot, LedgerEntry
    from domain.visibility import MEETING_WORKFLOW

from workflows.clock import Clock, ClockBoard
from workflows.events import EventDesk, EventSpec, Said, TakesEvents, case_event, specs_of
from workflows.notices import send_notice
from workflows.runtime import RETRY, agency_queue, require_id

OPEN_STATUSES = (MeetingStatus.PROPOSED, MeetingStatus.CONVENED, MeetingStatus.AGREED)


def unit_name(unit: Agency | str) -> str:
    return AGENCY[unit if isinstance(unit, str) else unit.value][0]


class MeetingRuntime:
    """What the meeting's steps share; satisfies ``ClockHost`` so actions run as clocks."""

    def __init__(self, request: MeetingRequest) -> None:
        self.request = request
        self.number = workflow.info().workflow_id
        self.label = f"协调会商 {self.number}"
        self.opened_at = workflow.now()
        self.closed_at: datetime | None = None
        self.stage = MeetingStatus.PROPOSED if request.proposed else MeetingStatus.CONVENED
        self.convener = request.convened_by
        self.convener_person = request.person
        self.invitees = request.invited()
        self.confirmed: dict[str, str] = {}  # unit → person
        self.held_on = request.held_on
        self.place = request.place
        self.minutes: DocumentRef | None = None
        self.actions: list[ActionItem] = []
        self.results: dict[int, str] = {}
        self.invitations_sent = False
        self.notify_errors: list[str] = []
        self.facts: list[str] = []
        self.facts_en: list[str] = []  # the same lines in English (`--lang en`), one for each
        self.clocks = ClockBoard(self)
        self.activity_options: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=30),
                                                 "retry_policy": RETRY}
        self._seq = 0
        self._published: dict[str, Any] = {}
        self._unreachable: list[str] = []
        self._told: dict[str, tuple[str, int, int]] = {}  # the last status each case was told
        self._telling = asyncio.Lock()

    # ---- ClockHost ---------------------------------------------------------------------------

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def change(self, kind: str, detail: str, en: str, *, actor: Actor | None = None, key: str | None = None,
               deadline: LedgerEntry | None = None) -> CaseChange:
        snapshot = CaseSnapshot(stage=self.stage.value, agency=self.convener, waiting_for=self.waiting(),
                                flags=["notify_error"] if self.notify_errors else [], closed_at=self.closed_at)
        return CaseChange(case_number=self.number, key=key or f"seq:{self.next_seq()}", at=workflow.now(),
                          kind=kind, detail=detail, detail_en=en, actor=actor, snapshot=snapshot,
                          deadline=deadline)

    async def record(self, kind: str, detail: str, en: str, *, actor: Actor | None = None, key: str | None = None,
                     deadline: LedgerEntry | None = None) -> None:
        change = self.change(kind, detail, en, actor=actor, key=key, deadline=deadline)
        await workflow.execute_activity_method(MeetingFile.record_meeting,
                                               MeetingChange(change=change, meeting=self.snapshot()),
                                               **self.activity_options, summary=f"记录 {kind}")

    log_event = record  # a meeting answers an event once its entry is written

    async def notify(self, unit: Agency, kind: str, subject: str, body: str, *, to_head: bool = False,
                     key: str | None = None) -> bool:
        def failed(line: str) -> None:
            self.notify_errors.append(line)
            self.fact(f"通知失败：{line}", f"notice failed: {line}")

        return await send_notice(self, unit, kind, subject, body, to_head=to_head,
                                 key=key or f"notice:{self.next_seq()}", on_error=failed)

    def publish(self) -> None:
        """Overdue and next due date for the Web UI's filters, and the current details."""
        nxt = self.clocks.next_due()
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in ((sa.OVERDUE, self.clocks.overdue), (sa.NEXT_DEADLINE, nxt.due if nxt else None),
                           (sa.NEXT_DEADLINE_PROVISIONAL, nxt.provisional if nxt else None),
                           (sa.RESPONSIBLE_AGENCY, self.convener.value)):
            if self._published.get(key.name, ...) != value:
                self._published[key.name] = value
                updates.append(key.value_unset() if value is None else key.value_set(value))
        if updates:
            workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self.details())

    # ---- the meeting's own state ---------------------------------------------------------------

    def fact(self, line: str, en: str) -> None:
        self.facts.append(line)
        self.facts_en.append(en)
        self.publish()

    def action_clocks(self) -> list[Clock]:
        return [c for c in self.clocks.clocks.values() if c.rule_id == "meeting.action"]

    def open_actions(self) -> int:
        return sum(c.is_open for c in self.action_clocks())

    def overdue_actions(self) -> int:
        return sum(c.state == "lapsed" for c in self.action_clocks())

    def waiting(self) -> str:
        if self.stage == MeetingStatus.PROPOSED:
            return f"待{unit_name(self.convener)}确认是否召开"
        if self.stage == MeetingStatus.CONVENED:
            pending = [unit_name(u) for u in self.invitees if u.value not in self.confirmed]
            return (f"待{'、'.join(pending)}确认参会；" if pending else "") + f"待{unit_name(self.convener)}形成会议纪要"
        if self.stage == MeetingStatus.AGREED:
            return f"议定事项落实中：未完成 {self.open_actions()} 项"
        return STATUS_WORDS[self.stage.value][0]

    def snapshot(self) -> MeetingSnapshot:
        return MeetingSnapshot(
            meeting_id=self.number, version=self._seq, convened_by=self.convener, topic=self.request.topic,
            kind=self.request.kind, status=self.stage, cases=list(self.request.cases),
            invitees=[u.value for u in self.invitees], confirmed=list(self.confirmed),
            minutes_path=self.minutes.path if self.minutes else None, actions_total=len(self.actions),
            actions_open=self.open_actions(), actions_overdue=self.overdue_actions(),
            opened_at=self.opened_at, closed_at=self.closed_at)

    def action_views(self) -> list[ActionView]:
        views = []
        for number, (action, clock) in enumerate(zip(self.actions, self.action_clocks(), strict=False), 1):
            views.append(ActionView(number=number, task=action.task, unit=action.unit, post=action.post,
                                    person=action.person, due=clock.due, state=clock.state,
                                    result=self.results.get(number)))
        return views

    def details(self) -> str:
        req = self.request
        lines = [f"**协调会商**：{req.topic}（{KIND_WORDS[req.kind.value][0]}）",
                 f"**召集单位**：{unit_name(self.convener)}（{self.convener_person}）",
                 f"**状态**：{STATUS_WORDS[self.stage.value][0]}", f"**等待**：{self.waiting()}"]
        if req.cases:
            lines.append("**涉及案件**：" + "、".join(req.cases))
        lines.append("**参会确认**：" + "；".join(
            f"{unit_name(u)} {'已确认（' + self.confirmed[u.value] + '）' if u.value in self.confirmed else '待确认'}"
            for u in self.invitees))
        if self.actions:
            lines.append("**议定事项**：\n" + "\n".join(
                f"{v.number}. {v.task} — {unit_name(v.unit)} {v.post} {v.person}，"
                f"截止 {local_text(v.due)}（{CLOCK_STATE.get(v.state, (v.state,))[0]}）" for v in self.action_views()))
        if self.minutes:
            lines.append(f"**会议纪要**：{self.minutes.path}")
        if self.notify_errors:
            lines.append("**通知失败**：" + "；".join(self.notify_errors))
        lines.extend(f"- {fact}" for fact in self.facts[-5:])
        return "\n\n".join(lines)

    def view(self) -> MeetingView:
        return MeetingView(meeting_id=self.number, status=self.stage, convened_by=self.convener,
                           topic=self.request.topic, kind=self.request.kind, cases=list(self.request.cases),
                           invitees=list(self.invitees), confirmed=dict(self.confirmed), held_on=self.held_on,
                           place=self.place, minutes=self.minutes, actions=self.action_views(),
                           invitations_sent=self.invitations_sent, notify_errors=list(self.notify_errors), facts=list(self.facts),
                           facts_en=list(self.facts_en))

    async def tell_cases(self) -> None:
        """Signal each case the meeting concerns its status as it is now; a closed or unknown case is
        noted, not fatal. One telling at a time, so a case hears the statuses in order and the last
        it hears is the latest (signatures are activities: a worker's death can make the earlier one
        finish later). A case already told this status is not told again (fault seed 34)."""
        async with self._telling:
            for number in self.request.cases:
                status = (self.stage.value, self.open_actions(), self.overdue_actions())
                if self._told.get(number) == status:
                    continue
                self._told[number] = status
                await self._tell(number)

    async def _tell(self, number: str) -> None:
        news = MeetingNews(event_id=f"{self.number}.{self.next_seq()}",
                           actor=Actor(unit=self.convener, person="协调会商"), meeting_id=self.number,
                           topic=self.request.topic, status=self.stage, open_actions=self.open_actions(),
                           overdue_actions=self.overdue_actions())
        # Signed by the convening unit's own worker: the case checks it like any unit's event.
        signed = await workflow.execute_activity_method(
            UnitSigner.sign_event, SignRequest(workflow_id=number, event="meeting_status",
                                               payload=news.model_dump(mode="json")),
            task_queue=agency_queue(self.convener), **self.activity_options, summary="签署会商进展")
        try:
            await workflow.get_external_workflow_handle(number).signal("meeting_status", signed)
        except FailureError:
            if number not in self._unreachable:
                self._unreachable.append(number)
                self.fact(f"无法告知案件 {number}（已结案或不存在）",
                          f"could not tell case {number} (closed or unknown)")


class MeetingDesk:
    """The events a meeting takes, and the steps they drive."""

    def __init__(self, meeting: MeetingRuntime) -> None:
        self.m = meeting
        self.recording = False

    async def invite(self) -> list[Agency]:
        """Send the invitations; returns the units that could not be told."""
        m, req = self.m, self.m.request
        missed = []
        when = f"，时间 {m.held_on}" if m.held_on else ""
        where = f"，地点 {m.place}" if m.place else ""
        body = (f"{unit_name(m.convener)}提请召开专题协调会商：“{req.topic}”（{KIND_WORDS[req.kind.value][0]}）"
                f"{when}{where}。" + (f"涉及案件：{'、'.join(req.cases)}。" if req.cases else "")
                + f"请确认参会（weiquan meeting event {m.number} meeting_confirm）。")
        for unit in m.invitees:
            if not await m.notify(unit, "meeting.invitation", f"【协调会商邀请】{m.number} {req.topic}", body,
                                  key=f"invite:{unit.value}"):
                missed.append(unit)
        m.invitations_sent = True
        await m.record("meeting.convened", f"{unit_name(m.convener)}召集协调会商“{req.topic}”，邀请"
                       + "、".join(unit_name(u) for u in m.invitees),
                       f"{AGENCY[m.convener.value][1]} convened the meeting \"{req.topic}\", inviting "
                       + ", ".join(AGENCY[u.value][1] for u in m.invitees))
        await m.tell_cases()
        return missed

    # ---- when each event fits ------------------------------------------------------------------

    def _convener_only(self, actor: Actor, what: str) -> Said | None:
        if actor.unit != self.m.convener:
            name = unit_name(self.m.convener)
            return f"只有召集单位（{name}）可以{what}", f"only the convening unit ({self.m.convener.value}) may"
        return None

    def _can_convene(self, event: MeetingConvene) -> Said | None:
        if self.m.stage != MeetingStatus.PROPOSED:
            return "会商不在待确认状态", "the meeting is not awaiting confirmation"
        return self._convener_only(event.actor, "确认召开")

    def _can_confirm(self, event: MeetingConfirm) -> Said | None:
        m = self.m
        if m.stage != MeetingStatus.CONVENED or self.recording:
            return "会商不在待确认参会阶段", "the meeting is not taking confirmations"
        if event.actor.unit not in m.invitees:
            return "贵单位不在受邀单位之列", "your unit is not invited"
        if event.actor.unit.value in m.confirmed:
            return "贵单位已确认参会", "your unit has already confirmed"
        return None

    def _can_record(self, event: MeetingMinutes) -> Said | None:
        if self.m.stage != MeetingStatus.CONVENED or self.recording:
            return "会商不在待形成纪要阶段", "the meeting is not awaiting minutes"
        today = workflow.now().astimezone(SHANGHAI).date()
        late = [str(i) for i, a in enumerate(event.actions, 1) if a.due < today]
        if late:
            return (f"事项 {'、'.join(late)} 的完成时限早于今天（{today}）",
                    f"action(s) {', '.join(late)} are due before today ({today})")
        return self._convener_only(event.actor, "形成会议纪要")

    def _can_finish(self, event: ActionDone) -> Said | None:
        m = self.m
        if m.stage != MeetingStatus.AGREED:
            return "会商尚无议定事项", "the meeting has no agreed actions"
        clock = m.clocks.clocks.get(f"action.{event.action}")
        if clock is None:
            return f"没有第 {event.action} 项议定事项", f"there is no action {event.action}"
        if not clock.is_open:
            return f"第 {event.action} 项已办结", f"action {event.action} is already done"
        owner = m.actions[event.action - 1].unit
        if event.actor.unit != owner:
            return f"该事项由{unit_name(owner)}负责", f"that action belongs to {owner.value}"
        return None

    def _can_cancel(self, event: MeetingCancel) -> Said | None:
        if self.m.stage not in (MeetingStatus.PROPOSED, MeetingStatus.CONVENED) or self.recording:
            return "已形成纪要的会商不能取消", "a meeting with minutes cannot be cancelled"
        return self._convener_only(event.actor, "取消会商")

    # ---- events --------------------------------------------------------------------------------

    @case_event("meeting_convene", MeetingConvene, actors=set(LINKED_UNITS),
                title=("确认召开协调会商", "convene the proposed meeting"), when=_can_convene)
    async def convene(self, event: MeetingConvene) -> Said:
        m = self.m
        m.stage, m.held_on, m.place = MeetingStatus.CONVENED, event.held_on or m.held_on, event.place or m.place
        m.convener_person = event.actor.person
        if event.invitees:
            m.invitees = [u for u in LINKED_UNITS if u in event.invitees and u != m.convener]
        failed = await self.invite()
        return _with_errors(f"已召集，邀请{'、'.join(unit_name(u) for u in m.invitees)}", failed), "convened"

    @case_event("meeting_confirm", MeetingConfirm, actors=set(LINKED_UNITS),
                title=("确认参会", "confirm attendance"), when=_can_confirm)
    async def confirm(self, event: MeetingConfirm) -> Said:
        self.m.confirmed[event.actor.unit.value] = event.actor.person
        self.m.publish()
        return f"{unit_name(event.actor.unit)}已确认参会（{event.actor.person}）", "attendance confirmed"

    @case_event("meeting_minutes", MeetingMinutes, actors=set(LINKED_UNITS),
                title=("形成会议纪要", "record the minutes"), when=_can_record)
    async def record_minutes(self, event: MeetingMinutes) -> Said:
        m, req = self.m, self.m.request
        self.recording = True
        missed = []
        minutes = MinutesRequest(
            meeting_id=m.number, topic=req.topic, kind=req.kind, convened_by=m.convener,
            convener=m.convener_person, held_on=m.held_on, place=m.place,
            attendees={m.convener.value: m.convener_person, **m.confirmed},
            absent=[u for u in m.invitees if u.value not in m.confirmed], cases=list(req.cases), plan=event.plan,
            actions=list(event.actions), recorded_at=workflow.now(),
            recorded_by=f"{unit_name(event.actor.unit)} {event.actor.person}")
        m.minutes = await workflow.execute_activity_method(MeetingFile.write_minutes, minutes,
                                                           **m.activity_options, summary="制作会议纪要")
        m.actions = list(event.actions)
        for number, action in enumerate(event.actions, 1):
            await m.clocks.start("meeting.action", key=f"action.{number}", responsible=action.unit,
                                 on_date=action.due, on_lapse=self._overdue,
                                 note=f"事项{number}“{action.task[:40]}”，责任岗位 {action.post}，责任人 {action.person}")
        m.stage = MeetingStatus.AGREED
        concerned = [u for u in LINKED_UNITS
                     if u == m.convener or u in m.invitees or any(a.unit == u for a in m.actions)]
        for unit in concerned:
            mine = [f"{i}. {a.task}（{a.post} {a.person}，{a.due} 前）" for i, a in enumerate(m.actions, 1)
                    if a.unit == unit]
            body = (f"协调会商“{req.topic}”已形成会议纪要，抄送贵单位。纪要全文：{m.minutes.path}"
                    f"（SHA-256 {m.minutes.sha256[:12]}）。"
                    + ("贵单位承办事项：" + "；".join(mine) + "。请落实到岗、到人，按期办结。" if mine else ""))
            if not await m.notify(unit, "meeting.minutes", f"【会议纪要】{m.number} {req.topic}", body,
                                  key=f"minutes:{unit.value}"):
                missed.append(unit)
        await m.record("meeting.agreed", f"形成会议纪要，议定事项 {len(m.actions)} 项，抄送"
                       + "、".join(unit_name(u) for u in concerned),
                       f"minutes recorded with {len(m.actions)} agreed actions, copied to "
                       + ", ".join(AGENCY[u.value][1] for u in concerned))
        await m.tell_cases()
        return (_with_errors(f"已形成会议纪要（{m.minutes.path}），{len(m.actions)} 项议定事项开始计时",
                             missed), "minutes recorded; actions on the clock")

    @case_event("meeting_action_done", ActionDone, actors=set(LINKED_UNITS),
                title=("报告议定事项办结", "report an action done"), when=_can_finish)
    async def finish(self, event: ActionDone) -> Said:
        m = self.m
        clock = m.clocks.clocks[f"action.{event.action}"]
        m.results[event.action] = event.result
        await clock.complete(note=event.result)
        if m.open_actions():  # the last one closes the meeting, which tells the cases itself
            await m.tell_cases()
        late = "（逾期办结）" if clock.state == "met_late" else ""
        return (f"第 {event.action} 项已办结{late}；未完成 {m.open_actions()} 项",
                f"action {event.action} done; {m.open_actions()} open")

    @case_event("meeting_cancel", MeetingCancel, actors=set(LINKED_UNITS),
                title=("取消协调会商", "cancel the meeting"), when=_can_cancel)
    async def cancel(self, event: MeetingCancel) -> Said:
        m = self.m
        m.stage, m.closed_at = MeetingStatus.CANCELLED, workflow.now()
        m.fact(f"会商已取消：{event.reason}", f"meeting cancelled: {event.reason}")
        await m.tell_cases()
        return f"已取消：{event.reason}", "cancelled"

    async def _overdue(self, clock: Clock) -> None:
        """An action past its date: the Clock has told the unit's liaison and head; say who."""
        m = self.m
        number = int(clock.key.split(".")[1])
        action = m.actions[number - 1]
        m.fact(f"事项{number}逾期未办结：{unit_name(action.unit)} {action.post} {action.person}，"
               f"已上报{unit_name(action.unit)}负责人（拖拉搪塞，Plan 四(三)）",
               f"action {number} overdue: {AGENCY[action.unit.value][1]} {action.post} {action.person}; "
               f"reported to the unit's head (Plan 4(3))")
        await m.record("meeting.action_overdue", f"事项{number}“{action.task[:40]}”逾期未办结，责任人 "
                       f"{action.post} {action.person}，已上报{unit_name(action.unit)}负责人",
                       f"action {number} \"{action.task[:40]}\" overdue; responsible: {action.post} "
                       f"{action.person}; reported to the head of {AGENCY[action.unit.value][1]}")
        await m.tell_cases()


def _with_errors(message: str, missed: list[Agency]) -> str:
    """A receipt that tells the sender which units could not be notified."""
    if not missed:
        return message
    return message + f"；通知失败：{'、'.join(unit_name(u) for u in missed)}未登记联络员（请在联络名录登记）"


def meeting_catalog() -> dict[str, EventSpec]:
    return {spec.name: spec for spec in specs_of(MeetingDesk)}


@workflow.defn(name=MEETING_WORKFLOW)
class MeetingWorkflow(TakesEvents):
    @workflow.init
    def __init__(self, request: MeetingRequest) -> None:
        self.meeting = MeetingRuntime(request)
        self.desk = MeetingDesk(self.meeting)
        self.events = EventDesk(self.meeting, [self.desk])  # type: ignore[arg-type]

    @workflow.run
    async def run(self, request: MeetingRequest) -> MeetingOutcome:
        require_id(is_meeting_id, "会商编号")
        return await self.events.beside(self.meet(request))  # the desk takes events beside the flow

    async def meet(self, request: MeetingRequest) -> MeetingOutcome:
        m = self.meeting
        m.publish()
        if m.stage == MeetingStatus.PROPOSED:
            # Told first, so the cases hear "proposed" even if it is convened while the proposal is written.
            telling = asyncio.create_task(m.tell_cases())
            await m.record("meeting.proposed", f"建议召开协调会商“{request.topic}”（{request.reason or '—'}），"
                           f"待{unit_name(m.convener)}确认",
                           f"meeting \"{request.topic}\" proposed ({request.reason or '—'}), for "
                           f"{AGENCY[m.convener.value][1]} to confirm")
            await m.notify(m.convener, "meeting.proposal", f"【建议召开协调会商】{m.number} {request.topic}",
                           f"{request.reason or request.topic}。请确认召开（meeting_convene）或说明理由不予召开"
                           f"（meeting_cancel）：weiquan meeting event {m.number} …", key="proposal")
            await telling
        else:
            await self.desk.invite()
        await workflow.wait_condition(lambda: m.stage in (MeetingStatus.AGREED, MeetingStatus.CANCELLED))
        if m.stage == MeetingStatus.AGREED:
            await workflow.wait_condition(lambda: m.open_actions() == 0)
            m.stage, m.closed_at = MeetingStatus.CLOSED, workflow.now()
            m.fact("议定事项已全部办结", "every agreed action done")
            await m.record("meeting.closed", "议定事项已全部办结，会商结束", "every agreed action done: the meeting ends")
            await m.tell_cases()
        else:
            await m.record("meeting.cancelled", f"会商取消：{m.facts[-1]}", f"meeting cancelled: {m.facts_en[-1]}")
        await workflow.wait_condition(self.events.idle)
        clocks = m.action_clocks()
        return MeetingOutcome(meeting_id=m.number, status=m.stage, actions=len(clocks),
                              met=sum(c.state == "met" for c in clocks),
                              met_late=sum(c.state == "met_late" for c in clocks), minutes=m.minutes)

    @workflow.query
    def state(self) -> MeetingView:
        return self.meeting.view()

