"""Making a mediation agreement count [Plan 三(三)]: the parties apply jointly for judicial
confirmation (the union helps through the court + union mechanism; 30 days, CPL Art 205) or for
arbitral review confirmation (legal aid helps; 15 days, Rules Art 74), or the employer simply
performs by the agreed date. An unperformed agreement is enforced when confirmed; otherwise it
goes to a payment order (wages, work-injury medical costs, compensation: LDMA Art 16) or to
arbitration (LDMA Art 15).

The windows to apply run from the day the agreement took effect (``served_on`` of the agreement).
A joint application posted within a window (``mailed_on``) is in time though it arrives after the
window ran out in the system (CPL Art 85): while the case is still confirming the agreement, the
route closed by the lapse opens again and takes the application; the joint application carries both
parties' consent, so consents not recorded before are not asked for. Once the case has moved on
(unperformed, no application pending) it is not recorded here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.arbitration import AgreementReviewDesk
    from activities.court_liaison import LegalAidCourtDesk
    from activities.union import UnionDesk
    from domain.arbitration import MONEY_CLAIMS, PARTY
    from domain.calendar import SHANGHAI
    from domain.events.base import service_moment
    from domain.events.confirmation import (
        ArbitralReview,
        ConfirmationConsent,
        ConfirmationFiled,
        JudicialAcceptance,
        JudicialRuling,
    )
    from domain.events.mediation import MediationAgreement
    from domain.i18n import AGENCY
    from domain.models import Agency, Stage

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.stages.handoff import StageEnd
from workflows.stages.performance import Performance
from workflows.together import together

# An unperformed agreement on these may go to a court payment order (LDMA Art 16: wages,
# work-injury medical costs, economic compensation or damages).
PAYMENT_ORDER_CLAIMS = MONEY_CLAIMS
ENDED = {"closed": "申请期限已过", "refused": "已被驳回或不予受理", "valid": "已确认有效"}  # a route's last states


@dataclass
class Route:
    """One way to confirm the agreement: open → filed → (accepted) → valid | refused; open → closed.
    A handler moves it to a passing state first ("filing", "accepting", "ruling"), so an event
    validated before the move is refused once it is applied."""

    key: str
    name: str
    helper: Agency  # who helps the parties file
    assist: Any  # the helper's activity
    window_rule: str
    state: str = "open"
    consents: list[str] = field(default_factory=list)
    window: Clock | None = None
    review: Clock | None = None  # the court's or arbitration's clock once the application is in
    confirmed_on: date | None = None  # the day the confirmation took effect (CPL Art 250 counts from it)

    @property
    def name_en(self) -> str:
        return "judicial confirmation" if self.key == "judicial" else "arbitral review"


class Confirmation:
    def __init__(self, case: CaseRuntime, performance: Performance) -> None:
        self.case, self.performance = case, performance
        self.open = False
        self.agreement: MediationAgreement | None = None
        self.routes: dict[str, Route] = {}

    async def run(self, agreement: MediationAgreement) -> StageEnd:
        case = self.case
        self.agreement = agreement
        self.routes = {
            "judicial": Route("judicial", "司法确认", Agency.UNION, UnionDesk.assist_judicial_confirmation,
                              "confirm.judicial.apply"),
            "arbitral": Route("arbitral", "仲裁审查确认", Agency.LEGAL_AID, LegalAidCourtDesk.assist_arbitral_review,
                              "confirm.arbitral.apply"),
        }
        self.performance.expect(("调解协议", "the mediation agreement"), agreement.amount)
        case.fact(f"调解协议：用人单位于 {agreement.performance_date} 前支付 {agreement.amount} 元",
                  f"mediation agreement: the employer pays CNY {agreement.amount} by {agreement.performance_date}")
        case.enter(Stage.CONFIRMATION, None, ("双方选择确认途径或自愿履行", "the parties choose how to confirm or perform"))
        routes = list(self.routes.values())
        since = service_moment(agreement.served_on, workflow.now())
        windows = await together(*(case.clocks.start(r.window_rule, on_lapse=self._window_missed, since=since)
                                   for r in routes))
        for route, window in zip(routes, windows, strict=True):
            route.window = window
        self.open = True
        self._show()
        await case.record("confirmation.opened", f"调解协议生效，可选择：{self._choices()}",
                          f"the mediation agreement is in force; open: {self._choices_en()}")
        if not await self.performance.by_date("mediation.performance", agreement.performance_date):
            line = f"用人单位未在 {agreement.performance_date} 前履行调解协议"
            case.fact(line, f"the employer did not perform the agreement by {agreement.performance_date}")
            await case.record("confirmation.unperformed", line, case.facts_en[-1])
            pending = self._pending()
            if pending:  # an application already in is decided before the case moves on
                case.wait_for((f"{line}；等待{pending.name}审查结果", "unperformed; awaiting the confirmation decision"))
            await workflow.wait_condition(lambda: self.performance.paid_in_full or not self._pending())
        self.open = False
        return await self._leave()

    async def _leave(self) -> StageEnd:
        case, paid = self.case, self.performance.paid_in_full
        why = (("调解协议已履行", "the agreement was performed") if paid else
               ("用人单位未履行调解协议", "the employer did not perform the agreement"))
        for route in self.routes.values():
            for clock in (route.window, route.review):
                if clock:
                    await clock.withdraw(*why)
        if paid:
            return StageEnd(f"调解协议已履行，收回 {self.performance.paid} 元",
                            f"the mediation agreement was performed: CNY {self.performance.paid} recovered")
        confirmed = next((r for r in self.routes.values() if r.state == "valid"), None)
        if confirmed:
            return StageEnd(*await self.performance.enforce(
                (f"经{confirmed.name}的调解协议", f"the agreement confirmed by {confirmed.name_en}"),
                confirmed.confirmed_on))
        assert self.agreement is not None
        owed = self.performance.outstanding
        if self.agreement.wages_only or case.intake.claim_types & PAYMENT_ORDER_CLAIMS:
            line = "用人单位未履行调解协议：劳动者可以持调解协议书向人民法院申请支付令（LDMA Art 16）"
            case.fact(line, "the employer did not perform the agreement: the worker may apply to the court for a "
                            "payment order with it (LDMA Art 16)")
            return StageEnd(line, case.facts_en[-1], next="payment_order", owed=owed)
        return StageEnd("用人单位未履行调解协议：劳动者可以申请仲裁（LDMA Art 15）",
                        "the employer did not perform the agreement: the worker may apply for arbitration "
                        "(LDMA Art 15)", next="arbitration", owed=owed)

    # ---- what the parties may still do -------------------------------------------------------

    def _pending(self) -> Route | None:
        """The route whose application is in and undecided."""
        return next((r for r in self.routes.values() if r.state != "open" and r.state not in ENDED), None)

    def _choices(self) -> str:
        assert self.agreement is not None
        parts = [f"{r.name}（{AGENCY[r.helper.value][0]}协助，双方于 {r.window.due_text} 前共同申请）"
                 for r in self.routes.values() if r.state == "open" and r.window]
        parts.append(f"用人单位于 {self.agreement.performance_date} 前自愿履行")
        return "；".join(parts)

    def _choices_en(self) -> str:
        assert self.agreement is not None
        parts = [f"{r.name_en} ({AGENCY[r.helper.value][1]} helps; both parties apply by {r.window.due_text_en})"
                 for r in self.routes.values() if r.state == "open" and r.window]
        parts.append(f"the employer performs by {self.agreement.performance_date}")
        return "; ".join(parts)

    def _show(self) -> None:
        assert self.agreement is not None
        pending = self._pending()
        valid = next((r for r in self.routes.values() if r.state == "valid"), None)
        if valid:
            waiting = (f"用人单位于 {self.agreement.performance_date} 前履行；协议已经{valid.name}，逾期不履行可申请强制执行",
                       "performance by the agreed date; the agreement is confirmed and enforceable")
            agency = None
        elif pending:
            agency = Agency.COURT if pending.key == "judicial" else Agency.ARBITRATION
            waiting = (f"{AGENCY[agency.value][0]}审查{pending.name}申请；或用人单位于 {self.agreement.performance_date} 前履行",
                       f"{AGENCY[agency.value][1]} reviews the application; or the employer performs")
        elif agreed := next((r for r in self.routes.values()
                             if r.state == "open" and all(p in r.consents for p in PARTY)), None):
            agency = agreed.helper  # both chose: the unit helping them files the joint application
            waiting = (f"{AGENCY[agency.value][0]}协助双方提交{agreed.name}申请；或用人单位于 "
                       f"{self.agreement.performance_date} 前履行",
                       f"{AGENCY[agency.value][1]} helps the parties file for {agreed.key} confirmation; or the "
                       "employer performs")
        else:
            waiting, agency = (f"双方选择：{self._choices()}", "the parties choose a confirmation route or perform"), None
        self.case.enter(Stage.CONFIRMATION, agency, waiting)

    async def _window_missed(self, clock: Clock) -> None:
        route = next(r for r in self.routes.values() if r.window is clock)
        if route.state != "open":
            return
        route.state = "closed"
        line = f"{route.name}申请期限已过（{clock.source}），该途径关闭；仍可：{self._choices()}"
        self.case.fact(line, f"the time to apply for {route.name_en} has passed ({clock.source}); still open: "
                             f"{self._choices_en()}")
        self._show()
        await self.case.record("confirmation.route_closed", line, self.case.facts_en[-1])

    async def _confirmed(self, route: Route, line: Said) -> Said:
        route.state = "valid"
        route.confirmed_on = workflow.now().astimezone(SHANGHAI).date()
        for other in self.routes.values():
            if other.state == "open" and other.window:
                other.state = "closed"
                await other.window.cancel(f"调解协议已经{route.name}", f"the agreement was confirmed by {route.name_en}")
        self.case.fact(f"{line[0]}；用人单位逾期不履行的，劳动者可申请强制执行",
                       f"{line[1]}; if the employer does not perform in time, the worker may apply for enforcement")
        self._show()
        return line[0], f"{route.key} confirmation granted"

    async def _refused(self, route: Route, line: Said) -> Said:
        route.state = "refused"
        zh = f"{line[0]}；仍可：{self._choices()}"
        self.case.fact(zh, f"{line[1]}; still open: {self._choices_en()}")
        self._show()
        return zh, f"{route.key} confirmation refused"

    # ---- events ------------------------------------------------------------------------------

    def _check_route(self, event: ConfirmationConsent | ConfirmationFiled) -> Said | None:
        if not self.open:
            return "案件不在调解协议确认阶段", "the case is not confirming an agreement"
        route = self.routes[event.route]
        if event.actor.unit != route.helper:
            helper = AGENCY[route.helper.value]
            return f"{route.name}由{helper[0]}协助办理", f"{route.key} confirmation is handled by {helper[1]}"
        if route.state != "open" and not self._posted_in_time(route, event):
            return f"{route.name}{ENDED.get(route.state, '已提交申请')}", f"the {route.key} route is {route.state}"
        other = next(r for r in self.routes.values() if r is not route)
        if other.state not in ("open", "closed", "refused"):
            return f"双方已选择{other.name}", f"the parties chose {other.key} confirmation"
        return None

    def _can_consent(self, event: ConfirmationConsent) -> Said | None:
        why = self._check_route(event)
        if why is None and event.party in self.routes[event.route].consents:
            return f"已记录{PARTY[event.party][0]}同意", f"the {event.party} already consented"
        return why

    @staticmethod
    def _posted_in_time(route: Route, event: ConfirmationConsent | ConfirmationFiled) -> bool:
        """A joint application posted within a window that ran out in the system (CPL Art 85)."""
        return (isinstance(event, ConfirmationFiled) and route.state == "closed" and route.window is not None
                and route.window.mailed_in_time(event.mailed_on))

    def _can_file(self, event: ConfirmationFiled) -> Said | None:
        why = self._check_route(event)
        route = self.routes.get(event.route)
        if why is None and route is not None and self._posted_in_time(route, event):
            return None  # the joint application posted carries both consents
        missing = [PARTY[p][0] for p in PARTY if p not in self.routes[event.route].consents] if self.open else []
        if why is None and missing:
            return f"共同申请须双方同意，尚缺{'、'.join(missing)}同意", "both parties must consent first"
        return why

    def _awaiting(self, key: str, state: str, zh: str, en: str) -> Said | None:
        route = self.routes.get(key)
        return None if self.open and route is not None and route.state == state else (zh, en)

    def _court_accepting(self, _: object) -> Said | None:
        return self._awaiting("judicial", "filed", "没有待法院受理的司法确认申请",
                              "no judicial confirmation application awaits acceptance")

    def _court_ruling(self, _: object) -> Said | None:
        return self._awaiting("judicial", "accepted", "没有法院已受理、待裁定的司法确认申请",
                              "no accepted judicial confirmation awaits a ruling")

    def _arbitration_reviewing(self, _: object) -> Said | None:
        return self._awaiting("arbitral", "filed", "没有待仲裁审查的调解协议",
                              "no agreement awaits arbitral review")

    @case_event("confirmation_consent", ConfirmationConsent, actors={Agency.UNION, Agency.LEGAL_AID},
                title=("记录一方同意共同申请确认", "record a party's consent to apply jointly"), when=_can_consent)
    async def consent(self, event: ConfirmationConsent) -> Said:
        route = self.routes[event.route]
        route.consents.append(event.party)
        missing = [PARTY[p][0] for p in PARTY if p not in route.consents]
        if missing:
            line = f"{PARTY[event.party][0]}同意共同申请{route.name}，尚需{missing[0]}同意"
            other = next(PARTY[p][1] for p in PARTY if p not in route.consents)
            self.case.fact(line, f"{PARTY[event.party][1]} consents to apply jointly for {route.name_en}; "
                                 f"{other} must consent too")
            return f"已记录：{line}", f"{event.party} consents; the other party must too"
        line = f"双方均同意共同申请{route.name}：{AGENCY[route.helper.value][0]}协助提交申请"
        self.case.fact(line, f"both parties consent to apply jointly for {route.name_en}: "
                             f"{AGENCY[route.helper.value][1]} helps them file")
        self._show()
        await self.case.hand_over(route.assist, route.helper, f"confirmation.{route.key}",
                                  f"协助双方共同申请{route.name} {self.case.number}")
        return f"已记录：{line}", "both parties consent"

    @case_event("confirmation_filed", ConfirmationFiled, actors={Agency.UNION, Agency.LEGAL_AID},
                title=("记录提交共同申请", "record the joint application"), when=_can_file)
    async def filed(self, event: ConfirmationFiled) -> Said:
        case, route = self.case, self.routes[event.route]
        route.state = "filing"
        self._show()
        assert route.window is not None
        await route.window.complete(mailed_on=event.mailed_on)
        if route.key == "judicial":
            route.review = await case.clocks.start("confirm.judicial.accept")
        else:
            await case.hand_over(AgreementReviewDesk.review_mediation_agreement, Agency.ARBITRATION,
                                 "confirmation.review", f"审查确认调解协议 {case.number}")
            route.review = await case.clocks.start("confirm.arbitral.review")
        route.state = "filed"
        return f"已记录：双方已共同申请{route.name}", f"joint application for {route.key} confirmation filed"

    async def _answered(self, key: str, state: str) -> Route:
        """The court or the commission answered: the route's review clock is met."""
        route = self.routes[key]
        route.state = state
        assert route.review is not None
        await route.review.complete()
        return route

    @case_event("judicial_confirmation_accepted", JudicialAcceptance, actors={Agency.COURT},
                title=("法院决定是否受理司法确认申请", "the court accepts or refuses the application"),
                when=_court_accepting)
    async def court_accepts(self, event: JudicialAcceptance) -> Said:
        route = await self._answered("judicial", "accepting")
        if not event.accepted:
            return await self._refused(route, (f"人民法院不予受理司法确认申请（{event.reason}）",
                                               f"the court did not accept the application ({event.reason})"))
        route.review = await self.case.clocks.start("confirm.judicial.decide")
        route.state = "accepted"
        return "已记录：人民法院受理司法确认申请", "the court accepted the application"

    @case_event("judicial_confirmation_ruling", JudicialRuling, actors={Agency.COURT},
                title=("法院作出司法确认裁定", "the court rules on confirmation"), when=_court_ruling)
    async def court_rules(self, event: JudicialRuling) -> Said:
        route = await self._answered("judicial", "ruling")
        if not event.valid:
            return await self._refused(route, (f"人民法院裁定驳回司法确认申请（{event.reason}），"
                                               "可变更原协议、达成新协议或申请仲裁（CPL Art 206）",
                                               f"the court dismissed the application ({event.reason}); the parties may "
                                               "change the agreement, make a new one or apply for arbitration "
                                               "(CPL Art 206)"))
        return await self._confirmed(route, ("人民法院裁定调解协议有效（CPL Art 206）",
                                             "the court ruled the agreement valid (CPL Art 206)"))

    @case_event("arbitral_review_decision", ArbitralReview, actors={Agency.ARBITRATION},
                title=("仲裁审查确认调解协议", "arbitration decides on the agreement"), when=_arbitration_reviewing)
    async def arbitration_decides(self, event: ArbitralReview) -> Said:
        route = await self._answered("arbitral", "ruling")
        if not event.confirmed:
            return await self._refused(route, (f"仲裁委员会不予确认调解协议（{event.reason}）",
                                               f"arbitration did not confirm the agreement ({event.reason})"))
        return await self._confirmed(route, ("仲裁委员会审查确认调解协议，制作调解书（Rules Art 74–80）",
                                             "arbitration confirmed the agreement and issued a mediation statement "
                                             "(Rules Art 74–80)"))
