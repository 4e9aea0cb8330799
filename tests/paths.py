"""The paths a case can walk, as data: name → intake, steps (events and time skips) → expected end.

One table drives the time-skipping tests (which also record the replay histories), the fault test
on a real dev server and the benchmark. A new stage adds its paths here; nothing else changes.

A step is either ``Send`` (an event, sent once the case is at a stage and ``ready`` holds) or
``Skip`` (let time pass, then wait until ``until`` holds). A skip that means "the window lapses"
names the clock (``past``) and skips to just past the due moment the case itself reports, so it is
right whichever day the case starts on (a last day rolled over a weekend or holiday included).
``walk`` runs the steps against any server: the caller passes how to skip time (``env.sleep`` on
the time-skipping server, a per-workflow fast-forward on the dev server) and the case's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from temporalio.client import Client

from domain.models import CaseView
from starters.cases import EventRefused, case_state, send_event
from tests.helpers import past_due, running_clock

Check = Callable[[CaseView], bool]


def always(_: CaseView) -> bool:
    return True


def has_clock(rule_id: str, *states: str) -> Check:
    return lambda v: any(d.rule_id == rule_id and (not states or d.state in states) for d in v.deadlines)


def has_flag(flag: str) -> Check:
    return lambda v: flag in v.flags


@dataclass(frozen=True)
class Send:
    event: str
    unit: str
    at: str  # the stage the case must be in
    fields: dict[str, Any] | Callable[[date], dict[str, Any]] = field(default_factory=dict)
    ready: Check = always  # anything else the case must show first (a clock to act on)

    def payload(self, event_id: str, today: date) -> dict[str, Any]:
        fields = self.fields(today) if callable(self.fields) else self.fields
        return {"event_id": event_id, "actor": {"unit": self.unit, "person": "测试经办人"}, **fields}


@dataclass(frozen=True)
class Skip:
    until: Check
    what: str
    after: Check = always  # what must hold before time passes (the clock that should lapse runs)
    past: str = ""  # a clock (rule id or key): skip to just past its due moment, as the case reports it
    days: float = 0  # otherwise: this long

    def ready(self, view: CaseView) -> bool:
        return self.after(view) and (not self.past or running_clock(view, self.past) is not None)

    def delta(self, view: CaseView, now: datetime) -> timedelta:
        return past_due(view, self.past, now) if self.past else timedelta(days=self.days)

    def __str__(self) -> str:
        return f"past {self.past}" if self.past else f"{self.days} days"


Step = Send | Skip


@dataclass(frozen=True)
class CasePath:
    name: str
    intake: dict[str, Any]  # keyword arguments of tests.factories.intake
    steps: tuple[Step, ...]
    outcome: str  # a phrase of the closing outcome ("" when the path ends open)
    stage: str = "closed"
    log: dict[str, int] = field(default_factory=dict)  # event-log kinds that must appear exactly so often
    notices: dict[str, int] = field(default_factory=dict)  # notification kinds → count (all of them)
    ledger: dict[str, str] = field(default_factory=dict)  # rule id → final clock state


def agreement(today: date) -> dict[str, Any]:
    return {"terms": "用人单位分两期支付拖欠工资", "amount": "3000.00",
            "performance_date": (today + timedelta(days=10)).isoformat()}


GRANT = Send("legal_aid_decision", "legal_aid", "legal_aid_review",
             {"granted": True, "lawyer": {"name": "李律师", "firm": "江西某律师事务所"}})
GRANT_NO_LAWYER = Send("legal_aid_decision", "legal_aid", "legal_aid_review", {"granted": True})
REFUSE = Send("legal_aid_decision", "legal_aid", "legal_aid_review", {"granted": False, "reason": "不符合经济困难条件"})
AGREE = Send("mediation_agreement", "union", "mediation", agreement)
FAIL = Send("mediation_failed", "union", "mediation", {"reason": "双方对欠薪金额分歧较大"})
EMPLOYER_REFUSES = Send("employer_refuses_mediation", "union", "mediation", {"reason": "用人单位拒绝到场"})
WINDOW_OPEN = has_clock("mediation.window", "running")
# After a failed or refused mediation the case waits for the worker's arbitration application;
# these paths end with the worker deciding not to apply (arbitration has its own paths).
WITHDRAW = Send("case_withdrawn", "union", "mediation", {"reason": "劳动者决定不申请仲裁"},
                ready=lambda v: "申请仲裁" in v.waiting_for)
NOT_APPLIED = "不申请仲裁"
# After an agreement the case waits in confirmation for the parties' route or the payment.
PAID = Send("payment_received", "union", "confirmation", {"amount": "3000.00"})
PERFORMED = "调解协议已履行"

PATHS: tuple[CasePath, ...] = (
    CasePath(
        "aid_granted_agreement", {}, (GRANT, AGREE, PAID), PERFORMED,
        log={"case.opened": 1, "legal_aid.referred": 1, "event.legal_aid_decision": 1,
             "event.mediation_agreement": 1, "case.closed": 1},
        notices={"legal_aid.decision": 1},
        ledger={"legal_aid.same_day_review": "met", "legal_aid.review": "met", "mediation.window": "met"},
    ),
    CasePath(
        "aid_granted_lawyer_later_mediation_failed", {},
        (GRANT_NO_LAWYER,
         Send("legal_aid_lawyer_assigned", "legal_aid", "mediation", {"lawyer": {"name": "赵律师"}},
              ready=has_clock("legal_aid.assign")),
         FAIL, WITHDRAW),
        NOT_APPLIED,
        log={"event.legal_aid_lawyer_assigned": 1, "event.mediation_failed": 1, "case.closed": 1},
        notices={"legal_aid.decision": 1},
        ledger={"legal_aid.assign": "met", "mediation.window": "met"},
    ),
    CasePath(
        "aid_refused_employer_refuses", {}, (REFUSE, EMPLOYER_REFUSES, WITHDRAW), NOT_APPLIED,
        log={"event.legal_aid_decision": 1, "event.employer_refuses_mediation": 1, "case.closed": 1},
        notices={"legal_aid.decision": 1},
        ledger={"legal_aid.same_day_review": "met", "mediation.window": "met"},
    ),
    CasePath(
        "same_day_review_missed", {},
        (Skip(has_clock("legal_aid.same_day_review", "lapsed"), "the same-day review lapsed",
              after=has_clock("legal_aid.review", "running"), past="legal_aid.same_day_review"),
         REFUSE, FAIL, WITHDRAW),
        NOT_APPLIED,
        log={"clock.lapsed": 1, "event.legal_aid_decision": 1, "case.closed": 1},
        notices={"escalation": 2, "legal_aid.decision": 1},
        ledger={"legal_aid.same_day_review": "met_late", "legal_aid.review": "met"},
    ),
    CasePath(
        "no_referral_window_lapsed", {"consent": False},
        (Skip(has_flag("may_apply_arbitration"), "the mediation window expired", after=WINDOW_OPEN,
              past="mediation.window"), FAIL, WITHDRAW),
        NOT_APPLIED,
        log={"legal_aid.referred": 0, "mediation.window_lapsed": 1, "case.closed": 1},
        ledger={"mediation.window": "expired"},
    ),
    CasePath(
        "no_referral_window_agreement", {"consent": False, "channel": "window"},
        (Send("mediation_agreement", "union", "mediation", agreement), PAID),
        PERFORMED,
        log={"legal_aid.referred": 0, "event.mediation_agreement": 1, "case.closed": 1},
        ledger={"mediation.window": "met"},
    ),
    CasePath(
        "mediation_window_paused_resumed", {"consent": False},
        (Send("clock_pause", "union", "mediation", {"clock": "mediation.window", "reason": "等待劳动者补充证据"},
              ready=WINDOW_OPEN),
         Skip(has_clock("mediation.window", "paused"), "five days pass while paused", days=5),
         Send("clock_resume", "union", "mediation", {"clock": "mediation.window", "reason": "证据已补充"},
              ready=has_clock("mediation.window", "paused")),
         AGREE, PAID),
        PERFORMED,
        log={"clock.paused": 1, "clock.resumed": 1, "event.clock_pause": 1, "event.clock_resume": 1},
        ledger={"mediation.window": "met"},
    ),
    CasePath(
        "year_long_mediation", {"consent": False},
        (Skip(has_flag("may_apply_arbitration"), "a year passes in mediation", after=WINDOW_OPEN, days=365),
         FAIL, WITHDRAW),
        NOT_APPLIED,
        log={"mediation.window_lapsed": 1, "case.closed": 1},
        ledger={"mediation.window": "expired"},
    ),
)

BY_NAME = {p.name: p for p in PATHS}
HAPPY = BY_NAME["aid_granted_agreement"]


# ---- walking a path ---------------------------------------------------------------------------

Skipper = Callable[[str, timedelta], Awaitable[object]]  # (case number, how long)
Now = Callable[[str], Awaitable[datetime]]  # case number → the time on that case's clock


async def until(client: Client, number: str, test: Check, what: str, seconds: float = 60,
                patient: bool = False) -> CaseView:
    """Poll the state query until ``test`` holds. ``patient``: a failed query (no worker up, server
    restarting) is a reason to wait, not an error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    view: CaseView | None = None
    while True:
        try:
            view = await asyncio.wait_for(case_state(client, number), timeout=10)
            if test(view):
                return view
        except Exception:
            if not patient:
                raise
        if loop.time() > deadline:
            raise AssertionError(f"{number}: never {what}; state {view}")
        await asyncio.sleep(0.05 if not patient else 0.3)


REFUSED_FOR = 60.0  # seconds a patient sender keeps trying an event the case refuses


async def send(client: Client, number: str, name: str, payload: dict[str, Any], patient: bool) -> list[str]:
    """Send one event; when ``patient``, retry through crashes and restarts (the event id makes a
    repeat harmless: the case answers it with the first receipt), and try a refused event again for
    a minute, as staff would: a worker that has just taken the case over may still be catching up.
    Returns the refusals it got past."""
    loop = asyncio.get_running_loop()
    refusals: list[str] = []
    first_refused: float | None = None
    while True:
        try:
            await asyncio.wait_for(send_event(client, number, name, payload), timeout=30)
            return refusals
        except EventRefused as refusal:
            first_refused = first_refused or loop.time()
            if not patient or loop.time() > first_refused + REFUSED_FOR:
                raise
            refusals.append(f"{name}: {refusal.zh}")
            await asyncio.sleep(1)
            continue
        except Exception:
            if not patient:
                raise
            if await closed(client, number):
                return refusals  # the event was applied and closed the case before we heard back
            await asyncio.sleep(0.5)


async def closed(client: Client, number: str) -> bool:
    try:
        description = await client.get_workflow_handle(number).describe()
    except Exception:
        return False
    return description.close_time is not None


async def walk(client: Client, number: str, path: CasePath, skip: Skipper, now: Now, *, today: date,
               patient: bool = False, seconds: float = 60) -> list[str]:
    """Drive the case along the path's steps; returns the refusals a patient walk got past."""
    refusals: list[str] = []
    for i, step in enumerate(path.steps):
        if isinstance(step, Send):
            await until(client, number, lambda v, s=step: v.stage == s.at and s.ready(v),
                        f"ready for {step.event} at {step.at}", seconds, patient)
            refusals += await send(client, number, step.event, step.payload(f"{number}:{i}", today), patient)
        else:
            view = await until(client, number, step.ready, f"ready to skip {step}", seconds, patient)
            await skip(number, step.delta(view, await now(number)))
            await until(client, number, step.until, step.what, seconds, patient)
    return refusals
