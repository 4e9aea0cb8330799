"""Coordination on a case: major-case escalation [Plan 五(二)] and the meetings it is part of [四(二)].

Escalation reacts to a major flag (malicious arrears, group, major) whenever it is raised — at
intake or later, e.g. by inspection — not only at intake: a watcher waits for a flag it has not yet
escalated. Escalating means the same-day ``major.notify`` notice to all four linked units'
liaisons, and a proposed consultation meeting (a ``MeetingWorkflow`` started in the *proposed*
state, which the convening unit confirms or declines). The flag stays on the case (CaseFlags in
the Web UI) until a linked unit clears it with a reason.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.districts import DISTRICTS
    from domain.events.coordination import MajorFlagClear, MajorNoticeRetry, MeetingNews
    from domain.i18n import AGENCY, FLAG, MEETING_TRACK
    from domain.meetings import STATUS_WORDS, MeetingKind, MeetingRequest, MeetingStatus
    from domain.models import LINKED_UNITS, Agency, CaseFlag, Stage

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.meeting import MeetingWorkflow
from workflows.runtime import CaseRuntime

MAJOR_FLAGS = (CaseFlag.MALICIOUS_ARREARS, CaseFlag.GROUP, CaseFlag.MAJOR)


def meeting_track(meeting_id: str) -> str:
    return f"{MEETING_TRACK[0]} {meeting_id}"


class Coordination:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case
        self.escalated: list[CaseFlag] = []
        self.batch = 0
        self.notice: tuple[str, str] = ("", "")  # the latest major notice (subject, body), for a re-send
        self.unreached: list[Agency] = []  # units that notice could not reach (no liaison)
        self.notice_clock: Clock | None = None
        self._watcher = asyncio.create_task(self._watch())

    # ---- major-case escalation -----------------------------------------------------------------

    def _not_escalated(self) -> list[CaseFlag]:
        return [f for f in self.case.flags if f in MAJOR_FLAGS and f not in self.escalated]

    async def _watch(self) -> None:
        # Intake raises the first flags before the case is registered: escalate once it is under way.
        while True:
            await workflow.wait_condition(lambda: self.case.stage != Stage.INTAKE and bool(self._not_escalated()))
            await self.escalate(self._not_escalated())

    def _convener(self, flags: list[CaseFlag]) -> Agency:
        """Who raised it: inspection for malicious arrears (its order to pay went unpaid), else the
        unit that opened the case; a case opened at the joint window goes to inspection."""
        channel = self.case.intake.channel
        if CaseFlag.MALICIOUS_ARREARS in flags or channel not in LINKED_UNITS:
            return Agency.INSPECTION
        return channel

    async def escalate(self, flags: list[CaseFlag]) -> None:
        case, intake = self.case, self.case.intake
        self.escalated.extend(flags)
        self.batch += 1
        words = "、".join(FLAG[f.value][0] for f in flags)
        convener = self._convener(flags)
        meeting_id = f"MTG-{case.number}-{self.batch}"
        clock = await case.clocks.start("major.notify", responsible=convener)
        self.notice = (
            f"【{words}】{case.number} 联动通报",
            f"{AGENCY[convener.value][0]}通报：{case.label}（{DISTRICTS.get(intake.district, intake.district)}，"
            f"{intake.employer.name}，{len(intake.claimants)}名劳动者，请求金额 ¥{intake.amount_claimed:,.2f}）"
            f"为{words}。请按联动机制及时沟通联系、通报反馈，必要时应急处置（洪司发〔2022〕32号 五(二)）。"
            f"已建议召开协调会商 {meeting_id}，由{AGENCY[convener.value][0]}召集。",
        )
        self.unreached = await self._send(list(LINKED_UNITS))
        told = [AGENCY[u.value][0] for u in LINKED_UNITS if u not in self.unreached]
        missed = "、".join(AGENCY[u.value][0] for u in self.unreached)
        if self.unreached:
            self.notice_clock = clock  # open until the missed units are told: it lapses and escalates
        else:
            await clock.complete()
        words_en = ", ".join(FLAG[f.value][1] for f in flags)
        told_en = ", ".join(AGENCY[u.value][1] for u in LINKED_UNITS if u not in self.unreached)
        missed_en = ", ".join(AGENCY[u.value][1] for u in self.unreached)
        case.fact(f"{words}：已当日通报{'、'.join(told)}联络员" + (f"；未能通报{missed}（联络名录无联络员）" if missed else ""),
                  f"{words_en}: liaisons of {told_en} told the same day"
                  + (f"; {missed_en} not told (no liaison in the directory)" if missed else ""))
        await case.record("major.notified", case.facts[-1], case.facts_en[-1])
        await self._propose(meeting_id, words, convener)

    async def _send(self, units: list[Agency]) -> list[Agency]:
        """Send the major notice; returns the units it could not reach."""
        subject, body = self.notice
        missed = []
        for unit in units:
            if not await self.case.notify(unit, "major.notify", subject, body, key=f"major:{self.batch}:{unit.value}"):
                missed.append(unit)
        return missed

    async def _propose(self, meeting_id: str, words: str, convener: Agency) -> None:
        case = self.case
        request = MeetingRequest(convened_by=convener, person="系统（重大案件通报）", kind=MeetingKind.CASE,
                                 topic=f"{words}：{case.intake.employer.name}（{case.number}）"[:200],
                                 cases=[case.number], proposed=True,
                                 reason=f"{case.label}标记为{words}，依方案五(二)建议召开专题协调会商")
        # Shown before the start: the meeting's own news (even "closed") may arrive while it resolves.
        case.show_track(meeting_track(meeting_id), *STATUS_WORDS["proposed"])
        try:
            await workflow.start_child_workflow(
                MeetingWorkflow.run, request, id=meeting_id, parent_close_policy=ParentClosePolicy.ABANDON,
                static_summary=f"协调会商（建议）· {words} · {case.number}")
        except WorkflowAlreadyStartedError:
            pass
        case.fact(f"已建议召开协调会商 {meeting_id}，待{AGENCY[convener.value][0]}确认",
                  f"consultation meeting {meeting_id} proposed, for {AGENCY[convener.value][1]} to confirm")
        await case.record("meeting.proposed", case.facts[-1], case.facts_en[-1])

    # ---- events --------------------------------------------------------------------------------

    def _anytime(self, _: object) -> Said | None:
        return None

    def _flag_set(self, event: MajorFlagClear) -> Said | None:
        if event.flag not in self.case.flags:
            word = FLAG[event.flag.value]
            return f"案件没有“{word[0]}”标记", f"the case is not flagged {word[1]}"
        return None

    def _missed_units(self, _: object) -> Said | None:
        return None if self.unreached else ("没有未送达的重大案件通报", "no major-case notice is outstanding")

    @case_event("meeting_status", MeetingNews, actors=set(LINKED_UNITS),
                title=("协调会商进展", "consultation meeting news"), when=_anytime)
    async def meeting_news(self, event: MeetingNews) -> Said:
        """Sent by the meeting workflow: the case shows the meeting and its open actions."""
        case, track = self.case, meeting_track(event.meeting_id)
        if event.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
            case.end_track(track)
            case.fact(f"{track}：{STATUS_WORDS[event.status.value][0]}",
                      f"meeting {event.meeting_id}: {STATUS_WORDS[event.status.value][1]}")
        elif event.status == MeetingStatus.AGREED:
            overdue = f"（逾期 {event.overdue_actions}）" if event.overdue_actions else ""
            overdue_en = f" ({event.overdue_actions} overdue)" if event.overdue_actions else ""
            case.show_track(track, f"未完成事项 {event.open_actions}{overdue}",
                            f"{event.open_actions} actions open{overdue_en}")
            case.publish()
        else:
            case.show_track(track, *STATUS_WORDS[event.status.value])
            case.publish()
        return f"{track}：{case.tracks.get(track, STATUS_WORDS[event.status.value][0])}", "meeting news noted"

    @case_event("major_flag_clear", MajorFlagClear, actors=set(LINKED_UNITS),
                title=("解除重大案件标记", "clear a major-case flag"), when=_flag_set)
    async def clear(self, event: MajorFlagClear) -> Said:
        case, word = self.case, FLAG[event.flag.value]
        case.flag(event.flag, on=False)
        if event.flag in self.escalated:  # raised again later, it escalates again
            self.escalated.remove(event.flag)
        case.fact(f"已解除“{word[0]}”标记：{event.reason}（{AGENCY[event.actor.unit.value][0]} {event.actor.person}）",
                  f"{word[1]} flag cleared: {event.reason} ({AGENCY[event.actor.unit.value][1]} {event.actor.person})")
        if not any(f in MAJOR_FLAGS for f in case.flags) and self.notice_clock is not None:
            await self.notice_clock.cancel("重大案件标记已解除", "the major-case flags were cleared")
            self.notice_clock, self.unreached = None, []
        return f"已解除“{word[0]}”标记", f"{word[1]} flag cleared"

    @case_event("major_notice_retry", MajorNoticeRetry, actors=set(LINKED_UNITS),
                title=("补发重大案件通报", "re-send the major-case notice"), when=_missed_units)
    async def retry(self, event: MajorNoticeRetry) -> Said:
        tried = self.unreached
        self.unreached = await self._send(tried)
        told = "、".join(AGENCY[u.value][0] for u in tried if u not in self.unreached)
        if not self.unreached and self.notice_clock is not None:
            await self.notice_clock.complete()
            self.notice_clock = None
        if self.unreached:
            still = "、".join(AGENCY[u.value][0] for u in self.unreached)
            return (f"{'已补发：' + told + '；' if told else ''}仍无法通报{still}：联络名录没有联络员",
                    "some units still have no liaison")
        told_en = ", ".join(AGENCY[u.value][1] for u in tried if u not in self.unreached)
        self.case.fact(f"重大案件通报已补发：{told}", f"major-case notice re-sent to {told_en}")
        return f"已补发重大案件通报：{told}", "major-case notice re-sent"
