"""Events that act on a running clock: pause, resume, restart, and the single extension."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.events.clocks import ClockEvent, ClockExtension
    from domain.i18n import AGENCY, CLOCK_STATE
    from domain.models import LINKED_UNITS, Agency

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime

CLOCK_ACTORS = set(LINKED_UNITS) | {Agency.COURT}


class ClockDesk:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case

    def _clock(self, event: ClockEvent) -> Clock:
        clock = self.case.clocks.find(event.clock)
        assert clock is not None
        return clock

    def _check(self, event: ClockEvent, *states: str) -> Said | None:
        clock = self.case.clocks.find(event.clock)
        if clock is None:
            return f"没有进行中的期限“{event.clock}”", f"no open clock {event.clock!r}"
        if clock.granted_by and event.actor.unit != clock.granted_by:  # a party's window (CPL Art 86)
            body = AGENCY[clock.granted_by.value]
            return (f"当事人的法定期间只能由{body[0]}决定中止或顺延（{clock.source}；CPL Art 86）",
                    f"only {body[1]} may pause or extend a party's window ({clock.source}; CPL Art 86)")
        if clock.responsible and event.actor.unit != clock.responsible:
            owner = AGENCY[clock.responsible.value]
            return f"该期限由{owner[0]}负责", f"that clock belongs to {owner[1]}"
        if clock.state not in states:
            zh, en = CLOCK_STATE.get(clock.state, (clock.state, clock.state))
            return f"期限当前状态为“{zh}”", f"the clock is {en}"
        return None

    def _can_pause(self, event: ClockEvent) -> Said | None:
        return self._check(event, "running", "warning")  # a lapsed clock stays lapsed

    def _can_resume(self, event: ClockEvent) -> Said | None:
        return self._check(event, "paused")

    def _can_restart(self, event: ClockEvent) -> Said | None:
        return self._check(event, "running", "warning", "lapsed", "paused")

    def _can_extend(self, event: ClockExtension) -> Said | None:
        why = self._check(event, "running", "warning", "lapsed")
        if why is None and not self._clock(event).extendable:
            return "该期限依法不能延长", "the rule allows no extension"
        if why is None and self._clock(event).extended:
            return "该期限已延长过一次，不得再次延长", "the clock was already extended once"
        return why or self._clock(event).extension_refused(event.length)

    @case_event("clock_pause", ClockEvent, actors=CLOCK_ACTORS, title=("中止计时", "pause a clock"),
                when=_can_pause)
    async def pause(self, event: ClockEvent) -> Said:
        clock = self._clock(event)
        await clock.pause(event.reason, actor=event.actor)
        left = f"，剩余 {clock.remaining.text}" if clock.remaining and clock.remaining.text else ""
        return f"{clock.title}：已中止计时{left}", f"{clock.rule_id} paused"

    @case_event("clock_resume", ClockEvent, actors=CLOCK_ACTORS, title=("恢复计时", "resume a clock"),
                when=_can_resume)
    async def resume(self, event: ClockEvent) -> Said:
        clock = self._clock(event)
        await clock.resume(event.reason, actor=event.actor)
        return f"{clock.title}：已恢复计时，截止 {clock.due_text}", f"{clock.rule_id} resumed"

    @case_event("clock_restart", ClockEvent, actors=CLOCK_ACTORS, title=("重新计算期限", "restart a clock"),
                when=_can_restart)
    async def restart(self, event: ClockEvent) -> Said:
        clock = self._clock(event)
        await clock.restart(event.reason, actor=event.actor)
        return f"{clock.title}：重新计算，截止 {clock.due_text}", f"{clock.rule_id} restarted"

    @case_event("clock_extend", ClockExtension, actors=CLOCK_ACTORS, title=("延长期限", "extend a clock"),
                when=_can_extend)
    async def extend(self, event: ClockExtension) -> Said:
        clock = self._clock(event)
        await clock.extend(event.approver, event.reason, actor=event.actor, by=event.length)
        return f"{clock.title}：已延长，截止 {clock.due_text}", f"{clock.rule_id} extended"
