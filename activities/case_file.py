"""Activities of the case file itself (case queue): the registry, the rule table, the outbox.

Everything here reads a clock table, a config file or a database, so it cannot run in workflow
code. Each write is keyed, so a retried activity writes nothing twice.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel
from temporalio import activity

from domain import eligibility
from domain.calendar import SHANGHAI, local_text
from domain.models import CaseFlag, CaseIntake, Notice
from domain.records import (
    CaseChange,
    CaseOpening,
    ClockBasis,
    ClockResolution,
    DueAnswer,
    DueRequest,
    NoticeResult,
    Remaining,
    RemainingRequest,
)
from domain.rules import (
    DAY_COUNTED,
    Rule,
    Settings,
    Unit,
    compute_due,
    extended_due,
    period_text,
    remaining_period,
)
from registry.errors import NoLiaison, NoParty

if TYPE_CHECKING:
    from registry.store import Registry


class IntakeAssessment(BaseModel):
    flags: list[CaseFlag]
    limitation: eligibility.LimitationCheck
    referrals: list[int]  # claimants (by position) to refer to legal aid
    group_workers: int


class AssessRequest(BaseModel):
    intake: CaseIntake
    on: date


class ClockSchedule(BaseModel):
    request: DueRequest
    change: CaseChange


class ClockMeasure(BaseModel):
    request: RemainingRequest
    change: CaseChange


class ClockRederive(BaseModel):
    clocks: list[ClockBasis]


def log() -> structlog.stdlib.BoundLogger:
    """A logger bound to the running activity and its case (the workflow id is the case number)."""
    info = activity.info()
    return structlog.get_logger().bind(
        case=info.workflow_id, workflow_id=info.workflow_id, activity=info.activity_type
    )


class CaseFile:
    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings
        # Imported here: workflow code imports this module, and never the registry's tables (sdk-python#646).
        from registry.calendar_revisions import LiveCalendar

        self.calendar = LiveCalendar(registry, settings)  # the registry's calendar revisions overlaid

    @activity.defn
    def assess_intake(self, req: AssessRequest) -> IntakeAssessment:
        thresholds = self.settings.district(req.intake.district)
        limitation = eligibility.limitation(req.intake, req.on, self.settings)
        flags = sorted(eligibility.intake_flags(req.intake, thresholds))
        if limitation.expired or limitation.urgent:
            flags.append(CaseFlag.LIMITATION_RISK)
        types = req.intake.claim_types
        referrals = [i for i, c in enumerate(req.intake.claimants) if eligibility.needs_referral(c, types)]
        return IntakeAssessment(flags=flags, limitation=limitation, referrals=referrals,
                                group_workers=thresholds.group_workers)

    @activity.defn
    def register_case(self, opening: CaseOpening) -> None:
        if self.registry.register_case(opening):
            log().info("case registered", district=opening.intake.district,
                       workers=len(opening.intake.claimants))

    @activity.defn
    def record_change(self, change: CaseChange) -> None:
        if self.registry.record_change(change):
            log().info("case change", kind=change.kind, stage=change.snapshot.stage)

    @activity.defn
    def schedule_clock(self, sched: ClockSchedule) -> DueAnswer:
        """Compute a due moment (start, resume, restart or extension) and write it to the ledger."""
        req = sched.request
        settings, _ = self.calendar.settings()
        rule = settings.rule(req.rule_id)
        unit = Unit(req.unit) if req.unit else None
        if req.extend:
            due = extended_due(rule, req.start, settings, length=req.length, unit=unit, on_date=req.on_date,
                               by=req.extend_by)
        else:
            due = compute_due(rule, req.start, settings, length=req.length, unit=unit, on_date=req.on_date)
        change = sched.change.model_copy(deep=True)
        change.detail = _fill(change.detail, title=rule.title, due=local_text(due.due, due.provisional))
        if change.detail_en is not None:
            change.detail_en = _fill(change.detail_en, title=rule.title_en,
                                     due=local_text(due.due, due.provisional, "en"))
        if change.deadline:
            change.deadline.due = due.due
            change.deadline.provisional = due.provisional
        self.registry.record_change(change)
        log().info("clock scheduled", rule=rule.id, kind=change.kind,
                   due=due.due.astimezone(SHANGHAI).isoformat(), provisional=due.provisional)
        return DueAnswer(due=due.due, warn_at=due.warn_at, provisional=due.provisional, length=due.length,
                         unit=due.unit.value, title=rule.title, title_en=rule.title_en, source=rule.source,
                         responsible=rule.responsible, on_lapse=rule.on_lapse, extendable=rule.extension is not None,
                         extension=rule.extension.length if rule.extension else None, granted_by=rule.granted_by,
                         period=rule.period_text(), period_en=rule.period_text("en"),
                         extension_period=rule.extension_text(), extension_period_en=rule.extension_text("en"))

    @activity.defn
    def measure_remaining(self, measure: ClockMeasure) -> Remaining:
        """What a clock being paused has left, written to the event log with the pause. The period's
        due moment is re-derived first: measured against a due moment computed with an older calendar,
        the remaining time would carry the old calendar's error into the resumed period."""
        req = measure.request
        settings, _ = self.calendar.settings()
        rule = settings.rule(req.rule_id)
        unit = Unit(req.unit) if req.unit else rule.unit
        due = compute_due(rule, req.start, settings, length=req.length, unit=unit) if unit in DAY_COUNTED else None
        remaining = _remaining(rule, settings, at=req.at, due=due.due if due else req.due, start=req.start,
                               length=req.length, unit=unit)
        if due is not None:
            remaining.due, remaining.provisional = due.due, due.provisional
        change = measure.change.model_copy(deep=True)
        change.detail = _fill(change.detail, remaining=f"，剩余 {remaining.text}" if remaining.text else "")
        if change.detail_en is not None:
            left = f", {remaining.text_en} left" if remaining.text else ""
            change.detail_en = _fill(change.detail_en, remaining=left)
        if change.deadline and due is not None:
            change.deadline.due, change.deadline.provisional = due.due, due.provisional
        self.registry.record_change(change)
        return remaining

    @activity.defn
    def rederive_clocks(self, req: ClockRederive) -> list[ClockResolution]:
        """Re-derive clocks' due moments with the calendar as it is now (a new calendar revision, or
        a clock about to lapse): same rule, start, length and act's date. A paused clock's remaining
        time is measured again from its pause. Only reads: the case records the clocks that moved,
        so that each write is named in its history."""
        settings, revision = self.calendar.settings()
        answers = []
        for clock in req.clocks:
            rule = settings.rule(clock.rule_id)
            unit = Unit(clock.unit) if clock.unit else rule.unit
            due = compute_due(rule, clock.start, settings, length=clock.length, unit=unit, on_date=clock.on_date)
            remaining = None
            if clock.paused_at is not None:
                remaining = _remaining(rule, settings, at=clock.paused_at, due=due.due, start=clock.start,
                                       length=clock.length, unit=unit)
                remaining.due, remaining.provisional = due.due, due.provisional
            moved = (due.due, due.provisional) != (clock.due, clock.provisional) or (
                remaining is not None and remaining.length != (clock.remaining or Remaining()).length)
            if moved:
                log().info("clock re-derived", rule=rule.id, due=due.due.astimezone(SHANGHAI).isoformat(),
                           provisional=due.provisional, revision=revision)
            answers.append(ClockResolution(
                key=clock.key, due=due.due, warn_at=due.warn_at, provisional=due.provisional, remaining=remaining,
                moved=moved, was=local_text(clock.due, clock.provisional), now=local_text(due.due, due.provisional),
                revision=revision))
        return answers

    @activity.defn
    def send_notice(self, notice: Notice) -> NoticeResult:
        """Queue a notice for the unit's liaison (or head), or for the case's parties of a role.
        No liaison (no party) is an answer, not a retry."""
        if notice.party:
            try:
                rows = self.registry.queue_party_notice(notice)
            except NoParty:
                log().warning("no party for notice", party=notice.party, kind=notice.kind)
                return NoticeResult(delivered_to=None, error=f"no_party:{notice.party}")
            return NoticeResult(delivered_to="、".join(row.recipient for row in rows))
        try:
            row = self.registry.queue_notice(notice)
        except NoLiaison:
            log().warning("no liaison for unit", unit=notice.unit.value, kind=notice.kind)
            return NoticeResult(delivered_to=None, error=f"no_liaison:{notice.unit.value}")
        return NoticeResult(delivered_to=row.recipient)


def _remaining(rule: Rule, settings: Settings, **period: Any) -> Remaining:
    left = remaining_period(rule, settings, **period)
    return Remaining() if left is None else Remaining(
        length=left[0], unit=left[1].value, text=period_text(left[0], left[1]),
        text_en=period_text(left[0], left[1], "en"))


def _fill(template: str, **values: str) -> str:
    """Put computed values into a workflow's text: each {name} once, in order, so that a reason
    a user typed (which follows the placeholders) is never read as one."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value, 1)
    return template
