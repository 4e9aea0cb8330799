"""Arbitration: a direct filing to a mixed award and its enforcement; the award clock restarted,
paused and extended; arbitration after failed mediation with legal aid; the worker suing after
the award, through appeal, to an effective judgment and its enforcement; a postponed hearing and a
final award the employer fails to set aside; an application refused."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from domain.calendar import SHANGHAI
from tests.paths import CasePath, Send, Skip, always, has_clock
from tests.paths.mediation import FAIL, GRANT

DIRECT = {"channel": "arbitration", "consent": False}
COURT = "南昌市红谷滩区人民法院"
HEARING_IN = 12  # days from the case's first day: the award waits for the hearing
POSTPONED_BY = 2  # days the hearing moves on the worker's request
HELD_FOR = timedelta(hours=2)  # the award comes this long after the hearing opens


def hearing(today: date, moved: bool = False) -> datetime:
    """The hearing the notice sets (``moved``: the one it is postponed to)."""
    return datetime.combine(today + timedelta(days=HEARING_IN + (POSTPONED_BY if moved else 0)), time(9, 30),
                            SHANGHAI)


def notice(today: date) -> dict[str, Any]:
    at = hearing(today)
    return {"tribunal": {"chair": "示例仲裁员甲", "members": ["示例仲裁员乙", "示例仲裁员丙"]},
            "evidence_until": (at.date() - timedelta(days=3)).isoformat(),
            "hearing_at": at.isoformat(), "hearing_place": "南昌市劳动人事争议仲裁院第一仲裁庭"}


def claims(*pairs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"type": kind, "amount": amount} for kind, amount in pairs]


FILE = Send("arbitration_filed", "arbitration", "arbitration", ready=lambda v: "当天立案" in v.waiting_for)
NOTICE = Send("arbitration_notice", "arbitration", "arbitration", notice)
HEARING_HELD = Skip(always, "the hearing is held", to=lambda today: hearing(today) + HELD_FOR)
# The copy's window counts working days (5 to 15 days, by the holidays it spans): it may outlast the
# hearing, so a path that leaves the copy unserved skips past the window itself, then on to the hearing.
COPY_UNSERVED = Skip(has_clock("arb.serve_copy", "lapsed"), "the copy goes unserved", past="arb.serve_copy")
BOTH = ["worker", "employer"]


def postponed(today: date) -> dict[str, Any]:
    return {"hearing_at": hearing(today, moved=True).isoformat(), "hearing_place": "南昌市劳动人事争议仲裁院第二仲裁庭",
            "reason": "同意延期后重新排期"}


AWARD_CLOCK = has_clock("arb.award", "running")

ARBITRATION_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "direct_mixed_award_enforced",
        {**DIRECT, "claims": claims(("wages", "20000.00"), ("compensation", "30000.00"))},
        (FILE, NOTICE,
         Send("arbitration_partial_award", "arbitration", "arbitration",
              {"items": [{"type": "wages", "amount": "20000.00"}]}),
         Send("arbitration_advance_execution", "arbitration", "arbitration",
              {"items": [{"type": "wages", "amount": "20000.00"}]}),
         COPY_UNSERVED, HEARING_HELD,
         Send("arbitration_award", "arbitration", "arbitration",
              {"served_to": BOTH, "items": [{"type": "wages", "amount": "20000.00"},
                                            {"type": "compensation", "amount": "30000.00"}]}),
         Skip(lambda v: v.waiting_for.startswith("裁决已生效"), "every window closes unused",
              past="arb.final.employer_revokes"),
         Send("enforcement_applied", "legal_aid", "arbitration", {"court": COURT})),
        "申请强制执行仲裁裁决",
        # the copy is never served (lapses, escalated, met late at the award); the four windows expire
        log={"case.opened": 1, "clock.lapsed": 6, "arbitration.award_effective": 1, "case.closed": 1},
        notices={"arb.one_time_notice": 2, "escalation": 2},
        ledger={"arb.same_day_filing": "met", "arb.one_time_notice": "met", "arb.serve_copy": "met_late",
                "arb.postpone_request": "expired", "arb.award": "met", "arb.final.worker_sues": "expired",
                "arb.final.employer_revokes": "expired", "arb.nonfinal.sue": "expired", "enforce.apply": "met"},
    ),
    CasePath(
        "award_clock_restarted_paused_extended", DIRECT,
        # The notices go out and the copy's window lapses first: no working-day window races the five
        # days' suspension (5 working days may be just 5 days, with a make-up working weekend).
        (FILE, NOTICE, COPY_UNSERVED,
         Send("arbitration_award_clock_restart", "arbitration", "arbitration",
              {"cause": "claims_changed", "reason": "申请人增加加班费请求",
               "added_claims": claims(("overtime", "3000.00"))}, ready=AWARD_CLOCK),
         Send("arbitration_suspended", "arbitration", "arbitration",
              {"cause": "suspension", "reason": "申请人因工伤住院，无法参加仲裁"}, ready=AWARD_CLOCK),
         Skip(has_clock("arb.award", "paused"), "five days pass while suspended", days=5),
         Send("arbitration_resumed", "arbitration", "arbitration", {"reason": "申请人出院"},
              ready=has_clock("arb.award", "paused")),
         Send("arbitration_award_extended", "arbitration", "arbitration",
              {"approver": "示例主任", "reason": "案情复杂，需要延期"}, ready=AWARD_CLOCK),
         HEARING_HELD,
         Send("arbitration_award", "arbitration", "arbitration",
              {"served_to": BOTH, "items": [{"type": "wages", "amount": "3000.00"}]}),
         Send("award_performed", "legal_aid", "arbitration", {"amount": "3000.00"})),
        "用人单位已履行仲裁裁决",
        log={"clock.restarted": 1, "clock.paused": 1, "clock.resumed": 1, "clock.extended": 1, "clock.lapsed": 2,
             "case.closed": 1},
        notices={"arb.award_extended": 2, "arb.one_time_notice": 2, "escalation": 2},
        ledger={"arb.same_day_filing": "met", "arb.serve_copy": "met_late", "arb.postpone_request": "expired",
                "arb.award": "met", "arb.final.worker_sues": "cancelled", "arb.final.employer_revokes": "cancelled"},
    ),
    CasePath(
        "mediation_failed_aid_arbitration", {},
        (GRANT, FAIL,
         Send("arbitration_application", "legal_aid", "mediation", ready=lambda v: "申请仲裁" in v.waiting_for),
         FILE, NOTICE,
         Send("arbitration_copy_served", "arbitration", "arbitration"),
         Send("arbitration_defence_filed", "arbitration", "arbitration"),
         HEARING_HELD,
         Send("arbitration_award", "arbitration", "arbitration",
              {"served_to": BOTH, "items": [{"type": "wages", "amount": "3000.00"}]}),
         Send("award_performed", "legal_aid", "arbitration", {"amount": "3000.00"})),
        "用人单位已履行仲裁裁决",
        log={"event.arbitration_application": 1, "clock.lapsed": 1, "case.closed": 1},
        notices={"legal_aid.decision": 1, "arb.one_time_notice": 2},
        ledger={"legal_aid.review": "met", "mediation.window": "met", "arb.same_day_filing": "met",
                "arb.serve_copy": "met", "arb.defence": "met", "arb.postpone_request": "expired", "arb.award": "met",
                "arb.final.worker_sues": "cancelled", "arb.final.employer_revokes": "cancelled"},
    ),
    CasePath(
        "award_sued_appealed_enforced", {**DIRECT, "claims": claims(("compensation", "50000.00"))},
        (FILE, NOTICE, COPY_UNSERVED, HEARING_HELD,
         Send("arbitration_award", "arbitration", "arbitration",
              {"served_to": BOTH, "items": [{"type": "compensation", "amount": "50000.00"}]}),
         Send("lawsuit_filed", "legal_aid", "arbitration", {"party": "worker", "court": COURT}),
         Send("court_filing", "court", "litigation", {"procedure": "simplified"}, ready=has_clock("court.file")),
         Send("court_decision", "court", "litigation",
              {"kind": "judgment", "summary": "被告支付经济补偿30000元", "amount_awarded": "30000.00"},
              ready=has_clock("court.simplified")),
         Send("court_appeal", "court", "litigation", {"appellant": "employer"}, ready=has_clock("court.appeal")),
         Send("court_decision", "court", "litigation",
              lambda today: {"kind": "judgment", "summary": "驳回上诉，维持原判", "amount_awarded": "30000.00",
                             "pay_by": (today + timedelta(days=40)).isoformat()},
              ready=has_clock("court.second_instance")),
         Skip(lambda v: "强制执行" in v.waiting_for, "the judgment goes unperformed",
              past="judgment.performance"),
         Send("enforcement_requested", "legal_aid", "litigation", {"court": COURT})),
        "申请强制执行",
        log={"clock.lapsed": 4, "case.closed": 1},
        notices={"arb.one_time_notice": 2, "escalation": 2},
        ledger={"arb.serve_copy": "met_late", "arb.award": "met", "arb.nonfinal.sue": "expired", "court.file": "met",
                "court.simplified": "met", "court.appeal": "met", "court.second_instance": "met",
                "judgment.performance": "expired", "enforce.apply": "met"},
    ),
    CasePath(
        "postponed_final_award_set_aside_dismissed", {**DIRECT, "claims": claims(("wages", "5000.00"))},
        (FILE, NOTICE,
         Send("arbitration_postponement_requested", "legal_aid", "arbitration",
              {"party": "worker", "reason": "申请人代理律师另有开庭"}),
         Send("arbitration_hearing_changed", "arbitration", "arbitration", postponed),
         Send("arbitration_copy_served", "arbitration", "arbitration"),
         # filed, so the defence window (working days, maybe across a holiday) never races the skip
         Send("arbitration_defence_filed", "arbitration", "arbitration"),
         Skip(always, "the postponed hearing is held", to=lambda today: hearing(today, moved=True) + HELD_FOR),
         Send("arbitration_award", "arbitration", "arbitration",
              {"served_to": ["worker"], "items": [{"type": "wages", "amount": "5000.00"}]}),
         Send("award_served", "arbitration", "arbitration", {"party": "employer"}),
         Send("award_set_aside_applied", "court", "arbitration", {"court": "南昌市中级人民法院"}),
         Send("award_set_aside_ruling", "court", "arbitration", {"set_aside": False, "reason": "仲裁程序合法"}),
         Skip(lambda v: v.waiting_for.startswith("裁决已生效"), "the worker's window closes unused",
              past="arb.final.worker_sues"),
         Send("award_performed", "legal_aid", "arbitration", {"amount": "5000.00"})),
        "用人单位已履行仲裁裁决",
        log={"event.award_set_aside_applied": 1, "event.award_set_aside_ruling": 1, "clock.lapsed": 2,
             "arbitration.award_effective": 1, "case.closed": 1},
        notices={"arb.one_time_notice": 2, "arb.hearing_changed": 2},
        # the new hearing opens a new request window, which then expires unused
        ledger={"arb.postpone_request": "expired", "arb.hearing_notice": "met", "arb.serve_copy": "met", "arb.defence": "met",
                "arb.award": "met", "arb.final.worker_sues": "expired", "arb.final.employer_revokes": "met",
                "enforce.apply": "met"},
    ),
    CasePath(
        "arbitration_refused", DIRECT,
        (Send("arbitration_refused", "arbitration", "arbitration", {"reason": "不属于劳动争议受理范围"}),),
        "不予受理",
        log={"case.closed": 1},
        notices={"arb.refusal": 1},
        ledger={"arb.same_day_filing": "cancelled"},
    ),
)
