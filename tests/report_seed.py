"""Writing a registry by hand for report tests: cases, stage changes, ledger rows, meetings.

``seed_month`` builds a deterministic month of casework (October 2026, reported on 2 November)
for the HTML report and its screenshot in docs/.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from domain.calendar import SHANGHAI
from domain.districts import DISTRICTS
from domain.meetings import MeetingKind, MeetingSnapshot, MeetingStatus
from domain.models import Agency, CaseIntake
from domain.records import CaseChange, CaseOpening, CaseSnapshot, LedgerEntry
from registry.store import Registry
from tests import factories
from tests.helpers import TODAY


class Seeder:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.seq = 0

    def open(self, channel: str, district: str, amount: str, when: datetime) -> str:
        intake = CaseIntake.from_input(factories.intake(channel=channel, amount=amount, district=district), TODAY)
        number = intake.case_number()
        self.registry.register_case(CaseOpening(case_number=number, intake=intake, opened_at=when,
                                                snapshot=CaseSnapshot(stage="intake", agency=None, waiting_for="—")))
        self.change(number, when, "intake", "case.opened")
        return number

    def change(self, number: str, when: datetime, stage: str, kind: str = "step", *, recovered: str = "0",
               above_claim: str | None = None, closed: bool = False, duty: LedgerEntry | None = None) -> None:
        self.seq += 1
        snapshot = CaseSnapshot(stage=stage, agency=None, waiting_for="—", amount_recovered=Decimal(recovered),
                                amount_above_claim=Decimal(above_claim) if above_claim else None,
                                closed_at=when if closed else None)
        self.registry.record_change(CaseChange(case_number=number, key=f"k{self.seq}", at=when, kind=kind, detail="—",
                                               snapshot=snapshot, deadline=duty))

    def duty(self, number: str, when: datetime, stage: str, rule: str, owner: str | None, due: datetime,
             state: str, closed_at: datetime | None = None, note: str | None = None) -> None:
        entry = LedgerEntry(clock_key=f"{rule}@{self.seq}", rule_id=rule, responsible=owner, started_at=when, due=due,
                            provisional=False, state=state, closed_at=closed_at, note=note)
        self.change(number, when, stage, "clock." + state, duty=entry)

    def meeting(self, meeting_id: str, convener: Agency, topic: str, cases: list[str], when: datetime,
                status: MeetingStatus = MeetingStatus.AGREED) -> str:
        self.registry.save_meeting(MeetingSnapshot(meeting_id=meeting_id, version=1, convened_by=convener, topic=topic,
                                                   kind=MeetingKind.CASE, status=status, cases=cases, invitees=[],
                                                   confirmed=[], opened_at=when))
        return meeting_id


MONTH = (date(2026, 10, 1), date(2026, 10, 31))
MONTH_NOW = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
CHANNELS = ["union"] * 7 + ["inspection"] * 5 + ["arbitration"] * 4 + ["legal_aid"] * 2 + ["window"] * 2


def _close_of_day(moment: datetime) -> datetime:
    local = moment.astimezone(SHANGHAI)
    day = local.date() if local.time() < time(17, 30) else local.date() + timedelta(days=1)
    return datetime.combine(day, time(17, 30), SHANGHAI)


def seed_month(registry: Registry, cases: int = 64, seed: int = 6) -> None:
    """Cases opened from mid-September to the end of October, each walked through its stages with
    the duties of the way, a few of them late, plus three consultation meetings."""
    rnd, s, now = random.Random(seed), Seeder(registry), MONTH_NOW
    opened_cases: list[str] = []
    for i in range(cases):
        channel = rnd.choice(CHANNELS)
        t = datetime(2026, 9, 15, 9, tzinfo=SHANGHAI) + timedelta(days=rnd.uniform(0, 46), hours=rnd.uniform(0, 8))
        claimed = Decimal(rnd.choice([rnd.randint(30, 250), rnd.randint(250, 1200)]) * 100 + i)
        number = s.open(channel, rnd.choice(list(DISTRICTS)), f"{claimed}.00", t)
        opened_cases.append(number)

        def step(days: float) -> datetime | None:
            nonlocal t
            t = t + timedelta(days=days)
            return t if t < now else None

        def duty(stage: str, rule: str, owner: str, due: datetime, late_odds: float, hours: float) -> bool:
            """A duty started now; done in ``hours`` (late with ``late_odds``, now and then never).
            False: still pending, and the case waits on it."""
            done = t + timedelta(hours=hours * (rnd.uniform(3, 12) if rnd.random() < late_odds else rnd.uniform(0.3, 1)))
            if done < now and rnd.random() > 0.1:
                s.duty(number, t, stage, rule, owner, due, "met" if done <= due else "met_late", done)
                return True
            s.duty(number, t, stage, rule, owner, due, "lapsed" if due < now else "running")
            return False

        if channel == "inspection":
            if step(0.1) is None:
                continue
            s.change(number, t, "inspection")
            if not duty("inspection", "inspect.accept", "inspection", _close_of_day(t + timedelta(days=6)), 0.2, 60):
                continue
            if step(rnd.uniform(3, 18)) is None:
                continue
        elif channel != "arbitration" and rnd.random() < 0.5:
            if step(0.02) is None:
                continue
            s.change(number, t, "legal_aid_review")
            if not duty("legal_aid_review", "legal_aid.same_day_review", "legal_aid", _close_of_day(t), 0.25, 5):
                continue
            if step(rnd.uniform(0.2, 1.2)) is None:
                continue
        if channel != "arbitration":
            s.change(number, t, "mediation")
            if step(rnd.uniform(2, 16)) is None:
                continue
            if rnd.random() < 0.6:
                s.change(number, t, "closed", "case.closed", recovered=f"{claimed * Decimal(rnd.uniform(0.6, 1)):.2f}",
                         closed=True)
                continue
        if step(0.1) is None:
            continue
        s.change(number, t, "arbitration")
        if not duty("arbitration", "arb.one_time_notice", "arbitration", _close_of_day(t + timedelta(days=4)), 0.2, 40):
            continue
        if step(rnd.uniform(8, 35)) is not None:
            s.change(number, t, "closed", "case.closed", recovered=f"{claimed * Decimal(rnd.uniform(0.4, 1)):.2f}",
                     closed=True)

    meetings = [("MTG-20261009-A1B2C3", Agency.UNION, "建筑工地群体性欠薪协调", 0),
                ("MTG-20261016-D4E5F6", Agency.INSPECTION, "恶意欠薪案件移送研判", 1),
                ("MTG-20261024-G7H8J9", Agency.ARBITRATION, "餐饮企业系列仲裁案协调", 1)]
    for n, (meeting_id, convener, topic, overdue) in enumerate(meetings):
        when = datetime(2026, 10, 9 + 7 * n, 10, tzinfo=SHANGHAI)
        s.meeting(meeting_id, convener, topic, opened_cases[n * 3: n * 3 + 3], when)
        for k, (owner, task) in enumerate((("union", "组织劳资双方协商“工资支付方案”，责任人 权益维护部 章某"),
                                           ("legal_aid", "为劳动者指派法律援助律师，责任人 公共法律服务管理科 刘某"),
                                           ("inspection", "责令用人单位限期支付，责任人 案审考核科 熊某"))):
            due = when + timedelta(days=5 + 2 * k)
            late = overdue and k == 1 and due < now
            done = None if late else due - timedelta(days=1)
            state = "lapsed" if late else "met" if done and done < now else "running"
            s.duty(meeting_id, when, "agreed", "meeting.action", owner, due, state, done if state == "met" else None,
                   note=f"事项{k + 1}：{task}")
