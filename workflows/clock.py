"""The clock building block every stage uses: a legal or plan deadline as a durable timer.

A clock starts, warns (amber) before its due moment, lapses (red) or expires, and completes. It can
be paused (中止, public-notice service) and resumed with the time that remained, restarted for a
full new period (Rules Art 46), and extended once with the approver named. A party's window starts
when the document was served (``since``), which may be before the event reached the case; one whose
due moment is already past lapses at once. A filing posted within the period is met, not late, even
after the window ran out in the system (CPL Art 85). Due moments are computed
by an activity from the rule table and the holiday calendar, so a calendar update never changes the
replay of a running case; a new calendar revision reaches it as the ``calendar_revised`` signal, on
which every clock counted in days re-derives its due moment (as each does, too, right before it
lapses). A lapse never stops the case: it is recorded and, for the rules that say so, escalated to
the responsible unit's liaison and head.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import date, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_file import CaseFile, ClockMeasure, ClockRederive, ClockSchedule
    from domain.calendar import SHANGHAI, local_text
    from domain.events.base import mailed_in_time
    from domain.i18n import AGENCY
    from domain.models import Actor, Agency, DeadlineView
    from domain.records import (
        CaseChange,
        ClockBasis,
        ClockResolution,
        DueAnswer,
        DueRequest,
        LedgerEntry,
        Remaining,
        RemainingRequest,
    )
    from domain.rules import DAY_COUNTED, Unit

from workflows.together import together

OPEN = ("running", "warning", "paused", "lapsed")
LapseHook = Callable[["Clock"], Awaitable[None]]
T = TypeVar("T")


class ClockHost(Protocol):
    """What a clock needs from the workflow it runs in: a case (CaseRuntime) or a meeting
    (MeetingRuntime). Its ledger rows and notices are filed under ``number``."""

    number: str
    activity_options: dict[str, Any]
    clocks: ClockBoard

    @property
    def label(self) -> str: ...  # how notices name the host: "案件 NC…" / "协调会商 MTG-…"

    def change(self, kind: str, detail: str, en: str, *, actor: Actor | None = None, key: str | None = None,
               deadline: LedgerEntry | None = None) -> CaseChange: ...

    async def record(self, kind: str, detail: str, en: str, *, actor: Actor | None = None, key: str | None = None,
                     deadline: LedgerEntry | None = None) -> None: ...

    async def notify(self, unit: Agency, kind: str, subject: str, body: str, *, to_head: bool = False,
                     key: str | None = None) -> bool: ...

    def publish(self) -> None: ...


class Clock:
    """One clock. Transitions (events and the clock's own alarms) run one at a time, so an alarm
    due while an activity computes a new period never fires on the old one."""

    def __init__(self, case: ClockHost, key: str, rule_id: str, responsible: Agency | None,
                 on_lapse: LapseHook | None, since: datetime | None = None) -> None:
        self.case, self.key, self.rule_id = case, key, rule_id
        self.responsible = responsible
        self.on_lapse_hook = on_lapse
        self.state = "running"
        self.started_at = since or workflow.now()
        self.due = self.started_at
        self.warn_at: datetime | None = None
        self.provisional = False
        self.extended = False
        self.extendable = False
        self.extension: int | None = None  # the longest extension the rule allows
        self.granted_by: Agency | None = None  # a party's window: who alone may pause or extend it
        self.period = self.period_en = self.extension_period = self.extension_period_en = ""  # in words: 15日
        self.remaining: Remaining | None = None
        self.paused_at: datetime | None = None
        self.title = self.title_en = self.source = ""
        self.lapse_action = "none"
        self.note: str | None = None
        self.on_date: date | None = None
        # The period now counted (a resume starts a shorter one); restart runs the first length again.
        self._period: tuple[datetime, int | None, str | None] = (self.started_at, None, None)
        self._first_length: int | None = None
        self._lock = asyncio.Lock()
        self._generation = 0
        self._watcher: asyncio.Task[None] | None = None

    # ---- what stages call --------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    @property
    def due_text(self) -> str:
        """The due moment as shown to people, marked （暂定） when past the holiday data."""
        return local_text(self.due, self.provisional)

    @property
    def due_text_en(self) -> str:
        return local_text(self.due, self.provisional, "en")

    def mailed_in_time(self, mailed_on: date | None) -> bool:
        """A filing posted on ``mailed_on`` is within this clock's period (CPL Art 85)."""
        return mailed_in_time(mailed_on, self.due)

    async def complete(self, note: str | None = None, *, mailed_on: date | None = None) -> None:
        """The duty was done (or the window used). Late if the clock had lapsed, or is past due
        before its timer fired (a clock started for a duty already overdue), unless the filing was
        posted within the period (``mailed_on``): then it is met, even on a window that expired."""
        async with self._lock:
            by_mail = self.mailed_in_time(mailed_on)
            if not (self.is_open or (by_mail and self.state == "expired")):
                return
            late = self.state in ("lapsed", "expired") or (self.state != "paused" and workflow.now() > self.due)
            detail = f"{self.title}：{'逾期完成' if late else '按期完成'}"
            en = f"{self.title_en}: {'met late' if late else 'met in time'}"
            if late and by_mail:
                late, why = False, f"邮寄日期 {mailed_on} 在期间内，不算过期（CPL Art 85）"
                detail, note = f"{self.title}：按期完成（{why}）", why + (f"；{note}" if note else "")
                en = f"{self.title_en}: met in time (posted on {mailed_on}, within the period: CPL Art 85)"
            self.state = "met_late" if late else "met"
            await self._changed("clock.met", detail, en, note=note, closed=True)

    async def cancel(self, note: str, en: str) -> None:
        """No longer applies (the stage ended another way: ``note``, and ``en`` in English)."""
        async with self._lock:
            if not self.is_open:
                return
            self.state = "cancelled"
            await self._changed("clock.cancelled", f"{self.title}：不再适用（{note}）",
                                f"{self.title_en}: no longer applies ({en})", note=note, closed=True)

    async def withdraw(self, note: str, en: str) -> None:
        """No longer applies (the matter ended another way); a clock that had lapsed stays counted
        as missed, so it is closed as met late rather than cancelled."""
        if self.state == "lapsed":
            await self.complete(note)
        else:
            await self.cancel(note, en)

    async def pause(self, reason: str, actor: Actor | None = None) -> bool:
        """Stop the count (中止, service by public notice) and keep what remains. Only a clock still
        within its time pauses; False if it did not."""
        async with self._lock:
            if self.state not in ("running", "warning"):
                return False
            self.state, self.paused_at = "paused", workflow.now()
            start, length, unit = self._period

            def measured(remaining: Remaining) -> None:
                self.remaining = remaining
                if remaining.due is not None:  # re-derived with the calendar as it is now
                    self.due, self.provisional = remaining.due, remaining.provisional
                self._poke()

            await self.case.clocks.settle(workflow.execute_activity_method(
                CaseFile.measure_remaining,
                ClockMeasure(request=RemainingRequest(rule_id=self.rule_id, at=workflow.now(), due=self.due,
                                                      start=start, length=length, unit=unit),
                             change=self.case.change("clock.paused", f"{self.title}：中止计时{{remaining}}（{reason}）",
                                                     f"{self.title_en}: paused{{remaining}} ({reason})",
                                                     actor=actor, deadline=self._entry(note=reason))),
                **self.case.activity_options,
                summary=f"中止 {self.rule_id}",
            ), measured)
            return True

    async def resume(self, reason: str, actor: Actor | None = None) -> bool:
        """Count on from now with the time that remained at the pause."""
        async with self._lock:
            if self.state != "paused":
                return False
            self.state = "running"
            left = self.remaining or Remaining()
            await self._schedule("clock.resumed", f"{self.title}：恢复计时，截止 {{due}}（{reason}）",
                                 f"{self.title_en}: resumed, due {{due}} ({reason})", start=workflow.now(),
                                 length=left.length, unit=left.unit, actor=actor, note=reason)
            return True

    async def restart(self, reason: str, actor: Actor | None = None) -> bool:
        """A full new period from now (Rules Art 46: a party added, claims changed, a transfer)."""
        async with self._lock:
            if not self.is_open:
                return False
            self.state, self.started_at = "running", workflow.now()
            await self._schedule("clock.restarted", f"{self.title}：重新计算期限，截止 {{due}}（{reason}）",
                                 f"{self.title_en}: a new full period, due {{due}} ({reason})",
                                 start=self.started_at, length=self._first_length, actor=actor, note=reason)
            return True

    def extension_refused(self, by: int | None) -> tuple[str, str] | None:
        """Why an extension of ``by`` (None: the longest) is not allowed by the rule, if it is not."""
        if by is not None and self.extension is not None and not 1 <= by <= self.extension:
            return (f"延长期限为1至{self.extension}，最长{self.extension_period}（{self.source}）",
                    f"an extension is 1 to {self.extension} ({self.source})")
        return None

    async def extend(self, approver: str, reason: str, actor: Actor | None = None, by: int | None = None) -> bool:
        """The rule's single extension (``by`` units, default the longest), with the approver named.
        False if the rule has none, the clock was extended already, or it is not counting."""
        async with self._lock:
            if not self.extendable or self.extended or self.state not in ("running", "warning", "lapsed"):
                return False
            self.extended, self.state = True, "running"
            start, length, unit = self._period
            await self._schedule("clock.extended", f"{self.title}：延长一次，截止 {{due}}（批准人 {approver}：{reason}）",
                                 f"{self.title_en}: extended once, due {{due}} (approved by {approver}: {reason})",
                                 start=start, length=length, unit=unit, extend=True, extend_by=by, actor=actor,
                                 note=f"批准人 {approver}：{reason}")
            return True

    @property
    def counts_days(self) -> bool:
        """Counted over the calendar's days, so a calendar revision can move its due moment."""
        unit = self._period[2]
        return self.state in ("running", "warning", "paused") and unit is not None and Unit(unit) in DAY_COUNTED

    def view(self) -> DeadlineView:
        return DeadlineView(key=self.key, rule_id=self.rule_id, title=self.title, source=self.source,
                            responsible=self.responsible, started_at=self.started_at, due=self.due,
                            provisional=self.provisional, state=self.state, extended=self.extended,
                            note=self.note)

    # ---- inside ------------------------------------------------------------------------------

    async def _begin(self, *, length: int | None, on_date: date | None, note: str | None) -> None:
        self.on_date, self._first_length = on_date, length
        # The activity fills in the rule's title and the due moment it computes.
        since = self.started_at.astimezone(SHANGHAI).date()
        today = since == workflow.now().astimezone(SHANGHAI).date()
        begun, begun_en = ("开始计时", "started") if today else (f"自 {since} 起计算", f"counted from {since}")
        async with self._lock:
            await self._schedule("clock.started", f"{{title}}：{begun}，截止 {{due}}",
                                 f"{{title}}: {begun_en}, due {{due}}", start=self.started_at, length=length, note=note)
        self._watcher = asyncio.create_task(self._watch())

    async def _schedule(self, kind: str, detail: str, en: str, *, start: datetime, length: int | None = None,
                        unit: str | None = None, extend: bool = False, extend_by: int | None = None,
                        actor: Actor | None = None, note: str | None = None) -> None:
        self.note = note or self.note
        request = DueRequest(rule_id=self.rule_id, start=start, length=length, unit=unit, on_date=self.on_date,
                             extend=extend, extend_by=extend_by)

        def scheduled(answer: DueAnswer) -> None:
            self.due, self.warn_at, self.provisional = answer.due, answer.warn_at, answer.provisional
            self._period = (start, answer.length, answer.unit)
            self.title, self.source, self.lapse_action = answer.title, answer.source, answer.on_lapse
            self.title_en = answer.title_en or answer.title  # '' in answers recorded before it was added
            self.extendable, self.extension = answer.extendable, answer.extension
            self.granted_by = Agency(answer.granted_by) if answer.granted_by else None
            self.period, self.period_en = answer.period, answer.period_en
            self.extension_period, self.extension_period_en = answer.extension_period, answer.extension_period_en
            if self.responsible is None and answer.responsible in AGENCY and answer.responsible != "party":
                self.responsible = Agency(answer.responsible)
            self._poke()

        await self.case.clocks.settle(workflow.execute_activity_method(
            CaseFile.schedule_clock,
            ClockSchedule(request=request,
                          change=self.case.change(kind, detail, en, actor=actor, deadline=self._entry(note=note))),
            **self.case.activity_options,
            summary=f"计算期限 {self.rule_id}",
        ), scheduled)

    def _basis(self) -> ClockBasis:
        start, length, unit = self._period
        return ClockBasis(key=self.key, rule_id=self.rule_id, title=self.title, start=start, length=length, unit=unit,
                          on_date=self.on_date, due=self.due, provisional=self.provisional,
                          paused_at=self.paused_at if self.state == "paused" else None, remaining=self.remaining)

    async def _rederived(self, answer: ClockResolution) -> None:
        earlier = self.state != "paused" and answer.due < self.due
        was_en = local_text(self.due, self.provisional, "en")
        self.due, self.warn_at, self.provisional = answer.due, answer.warn_at, answer.provisional
        if answer.remaining is not None:
            self.remaining = answer.remaining
        left = left_en = ""
        if answer.remaining and answer.remaining.text:
            left = f"（中止中，剩余 {answer.remaining.text}）"
            left_en = f" (paused, {answer.remaining.text_en or answer.remaining.text} left)"
        revision = f"（日历第 {answer.revision} 版）" if answer.revision else ""
        revision_en = f" (calendar revision {answer.revision})" if answer.revision else ""
        await self._changed("clock.rederived",
                            f"{self.title}：期限因节假日安排公布而调整：原 {answer.was}，现 {answer.now}{left}{revision}",
                            f"{self.title_en}: moved by the published holiday arrangements: was {was_en}, now "
                            f"{self.due_text_en}{left_en}{revision_en}")
        if earlier and self.responsible and self.responsible != Agency.COURT:
            await self.case.notify(
                self.responsible, "deadline_moved", f"【期限提前】{self.case.number} {self.title}",
                f"{self.case.label}的“{self.title}”因节假日安排公布，期限由 {answer.was} 提前至 {answer.now}"
                f"（依据：{self.source}）。请按新的期限办理。", key=f"rederived:{self.key}:{self._generation}")

    def _entry(self, note: str | None = None, closed: bool = False) -> LedgerEntry:
        return LedgerEntry(clock_key=self.key, rule_id=self.rule_id,
                           responsible=self.responsible.value if self.responsible else None,
                           started_at=self.started_at, due=self.due, provisional=self.provisional,
                           state=self.state, extended=self.extended,
                           closed_at=workflow.now() if closed else None, note=note or self.note)

    async def _changed(self, kind: str, detail: str, en: str, *, note: str | None = None, closed: bool = False) -> None:
        self._poke()
        await self.case.record(kind, detail, en, deadline=self._entry(note=note, closed=closed))

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
                        timeout_summary=f"{self.rule_id} {what} {local_text(at, self.provisional)}",
                    )
                    continue
                except asyncio.TimeoutError:
                    pass
            async with self._lock:
                if self._generation != generation:  # a transition came first: look again
                    continue
                if fire == self._lapse and self.counts_days:
                    # Insurance against a missed calendar_revised signal: never lapse on a stale date.
                    await self.case.clocks.rederive([self])
                    if self._generation != generation:  # it moved: wait for the new moment
                        continue
                await fire()
            if fire == self._lapse and self.on_lapse_hook and self.state in ("lapsed", "expired"):
                await self.on_lapse_hook(self)  # outside the lock: a hook may act on this clock

    async def _warn(self) -> None:
        self.state = "warning"
        await self._changed("clock.warning", f"{self.title}：临近期限（{self.due_text}）",
                            f"{self.title_en}: due soon ({self.due_text_en})")

    async def _lapse(self) -> None:
        escalate = self.lapse_action == "escalate"
        self.state = "lapsed" if escalate else "expired"
        word, word_en = ("已逾期", "overdue") if escalate else ("已届满", "expired")
        await self._changed("clock.lapsed", f"{self.title}：{word}（{self.due_text}）",
                            f"{self.title_en}: {word_en} ({self.due_text_en})")
        if escalate and self.responsible and self.responsible != Agency.COURT:
            subject = f"【逾期】{self.case.number} {self.title}"
            what = f"（{self.note}）" if self.note else ""
            body = (f"{self.case.label}的“{self.title}”{what}已于 {self.due_text} 届满未完成"
                    f"（依据：{self.source}）。请督促办理。")
            for to_head in (False, True):
                await self.case.notify(self.responsible, "escalation", subject, body, to_head=to_head,
                                       key=f"lapse:{self.key}:{self._generation}:{int(to_head)}")


class _Answer(Generic[T]):
    """A clock activity's answer and what applying it does (synchronous: a batch applies in one step)."""

    def __init__(self, apply: Callable[[T], None]) -> None:
        self.apply = apply
        self.value: T
        self.arrived = False
        self.applied: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class ClockBoard:
    """All clocks of a case (or a meeting), by key."""

    def __init__(self, case: ClockHost) -> None:
        self.case = case
        self.clocks: dict[str, Clock] = {}
        # Answers of clock activities (a schedule, a pause's measure) still awaited or waiting for the
        # rest of their batch, in the order they were asked for.
        self._answers: list[_Answer[Any]] = []
        self.calendar_revision = 0  # the newest revision a calendar_revised signal announced

    async def settle(self, asked: Awaitable[T], apply: Callable[[T], None]) -> None:
        """Await a clock activity's answer and ``apply`` it. Answers apply in the order they were
        asked for and only once every answer outstanding on the board is in, all in one step, and
        their coroutines go on in that order: what follows (search attributes, the clocks' timers,
        the stage's next command) then depends on which answers the task brought, never on how the
        SDK split them into activations. A worker may be handed a task's two results in one
        activation or, starting cold, in two; replay may group them otherwise (fault seed 19;
        tests/test_clock_order.py)."""
        mine: _Answer[T] = _Answer(apply)
        self._answers.append(mine)
        try:
            mine.value, mine.arrived = await asked, True
        finally:
            if not mine.arrived:  # failed or cancelled: the others need not wait for it
                self._answers.remove(mine)
            self._apply_when_all_in()
        await mine.applied

    def _apply_when_all_in(self) -> None:
        if self._answers and all(a.arrived for a in self._answers):
            batch, self._answers = self._answers, []
            # A step of its own, so the coroutine whose answer came last waits its turn like the rest.
            asyncio.get_running_loop().call_soon(self._apply, batch)

    @staticmethod
    def _apply(batch: list[_Answer[Any]]) -> None:
        for answer in batch:
            answer.apply(answer.value)
        for answer in batch:
            answer.applied.set_result(None)

    async def start(self, rule_id: str, *, key: str | None = None, responsible: Agency | None = None,
                    on_lapse: LapseHook | None = None, length: int | None = None,
                    on_date: date | None = None, note: str | None = None, since: datetime | None = None) -> Clock:
        """Start a clock of ``rule_id``; ``note`` says what exactly is due (kept in the ledger);
        ``since`` is when its period began (a document served before the event came), default now."""
        key = key or rule_id
        if key in self.clocks:  # the same duty again (e.g. a second referral): number it
            key = f"{key}#{sum(1 for k in self.clocks if k.split('#')[0] == key) + 1}"
        clock = Clock(self.case, key, rule_id, responsible, on_lapse, since)
        await clock._begin(length=length, on_date=on_date, note=note)
        self.clocks[key] = clock  # shown once its due moment is known
        clock.case.publish()
        return clock

    async def calendar_revised(self, revision: int) -> None:
        """The holiday calendar has a new revision (`weiquan calendar load`): every clock counted
        over days re-derives its due moment, all in one activity, each clock held still meanwhile."""
        if revision <= self.calendar_revision:  # told already (the operator loaded the same file again)
            return
        self.calendar_revision = revision
        clocks = sorted((c for c in self.clocks.values() if c.counts_days), key=lambda c: c.key)
        async with AsyncExitStack() as held:
            for clock in clocks:
                await held.enter_async_context(clock._lock)
            await self.rederive([c for c in clocks if c.counts_days])  # a clock may have closed meanwhile

    async def rederive(self, clocks: list[Clock]) -> None:
        """Re-derive these clocks' due moments with the calendar as it is now (their locks held), one
        activity for all; each clock that moved is logged with its ledger row, and the responsible
        unit's liaison is told when a running clock's due date moves earlier."""
        if not clocks:
            return
        answers = await workflow.execute_activity_method(
            CaseFile.rederive_clocks, ClockRederive(clocks=[c._basis() for c in clocks]),
            **self.case.activity_options, summary=f"按日历重新计算期限（{len(clocks)}）",
        )
        for clock, answer in zip(clocks, answers, strict=True):
            if answer.moved:
                await clock._rederived(answer)

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

    async def close_all(self, note: str, en: str) -> None:
        """At closure: clocks still open no longer apply; one that had lapsed stays counted as missed."""
        await together(*(clock.withdraw(note, en) for clock in list(self.clocks.values())))
