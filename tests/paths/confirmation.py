"""Confirming a mediation agreement: judicial confirmation in court, then enforcement; arbitral
review by the arbitration commission, confirmed late after its review period lapsed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.paths import CasePath, Send, Skip, has_clock
from tests.paths.mediation import AGREE, agreement

# The review period counts working days (up to 15 days across a holiday week): the agreed date lies
# beyond it wherever the case starts, so the review lapses while the agreement is still to be performed.
PAY_WITHIN = 30  # days


def agreed_later(today: date) -> dict[str, Any]:
    return {**agreement(today), "performance_date": (today + timedelta(days=PAY_WITHIN)).isoformat()}


def consents(route: str, unit: str) -> tuple[Send, ...]:
    """Both parties choose the route (the agreement's performance clock runs once it is signed)."""
    return tuple(Send("confirmation_consent", unit, "confirmation", {"route": route, "party": party},
                      ready=has_clock("mediation.performance", "running")) for party in ("worker", "employer"))


CONFIRMATION_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "judicial_confirmation_enforced", {"consent": False},
        (AGREE, *consents("judicial", "union"),
         Send("confirmation_filed", "union", "confirmation", {"route": "judicial"}),
         Send("judicial_confirmation_accepted", "court", "confirmation", {"accepted": True},
              ready=has_clock("confirm.judicial.accept", "running")),
         Send("judicial_confirmation_ruling", "court", "confirmation", {"valid": True},
              ready=has_clock("confirm.judicial.decide", "running")),
         Skip(lambda v: "强制执行" in v.waiting_for, "the confirmed agreement goes unperformed",
              after=lambda v: "已经司法确认" in v.waiting_for, past="mediation.performance"),
         Send("enforcement_requested", "legal_aid", "confirmation", {"court": "南昌市红谷滩区人民法院"})),
        "强制执行",
        log={"clock.lapsed": 1, "case.closed": 1},
        notices={},
        ledger={"mediation.window": "met", "confirm.judicial.apply": "met", "confirm.arbitral.apply": "cancelled",
                "confirm.judicial.accept": "met", "confirm.judicial.decide": "met",
                "mediation.performance": "expired", "enforce.apply": "met"},
    ),
    CasePath(
        "arbitral_review_confirmed_late", {"consent": False},
        (Send("mediation_agreement", "union", "mediation", agreed_later), *consents("arbitral", "legal_aid"),
         Send("confirmation_filed", "legal_aid", "confirmation", {"route": "arbitral"}),
         Skip(has_clock("confirm.arbitral.review", "lapsed"), "the review period lapses",
              past="confirm.arbitral.review"),
         Send("arbitral_review_decision", "arbitration", "confirmation", {"confirmed": True}),
         Send("payment_received", "window", "confirmation", {"amount": "3000.00"},
              ready=lambda v: "已经仲裁审查确认" in v.waiting_for)),
        "调解协议已履行",
        log={"clock.lapsed": 1, "case.closed": 1},
        notices={"escalation": 2},
        ledger={"mediation.window": "met", "confirm.arbitral.apply": "met", "confirm.arbitral.review": "met_late",
                "confirm.judicial.apply": "cancelled", "mediation.performance": "met"},
    ),
)
