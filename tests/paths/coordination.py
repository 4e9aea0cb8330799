"""A major group case: escalated to all four liaisons the day it opens, with the consultation
meeting it proposes convened, its minutes recorded with two owned actions, both actions done; the
case then settles in mediation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.i18n import MEETING_TRACK
from domain.meetings import STATUS_WORDS
from tests.paths import CasePath, Check, Send, Skip
from tests.paths.mediation import PAID, PERFORMED, agreement

# Ten workers (a group case) claiming above the major amount (domain/defaults.toml).
MAJOR_GROUP = {"consent": False, "claimants": 10, "amount": "600000.00"}


def minutes(today: date) -> dict[str, Any]:
    return {"plan": "一、用人单位十日内先行支付拖欠工资的百分之五十；二、其余部分由工会组织协商。",
            "actions": [
                {"task": "组织用人单位与劳动者代表协商工资支付方案", "unit": "union", "post": "权益维护部部长",
                 "person": "章某", "due": (today + timedelta(days=3)).isoformat()},
                {"task": "为劳动者提供法律咨询", "unit": "legal_aid", "post": "公共法律服务管理科科长",
                 "person": "刘某", "due": (today + timedelta(days=5)).isoformat()}]}


def heard(words: str) -> Skip:
    """Wait until the case shows what its meeting last told it: a meeting tells a case only its
    status of the moment, so a step taken sooner could make the case skip one (the log count)."""
    check: Check = lambda v: any(name.startswith(MEETING_TRACK[0]) and shown == words
                                 for name, shown in v.tracks.items())
    return Skip(check, f"the case hears: {words}")


def meeting_gone(view: Any) -> bool:
    """The case heard that its meeting closed: nothing the meeting tells it can arrive after closure."""
    return not any(name.startswith(MEETING_TRACK[0]) for name in view.tracks)


COORDINATION_PATHS: tuple[CasePath, ...] = (
    CasePath(
        "major_group_meeting", MAJOR_GROUP,
        (heard(STATUS_WORDS["proposed"][0]),
         Send("meeting_convene", "union", "proposed", {"place": "市总工会三楼会议室"}, meeting=1),
         Send("meeting_confirm", "inspection", "convened", meeting=1),
         heard(STATUS_WORDS["convened"][0]),
         Send("meeting_minutes", "union", "convened", minutes, meeting=1, ready=lambda m: "inspection" in m.confirmed),
         heard("未完成事项 2"),
         Send("meeting_action_done", "union", "agreed", {"action": 1, "result": "双方达成分期支付意向"}, meeting=1),
         heard("未完成事项 1"),
         Send("meeting_action_done", "legal_aid", "agreed", {"action": 2, "result": "已提供法律咨询"}, meeting=1,
              ready=lambda m: m.actions[0].state == "met"),
         Send("mediation_agreement", "union", "mediation", agreement, ready=meeting_gone),
         PAID),
        PERFORMED,
        log={"major.notified": 1, "meeting.proposed": 1, "event.meeting_status": 5, "case.closed": 1},
        notices={"major.notify": 4},
        ledger={"major.notify": "met", "mediation.window": "met"},
        meeting={"meeting.proposed": 1, "meeting.convened": 1, "meeting.agreed": 1, "meeting.closed": 1},
    ),
)
