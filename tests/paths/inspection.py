"""Labour inspection beside the main flow: a complaint investigated, ordered and handed over to
arbitration; an order to pay that lapses into the malicious-arrears transfer to the police; evidence
requests answered in time and late."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.paths import CasePath, Send, Skip, has_clock
from tests.paths.mediation import AGREE, FAIL, PAID, PERFORMED, WITHDRAW


def track(starts: str, name: str = "inspection") -> Any:
    return lambda v: v.tracks.get(name, "").startswith(starts)


def order(kind: str, **terms: Any) -> Any:
    """An order with its date five days on (the walk's today: the case has not skipped time yet)."""
    return lambda today: {"kind": kind, "by": (today + timedelta(days=5)).isoformat(), **terms}


ACCEPT = Send("inspection_accept", "inspection", "mediation", {"file_number": "洪人社监立〔2026〕1号"},
              ready=track("投诉待受理"))
NOT_APPLYING = "不申请仲裁"

INSPECTION_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "inspection_order_handed_to_arbitration", {"channel": "inspection", "consent": False},
        (ACCEPT,
         Send("inspection_negotiation", "inspection", "mediation", {"result": "failed", "reason": "用人单位不同意支付"},
              ready=track("已受理立案")),
         Send("inspection_decision", "inspection", "mediation",
              order("order_to_correct", matters="限期足额支付拖欠工资并提交工资台账"), ready=track("正式立案调查")),
         Skip(track("指令逾期未履行"), "the order's date passes uncorrected", after=track("责令于"),
              past="inspect.order_to_correct"),
         Send("inspection_decision", "inspection", "mediation",
              {"kind": "hand_over", "to": "arbitration", "reason": "用人单位拒不改正，劳动者请求经仲裁解决"}),
         Send("arbitration_filed", "arbitration", "arbitration", ready=has_clock("arb.accept", "running")),
         Send("case_withdrawn", "inspection", "arbitration", {"reason": "劳动者撤回仲裁申请"},
              ready=has_clock("arb.one_time_notice", "running"))),
        "撤回仲裁申请",
        log={"inspection.investigation": 1, "inspection.closed": 1, "arbitration.applied": 1,
             "event.inspection_decision": 2, "case.closed": 1},
        notices={"mediation.worker_applied": 1},
        ledger={"inspect.accept": "met", "inspect.investigate": "met", "inspect.order_to_correct": "expired",
                "arb.same_day_filing": "met"},
    ),
    CasePath(
        "malicious_arrears_police_transfer", {"channel": "inspection", "consent": False, "amount": "12600.00"},
        (ACCEPT,
         # Inspection mediates the main flow: the employer's refusal is also the failed negotiation.
         Send("employer_refuses_mediation", "inspection", "mediation", {"reason": "拒不到场"}, ready=track("已受理立案")),
         Send("case_withdrawn", "window", "mediation", {"reason": "劳动者由监察处理，不申请仲裁"},
              ready=lambda v: "申请仲裁" in v.waiting_for),
         Send("inspection_decision", "inspection", "mediation", order("order_to_pay", amount="12600.00"),
              ready=track("正式立案调查")),
         Skip(track("涉嫌恶意欠薪"), "the order lapses unpaid above the threshold", after=track("责令于"),
              past="inspect.order_to_pay"),
         Send("arrears_summons_served", "inspection", "mediation",
              lambda today: {"method": "signed_receipt", "received_on": today.isoformat()},
              ready=track("涉嫌恶意欠薪")),
         Send("police_transfer_decision", "inspection", "mediation", {"approved": True, "approver": "张支队长"},
              ready=track("待负责人")),
         Send("police_transfer_sent", "inspection", "mediation", {"police_unit": "南昌市公安局青山湖分局"},
              ready=track("已批准移送")),
         Send("police_transfer_answer", "inspection", "mediation", {"filed": True}, ready=track("已移送"))),
        NOT_APPLYING,
        log={"arrears.flagged": 1, "arrears.closed": 0, "major.notified": 1, "meeting.proposed": 1,
             "inspection.closed": 1, "case.closed": 1},
        notices={"major.notify": 4},
        ledger={"inspect.accept": "met", "inspect.order_to_pay": "expired", "police.transfer": "met",
                "police.transfer.send": "met", "police.transfer.decide": "met", "major.notify": "met"},
    ),
    CasePath(
        "evidence_request_answered", {"consent": False},
        (Send("evidence_request", "legal_aid", "mediation",
              {"items": ["工资发放记录", "考勤表"], "reason": "用人单位拒绝向代理律师提供"}),
         Send("evidence_result", "inspection", "mediation",
              {"request": 1, "result": "partly", "obtained": ["工资发放记录"]},
              ready=has_clock("inspect.evidence", "running")),
         AGREE, PAID),
        PERFORMED,
        log={"evidence.feedback": 1, "event.evidence_result": 1, "case.closed": 1},
        notices={"evidence.feedback": 1},
        ledger={"inspect.evidence": "met", "mediation.window": "met"},
    ),
    CasePath(
        # After the failed mediation nothing else runs, so only the request's own clock lapses.
        "evidence_request_lapsed", {"consent": False},
        (FAIL,
         Send("evidence_request", "union", "mediation", {"items": ["劳动合同"], "holder": "project_lead",
                                                         "reason": "项目负责人拒不出示"},
              ready=lambda v: "申请仲裁" in v.waiting_for),
         Skip(has_clock("inspect.evidence", "lapsed"), "the request lapses unanswered and escalates",
              after=has_clock("inspect.evidence", "running"), past="inspect.evidence"),
         Send("evidence_result", "inspection", "mediation", {"request": 1, "result": "not_found"},
              ready=has_clock("inspect.evidence", "lapsed")),
         WITHDRAW),
        NOT_APPLYING,
        log={"evidence.feedback": 1, "clock.lapsed": 1, "case.closed": 1},
        notices={"evidence.feedback": 1, "escalation": 2},
        ledger={"inspect.evidence": "met_late"},
    ),
)
