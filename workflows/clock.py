"""The clock building block every stage uses: a legal or plan deadline as a durable timer.

A clock starts, warns (amber) before its due moment, lapses (red) or expires, and completes. It can
be paused (中止, public-notice service) and resumed with the time that remained, restarted for a
full new period (Rules Art 46), and extended once with the approver named. Due moments are computed
by an activity from the rule table and the holiday calendar, so a calendar update never changes the
replay of a running case. A lapse never stops the case: it is recorded and, for the rules that say
so, escalated to the responsible unit's liaison and head.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_file import CaseFile, ClockMeasure, ClockSchedule
    from domain.i18n import AGENCY
    from domain.models import Actor, Agency, DeadlineView
    from domain.records import CaseChange, DueRequest, LedgerEntry, RemainingRequest

OPEN = ("running", "warning", "paused", "lapsed")
LapseHook = Callable[["Clock"], Awaitable[None]]


class ClockHost(Protocol):
    """What a clock needs from the workflow it runs in: a case (CaseRuntime) or a meeting
    (MeetingRuntime). Its ledger rows and notices are filed under ``number``."""

    number: str
    activity_options: dict[str, Any]

    @property
    def label(self) -> str: ...  # how notices name the host: "案件 NC…" / "协调会商 MTG-…"

    def change(self, kind: str, detail: str, *, actor: Actor | None = None, key: str | None = None,
               deadline: LedgerEntry | None = None) -> CaseChange: ...

    async def record(self, kind: str, detail: str, *, actor: Actor | None = None, key: str | None = None,
                     deadline: LedgerEntry | None = None) -> None: ...

    async def notify(self, unit: Agency, kind: str, subject: str, body: str, *, to_head: bool = False,
                     key: str | None = None) -> bool: ...

    def publish(self) -> None: ...

    def local_time(self, moment: datetime) -> str: ...


class Clock:
    def __init__(self, case: ClockHost, key: str, rule_id: str, responsible: Agency | None,
                 on_lapse: LapseHook | None) -> None:
        self.case, self.key, self.rule_id = case, key, rule_id
        self.responsible = responsible
        self.on_lapse_hook = on_lapse
        self.state = "running"
        self.started_at = workflow.now()
        self.due = self.started_at
        self.warn_at: datetime | None = None
        self.provisional = False
        self.extended = False
        self.extendable = False
        self.remaining: int | None = None
        self.title = self.source = ""
        self.lapse_action = "none"
        self.note: str | None = None
        self._generation = 0
        self._watcher: asyncio.Task[None] | None = None

    # ---- what stages call --------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    async def complete(self, note: str | None = None) -> None:
        """The duty was done (or the window used). Late if the clock had lapsed."""
        if not self.is_open:
            return
        self.state = "met_late" if self.state == "lapsed" else "met"
        await self._changed("clock.met", f"{self.title}：{'逾期完成' if self.state == 'met_late' else '按期完成'}",
                            note=note, closed=True)

    async def cancel(self, note: str) -> None:
        """No longer applies (the stage ended another way)."""
        if not self.is_open:
            return
        self.state = "cancelled"
        await self._changed("clock.cancelled", f"{self.title}：不再适用（{note}）", note=note, closed=True)

    async def pause(self, reason: str, actor: Actor | None = None) -> None:
        now = workflow.now()
        self.state = "paused"
        self.remaining = await workflow.execute_activity_method(
            CaseFile.measure_remaining,
            ClockMeasure(request=RemainingRequest(rule_id=self.rule_id, at=now, due=self.due),
                         change=self.case.change("clock.paused", f"{self.title}：中止计时（{reason}）",
                                                 actor=actor, deadline=self._entry(note=reason))),
            **self.case.activity_options,
            summary=f"中止 {self.rule_id}",
        )
        self._poke()

    async def resume(self, reason: str, actor: Actor | None = None) -> None:
        self.state = "running"
        await self._schedule("clock.resumed", f"{self.title}：恢复计时，剩余 {self.remaining} 个计时单位（{reason}）",
                             length=self.remaining, actor=actor, note=reason)

    async def restart(self, reason: str, actor: Actor | None = None) -> None:
        self.state, self.started_at = "running", workflow.now()
        await self._schedule("clock.restarted", f"{self.title}：重新计算期限（{reason}）", actor=actor, note=reason)

    async def extend(self, approver: str, reason: str, actor: Actor | None = None) -> None:
        self.extended = True
        self.state = "running" if self.state in ("warning", "lapsed") else self.state
        await self._schedule("clock.extended", f"{self.title}：延长一次，批准人 {approver}（{reason}）",
                             extend_from=self.due, actor=actor, note=f"批准人 {approver}：{reason}")

    def view(self) -> DeadlineView:
        return DeadlineView(key=self.key, rule_id=self.rule_id, title=self.title, source=self.source,
                            responsible=self.responsible, started_at=self.started_at, due=self.due,
                            provisional=self.provisional, state=self.state, extended=self.extended,
                            note=self.note)

    # ---- inside ------------------------------------------------------------------------------

    async def _begin(self, *, length: int | None, on_date: date | None, note: str | None) -> None:
        # The activity fills in the rule's title and the due moment it computes.
        await self._schedule("clock.started", "{title}：开始计时，截止 {due}", length=length, on_date=on_date,
                             note=note)
        self._watcher = asyncio.create_task(self._watch())

    async def _schedule(self, kind: str, detail: str, *, length: int | None = None,
                        on_date: date | None = None, extend_from: datetime | None = None,
                        actor: Actor | None = None, note: str | None = None) -> None:
        now = workflow.now()
        self.note = note or self.note
        request = DueRequest(rule_id=self.rule_id, start=now, length=length, on_date=on_date,
                             extend_from=extend_from)
        answer = await workflow.execute_activity_method(
            CaseFile.schedule_clock,
            ClockSchedule(request=request,
                          change=self.case.change(kind, detail, actor=actor,
                                                  deadline=self._entry(note=note))),
            **self.case.activity_options,
            summary=f"计算期限 {self.rule_id}",
        )
        self.due, self.warn_at, self.provisional = answer.due, answer.warn_at, answer.provisional
        self.title, self.source, self.lapse_action = answer.title, answer.source, answer.on_lapse
        self.extendable = answer.extendable
        if self.responsible is None and answer.responsible in AGENCY and answer.responsible != "party":
            self.responsible = Agency(answer.responsible)
        self._poke()

    def _entry(self, note: str | None = None, closed: bool = False) -> LedgerEntry:
        return LedgerEntry(clock_key=self.key, rule_id=self.rule_id,
                           responsible=self.responsible.value if self.responsible else None,
                           started_at=self.started_at, due=self.due, provisional=self.provisional,
                           state=self.state, extended=self.extended,
                           closed_at=workflow.now() if closed else None, note=note or self.note)

    async def _changed(self, kind: str, detail: str, *, note: str | None = None, closed: bool = False) -> None:
        self._poke()
        await self.case.record(kind, detail, deadline=self._entry(note=note, closed=closed))

    def _poke(self) -> None:
        self._generation += 1
        self.case.publish()

    def _alarm(self) -> tuple[datetime, Callable[[], Awaitable[None]], str] | None:
        if self.state == "running" and self.warn_at and self.warn_at > workflow.now():
            return self.warn_at, self._warn, "预警"
        if self.state in ("running", "warning"):
            return self.due, self._lapse, "届满"
        return None

    async def _watch(self) -> None:
        while self.is_open:
            generation = self._generation
            alarm = self._alarm()
            if alarm is None:  # paused or lapsed: wait for the next change
                await workflow.wait_condition(lambda: self._generation != generation)
                continue
            at, fire, what = alarm
            delay = at - workflow.now()
            if delay > timedelta(0):
                try:
                    await workflow.wait_condition(
                        lambda: self._generation != generation, timeout=delay,
                        timeout_summary=f"{self.rule_id} {what} {at.isoformat(timespec='minutes')}",
                    )
                    continue
                except asyncio.TimeoutError:
                    pass
            await fire()

    async def _warn(self) -> None:
        self.state = "warning"
        await self._changed("clock.warning", f"{self.title}：临近期限（{self.case.local_time(self.due)}）")

    async def _lapse(self) -> None:
        escalate = self.lapse_action == "escalate"
        self.state = "lapsed" if escalate else "expired"
        word = "已逾期" if escalate else "已届满"
        await self._changed("clock.lapsed", f"{self.title}：{word}（{self.case.local_time(self.due)}）")
        if escalate and self.responsible and self.responsible != Agency.COURT:
            subject = f"【逾期】{self.case.number} {self.title}"
            what = f"（{self.note}）" if self.note else ""
            body = (f"{self.case.label}的“{self.title}”{what}已于 {self.case.local_time(self.due)} 届满未完成"
                    f"（依据：{self.source}）。请督促办理。")
            for to_head in (False, True):
                await self.case.notify(self.responsible, "escalation", subject, body, to_head=to_head,
                                       key=f"lapse:{self.key}:{self._generation}:{int(to_head)}")
        if self.on_lapse_hook:
            await self.on_lapse_hook(self)


class ClockBoard:
    """All clocks of a case (or a meeting), by key."""

    def __init__(self, case: ClockHost) -> None:
        self.case = case
        self.clocks: dict[str, Clock] = {}

    async def start(self, rule_id: str, *, key: str | None = None, responsible: Agency | None = None,
                    on_lapse: LapseHook | None = None, length: int | None = None,
                    on_date: date | None = None, note: str | None = None) -> Clock:
        """Start a clock of ``rule_id``; ``note`` says what exactly is due (kept in the ledger)."""
        key = key or rule_id
        if key in self.clocks:  # the same duty again (e.g. a second referral): number it
            key = f"{key}#{sum(1 for k in self.clocks if k.split('#')[0] == key) + 1}"
        clock = Clock(self.case, key, rule_id, responsible, on_lapse)
        await clock._begin(length=length, on_date=on_date, note=note)
        self.clocks[key] = clock  # shown once its due moment is known
        clock.case.publish()
        return clock

    def find(self, name: str) -> Clock | None:
        """The open clock with this key, or the latest open clock of this rule."""
        if name in self.clocks and self.clocks[name].is_open:
            return self.clocks[name]
        matches = [c for c in self.clocks.values() if c.rule_id == name and c.is_open]
        return matches[-1] if matches else None

    def running(self) -> list[Clock]:
        return [c for c in self.clocks.values() if c.state in ("running", "warning")]

    def next_due(self) -> Clock | None:
        running = self.running()
        return min(running, key=lambda c: c.due) if running else None

    @property
    def overdue(self) -> bool:
        return any(c.state == "lapsed" for c in self.clocks.values())

    async def close_all(self, note: str) -> None:
        for clock in list(self.clocks.values()):
            await clock.cancel(note)
