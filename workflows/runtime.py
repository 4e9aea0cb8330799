"""What every stage of a case shares: where the case stands, its clocks, and how it records,
notifies, hands work to an agency and shows itself to supervisors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case_file import CaseFile
    from domain import visibility as sa
    from domain.calendar import local_text
    from domain.i18n import AGENCY, FLAG, STAGE, TRACK
    from domain.models import Actor, Agency, CaseFlag, CaseIntake, Notice, Stage
    from domain.records import CaseChange, CaseSnapshot, LedgerEntry, WorkOrder

from workflows.clock import ClockBoard
from workflows.notices import send_notice

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


def require_id(valid: Callable[[str], bool], what: str) -> None:
    """Refuse to run under an id that is not ours (a case number, a meeting id): whoever can reach
    the namespace chooses the id of a workflow they start, and ids become folder names."""
    workflow_id = workflow.info().workflow_id
    if not valid(workflow_id):
        raise ApplicationError(f"“{workflow_id[:60]}”不是有效的{what}，流程不予运行 "
                               f"(not a valid {what}; the workflow does not run)", type="InvalidId",
                               non_retryable=True)


def agency_queue(agency: Agency) -> str:
    """Agency queues sit beside the case queue: 'weiquan.case' → 'weiquan.legal_aid'."""
    prefix = workflow.info().task_queue.rsplit(".", 1)[0]
    return f"{prefix}.{agency.value}"


class CaseRuntime:
    def __init__(self, intake: CaseIntake) -> None:
        self.intake = intake
        self.number = workflow.info().workflow_id
        self.opened_at = workflow.now()
        self.stage = Stage.INTAKE
        self.agency: Agency | None = intake.channel
        self.waiting: tuple[str, str] = ("登记受理", "intake")
        self.flags: list[CaseFlag] = []
        self.tracks: dict[str, str] = {}  # parallel tracks beside the main stage: name → status
        self.tracks_en: dict[str, str] = {}  # the same statuses in English (`--lang en`)
        self.facts: list[str] = []  # what a supervisor should know (Chinese, one line each)
        self.facts_en: list[str] = []  # the same lines in English (`--lang en`), one for each
        self.amount_recovered = Decimal(0)
        self.amount_above_claim: Decimal | None = None  # see CaseSnapshot
        self.outcome: str | None = None
        self.outcome_en: str | None = None
        self.closed_at: datetime | None = None
        self.clocks = ClockBoard(self)
        self.writes: list[Any] = []  # event-log writes started and not yet awaited (log_event)
        self._seq = 0
        self._version = 0  # of snapshots: concurrent records (an update's, the run's) commit in any order
        self._published: dict[str, Any] = {}
        self.activity_options: dict[str, Any] = {
            # Registry writes take milliseconds; a worker that dies mid-activity costs the case this
            # long before the retry (bench/fault.py). Changing it is replay-safe.
            "start_to_close_timeout": timedelta(seconds=10),
            "retry_policy": RETRY,
        }

    # ---- position ----------------------------------------------------------------------------

    def enter(self, stage: Stage, agency: Agency | None, waiting: tuple[str, str]) -> None:
        self.stage, self.agency, self.waiting = stage, agency, waiting
        self.publish()

    def wait_for(self, waiting: tuple[str, str], agency: Agency | None = None) -> None:
        self.waiting = waiting
        if agency is not None:
            self.agency = agency
        self.publish()

    def flag(self, flag: CaseFlag, on: bool = True) -> None:
        if on and flag not in self.flags:
            self.flags.append(flag)
        elif not on and flag in self.flags:
            self.flags.remove(flag)
        self.publish()

    def show_track(self, name: str, status: str, en: str) -> None:
        """A parallel track's status, in Chinese and English (published by the caller, when it did so)."""
        self.tracks[name], self.tracks_en[name] = status, en

    def end_track(self, name: str) -> None:
        self.tracks.pop(name, None)
        self.tracks_en.pop(name, None)

    def fact(self, line: str, en: str) -> None:
        """A line a supervisor should know, in Chinese and English."""
        self.facts.append(line)
        self.facts_en.append(en)
        self.publish()

    def settled(self, amount: Decimal) -> None:
        """An agreement's or award's amount: above the claim (its reason already required), it is what
        recovery is measured against; the latest one counts."""
        self.amount_above_claim = amount if amount > self.intake.amount_claimed else None

    @property
    def label(self) -> str:
        return f"案件 {self.number}"

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def local_time(self, moment: datetime, provisional: bool = False) -> str:
        return local_text(moment, provisional)

    # ---- records, notices, hand-offs ---------------------------------------------------------

    def snapshot(self) -> CaseSnapshot:
        self._version += 1
        return CaseSnapshot(version=self._version, stage=self.stage.value, agency=self.agency, tracks=sorted(self.tracks),
                            flags=[f.value for f in self.flags], waiting_for=self.waiting[0],
                            waiting_for_en=self.waiting[1], amount_recovered=self.amount_recovered,
                            amount_above_claim=self.amount_above_claim, outcome=self.outcome,
                            closed_at=self.closed_at)

    def change(self, kind: str, detail: str, en: str, *, actor: Actor | None = None, key: str | None = None,
               deadline: LedgerEntry | None = None) -> CaseChange:
        return CaseChange(case_number=self.number, key=key or f"seq:{self.next_seq()}", at=workflow.now(),
                          kind=kind, detail=detail, detail_en=en, actor=actor, snapshot=self.snapshot(),
                          deadline=deadline)

    async def record(self, kind: str, detail: str, en: str, *, actor: Actor | None = None, key: str | None = None,
                     deadline: LedgerEntry | None = None) -> None:
        """Write one entry of the event log (and the ledger row it changes) to the registry: its
        detail in Chinese and in English (`case log --lang en`)."""
        change = self.change(kind, detail, en, actor=actor, key=key, deadline=deadline)
        await workflow.execute_activity_method(CaseFile.record_change, change, **self.activity_options,
                                               summary=f"记录 {kind}")

    async def log_event(self, kind: str, detail: str, en: str, *, actor: Actor, key: str) -> None:
        """An event's event-log entry. The sender is answered without waiting for it: the write is
        started in the same workflow task (so it happens exactly once, retried until done) and the
        case waits for it before it closes."""
        change = self.change(kind, detail, en, actor=actor, key=key)
        self.writes.append(workflow.start_activity_method(CaseFile.record_change, change, **self.activity_options,
                                                          summary=f"记录 {kind}"))

    async def written(self) -> None:
        """Every write started by log_event() is done."""
        while self.writes:
            await self.writes.pop(0)

    async def notify(self, unit: Agency, kind: str, subject: str, body: str, *, to_head: bool = False,
                     key: str | None = None) -> bool:
        """Queue a notice to a unit's liaison (or head). A unit without one is shown, not dropped."""

        def failed(line: str) -> None:
            self.flag(CaseFlag.NOTIFY_ERROR)
            self.fact(f"通知失败：{line}", f"notice failed: {AGENCY[unit.value][1]} has no "
                                          f"{'head' if to_head else 'liaison'} in the directory")

        return await send_notice(self, unit, kind, subject, body, to_head=to_head,
                                 key=key or f"notice:{self.next_seq()}", on_error=failed)

    async def notify_parties(self, unit: Agency, kind: str, subject: str, body: str, *, key: str,
                             parties: tuple[str, ...] = ("claimant", "employer")) -> None:
        """Queue a notice from ``unit`` to every claimant and/or to the employer of the case."""
        for party in parties:
            who = "申请人" if party == "claimant" else "被申请人"
            notice = Notice(case_number=self.number, unit=unit, kind=kind, subject=subject, body=body, key=key,
                            party=party)
            result = await workflow.execute_activity_method(CaseFile.send_notice, notice, **self.activity_options,
                                                            summary=f"通知{who}")
            if result.error:
                self.flag(CaseFlag.NOTIFY_ERROR)
                self.fact(f"通知失败：案件未登记{who}（{subject}）",
                          f"notice failed: the case has no {'claimant' if party == 'claimant' else 'respondent'} "
                          "on record")

    async def hand_over(self, activity: Any, agency: Agency, kind: str, title: str) -> None:
        """Put the case in an agency's inbox, through an activity on that agency's own queue."""
        order = WorkOrder(case_number=self.number, key=f"{kind}:{self.next_seq()}", agency=agency,
                          kind=kind, title=title, at=workflow.now())
        await workflow.execute_activity_method(activity, order, task_queue=agency_queue(agency),
                                               **self.activity_options, summary=title)

    # ---- what supervisors see ----------------------------------------------------------------

    def details(self) -> str:
        """The case's current details in plain Chinese (Web UI: 'Current details')."""
        lines = [f"**阶段**：{STAGE[self.stage.value][0]}"
                 + (f"（{AGENCY[self.agency.value][0]}）" if self.agency else "")]
        nxt = self.clocks.next_due()
        # A stage that names its own deadline in the waiting text is not repeated with the nearest one.
        until = f"，截止 {nxt.due_text}（{nxt.title}，{nxt.source}）" if nxt and "截止" not in self.waiting[0] else ""
        lines.append(f"**等待**：{self.waiting[0]}{until}")
        overdue = [c for c in self.clocks.clocks.values() if c.state == "lapsed"]
        if overdue:
            lines.append("**已逾期**：" + "；".join(f"{c.title}（{c.due_text}）" for c in overdue))
        paused = [c for c in self.clocks.clocks.values() if c.state == "paused"]
        if paused:
            lines.append("**已中止**：" + "；".join(
                c.title + (f"（剩余 {c.remaining.text}）" if c.remaining and c.remaining.text else "") for c in paused))
        if self.tracks:
            lines.append("**并行**：" + "；".join(f"{TRACK.get(name, (name,))[0]}：{status}"
                                                 for name, status in self.tracks.items()))
        if self.flags:
            lines.append("**标记**：" + "、".join(FLAG[f.value][0] for f in self.flags))
        lines.extend(f"- {fact}" for fact in self.facts[-5:])
        return "\n\n".join(lines)

    def publish(self) -> None:
        """Refresh search attributes (only those that changed) and current details."""
        nxt = self.clocks.next_due()
        intake = self.intake
        # The intake's attributes are set by the case's first task (open_case), not by its start:
        # attributes on a start cost the server about 15 % of the start (bench/start_cost.py).
        # They never change, so only the first publish() upserts them.
        values: dict[str, Any] = {
            sa.DISTRICT.name: (sa.DISTRICT, intake.district),
            sa.CHANNEL.name: (sa.CHANNEL, intake.channel.value),
            sa.WORKER_COUNT.name: (sa.WORKER_COUNT, len(intake.claimants)),
            sa.AMOUNT_CLAIMED.name: (sa.AMOUNT_CLAIMED, float(intake.amount_claimed)),
            sa.CASE_STAGE.name: (sa.CASE_STAGE, self.stage.value),
            sa.RESPONSIBLE_AGENCY.name: (sa.RESPONSIBLE_AGENCY, self.agency.value if self.agency else ""),
            sa.CASE_FLAGS.name: (sa.CASE_FLAGS, [f.value for f in self.flags]),
            sa.TRACKS.name: (sa.TRACKS, sorted(self.tracks)),
            sa.NEXT_DEADLINE.name: (sa.NEXT_DEADLINE, nxt.due if nxt else None),
            sa.NEXT_DEADLINE_PROVISIONAL.name: (sa.NEXT_DEADLINE_PROVISIONAL, nxt.provisional if nxt else None),
            sa.OVERDUE.name: (sa.OVERDUE, self.clocks.overdue),
        }
        updates: list[SearchAttributeUpdate[Any]] = []
        for name, (key, value) in values.items():
            if self._published.get(name, ...) != value:
                self._published[name] = value
                updates.append(key.value_unset() if value is None else key.value_set(value))
        if updates:
            workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self.details())
