"""Arbitration [Plan 三(五)]: application, same-day filing, the one-time notice within 3 working
days, the statutory clocks up to the award, and the award (its windows: workflows/stages/award.py).

Entry, three ways:
- after a failed or refused mediation the case waits for the worker's ``arbitration_application``
  (``await_application``); the application is also taken while mediation goes on after its 15-day
  window lapsed, and then ends mediation (LDMA Art 14);
- a direct application at intake (channel arbitration) and a hand-on from another stage
  (inspection) come in through ``apply_from``; a stage that rather waits for the worker's own
  application calls ``await_application`` (the event may be sent by inspection too);
- ``case_withdrawn`` closes a case whose worker does not apply, or withdraws before the award.

The commission's acts come with actor arbitration; a party's acts through the unit helping it
(legal aid, the union, the window) or recorded by arbitration. Handlers do the work — clocks,
documents, notices — so the commission can file while another stage (the legal-aid review of a
direct application) still holds the case; ``run`` shows where the case stands and returns how the
track ended.

The employer's defence period runs from the day the application copy was served on it
(``served_on``); a defence posted within the period (``mailed_on``) is in time though it arrives
after the period ran out in the system (CPL Art 85), until the award is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.arbitration import ArbitrationDesk
    from activities.legal_aid import LegalAidDesk
    from domain.arbitration import (
        ADVANCE_EXECUTION_CLAIMS,
        PARTY,
        WAGE_CLAIMS,
        AwardItem,
        AwardLine,
        AwardRequest,
        NoticeDraft,
    )
    from domain.calendar import SHANGHAI, local_text
    from domain.events.base import above_claim_problem
    from domain.events.arbitration import (
        ArbitrationApplication,
        ArbitrationFiled,
        ArbitrationRefused,
        Award,
        AwardClockRestart,
        AwardExtension,
        AwardItems,
        CaseWithdrawn,
        CopyServed,
        DefenceFiled,
        EvidenceCollected,
        EvidenceRequest,
        HearingChanged,
        LawsuitFiled,
        OneTimeNotice,
        PostponementRequest,
        Representatives,
        Resumption,
        Suspension,
        WageMediation,
    )
    from domain.events.base import service_moment
    from domain.i18n import AGENCY
    from domain.models import Agency, CaseFlag, Claim, Stage
    from domain.records import WorkOrder

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime, agency_queue
from workflows.stages.award import ArbitrationResult, AwardWindows, describe

COMMISSION = {Agency.ARBITRATION}
PARTY_SENDERS = {Agency.LEGAL_AID, Agency.UNION, Agency.WINDOW, Agency.ARBITRATION}
APPLICANT_SENDERS = PARTY_SENDERS | {Agency.INSPECTION}
RESTART = {  # Rules Art 46 ◐
    "party_added": "追加当事人",
    "application_corrected": "申请人补正仲裁申请",
    "claims_changed": "增加或变更仲裁请求",
    "counterclaim": "被申请人提出反申请并合并审理",
    "transfer": "案件移送管辖",
}
PAUSE = {"suspension": "仲裁中止", "public_notice": "公告送达"}
# Duties of the proceedings that the award makes moot; a lapsed one stays on record as missed.
PROCEEDINGS = ("arb.one_time_notice", "arb.tribunal_notice", "arb.serve_copy", "arb.defence", "arb.postpone_request")
EVIDENCE = "仲裁委调查取证"  # track name


@dataclass
class Application:
    source: Agency
    claims: list[Claim]
    representatives: list[str] = field(default_factory=list)


def awarded(event: Award) -> Decimal:
    """What an award orders paid, all items together."""
    return sum((item.amount or 0 for item in event.items), Decimal(0))


def _t(clock: Clock) -> str:
    return local_text(clock.due, clock.provisional)


class Arbitration:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case
        self.windows = AwardWindows(case, self)
        self.application: Application | None = None
        self.awaiting = False  # the case waits for the worker to apply
        self.running = False  # run() holds the case: arbitration is the stage shown
        self.filed_at: datetime | None = None
        self.decided = False  # filed or refused
        self.priority: list[str] = []
        self.notice: OneTimeNotice | None = None
        self.hearing: tuple[str, str] | None = None  # (local time, place)
        self.hearing_at: datetime | None = None
        self.award_made = False
        self.evidence_pending = 0
        self.clock: dict[str, Clock] = {}  # this track's clocks, latest per rule
        self.result: ArbitrationResult | None = None

    # ---- what the case workflow calls ------------------------------------------------------------

    @property
    def applied(self) -> bool:
        return self.application is not None

    async def apply_from(self, source: Agency, claims: list[Claim] | None = None) -> None:
        """Another stage hands on the worker's application: a direct application at intake, or
        inspection passing on what needs arbitration (its legal-aid referral check runs first).
        An application already received by event is kept."""
        if self.application is not None:
            return
        self.application = Application(source, claims or list(self.case.intake.claims))
        await self.case.record("arbitration.applied", f"{AGENCY[source.value][0]}接收劳动者的仲裁申请",
                               f"{AGENCY[source.value][1]} received the worker's application for arbitration")
        await self._received()

    async def await_application(self, why: Said) -> bool:
        """Wait for the worker's application (True) or a withdrawal (False)."""
        case = self.case
        if self.application is None and self.result is None:
            case.fact(*why)
            self.awaiting = True
            case.enter(case.stage, None,
                       ("等待劳动者申请仲裁（或撤回）", "the worker to apply for arbitration (or withdraw)"))
            await workflow.wait_condition(lambda: self.application is not None or self.result is not None)
            self.awaiting = False
        return self.application is not None

    async def run(self) -> ArbitrationResult:
        case = self.case
        self.running = True
        self.show()
        if CaseFlag.LEGAL_AID_GRANTED in case.flags and self.result is None:
            await case.hand_over(LegalAidDesk.represent_in_arbitration, Agency.LEGAL_AID, "legal_aid.arbitration",
                                 f"法律援助律师代理仲裁 {case.number}")
        await workflow.wait_condition(lambda: self.result is not None)
        assert self.result is not None
        return self.result

    def finish(self, result: ArbitrationResult) -> None:
        if self.result is None:
            self.result = result

    def show(self) -> None:
        """Every step shows in the case's current details (only while arbitration holds the case)."""
        if self.running and self.result is None:
            agency = None if self.award_made else Agency.ARBITRATION
            self.case.enter(Stage.ARBITRATION, agency, self.waiting())

    def waiting(self) -> Said:
        if self.award_made:
            return self.windows.waiting()
        if not self.decided:
            same_day, accept = self.clock.get("arb.same_day_filing"), self.clock.get("arb.accept")
            if same_day and same_day.state in ("running", "warning"):
                return f"等待仲裁委当天立案（当天申请、当天立案），截止 {_t(same_day)}", "the commission to file today"
            if accept and accept.state == "lapsed":
                return ("仲裁委逾期未作出受理决定：劳动者可以向人民法院起诉（LDMA Art 29）",
                        "the commission is late deciding: the worker may sue")
            if accept:
                return (f"仲裁委未当天立案：等待受理决定，截止 {_t(accept)}（LDMA Art 29）",
                        "the commission's decision on the application")
        if self.suspended:
            return "仲裁中止：裁决期限暂停计算，等待恢复审理", "suspended: the award clock is paused"
        if self.notice is None and (notice := self._open("arb.one_time_notice")):
            return (f"等待仲裁委{notice.title}，截止 {_t(notice)}",
                    "the commission's one-time notice (tribunal, defence, evidence, hearing)")
        award = self._open("arb.award")
        hearing = f"开庭 {self.hearing[0]}（{self.hearing[1]}）；" if self.hearing else ""
        until = f"，截止 {_t(award)}" if award else ""
        return f"{hearing}等待仲裁裁决{until}", "the award"

    # ---- inside ----------------------------------------------------------------------------------

    @property
    def suspended(self) -> bool:
        award = self.clock.get("arb.award")
        return award is not None and award.state == "paused"

    def _open(self, rule: str) -> Clock | None:
        clock = self.clock.get(rule)
        return clock if clock is not None and clock.is_open else None

    async def _start(self, rule: str, **kwargs: object) -> Clock:
        kwargs.setdefault("on_lapse", self._refresh)  # a lapse changes what the case waits for
        self.clock[rule] = await self.case.clocks.start(rule, **kwargs)  # type: ignore[arg-type]
        return self.clock[rule]

    async def _refresh(self, _: Clock) -> None:
        self.show()

    async def _received(self) -> None:
        case, app = self.case, self.application
        assert app is not None
        await case.hand_over(ArbitrationDesk.receive_application, Agency.ARBITRATION, "arbitration.application",
                             f"仲裁申请 {case.number}")
        await self._start("arb.same_day_filing")
        await self._start("arb.accept", on_lapse=self._silent)
        priority_en = []
        if any(c.type in WAGE_CLAIMS for c in app.claims):
            self.priority.append("追索劳动报酬")
            priority_en.append("a wage claim")
        if CaseFlag.GROUP in case.flags:
            self.priority.append(f"集体劳动争议（{len(case.intake.claimants)}名劳动者）")
            priority_en.append(f"a collective dispute ({len(case.intake.claimants)} workers)")
            if not app.representatives:
                case.fact("集体劳动争议：劳动者应推举代表参加仲裁（LDMA Art 7）",
                          "collective dispute: the workers should elect representatives for the arbitration "
                          "(LDMA Art 7)")
        if self.priority:
            case.flag(CaseFlag.PRIORITY)
            case.fact("仲裁优先受理、优先审理：" + "；".join(self.priority),
                      "arbitration accepts and hears it first: " + "; ".join(priority_en))
        case.fact(f"仲裁申请经{AGENCY[app.source.value][0]}提交，仲裁委应当天立案（Plan 三(五)）",
                  f"the application came through {AGENCY[app.source.value][1]}: arbitration should file it the same "
                  "day (Plan 三(五))")
        self.show()

    async def _silent(self, _: Clock) -> None:
        self.case.fact("仲裁委逾期未作出受理决定：劳动者可以就该劳动争议事项向人民法院提起诉讼（LDMA Art 29）",
                       "arbitration did not decide on accepting the application in time: the worker may sue in court "
                       "(LDMA Art 29)")
        self.show()

    async def _late_award(self, _: Clock) -> None:
        self.case.fact("仲裁庭逾期未作出裁决：当事人可以就该劳动争议事项向人民法院提起诉讼（LDMA Art 43）",
                       "the tribunal made no award in time: either party may sue in court (LDMA Art 43)")
        self.show()

    async def _classify(self, items: list[AwardItem]) -> list[AwardLine]:
        return await workflow.execute_activity_method(
            ArbitrationDesk.classify_award, AwardRequest(district=self.case.intake.district, items=items),
            task_queue=agency_queue(Agency.ARBITRATION), **self.case.activity_options,
            summary="终局/非终局裁决事项认定")

    async def _set_hearing(self, at: OneTimeNotice | HearingChanged) -> None:
        """The parties are told of the hearing now: the notice clock is met, or late and defective."""
        local = at.hearing_at.astimezone(SHANGHAI)
        self.hearing = (local.strftime("%Y-%m-%d %H:%M"), at.hearing_place)
        self.hearing_at = at.hearing_at
        if postpone := self._open("arb.postpone_request"):
            await postpone.cancel("开庭时间变更", "the hearing was moved")
        told = await self._start("arb.hearing_notice", on_date=local.date())
        await told.complete()
        if told.state == "met_late":
            self.case.fact(f"开庭通知迟于 {_t(told)}（{told.title}）：通知有瑕疵（{told.source}）",
                           f"the hearing notice came after {told.due_text_en}: the notice is defective ({told.source})")
        await self._start("arb.postpone_request", on_date=local.date())

    def _claimants_only(self, names: list[str]) -> Said | None:
        known = {c.name for c in self.case.intake.claimants}
        strangers = [n for n in names if n not in known]
        if strangers:
            return f"代表人应为本案劳动者：{'、'.join(strangers)}", f"representatives must be claimants: {strangers}"
        return None

    def _in_hearing(self, _: object = None) -> Said | None:
        """Filed, not yet decided by award, track still open."""
        if self.result is not None:
            return "仲裁阶段已结束", "the arbitration track has ended"
        if self.filed_at is None or "arb.award" not in self.clock:
            return "案件尚未立案", "the case is not filed"
        if self.award_made:
            return "已作出仲裁裁决", "the award was made"
        return None

    # ---- application and filing ------------------------------------------------------------------

    def _may_apply(self, event: ArbitrationApplication) -> Said | None:
        if self.application is not None:
            return "已收到仲裁申请", "an application was already received"
        if self.result is not None:
            return "仲裁阶段已结束", "the arbitration track has ended"
        # Mediation is voluntary (LDMA Arts 5, 14): an application during it ends it, and the organiser is told.
        if not (self.awaiting or self.case.stage == Stage.MEDIATION):
            return ("案件尚未进入调解或仲裁申请阶段，暂不能申请仲裁",
                    "the case has not reached mediation or the application step yet")
        return self._claimants_only(event.representatives)

    @case_event("arbitration_application", ArbitrationApplication, actors=APPLICANT_SENDERS,
                title=("申请仲裁", "apply for arbitration"), when=_may_apply)
    async def apply(self, event: ArbitrationApplication) -> Said:
        self.application = Application(event.actor.unit, event.claims or list(self.case.intake.claims),
                                       list(event.representatives))
        await self._received()
        return (f"已收到仲裁申请：仲裁委应当天立案，截止 {_t(self.clock['arb.same_day_filing'])}",
                "application received: the commission files it the same day")

    def _deciding(self, _: object) -> Said | None:
        if self.application is None or "arb.accept" not in self.clock:
            return "尚未收到仲裁申请", "no application has been received"
        if self.decided or self.result is not None:
            return "仲裁委已作出受理决定", "the commission has already decided"
        return None

    @case_event("arbitration_filed", ArbitrationFiled, actors=COMMISSION,
                title=("立案受理", "file the application"), when=_deciding)
    async def file(self, _: ArbitrationFiled) -> Said:
        self.decided = True
        self.filed_at = workflow.now()
        same_day = self.clock["arb.same_day_filing"]
        await same_day.complete()
        await self.clock["arb.accept"].complete()
        await self.case.hand_over(ArbitrationDesk.file_case, Agency.ARBITRATION, "arbitration.filed",
                                  f"仲裁立案 {self.case.number}")
        notice = await self._start("arb.one_time_notice")
        await self._start("arb.tribunal_notice")
        await self._start("arb.serve_copy")
        award = await self._start("arb.award", on_lapse=self._late_award)
        self.show()
        when = "当天立案" if same_day.state == "met" else "逾期立案"
        return (f"已立案（{when}）：一次性通知截止 {_t(notice)}，裁决期限截止 {_t(award)}",
                f"filed ({'same day' if same_day.state == 'met' else 'late'})")

    @case_event("arbitration_refused", ArbitrationRefused, actors=COMMISSION,
                title=("不予受理", "refuse the application"), when=_deciding)
    async def refuse(self, event: ArbitrationRefused) -> Said:
        self.decided = True
        await self.clock["arb.accept"].complete()
        await self.clock["arb.same_day_filing"].cancel("不予受理", "the application was refused")
        await self.case.notify_parties(Agency.ARBITRATION, "arb.refusal", f"不予受理通知 {self.case.number}",
                                       f"本委决定不予受理您的仲裁申请，理由：{event.reason}。您可以就该劳动争议事项向人民法院"
                                       "提起诉讼（LDMA Art 29）。", key=f"arb.refusal:{self.case.next_seq()}",
                                       parties=("claimant",))
        self.finish(ArbitrationResult(
            "refused",
            f"仲裁委不予受理（{event.reason}）：劳动者可以就该劳动争议事项向人民法院提起诉讼（LDMA Art 29）",
            f"the commission refused the application ({event.reason}): the worker may sue over the dispute in court "
            "(LDMA Art 29)"))
        return f"已记录不予受理（{event.reason}），已书面通知申请人", "refusal recorded; the applicant is told"

    def _collective(self, event: Representatives) -> Said | None:
        if self.application is None or self.result is not None:
            return "没有进行中的仲裁申请", "no application is open"
        if CaseFlag.GROUP not in self.case.flags:
            return "本案不是集体劳动争议", "this is not a collective dispute"
        return self._claimants_only(event.names)

    @case_event("representatives_elected", Representatives, actors=PARTY_SENDERS,
                title=("记录推举的代表人", "record the elected representatives"), when=_collective)
    async def represent(self, event: Representatives) -> Said:
        assert self.application is not None
        self.application.representatives = list(event.names)
        self.case.fact(f"集体劳动争议代表人：{'、'.join(event.names)}（LDMA Art 7）",
                       f"representatives of the collective dispute: {', '.join(event.names)} (LDMA Art 7)")
        return f"已记录代表人：{'、'.join(event.names)}", "representatives recorded"

    def _withdrawable(self, _: CaseWithdrawn) -> Said | None:
        if self.result is None and (self.awaiting or (self.application is not None and not self.award_made)):
            return None
        return "没有可撤回的仲裁申请", "there is no application to withdraw"

    @case_event("case_withdrawn", CaseWithdrawn, actors=APPLICANT_SENDERS,
                title=("记录劳动者撤回", "record the worker's withdrawal"), when=_withdrawable)
    async def withdraw(self, event: CaseWithdrawn) -> Said:
        applied = self.application is not None
        what = "撤回仲裁申请" if applied else "不申请仲裁"
        what_en = "withdrew the application for arbitration" if applied else "does not apply for arbitration"
        self.finish(ArbitrationResult("withdrawn", f"劳动者{what}：{event.reason}",
                                      f"the worker {what_en}: {event.reason}"))
        return f"已记录：劳动者{what}，案件结案", "withdrawal recorded"

    # ---- the one-time notice, service, defence, hearing --------------------------------------------

    def _noticing(self, event: OneTimeNotice) -> Said | None:
        if why := self._in_hearing():
            return why
        if self.notice is not None:
            return ("已发出一次性通知（变更开庭请发送 arbitration_hearing_changed）",
                    "the one-time notice was already sent")
        if event.hearing_at <= workflow.now():
            return "开庭时间已过", "the hearing time has passed"
        return None

    @case_event("arbitration_notice", OneTimeNotice, actors=COMMISSION,
                title=("发出一次性告知书", "issue the one-time notice"), when=_noticing)
    async def notify(self, event: OneTimeNotice) -> Said:
        case, app = self.case, self.application
        assert app is not None and self.filed_at is not None
        self.notice = event
        await self.clock["arb.one_time_notice"].complete()
        await self.clock["arb.tribunal_notice"].complete()
        draft = NoticeDraft(case_number=case.number, key="one-time-notice",
                            issued_at=workflow.now(), filed_at=self.filed_at, claims=app.claims,
                            tribunal=event.tribunal, evidence_until=event.evidence_until, hearing_at=event.hearing_at,
                            hearing_place=event.hearing_place, priority=self.priority,
                            representatives=app.representatives)
        doc = await workflow.execute_activity_method(
            ArbitrationDesk.issue_one_time_notice, draft, task_queue=agency_queue(Agency.ARBITRATION),
            **case.activity_options, summary="制作仲裁一次性告知书")
        await self._set_hearing(event)
        assert self.hearing is not None
        await case.notify_parties(
            Agency.ARBITRATION, "arb.one_time_notice", f"{doc.title} {case.number}",
            f"仲裁庭组成、答辩期间、举证期限及开庭时间地点一次性告知如下，详见文书 {doc.ref}。"
            f"开庭：{self.hearing[0]}，{self.hearing[1]}。", key="arb.one_time_notice")
        self.show()
        return (f"已发出一次性告知书（{doc.ref}）并通知双方当事人；开庭 {self.hearing[0]}",
                f"one-time notice issued ({doc.ref}) and sent to both parties")

    def _serving(self, _: CopyServed) -> Said | None:
        if why := self._in_hearing():
            return why
        return None if self._open("arb.serve_copy") else ("申请书副本已送达", "the copy was already served")

    @case_event("arbitration_copy_served", CopyServed, actors=COMMISSION,
                title=("记录向被申请人送达申请书副本", "record service of the application copy"), when=_serving)
    async def serve_copy(self, event: CopyServed) -> Said:
        await self.clock["arb.serve_copy"].complete()
        defence = await self._start("arb.defence", since=service_moment(event.served_on, workflow.now()))
        self.show()
        return f"申请书副本已送达被申请人：答辩期截止 {_t(defence)}", "copy served: the defence period runs"

    def _defending(self, event: DefenceFiled) -> Said | None:
        """The defence period is running, or ran out with the defence posted within it (CPL Art 85)."""
        defence = self.clock.get("arb.defence")
        if self._open("arb.defence") or (defence and defence.state == "expired" and not self.award_made
                                         and defence.mailed_in_time(event.mailed_on)):
            return None
        return "没有进行中的答辩期间", "no defence period is running"

    @case_event("arbitration_defence_filed", DefenceFiled, actors=COMMISSION,
                title=("记录被申请人提交答辩书", "record the employer's defence"), when=_defending)
    async def defence(self, event: DefenceFiled) -> Said:
        await self.clock["arb.defence"].complete(mailed_on=event.mailed_on)
        return "已记录被申请人答辩书", "defence recorded"

    def _hearing_ahead(self, _: object) -> Said | None:
        if why := self._in_hearing():
            return why
        return None if self.hearing is not None else ("尚未通知开庭", "no hearing has been set")

    def _rescheduling(self, event: HearingChanged) -> Said | None:
        if why := self._hearing_ahead(event):
            return why
        if event.hearing_at <= workflow.now():
            return "开庭时间已过", "the hearing time has passed"
        return None

    @case_event("arbitration_postponement_requested", PostponementRequest, actors=PARTY_SENDERS,
                title=("记录当事人请求延期开庭", "record a request to postpone the hearing"), when=_hearing_ahead)
    async def postponement(self, event: PostponementRequest) -> Said:
        who = PARTY[event.party][0]
        clock = self._open("arb.postpone_request")
        # Past the last day, the request is late even if the window's timer has not fired yet (a
        # busy server fires it a moment later): the window expires either way (fault seed 26).
        if clock is not None and workflow.now() <= clock.due:
            await clock.complete(note=event.reason)
            return f"已记录{who}的延期开庭请求（按期提出），是否延期由仲裁委员会决定", "request recorded, in time"
        self.case.fact(f"{who}请求延期开庭迟于法定期限，由仲裁委员会决定（LDMA Art 35）",
                       f"{PARTY[event.party][1]} asked to postpone the hearing after the time allowed; arbitration "
                       "decides (LDMA Art 35)")
        return f"已记录{who}的延期开庭请求（逾期提出），由仲裁委员会决定", "request recorded, late"

    @case_event("arbitration_hearing_changed", HearingChanged, actors=COMMISSION,
                title=("变更开庭时间地点", "change the hearing"), when=_rescheduling)
    async def reschedule(self, event: HearingChanged) -> Said:
        await self._set_hearing(event)
        assert self.hearing is not None
        await self.case.notify_parties(
            Agency.ARBITRATION, "arb.hearing_changed", f"开庭变更通知 {self.case.number}",
            f"本案开庭变更为 {self.hearing[0]}，地点：{self.hearing[1]}（{event.reason}）。",
            key=f"arb.hearing_changed:{self.case.next_seq()}")
        self.show()
        return f"开庭变更为 {self.hearing[0]}（{self.hearing[1]}），已通知双方当事人", "hearing changed; parties told"

    # ---- the award clock: restart, pause, the single extension (LDMA Art 43; Rules Art 45–46) ----

    def _award_running(self, _: object = None) -> Said | None:
        if why := self._in_hearing():
            return why
        if self.suspended:
            return "案件中止中：请先恢复审理", "the case is suspended: resume it first"
        return None if self._open("arb.award") else ("没有进行中的裁决期限", "no award clock is running")

    @case_event("arbitration_award_clock_restart", AwardClockRestart, actors=COMMISSION,
                title=("重新计算仲裁裁决期限", "restart the award clock"), when=_award_running)
    async def restart(self, event: AwardClockRestart) -> Said:
        assert self.application is not None
        self.application.claims.extend(event.added_claims)
        cause = RESTART[event.cause]
        clock = self.clock["arb.award"]
        await clock.restart(f"{cause}：{event.reason}", actor=event.actor)
        self.show()
        return (f"{cause}：仲裁裁决期限重新计算，截止 {_t(clock)}（Rules Art 46）",
                f"award clock restarted ({event.cause})")

    @case_event("arbitration_suspended", Suspension, actors=COMMISSION,
                title=("中止仲裁（裁决期限暂停）", "suspend (the award clock pauses)"), when=_award_running)
    async def suspend(self, event: Suspension) -> Said:
        clock = self.clock["arb.award"]
        await clock.pause(f"{PAUSE[event.cause]}：{event.reason}", actor=event.actor)
        self.show()
        left = clock.remaining.text if clock.remaining else ""
        return (f"{PAUSE[event.cause]}：仲裁裁决期限暂停计算，剩余 {left}（Rules Art 46）",
                f"award clock paused ({event.cause}), {clock.remaining.length if clock.remaining else 0} days left")

    def _suspended_now(self, _: Resumption) -> Said | None:
        if why := self._in_hearing():
            return why
        return None if self.suspended else ("案件未中止", "the case is not suspended")

    @case_event("arbitration_resumed", Resumption, actors=COMMISSION,
                title=("恢复审理（裁决期限恢复计算）", "resume (the award clock runs on)"), when=_suspended_now)
    async def resume(self, event: Resumption) -> Said:
        clock = self.clock["arb.award"]
        await clock.resume(event.reason, actor=event.actor)
        self.show()
        return f"恢复审理：仲裁裁决期限恢复计算，截止 {_t(clock)}", "award clock resumed"

    def _extendable(self, event: AwardExtension) -> Said | None:
        if why := self._award_running():
            return why
        if self.clock["arb.award"].extended:
            return ("仲裁裁决期限只能延长一次，已延长过，不得再次延长（LDMA Art 43）",
                    "the award period may be extended once only, and already was (LDMA Art 43)")
        return self.clock["arb.award"].extension_refused(event.length)

    @case_event("arbitration_award_extended", AwardExtension, actors=COMMISSION,
                title=("延长仲裁裁决期限（仅一次）", "extend the award period (once)"), when=_extendable)
    async def extend(self, event: AwardExtension) -> Said:
        clock = self.clock["arb.award"]
        await clock.extend(event.approver, event.reason, actor=event.actor, by=event.length)
        await self.case.notify_parties(
            Agency.ARBITRATION, "arb.award_extended", f"延长仲裁期限通知 {self.case.number}",
            f"经仲裁委员会主任批准，本案仲裁裁决期限延长至 {_t(clock)}（{event.reason}）。",
            key=f"arb.award_extended:{self.case.next_seq()}")
        self.show()
        return (f"仲裁裁决期限延长一次，截止 {_t(clock)}；已书面通知双方当事人",
                "award period extended once; parties told")

    # ---- wage claim first, partial award, advance execution, evidence -----------------------------

    def _mixed_claims(self, _: WageMediation) -> Said | None:
        if why := self._in_hearing():
            return why
        assert self.application is not None
        types = {c.type for c in self.application.claims}
        if types & WAGE_CLAIMS and types - WAGE_CLAIMS:
            return None
        return ("劳动报酬与其他请求并存时方可先行调解劳动报酬部分",
                "only wages mixed with other claims are mediated first")

    @case_event("arbitration_wage_mediated", WageMediation, actors=COMMISSION,
                title=("劳动报酬部分先行调解", "mediate the wage part first"), when=_mixed_claims)
    async def wage_first(self, event: WageMediation) -> Said:
        await self.case.clocks.start("mediation.performance", key="arb.wage_mediation.performance",
                                     on_date=event.performance_date)
        self.case.fact(f"劳动报酬部分先行调解：¥{event.amount:,.2f}，{event.performance_date} 前履行；其他请求继续审理",
                       f"the wage part mediated first: ¥{event.amount:,.2f}, to be paid by {event.performance_date}; "
                       "the other claims go on")
        self.show()
        return f"已记录劳动报酬部分调解：¥{event.amount:,.2f}，{event.performance_date} 前履行", "wage part mediated"

    def _tribunal_formed(self, _: object) -> Said | None:
        if why := self._in_hearing():
            return why
        if self.notice is None:
            return "仲裁庭尚未组成（未发出一次性通知）", "the tribunal is not formed yet"
        return None

    @case_event("arbitration_partial_award", AwardItems, actors=COMMISSION,
                title=("先行裁决（部分事实已经清楚）", "partial award on the clear part"), when=_tribunal_formed)
    async def partial_award(self, event: AwardItems) -> Said:
        lines = await self._classify(event.items)
        self.case.fact(f"先行裁决（LDMA Art 43）：{describe(lines)}", f"partial award (LDMA Art 43): {describe(lines, 'en')}")
        self.show()
        return f"已记录先行裁决：{describe(lines)}", "partial award recorded"

    def _advance(self, event: AwardItems) -> Said | None:
        if why := self._in_hearing():
            return why
        if any(item.type not in ADVANCE_EXECUTION_CLAIMS for item in event.items):
            return ("先予执行仅适用于追索劳动报酬、工伤医疗费、经济补偿或者赔偿金（LDMA Art 44）",
                    "advance execution covers wages, work-injury medical costs and compensation only (LDMA Art 44)")
        return None

    @case_event("arbitration_advance_execution", AwardItems, actors=COMMISSION,
                title=("裁决先予执行并移送法院", "rule advance execution and hand it to the court"), when=_advance)
    async def advance_execution(self, event: AwardItems) -> Said:
        case = self.case
        items = "；".join(item.label() for item in event.items)
        order = WorkOrder(case_number=case.number, key=f"court.advance_execution:{case.next_seq()}",
                          agency=Agency.COURT, kind="court.advance_execution",
                          title=f"先予执行移送执行 {case.number}：{items}", at=workflow.now())
        await workflow.execute_activity_method(ArbitrationDesk.transfer_advance_execution, order,
                                               task_queue=agency_queue(Agency.ARBITRATION), **case.activity_options,
                                               summary="先予执行移送人民法院")
        case.fact(f"先予执行裁决已移送人民法院执行：{items}（LDMA Art 44）",
                  "advance execution handed to the court: " + "; ".join(i.label("en") for i in event.items)
                  + " (LDMA Art 44)")
        self.show()
        return f"先予执行已移送人民法院：{items}", "advance execution handed to the court"

    @case_event("evidence_collection_requested", EvidenceRequest, actors=PARTY_SENDERS,
                title=("申请仲裁委调查取证", "ask the commission to collect evidence"), when=_in_hearing)
    async def request_evidence(self, event: EvidenceRequest) -> Said:
        self.evidence_pending += 1
        self.case.show_track(EVIDENCE, f"{self.evidence_pending}项进行中", f"{self.evidence_pending} under way")
        await self.case.hand_over(ArbitrationDesk.collect_evidence, Agency.ARBITRATION, "arbitration.evidence",
                                  f"调查取证 {self.case.number}：{event.evidence[:60]}")
        self.show()
        return f"已受理调查取证申请：{event.evidence}", "evidence request handed to the commission"

    def _collecting(self, _: EvidenceCollected) -> Said | None:
        return None if self.evidence_pending else ("没有待办的调查取证申请", "no evidence request is open")

    @case_event("evidence_collected", EvidenceCollected, actors=COMMISSION,
                title=("记录调查取证结果", "record the evidence collected"), when=_collecting)
    async def evidence_collected(self, event: EvidenceCollected) -> Said:
        self.evidence_pending -= 1
        if self.evidence_pending:
            self.case.show_track(EVIDENCE, f"{self.evidence_pending}项进行中", f"{self.evidence_pending} under way")
        else:
            self.case.end_track(EVIDENCE)
        self.case.fact(f"仲裁委调查取证{'已取得' if event.obtained else '未能取得'}：{event.result}",
                       f"arbitration's inquiry {'obtained' if event.obtained else 'did not obtain'} the evidence: "
                       f"{event.result}")
        self.show()
        return f"已记录调查取证结果：{event.result}", "evidence result recorded"

    # ---- the award, and suits ---------------------------------------------------------------------

    def _awarding(self, event: Award) -> Said | None:
        if why := self._tribunal_formed(None):
            return why
        if self.suspended:
            return "案件中止中，不能作出裁决", "the case is suspended"
        if self.hearing_at is not None and workflow.now() < self.hearing_at:
            return (f"开庭时间 {self.hearing[0] if self.hearing else ''} 尚未到，不能先于开庭作出裁决",
                    "the hearing has not been held yet: an award cannot come before it")
        return above_claim_problem(awarded(event), self.case.intake.amount_claimed, event.above_claim_reason)

    @case_event("arbitration_award", Award, actors=COMMISSION, title=("作出仲裁裁决", "make the award"),
                when=_awarding)
    async def award(self, event: Award) -> Said:
        self.award_made = True
        self.case.settled(awarded(event))
        lines = await self._classify(event.items)
        await self.clock["arb.award"].complete()
        for rule in PROCEEDINGS:
            if (clock := self._open(rule)) and clock.state != "lapsed":
                await clock.cancel("已作出仲裁裁决", "the award was made")
        await self.windows.open(lines, event)
        self.show()
        return f"裁决已作出：{describe(lines)}", "award made: " + ", ".join(
            f"{line.item.type.value} {'final' if line.final else 'non-final'}" for line in lines)

    def may_sue_before_award(self, event: LawsuitFiled) -> Said | None:
        """No award: the worker may sue once the commission is late to decide on the application
        (LDMA Art 29); either party once the award is late (LDMA Art 43)."""
        accept, award = self.clock.get("arb.accept"), self.clock.get("arb.award")
        if event.party == "worker" and not self.decided and accept is not None and accept.state == "lapsed":
            return None
        if award is not None and award.state == "lapsed":
            return None
        return "尚无仲裁裁决，仲裁委也未逾期：不能起诉", "no award, and the commission is not late"

    def _may_sue(self, event: LawsuitFiled) -> Said | None:
        if self.result is not None:
            return "仲裁阶段已结束", "the arbitration track has ended"
        if self.award_made:
            return self.windows.may_sue(event.party, event.mailed_on)
        return self.may_sue_before_award(event)

    @case_event("lawsuit_filed", LawsuitFiled, actors=PARTY_SENDERS | {Agency.COURT},
                title=("记录当事人起诉", "record a lawsuit"), when=_may_sue)
    async def sue(self, event: LawsuitFiled) -> Said:
        who = PARTY[event.party][0]
        if self.award_made:
            await self.windows.sued(event.party, event.mailed_on)
        court = event.court or "人民法院"
        self.finish(ArbitrationResult("litigation", f"{who}向{court}起诉",
                                      f"{PARTY[event.party][1]} sued at {event.court or 'the court'}",
                                      plaintiff=event.party))
        return f"已记录：{who}向{court}起诉，案件转入诉讼", f"{PARTY[event.party][1]} sued: litigation follows"
