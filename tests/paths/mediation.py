"""Legal aid and mediation: referral and same-day review, agreement, failure and refusal, the
mediation window's pause, lapse and a year in mediation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.paths import CasePath, Send, Skip, has_clock, has_flag


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

MEDIATION_PATHS: tuple[CasePath, ...] = (
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

