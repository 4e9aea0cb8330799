"""Events a case must refuse, each changing nothing but its answer: a unit that may not send the
event, an event no unit's key signed (a unit that does not exist), a payload the schema rejects, a
name no stage declares, an event that does not fit the stage now, an event id reused for other
content or another event; and the same event twice, applied once. Between the refusals the case
walks rarely taken steps (legal aid's one-time request for documents)."""

from __future__ import annotations

from tests.paths import CasePath, Send, has_clock
from tests.paths.mediation import FAIL, REFUSE, WITHDRAW

REVIEW = "legal_aid_review"
ITEMS = {"items": ["身份证明", "经济困难证明"]}
SUPPLIED = {"note": "申请人已补交经济困难证明"}

REFUSAL_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "legal_aid_documents_refusals", {},
        (Send("legal_aid_documents_supplied", "legal_aid", REVIEW, SUPPLIED, refused="not_now"),  # none requested
         Send("legal_aid_lawyer_assigned", "legal_aid", REVIEW, {"lawyer": {"name": "赵律师"}}, refused="not_now"),
         Send("legal_aid_decision", "union", REVIEW, {"granted": True}, refused="wrong_actor"),
         Send("legal_aid_decision", "legal_aid", REVIEW, {"granted": False}, refused="invalid_payload"),  # no reason
         Send("no_such_event", "legal_aid", REVIEW, refused="unknown_event"),
         Send("legal_aid_documents_requested", "legal_aid", REVIEW, ITEMS,
              ready=has_clock("legal_aid.review", "running")),
         Send("legal_aid_documents_requested", "legal_aid", REVIEW, {"items": ["劳动合同"]}, refused="not_now"),  # once
         Send("legal_aid_documents_supplied", "legal_aid", REVIEW, SUPPLIED, ready=has_clock("legal_aid.review", "paused")),
         Send("legal_aid_documents_supplied", "legal_aid", REVIEW, SUPPLIED, again=7),  # the same event again
         Send("legal_aid_documents_supplied", "legal_aid", REVIEW, {"note": "另一说明"}, again=7, refused="conflict"),
         Send("legal_aid_decision", "legal_aid", REVIEW, {"granted": True}, again=7, refused="conflict"),
         Send("legal_aid_decision", "nobody", REVIEW, {"granted": True}, refused="unauthenticated"),  # no such unit: unsigned
         # arbitration's events before any application
         Send("arbitration_application", "legal_aid", REVIEW, refused="not_now"),  # not yet in mediation
         Send("arbitration_filed", "arbitration", REVIEW, refused="not_now"),
         Send("representatives_elected", "legal_aid", REVIEW, {"names": ["某某"]}, refused="not_now"),
         REFUSE,
         Send("legal_aid_decision", "legal_aid", "mediation", {"granted": True}, refused="not_now"),  # decided
         FAIL, WITHDRAW),
        "不申请仲裁",
        log={"legal_aid.referred": 1, "event.legal_aid_documents_requested": 1, "event.legal_aid_documents_supplied": 1,
             "event.legal_aid_decision": 1, "clock.paused": 2, "clock.resumed": 2, "case.closed": 1},
        notices={"legal_aid.decision": 1},
        ledger={"legal_aid.same_day_review": "met", "legal_aid.review": "met", "mediation.window": "met"},
    ),
)
