"""Evidence help [Plan 三(四)]: legal aid, a union platform or the arbitration commission cannot get
evidence and asks inspection, which tells the employer (or the project lead) to explain, retrieves
and copies the evidence, and reports back to the requester through the outbox.

Each request runs as its own coroutine on its own clock (``inspect.evidence``: the plan sets no
period, 10 working days is a configurable default) and always ends with a coded result: obtained,
partly, refused by the employer, not found, or withdrawn. A lapsed request escalates (the rule's
lapse action) and still waits for its answer; closure answers every open request as withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.inspection import InspectionDesk
    from domain.events.inspection import EVIDENCE_RESULTS, HOLDERS, EvidenceRequest, EvidenceResult, EvidenceWithdrawn
    from domain.i18n import AGENCY
    from domain.models import Agency

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.tracks import Track

REQUESTERS = {Agency.LEGAL_AID, Agency.UNION, Agency.ARBITRATION}


@dataclass
class Request:
    number: int
    requester: Agency
    items: list[str]
    holder: str
    received_at: datetime
    result: str | None = None  # a code of EVIDENCE_RESULTS once answered
    obtained: list[str] = field(default_factory=list)
    note: str | None = None
    clock: Clock | None = None
    done: bool = False  # answered and reported back

    @property
    def who(self) -> str:
        return AGENCY[self.requester.value][0]


class EvidenceHelp:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case
        self.track = Track(case, "evidence")
        self.requests: dict[int, Request] = {}
        self.closing = False

    def wind_up(self, note: str) -> None:
        """Closure: no new requests; every open one is answered as withdrawn (and reported back)."""
        self.closing = True
        for req in self.requests.values():
            if req.result is None:
                req.result, req.note = "withdrawn", note

    async def _serve(self, req: Request) -> None:
        case = self.case
        holder = HOLDERS[req.holder]
        await case.hand_over(InspectionDesk.notify_employer_to_explain, Agency.INSPECTION, "evidence.explain",
                             f"通知{holder}说明情况（调取证据请求{req.number}）{case.number}")
        await case.hand_over(InspectionDesk.retrieve_evidence, Agency.INSPECTION, "evidence.retrieve",
                             f"调取、复制证据：{'、'.join(req.items)}（请求{req.number}）{case.number}")
        req.clock = await case.clocks.start("inspect.evidence", key=f"inspect.evidence:{req.number}",
                                            responsible=Agency.INSPECTION, on_lapse=self._lapsed)
        self._show()
        await workflow.wait_condition(lambda: req.result is not None)
        if req.result == "withdrawn":
            await req.clock.withdraw(req.note or "请求撤回", req.note or "the request was withdrawn")
        else:
            await req.clock.complete()
        await self._report_back(req)
        req.done = True
        self._show()

    async def _report_back(self, req: Request) -> None:
        case = self.case
        assert req.result is not None
        label = EVIDENCE_RESULTS[req.result][0]
        body = (f"贵单位于 {case.local_time(req.received_at)} 请求协助调取的证据（{'、'.join(req.items)}；"
                f"持有人：{HOLDERS[req.holder]}），办理结果：{label}。")
        if req.obtained:
            body += f"已调取并复制：{'、'.join(req.obtained)}。"
        missing = [item for item in req.items if item not in req.obtained]
        if req.result in ("partly", "refused_by_employer", "not_found") and missing:
            body += f"未能调取：{'、'.join(missing)}。"
        if req.note:
            body += f"说明：{req.note}"
        await case.notify(req.requester, "evidence.feedback", f"调取证据结果反馈 {case.number}（请求{req.number}）",
                          body, key=f"evidence:{req.number}:feedback")
        case.fact(f"调取证据请求{req.number}（{req.who}）：{label}，已向{req.who}反馈",
                  f"evidence request {req.number} ({AGENCY[req.requester.value][1]}): "
                  f"{EVIDENCE_RESULTS[req.result][1]}, reported back")
        await case.record("evidence.feedback", f"已向{req.who}反馈调取证据请求{req.number}的结果：{label}",
                          f"reported the result of evidence request {req.number} to "
                          f"{AGENCY[req.requester.value][1]}: {EVIDENCE_RESULTS[req.result][1]}")

    async def _lapsed(self, clock: Clock) -> None:
        req = next(r for r in self.requests.values() if r.clock is clock)
        self.case.fact(f"调取证据请求{req.number}（{req.who}）逾期未办结，已上报劳动保障监察联络员及负责人",
                       f"evidence request {req.number} ({AGENCY[req.requester.value][1]}) not done in time: "
                       "reported to labour inspection's liaison and head")
        self._show()

    def _show(self) -> None:
        parts, parts_en = [], []
        for req in self.requests.values():
            if req.done:
                continue
            if req.result is not None:
                state, state_en = "已办结，正在反馈", "done, reporting back"
            elif req.clock is None:
                state, state_en = "登记中", "registering"
            elif req.clock.state == "lapsed":
                state = f"已逾期（{self.case.local_time(req.clock.due)}），已上报"
                state_en = f"overdue ({req.clock.due_text_en}), reported"
            else:
                state = f"办理中，{self.case.local_time(req.clock.due)} 前反馈"
                state_en = f"in hand, to report back by {req.clock.due_text_en}"
            parts.append(f"请求{req.number}（{req.who}）{state}")
            parts_en.append(f"request {req.number} ({AGENCY[req.requester.value][1]}) {state_en}")
        if parts:
            self.track.show("；".join(parts), "; ".join(parts_en))

    # ---- events --------------------------------------------------------------------------------

    def _can_request(self, _: object) -> Said | None:
        return ("案件主程序已结束，不再受理调取证据请求", "the case is closing") if self.closing else None

    def _answerable(self, event: EvidenceResult | EvidenceWithdrawn) -> Said | None:
        req = self.requests.get(event.request)
        if req is None:
            return f"没有第{event.request}项调取证据请求", f"no evidence request {event.request}"
        if req.result is not None:
            return f"第{event.request}项请求已有结果", f"request {event.request} is already answered"
        return None

    def _can_withdraw(self, event: EvidenceWithdrawn) -> Said | None:
        why = self._answerable(event)
        if why is None and event.actor.unit != self.requests[event.request].requester:
            return "只有提出请求的单位可以撤回", "only the requesting unit may withdraw it"
        return why

    @case_event("evidence_request", EvidenceRequest, actors=REQUESTERS,
                title=("请求劳动保障监察协助调取证据", "ask inspection to obtain evidence"), when=_can_request)
    async def request(self, event: EvidenceRequest) -> Said:
        number = len(self.requests) + 1
        req = Request(number, event.actor.unit, list(event.items), event.holder, received_at=workflow.now())
        self.requests[number] = req
        self.track.spawn(self._serve(req), f"请求{number}（{req.who}）登记中",
                         f"request {number} ({AGENCY[req.requester.value][1]}) registering")
        return (f"已登记调取证据请求{number}：劳动保障监察将通知{HOLDERS[event.holder]}说明情况、调取复制证据，"
                f"办结后向{req.who}反馈", f"evidence request {number} registered")

    @case_event("evidence_result", EvidenceResult, actors={Agency.INSPECTION},
                title=("记录调取证据结果", "record the result of an evidence request"), when=_answerable)
    async def answer(self, event: EvidenceResult) -> Said:
        req = self.requests[event.request]
        req.result, req.obtained, req.note = event.result, list(event.obtained), event.note
        label = EVIDENCE_RESULTS[event.result]
        return (f"已记录调取证据请求{req.number}的结果：{label[0]}，将向{req.who}反馈",
                f"evidence request {req.number}: {label[1]}")

    @case_event("evidence_withdrawn", EvidenceWithdrawn, actors=REQUESTERS,
                title=("撤回调取证据请求", "withdraw an evidence request"), when=_can_withdraw)
    async def withdraw(self, event: EvidenceWithdrawn) -> Said:
        req = self.requests[event.request]
        req.result, req.note = "withdrawn", event.reason
        return f"调取证据请求{req.number}已撤回", f"evidence request {req.number} withdrawn"
