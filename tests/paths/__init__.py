"""The paths a case can walk, as data: name → intake, steps (events and time skips) → expected end.

The table lives in one module per family of tracks (``tests/paths/mediation.py``, …); this module
holds the step types and the walker; ``FAMILIES`` names the families and ``PATHS`` joins them.

One table drives the time-skipping tests (which also record the replay histories), the fault test
on a real dev server and the benchmark. A new stage adds its paths here; nothing else changes.

A step is either ``Send`` (an event, sent once the case is at a stage and ``ready`` holds) or
``Skip`` (let time pass, then wait until ``until`` holds). No skip counts calendar days where a
window is at stake, so every path is right whichever day it starts on (tests/shifted.sh reruns the
table at shifted dates): a skip that means "the window lapses" names the clock (``past``) and skips
to just past the due moment the case itself reports (a last day rolled over a weekend or holiday
included); a skip to a moment the path itself set (the hearing its notice named) gives it (``to``).
A ``Send`` with ``meeting=n`` goes to the consultation meeting the case proposed in its n-th
escalation (``MTG-<case>-<n>``, domain/identity.py) instead of the case: ``at`` is then the meeting's
status and ``ready`` sees the meeting's view. A ``Send`` with ``refused`` must be answered with that
refusal code (the event changes nothing but its answer); one with ``again=n`` goes under step n's
event id (a repeat, or with other content a conflict). A path that drives a meeting says what the
meeting must have left (``meeting``: its log kinds and counts); the proof checks its writes like the case's.
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

from domain.meetings import MeetingView
from domain.models import CaseView
from starters.cases import EventRefused, case_state, send_event
from starters.meetings import meeting_state
from tests.helpers import past_due, running_clock

Check = Callable[[CaseView], bool]
View = CaseView | MeetingView


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
    at: str  # the stage the case must be in (a meeting: its status)
    fields: dict[str, Any] | Callable[[date], dict[str, Any]] = field(default_factory=dict)
    ready: Callable[[Any], bool] = always  # anything else the target must show first (a clock to act on)
    meeting: int = 0  # 0: the case; n: the case's meeting MTG-<case>-<n> (``at`` is its status)
    refused: str = ""  # the refusal code the target must answer with ("": it must apply the event)
    again: int = -1  # n ≥ 0: send under step n's event id (same content: a repeat; other: a conflict)

    def target(self, number: str) -> str:
        return meeting_id(number, self.meeting) if self.meeting else number

    def payload(self, event_id: str, today: date) -> dict[str, Any]:
        fields = self.fields(today) if callable(self.fields) else self.fields
        return {"event_id": event_id, "actor": {"unit": self.unit, "person": "测试经办人"}, **fields}


@dataclass(frozen=True)
class Skip:
    until: Check
    what: str
    after: Check = always  # what must hold before time passes (the clock that should lapse runs)
    past: str = ""  # a clock (rule id or key): skip to just past its due moment, as the case reports it
    to: Callable[[date], datetime] | None = None  # or: on to this moment (of the walk's first day), if not there yet
    days: float = 0  # otherwise: this long (while nothing else may lapse: a clock paused, the windows closed)

    def ready(self, view: CaseView) -> bool:
        return self.after(view) and (not self.past or running_clock(view, self.past) is not None)

    def delta(self, view: CaseView, now: datetime, today: date) -> timedelta:
        if self.past:
            return past_due(view, self.past, now)
        if self.to:
            return max(self.to(today) - now, timedelta(0))
        return timedelta(days=self.days)

    def __str__(self) -> str:
        return f"past {self.past}" if self.past else "to a set moment" if self.to else f"{self.days} days"


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
    meeting: dict[str, int] = field(default_factory=dict)  # the case's meeting MTG-<case>-1: log kinds → count


def meeting_id(number: str, batch: int = 1) -> str:
    """The meeting a case proposes in its ``batch``-th escalation (workflows/stages/coordination.py)."""
    return f"MTG-{number}-{batch}"


def stage_of(view: View) -> str:
    return view.stage if isinstance(view, CaseView) else view.status.value


async def state_of(client: Client, workflow_id: str) -> View:
    return await (meeting_state if workflow_id.startswith("MTG-") else case_state)(client, workflow_id)


# The table, one module per family of tracks; imported here, after the step types they use.
from tests.paths.mediation import MEDIATION_PATHS  # noqa: E402
from tests.paths.arbitration import ARBITRATION_PATHS  # noqa: E402
from tests.paths.confirmation import CONFIRMATION_PATHS  # noqa: E402
from tests.paths.inspection import INSPECTION_PATHS  # noqa: E402
from tests.paths.payment_order import PAYMENT_ORDER_PATHS  # noqa: E402
from tests.paths.coordination import COORDINATION_PATHS  # noqa: E402
from tests.paths.refusals import REFUSAL_PATHS  # noqa: E402
from tests.paths.edges import EDGE_PATHS  # noqa: E402

# By family: the fault test at CI size walks one path of each (tests/test_fault.py); the refusals and
# rarely taken steps (tests/paths/refusals.py, edges.py) are one family there.
FAMILIES: dict[str, tuple[CasePath, ...]] = {
    "mediation": MEDIATION_PATHS, "arbitration": ARBITRATION_PATHS, "confirmation": CONFIRMATION_PATHS,
    "inspection": INSPECTION_PATHS, "payment_order": PAYMENT_ORDER_PATHS, "coordination": COORDINATION_PATHS,
    "edges": (*REFUSAL_PATHS, *EDGE_PATHS),
}
PATHS: tuple[CasePath, ...] = tuple(path for family in FAMILIES.values() for path in family)

BY_NAME = {p.name: p for p in PATHS}
FAMILY_OF = {p.name: family for family, paths in FAMILIES.items() for p in paths}  # path name → its family
HAPPY = BY_NAME["aid_granted_agreement"]


# ---- walking a path ---------------------------------------------------------------------------

Skipper = Callable[[str, timedelta], Awaitable[object]]  # (case number, how long)
Now = Callable[[str], Awaitable[datetime]]  # case number → the time on that case's clock


async def until(client: Client, number: str, test: Callable[[Any], bool], what: str, seconds: float = 60,
                patient: bool = False) -> Any:
    """Poll the state query until ``test`` holds. ``patient``: a failed query (no worker up, server
    restarting, a meeting not started yet) is a reason to wait, not an error. ``number`` may be a
    meeting's id: then ``test`` sees the meeting's view."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    view: View | None = None
    # A patient poller backs off: fifty cases polled every 0.3 s through worker kills kept the
    # workers replaying for queries while a case's own workflow task waited (fault seed 20).
    pause = 0.05 if not patient else 0.3
    while True:
        try:
            view = await asyncio.wait_for(state_of(client, number), timeout=10)
            if test(view):
                return view
        except Exception:
            if not patient:
                raise
        if loop.time() > deadline:
            raise AssertionError(f"{number}: never {what}; state {view}")
        await asyncio.sleep(pause)
        if patient:
            pause = min(pause * 1.5, 3.0)


REFUSED_FOR = 60.0  # seconds a patient sender keeps trying an event the case refuses


async def send(client: Client, number: str, name: str, payload: dict[str, Any], patient: bool,
               refused: str = "") -> list[str]:
    """Send one event; when ``patient``, retry through crashes and restarts (the event id makes a
    repeat harmless: the case answers it with the first receipt), and try a refused event again for
    a minute, as staff would: a worker that has just taken the case over may still be catching up.
    ``refused``: the event must be refused with this code. Returns the refusals it got past."""
    loop = asyncio.get_running_loop()
    refusals: list[str] = []
    first_refused: float | None = None
    while True:
        try:
            await asyncio.wait_for(send_event(client, number, name, payload), timeout=30)
            if refused:
                raise AssertionError(f"{number}: {name} was applied, expected refusal {refused}")
            return refusals
        except EventRefused as refusal:
            if refused and refusal.code == refused:
                return refusals
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
            target = step.target(number)
            await until(client, target, lambda v, s=step: stage_of(v) == s.at and s.ready(v),
                        f"ready for {step.event} at {step.at}", seconds, patient or bool(step.meeting))
            event_id = f"{number}:{step.again if step.again >= 0 else i}"
            refusals += await send(client, target, step.event, step.payload(event_id, today), patient, step.refused)
        else:
            view = await until(client, number, step.ready, f"ready to skip {step}", seconds, patient)
            await skip(number, step.delta(view, await now(number), today))
            await until(client, number, step.until, step.what, seconds, patient)
    return refusals
