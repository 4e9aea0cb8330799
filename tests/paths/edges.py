"""Arbitration's rarely taken steps and its refusals: the wage part mediated first, two evidence collections, a suspension, a late postponement request, the
copy served on a day already past; every event that does not fit the step refused (not filed yet,
no notice yet, before the hearing, while suspended, extended twice, after the award)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from domain.calendar import SHANGHAI
from tests.paths import CasePath, Send, Skip, has_clock
from tests.paths.arbitration import COPY_UNSERVED, COURT, DIRECT, FILE, HEARING_HELD, HEARING_IN, NOTICE, claims, notice
from tests.paths.coordination import MAJOR_GROUP, meeting_gone
from tests.paths.mediation import PAID, PERFORMED, agreement

ARB = "arbitration"
# One worker: a group case proposes a meeting, and the fault test cannot fast-forward a case whose
# child (the meeting) runs, so the hearing could never come (representatives: the meeting's path).
MIXED = {**DIRECT, "claims": claims(("wages", "5000.00"), ("compensation", "30000.00"))}
WAGES = {"type": "wages", "amount": "5000.00"}


def commission(event: str, fields: Any = None, **kw: Any) -> Send:
    return Send(event, "arbitration", kw.pop("at", ARB), fields or {}, **kw)


def wage_part(today: date) -> dict[str, Any]:
    return {"terms": "用人单位十日内支付拖欠工资", "amount": "5000.00",
            "performance_date": (today + timedelta(days=10)).isoformat()}


def past_hearing(today: date) -> dict[str, Any]:
    """A hearing moved to a time that has passed by then (the walk's today is the case's first day)."""
    return {"hearing_at": datetime.combine(today + timedelta(days=1), time(9, 30), SHANGHAI).isoformat(),
            "hearing_place": "南昌市劳动人事争议仲裁院第二仲裁庭", "reason": "改期"}


AWARD = {"served_to": ["worker"], "items": [WAGES, {"type": "compensation", "amount": "30000.00"}]}
REASON = {"reason": "申请人下落不明，公告送达"}
MIDDLE_COURT = {"court": "南昌市中级人民法院"}


def court(event: str, fields: Any = None, **kw: Any) -> Send:
    return Send(event, "court", kw.pop("at", "litigation"), fields or {}, **kw)


def judgment(today: date) -> dict[str, Any]:
    return {"kind": "judgment", "summary": "被告支付拖欠工资5000元", "amount_awarded": "5000.00",
            "pay_by": (today + timedelta(days=90)).isoformat(), "served": False}


def appeal_posted(today: date) -> dict[str, Any]:
    """Posted within the appeal period, whichever day the judgment was served: after the hearing or
    after the copy's window (12 to 16 days from the case's first day, the walk's today)."""
    return {"appellant": "employer", "mailed_on": (today + timedelta(days=HEARING_IN + 8)).isoformat()}

EDGE_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "arbitration_edges", MIXED,
        (commission("arbitration_notice", notice, refused="not_now"),  # not filed yet
         Send("representatives_elected", "union", ARB, {"names": ["陌生人"]}, refused="not_now"),  # no group
         Send("arbitration_application", "union", ARB, refused="not_now"),  # already received
         Send("lawsuit_filed", "union", ARB, {"party": "worker"}, refused="not_now"),  # nothing late yet
         Send("arbitration_postponement_requested", "union", ARB, {"party": "worker", "reason": "另有安排"},
              refused="not_now"),  # not filed
         FILE,
         commission("arbitration_filed", refused="not_now"),  # decided already
         commission("arbitration_award", AWARD, refused="not_now"),  # no tribunal yet
         commission("arbitration_hearing_changed", past_hearing, refused="not_now"),  # no hearing set
         commission("arbitration_wage_mediated", wage_part),
         commission("evidence_collected", {"obtained": True, "result": "已调取"}, refused="not_now"),  # none asked
         Send("evidence_collection_requested", "union", ARB, {"evidence": "考勤记录", "reason": "由用人单位保管"}),
         Send("evidence_collection_requested", "union", ARB, {"evidence": "工资台账", "reason": "由用人单位保管"}),
         commission("evidence_collected", {"obtained": True, "result": "已调取考勤记录"}),
         commission("evidence_collected", {"obtained": False, "result": "用人单位称工资台账已遗失"}),
         NOTICE,
         commission("arbitration_notice", notice, refused="not_now"),  # sent already
         commission("arbitration_advance_execution", {"items": [{"type": "contract"}]}, refused="not_now"),
         commission("arbitration_award", AWARD, refused="not_now"),  # before the hearing
         commission("arbitration_suspended", {"cause": "public_notice", **REASON}),
         commission("arbitration_award", AWARD, refused="not_now"),  # suspended
         commission("arbitration_award_clock_restart", {"cause": "counterclaim", "reason": "被申请人反申请"},
                    refused="not_now"),  # suspended
         commission("arbitration_resumed", {"reason": "已公告送达"}),
         commission("arbitration_award_extended", {"approver": "示例主任", "reason": "案情复杂"}),
         commission("arbitration_award_extended", {"approver": "示例主任", "reason": "仍需调查"},
                    refused="not_now"),  # once only
         COPY_UNSERVED, HEARING_HELD,
         Send("arbitration_postponement_requested", "union", ARB, {"party": "employer", "reason": "另有安排"}),
         commission("arbitration_hearing_changed", past_hearing, refused="not_now"),  # in the past
         commission("arbitration_copy_served", lambda today: {"served_on": today.isoformat()}),  # days ago
         commission("arbitration_award", AWARD),
         commission("arbitration_award", AWARD, refused="not_now"),  # made already
         Send("case_withdrawn", "union", ARB, {"reason": "不再仲裁"}, refused="not_now"),
         Send("award_performed", "union", ARB, {"amount": "35000.00"})),
        "用人单位已履行仲裁裁决",
        log={"event.representatives_elected": 0, "event.arbitration_wage_mediated": 1,
             "event.evidence_collection_requested": 2, "event.evidence_collected": 2, "clock.paused": 1,
             "clock.resumed": 1, "clock.extended": 1, "case.closed": 1},
        notices={"arb.one_time_notice": 2, "arb.award_extended": 2, "escalation": 2},
        # the copy served at last (late), its defence period cancelled by the award; the wage part's
        # performance day passes unrecorded; the late request leaves the postponement window expired
        ledger={"arb.same_day_filing": "met", "arb.serve_copy": "met_late", "arb.defence": "cancelled",
                "arb.postpone_request": "expired", "arb.hearing_notice": "met", "arb.award": "met",
                "mediation.performance": "expired", "arb.final.worker_sues": "cancelled", "arb.nonfinal.sue": "cancelled"},
    ),
    CasePath(
        "arbitration_silent_worker_sues", DIRECT,
        (Skip(lambda v: "未当天立案" in v.waiting_for, "the filing day passes", past="arb.same_day_filing"),
         Skip(lambda v: "逾期未作出受理决定" in v.waiting_for, "the commission stays silent", past="arb.accept"),
         Send("lawsuit_filed", "arbitration", ARB, {"party": "employer"}, refused="not_now"),  # only the worker
         Send("lawsuit_filed", "union", ARB, {"party": "worker", "court": COURT}),
         court("court_filing", {"procedure": "small_claims"}, ready=has_clock("court.file")),
         court("court_decision", {"kind": "ruling", "summary": "准予原告撤诉"}, ready=has_clock("court.small_claims"))),
        "发生法律效力",
        log={"litigation.opened": 1, "litigation.effective": 1, "case.closed": 1},
        notices={"escalation": 4},  # both clocks lapse, each escalated; closed as missed (met late)
        ledger={"arb.same_day_filing": "met_late", "arb.accept": "met_late", "court.file": "met",
                "court.small_claims": "met"},
    ),
    CasePath(
        "final_award_set_aside_appeal_by_post", {**DIRECT, "claims": claims(("wages", "5000.00"))},
        (FILE, NOTICE, COPY_UNSERVED, HEARING_HELD,
         commission("arbitration_award", {"served_to": ["worker"], "items": [WAGES]}),
         Send("enforcement_applied", "union", ARB, {"court": COURT}, refused="not_now"),  # not effective
         commission("award_served", {"party": "worker"}, refused="not_now"),  # served already
         court("award_set_aside_applied", MIDDLE_COURT, at=ARB, refused="not_now"),  # the employer not served
         Send("lawsuit_filed", "arbitration", ARB, {"party": "employer"}, refused="not_now"),  # a final award
         commission("award_served", {"party": "employer"}),
         court("award_set_aside_applied", MIDDLE_COURT, at=ARB),
         court("award_set_aside_applied", MIDDLE_COURT, at=ARB, refused="not_now"),  # applied already
         court("award_set_aside_ruling", {"set_aside": True, "reason": "仲裁庭的组成违反法定程序"}, at=ARB),
         Send("lawsuit_filed", "union", ARB, {"party": "worker", "court": COURT}),
         court("award_set_aside_applied", MIDDLE_COURT, refused="not_now"),  # the worker sued
         commission("arbitration_notice", notice, at="litigation", refused="not_now"),  # arbitration has ended
         Send("lawsuit_filed", "union", "litigation", {"party": "worker"}, refused="not_now"),  # sued already
         court("court_decision", judgment, refused="not_now"),  # not filed: a ruling only
         court("court_served", refused="not_now"),  # nothing to serve
         court("court_filing", {"procedure": "ordinary"}, ready=has_clock("court.file")),
         court("court_decision", judgment, ready=has_clock("court.ordinary")),
         court("court_served", ready=lambda v: "送达" in v.waiting_for),
         Skip(has_clock("judgment.performance", "running"), "nobody appeals in time, as far as the court knows",
              past="court.appeal"),
         court("court_appeal", appeal_posted),  # posted within the period
         court("court_decision", {"kind": "judgment", "summary": "撤销原判，驳回诉讼请求"},
              ready=has_clock("court.second_instance"))),
        "发生法律效力",
        log={"event.award_set_aside_applied": 1, "event.award_set_aside_ruling": 1, "litigation.opened": 1,
             "litigation.not_effective": 1, "litigation.effective": 2, "case.closed": 1},
        notices={"arb.one_time_notice": 2, "escalation": 2},
        # the appeal posted in time meets its period though it came after it; the judgment's
        # performance clock is called off
        ledger={"arb.set_aside.sue": "met", "arb.final.employer_revokes": "met", "court.appeal": "met",
                "judgment.performance": "cancelled", "court.second_instance": "met"},
    ),
)


def inspection(starts: str) -> Any:
    return lambda v: starts in v.tracks.get("inspection", "")


def long_ago(today: date) -> dict[str, Any]:
    return {"kind": "complaint", "matters": "拖欠工资", "violation_ended": (today - timedelta(days=3 * 366)).isoformat()}


def order_to(kind: str, **terms: Any) -> Any:
    return lambda today: {"kind": kind, "by": (today + timedelta(days=5)).isoformat(), **terms}


def closed_inspection(v: Any) -> bool:
    return "inspection" not in v.tracks or "办结" in v.tracks["inspection"]


def insp(event: str, fields: Any = None, **kw: Any) -> Send:
    return Send(event, kw.pop("unit", "inspection"), "mediation", fields or {}, **kw)


# Four inspections one after another beside a mediation: a complaint past the limitation period
# refused at once; a lead accepted, ordered to pay, paid in two parts; a proactive inspection
# ordered to correct, then fined instead; a complaint refused in writing as incomplete.
INSPECTION_EDGES = CasePath(
    "inspection_rounds", {"consent": False},
    (insp("inspection_lead", long_ago, unit="union"),
     insp("inspection_lead", {"kind": "lead", "matters": "用人单位未足额支付加班费"}, unit="union",
          ready=closed_inspection),
     insp("inspection_lead", {"kind": "complaint", "matters": "同一用人单位拖欠工资"}, unit="legal_aid"),  # joins
     insp("inspection_complaint", {"matters": "拖欠工资"}, unit="window", refused="not_now"),  # one at a time
     insp("inspection_decision", order_to("order_to_pay", amount="3000.00"), refused="not_now"),  # not accepted
     insp("inspection_accept", ready=inspection("待受理")),
     insp("inspection_accept", refused="not_now"),  # decided already
     insp("inspection_decision", order_to("order_to_pay", amount="3000.00"), ready=inspection("正式立案调查")),
     insp("inspection_decision", order_to("order_to_correct", matters="提交工资台账"), refused="not_now",
          ready=inspection("责令于")),  # an order runs
     insp("inspection_payment", {"amount": "1000.00"}),
     insp("inspection_payment", {"amount": "2000.00"}),  # paid in full
     insp("inspection_complaint", {"source": "proactive", "matters": "专项检查"}, unit="window",
          refused="not_now", ready=closed_inspection),  # proactive: inspection's own
     insp("inspection_complaint", {"source": "proactive", "matters": "专项检查工资支付情况"}),
     insp("inspection_payment", {"amount": "500.00"}, ready=inspection("正式立案调查")),
     insp("inspection_decision", order_to("order_to_correct", matters="建立工资支付台账")),
     insp("inspection_decision", {"kind": "penalty", "amount": "2000.00", "matters": "未按规定建立工资台账"},
          ready=inspection("责令于")),
     insp("inspection_complaint", {"matters": "拖欠工资"}, unit="window", ready=closed_inspection),
     insp("inspection_refuse", {"ground": "incomplete", "missing": ["劳动合同", "工资条"]}, ready=inspection("待受理")),
     Send("mediation_failed", "union", "mediation", {"reason": "双方分歧较大"}, ready=closed_inspection),
     Send("case_withdrawn", "union", "mediation", {"reason": "劳动者决定不申请仲裁"},
          ready=lambda v: "申请仲裁" in v.waiting_for)),
    "不申请仲裁",
    # the referring units hear back: the union of the refusal; both of the acceptance and the payment
    log={"inspection.refused": 1, "inspection.closed": 4, "inspection.feedback": 5, "case.closed": 1},
    notices={"inspection.feedback": 5},
    ledger={"inspect.accept": "met", "inspect.investigate": "met", "inspect.order_to_pay": "met",
            "inspect.order_to_correct": "cancelled"},
)

EDGE_PATHS = (*EDGE_PATHS, INSPECTION_EDGES)


def owned(today: date, *days: int) -> list[dict[str, Any]]:
    units = ("union", "legal_aid")
    return [{"task": f"落实第{i}项协商方案", "unit": units[i % 2], "post": "权益维护部部长", "person": f"经办人{i}",
             "due": (today + timedelta(days=d)).isoformat()} for i, d in enumerate(days)]


def minutes_due(*days: int) -> Any:
    return lambda today: {"plan": "用人单位分期支付拖欠工资，工会跟踪落实。", "actions": owned(today, *days)}


def done(action: int, **kw: Any) -> Send:
    return Send("meeting_action_done", kw.pop("unit", "union"), "agreed", {"action": action, "result": "已落实"},
                meeting=1, **kw)


def meeting(event: str, at: str, fields: Any = None, **kw: Any) -> Send:
    return Send(event, kw.pop("unit", "union"), at, fields or {}, meeting=1, **kw)


# A major group case's meeting, refused at every step it is not at (confirming before it is
# convened, a unit convening that does not convene it, minutes with an action already due, an
# action that is not there or not the sender's, or done already), convened for two invitees only;
# then the case's major flags cleared one by one.
MEETING_EDGES = CasePath(
    "major_meeting_edges", MAJOR_GROUP,
    (meeting("meeting_confirm", "proposed", unit="inspection", refused="not_now"),  # not convened
     meeting("meeting_convene", "proposed", {"place": "区人社局会议室"}, unit="inspection", refused="not_now"),
     meeting("meeting_action_done", "proposed", {"action": 1, "result": "已落实"}, refused="not_now"),
     meeting("meeting_convene", "proposed", lambda today: {"held_on": today.isoformat(), "place": "市总工会三楼会议室",
                                                          "invitees": ["inspection", "legal_aid"]}),
     meeting("meeting_convene", "convened", {"place": "市总工会三楼会议室"}, refused="not_now"),  # convened already
     meeting("meeting_confirm", "convened", unit="arbitration", refused="not_now"),  # not invited
     meeting("meeting_confirm", "convened", unit="inspection"),
     meeting("meeting_confirm", "convened", unit="inspection", refused="not_now"),  # confirmed already
     meeting("meeting_minutes", "convened", minutes_due(-1, 3), refused="not_now"),  # an action due yesterday
     meeting("meeting_minutes", "convened", minutes_due(1, 3), unit="inspection", refused="not_now"),  # not convener
     meeting("meeting_minutes", "convened", minutes_due(1, 3), ready=lambda m: "inspection" in m.confirmed),
     meeting("meeting_cancel", "agreed", {"reason": "无需再开"}, refused="not_now"),  # minutes recorded
     done(3, refused="not_now"),  # no such action
     done(1, unit="legal_aid", refused="not_now"),  # the union's
     # No time passes: the fault test fast-forwards the case's clock only, never its meeting's.
     done(1),
     done(1, refused="not_now"),  # done already
     done(2, unit="legal_aid", ready=lambda m: m.actions[0].state == "met"),
     Send("major_flag_clear", "union", "mediation", {"flag": "malicious_arrears", "reason": "无恶意欠薪情节"},
          refused="not_now"),  # not flagged
     Send("major_notice_retry", "union", "mediation", refused="not_now"),  # every unit was told
     Send("major_flag_clear", "union", "mediation", {"flag": "group", "reason": "多数劳动者已撤回"},
          ready=meeting_gone),
     Send("major_flag_clear", "union", "mediation", {"flag": "major", "reason": "欠薪金额经核实已减少"}),
     Send("mediation_agreement", "union", "mediation", agreement), PAID),
    PERFORMED,
    log={"major.notified": 1, "meeting.proposed": 1, "event.major_flag_clear": 2, "case.closed": 1},
    notices={"major.notify": 4},
    ledger={"major.notify": "met", "mediation.window": "met"},
    meeting={"meeting.proposed": 1, "meeting.convened": 1, "meeting.agreed": 1, "meeting.action_overdue": 0,
             "meeting.closed": 1},
)

EDGE_PATHS = (*EDGE_PATHS, MEETING_EDGES)


def late_agreement(today: date) -> dict[str, Any]:
    """Performed (or not) only after the confirmation windows have closed."""
    return {"terms": "用人单位四十日内支付拖欠工资", "amount": "3000.00",
            "performance_date": (today + timedelta(days=40)).isoformat()}


def consent(route: str, party: str, unit: str = "union", **kw: Any) -> Send:
    return Send("confirmation_consent", unit, "confirmation", {"route": route, "party": party}, **kw)


CONFIRMING = "confirmation"

# An agreement both parties take to court, which rules it invalid (every route check refused on the
# way); the other route's window closes unused; the agreement goes unperformed, the court refuses
# the payment order, and the worker does not go on to arbitration.
CONFIRMATION_EDGES = CasePath(
    "confirmation_invalid_payment_order_refused", {"consent": False},
    (Send("mediation_agreement", "union", "mediation", late_agreement),
     consent("judicial", "worker", "legal_aid", refused="not_now",
             ready=has_clock("mediation.performance", "running")),  # the union helps with this route
     Send("confirmation_filed", "union", CONFIRMING, {"route": "judicial"}, refused="not_now"),  # no consents
     consent("judicial", "worker"),
     consent("judicial", "worker", refused="not_now"),  # consented already
     consent("judicial", "employer"),
     Send("confirmation_filed", "union", CONFIRMING, {"route": "judicial"}),
     Send("confirmation_filed", "union", CONFIRMING, {"route": "judicial"}, refused="not_now"),  # filed already
     consent("arbitral", "worker", "legal_aid", refused="not_now"),  # the parties chose the court
     Send("judicial_confirmation_ruling", "court", CONFIRMING, {"valid": True}, refused="not_now"),  # not accepted
     Send("judicial_confirmation_accepted", "court", CONFIRMING, {"accepted": True},
          ready=has_clock("confirm.judicial.accept", "running")),
     Send("judicial_confirmation_ruling", "court", CONFIRMING, {"valid": False, "reason": "协议内容违反法律规定"},
          ready=has_clock("confirm.judicial.decide", "running")),
     Skip(lambda v: "仲裁审查确认" not in v.waiting_for, "the arbitral route's window closes unused",
          past="confirm.arbitral.apply"),
     Skip(lambda v: "支付令" in v.waiting_for, "the agreed date passes unpaid: the payment order opens",
          past="mediation.performance"),
     Send("payment_order_accepted", "court", CONFIRMING, {"accepted": True}, refused="not_now"),  # not applied
     Send("payment_order_applied", "legal_aid", CONFIRMING, {"court": "南昌市青山湖区人民法院"}),
     Send("payment_order_accepted", "court", CONFIRMING, {"accepted": False, "reason": "不符合支付令申请条件"},
          ready=has_clock("payment_order.accept", "running")),
     Send("case_withdrawn", "union", CONFIRMING, {"reason": "劳动者决定不申请仲裁"},
          ready=lambda v: "申请仲裁" in v.waiting_for)),
    "不申请仲裁",
    log={"confirmation.route_closed": 1, "confirmation.unperformed": 1, "payment_order.opened": 1, "case.closed": 1},
    notices={},
    ledger={"confirm.judicial.apply": "met", "confirm.arbitral.apply": "expired", "confirm.judicial.accept": "met",
            "confirm.judicial.decide": "met", "mediation.performance": "expired", "payment_order.accept": "met"},
)

EDGE_PATHS = (*EDGE_PATHS, CONFIRMATION_EDGES)
