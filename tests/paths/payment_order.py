"""An unperformed mediation agreement: the payment order, the employer's objection, and the lawsuit
on the agreement through to an effective judgment the employer pays."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.paths import CasePath, Send, Skip, has_clock
from tests.paths.mediation import AGREE


def judgment(today: date) -> dict[str, Any]:
    return {"kind": "judgment", "summary": "判决用人单位支付拖欠工资 3000 元", "amount_awarded": "3000.00",
            "pay_by": (today + timedelta(days=60)).isoformat()}


PAYMENT_ORDER_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "payment_order_objection_lawsuit", {"consent": False},
        (AGREE,
         Skip(lambda v: "支付令" in v.waiting_for, "the agreed date passes unpaid: the payment order opens",
              after=has_clock("mediation.performance", "running"), past="mediation.performance"),
         Send("payment_order_applied", "legal_aid", "confirmation", {"court": "南昌市青山湖区人民法院"}),
         Send("payment_order_accepted", "court", "confirmation", {"accepted": True},
              ready=has_clock("payment_order.accept", "running")),
         Send("payment_order_issued", "court", "confirmation", ready=has_clock("payment_order.issue", "running")),
         Send("payment_order_objection", "court", "confirmation", {"reason": "用人单位对欠薪数额有异议"},
              ready=has_clock("payment_order.objection", "running")),
         Send("court_filing", "court", "litigation", {"procedure": "simplified"}, ready=has_clock("court.file", "running")),
         Send("court_decision", "court", "litigation", judgment, ready=has_clock("court.simplified", "running")),
         Skip(has_clock("judgment.performance", "running"), "nobody appeals: the judgment takes effect",
              after=has_clock("court.appeal", "running"), past="court.appeal"),
         Send("payment_received", "court", "litigation", {"amount": "3000.00"},
              ready=has_clock("judgment.performance", "running"))),
        "生效判决已履行",
        log={"event.mediation_agreement": 1, "confirmation.unperformed": 1, "payment_order.opened": 1,
             "event.payment_order_objection": 1, "litigation.opened": 1, "litigation.effective": 1,
             "case.closed": 1},
        ledger={"mediation.performance": "expired", "payment_order.accept": "met", "payment_order.issue": "met",
                "payment_order.objection": "met", "court.file": "met", "court.simplified": "met",
                "court.appeal": "expired", "judgment.performance": "met"},
    ),
)
