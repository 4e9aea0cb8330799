"""Supervision reports [Plan 五(二)]: caseload, on-time rates, overdue items, money, days per stage.

Figures come from the registry — the case rows, the event log and the deadline ledger — never from
Temporal histories. ``build_report`` is a pure function of rows already read; ``load_report`` reads
them. Conventions (also printed in the report's notes):

- A case counts as *opened* / *closed* in the period by its local (Asia/Shanghai) date.
- *On time* counts the agencies' duties (rules whose lapse escalates), decided in the period: met
  on time (by the day it was met), met late, or overdue (by its due day). Party windows that simply
  expire, cancelled clocks and clocks still running in time are not counted.
- *Overdue now* is every duty past due and not done at the moment the report is made.
- *Recovery* is what the cases closed in the period recovered, over what they were owed: each
  case's claim, or the amount its agreement or award set above the claim with a stated reason.
- *Days per stage* come from the event log's stage changes: a stay in a stage that ended in the
  period, from the first event in that stage to the first event in the next.
- A meeting's action clocks count under the meeting's id; with a district filter, a meeting counts
  when one of its cases is in the district.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import col, select

from domain.calendar import SHANGHAI
from domain.models import Agency, Stage
from domain.rules import Rule
from registry.store import Registry
from registry.tables import CaseRecord, DeadlineRecord, EventRecord, MeetingRecord

CHANNELS = [a.value for a in Agency if a != Agency.COURT]
STAGES = [s.value for s in Stage]
ON_TIME, LATE = ("met",), ("met_late", "lapsed")
RUNNING = ("running", "warning")


def share(part: Decimal, whole: Decimal) -> float | None:
    return float(part / whole) if whole else None


class ChannelRow(BaseModel):
    channel: str
    opened: int
    closed: int
    open_now: int  # of the cases opened in the period, still open
    claimed: Decimal  # claimed by the cases opened in the period
    closed_claimed: Decimal  # claimed by the cases closed in the period
    closed_base: Decimal  # what recovery is measured against for those cases (``recovery_base``)
    recovered: Decimal  # recovered by the cases closed in the period

    @property
    def recovery(self) -> float | None:
        return share(self.recovered, self.closed_base)


class StageRow(BaseModel):
    stage: str
    open_now: int  # cases opened in the period that stand in this stage now
    closed_from: int  # cases closed in the period whose last stage was this


class RateRow(BaseModel):
    key: str
    met: int
    late: int

    @property
    def total(self) -> int:
        return self.met + self.late

    @property
    def rate(self) -> float | None:
        return self.met / self.total if self.total else None


class OverdueRow(BaseModel):
    scope: str  # case number or meeting id
    rule_id: str
    responsible: str | None
    due: datetime
    days_late: int
    note: str | None = None
    provisional: bool = False  # computed past the holiday data: shown 暂定


class StageDays(BaseModel):
    stage: str
    stays: int
    median_days: float
    longest_days: float


class Report(BaseModel):
    period_from: date
    period_to: date
    district: str | None
    generated_at: datetime
    opened: int
    closed: int
    channels: list[ChannelRow]
    stages: list[StageRow]
    on_time: RateRow
    on_time_rules: list[RateRow]
    on_time_agencies: list[RateRow]
    overdue: list[OverdueRow]
    stage_days: list[StageDays]

    @property
    def claimed(self) -> Decimal:
        return sum((c.claimed for c in self.channels), Decimal(0))

    @property
    def recovered(self) -> Decimal:
        return sum((c.recovered for c in self.channels), Decimal(0))

    @property
    def closed_claimed(self) -> Decimal:
        return sum((c.closed_claimed for c in self.channels), Decimal(0))

    @property
    def closed_base(self) -> Decimal:
        return sum((c.closed_base for c in self.channels), Decimal(0))

    @property
    def recovery(self) -> float | None:
        return share(self.recovered, self.closed_base)


@dataclass(frozen=True)
class Stay:
    case_number: str
    stage: str
    entered: datetime
    left: datetime | None
    next_stage: str | None


def utc(moment: datetime) -> datetime:
    """The registry stores UTC; SQLite hands it back naive."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local_day(moment: datetime) -> date:
    return utc(moment).astimezone(SHANGHAI).date()


def stays(events: Iterable[EventRecord]) -> list[Stay]:
    """Each case's stays in a stage, from its event log (events in order of time)."""
    by_case: dict[str, list[EventRecord]] = defaultdict(list)
    for e in events:
        by_case[e.case_number].append(e)
    out = []
    for number, rows in by_case.items():
        rows.sort(key=lambda e: (utc(e.at), e.seq, e.id or 0))
        stage, entered = rows[0].stage, utc(rows[0].at)
        for e in rows[1:]:
            if e.stage != stage:
                out.append(Stay(number, stage, entered, utc(e.at), e.stage))
                stage, entered = e.stage, utc(e.at)
        out.append(Stay(number, stage, entered, None, None))
    return out


def recovery_base(case: CaseRecord) -> Decimal:
    """What a case's recovery is measured against: its claim, or the amount its mediation agreement
    or award set above the claim, which the case took only with the reason written (claims added,
    compensation found due). The reason is free text, so the agreed or awarded sum is the base the
    data supports."""
    return max(case.amount_claimed, case.amount_above_claim or Decimal(0))


def _rates(rows: Iterable[tuple[str, bool]]) -> list[RateRow]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, on_time in rows:
        counts[key][0 if on_time else 1] += 1
    return [RateRow(key=k, met=v[0], late=v[1]) for k, v in sorted(counts.items())]


def build_report(*, cases: Sequence[CaseRecord], events: Sequence[EventRecord], ledger: Sequence[DeadlineRecord],
                 meetings: Mapping[str, Sequence[str]], rules: Mapping[str, Rule], start: date, end: date,
                 now: datetime, district: str | None = None) -> Report:
    """The supervision report for ``start``–``end`` (inclusive local dates), as of ``now``."""
    now = utc(now)

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= local_day(moment) <= end

    cases = [c for c in cases if district is None or c.district == district]
    numbers = {c.case_number for c in cases}
    scopes = numbers | {m for m, linked in meetings.items() if district is None or numbers & set(linked)}
    opened = [c for c in cases if within(c.opened_at)]
    closed = [c for c in cases if within(c.closed_at)]
    case_stays = stays(e for e in events if e.case_number in numbers)
    last_stage = {s.case_number: s.stage for s in case_stays if s.next_stage == Stage.CLOSED.value}

    channels = []
    for channel in CHANNELS:
        mine_opened = [c for c in opened if c.channel == channel]
        mine_closed = [c for c in closed if c.channel == channel]
        if mine_opened or mine_closed:
            channels.append(ChannelRow(
                channel=channel, opened=len(mine_opened), closed=len(mine_closed),
                open_now=sum(c.closed_at is None for c in mine_opened),
                claimed=sum((c.amount_claimed for c in mine_opened), Decimal(0)),
                closed_claimed=sum((c.amount_claimed for c in mine_closed), Decimal(0)),
                closed_base=sum((recovery_base(c) for c in mine_closed), Decimal(0)),
                recovered=sum((c.amount_recovered for c in mine_closed), Decimal(0))))
    stage_rows = [StageRow(stage=s, open_now=sum(c.stage == s for c in opened if c.closed_at is None),
                           closed_from=sum(last_stage.get(c.case_number) == s for c in closed))
                  for s in STAGES if s != Stage.CLOSED.value]

    duties = [d for d in ledger if d.case_number in scopes and d.rule_id in rules
              and rules[d.rule_id].on_lapse == "escalate"]
    decided: list[tuple[DeadlineRecord, bool]] = []
    overdue: list[OverdueRow] = []
    for d in duties:
        due = utc(d.due)
        past_due = d.state == "lapsed" or (d.state in RUNNING and due < now)
        if d.state in ON_TIME and within(d.closed_at):
            decided.append((d, True))
        elif (d.state == "met_late" and within(d.closed_at)) or (past_due and within(due)):
            decided.append((d, False))
        if past_due:
            overdue.append(OverdueRow(scope=d.case_number, rule_id=d.rule_id, responsible=d.responsible, due=due,
                                      days_late=max(1, math.ceil((now - due) / timedelta(days=1))), note=d.note,
                                      provisional=d.provisional))
    overdue.sort(key=lambda o: (-o.days_late, o.scope, o.rule_id))

    durations: dict[str, list[float]] = defaultdict(list)
    for s in case_stays:
        if s.left is not None and within(s.left) and s.stage != Stage.CLOSED.value:
            durations[s.stage].append((s.left - s.entered) / timedelta(days=1))
    stage_days = [StageDays(stage=s, stays=len(durations[s]), median_days=round(statistics.median(durations[s]), 1),
                            longest_days=round(max(durations[s]), 1)) for s in STAGES if durations.get(s)]

    return Report(
        period_from=start, period_to=end, district=district, generated_at=now,
        opened=len(opened), closed=len(closed), channels=channels, stages=stage_rows,
        on_time=RateRow(key="all", met=sum(ok for _, ok in decided), late=sum(not ok for _, ok in decided)),
        on_time_rules=_rates((d.rule_id, ok) for d, ok in decided),
        on_time_agencies=_rates((d.responsible or "", ok) for d, ok in decided),
        overdue=overdue, stage_days=stage_days)


def load_report(registry: Registry, rules: Mapping[str, Rule], start: date, end: date, *,
                district: str | None = None, now: datetime | None = None) -> Report:
    """Read what the report needs from the registry and build it."""
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), SHANGHAI).astimezone(UTC)
    with registry.session() as s:
        case_query = select(CaseRecord)  # all of them: a case opened since may be overdue now
        if district:
            case_query = case_query.where(CaseRecord.district == district)
        cases = s.exec(case_query).all()
        events = s.exec(select(EventRecord).where(col(EventRecord.at) < until)).all()
        ledger = s.exec(select(DeadlineRecord)).all()
        meetings = {m.meeting_id: list(m.cases) for m in s.exec(select(MeetingRecord)).all()}
    return build_report(cases=cases, events=events, ledger=ledger, meetings=meetings, rules=rules, start=start,
                        end=end, now=now or datetime.now(UTC), district=district)
