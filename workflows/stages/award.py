"""After the award [Plan 三(五)]: the parties' windows, set-aside, the award taking effect, performance
and enforcement.

Windows open per party on receipt of the award: for final items the worker may sue (15 days, LDMA
Art 48) and the employer may apply to the intermediate court to set the award aside (30 days, LDMA
Art 49; not once the worker has sued, SPC-L1 Art 21); for non-final items either party may sue
(15 days, LDMA Art 50). When every window has closed with nobody suing, the award takes effect and
the enforcement window runs (LDMA Art 51; CPL Art 250).

Each window runs from the day the award was served on that party (``served_on`` of the award or of
``award_served``), not from when the service was recorded. A lawsuit or a set-aside application
posted within its window (``mailed_on``) is in time though it arrives after the window ran out in the
system (CPL Art 85): it is taken while the arbitration track is still open, and an award that took
effect when the windows ran out did not, after all — the performance and enforcement clocks are
withdrawn and the lawsuit (or the set-aside) goes on. Once the 15 days to sue after a set-aside have
run out the track ends with the case; a complaint posted in time that arrives after that is not
recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.arbitration import PARTY, AwardLine, Party
    from domain.calendar import SHANGHAI, local_text
    from domain.events.arbitration import (
        Award,
        AwardPerformed,
        AwardServed,
        EnforcementApplied,
        SetAsideApplied,
        SetAsideRuling,
    )
    from domain.events.base import service_moment
    from domain.i18n import Lang
    from domain.models import Agency

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime

if TYPE_CHECKING:
    from workflows.stages.arbitration import Arbitration

# A party's act reaches the case through the unit helping it, or is recorded by the commission
# or the court that received it.
PARTY_SENDERS = {Agency.LEGAL_AID, Agency.UNION, Agency.WINDOW, Agency.ARBITRATION, Agency.COURT}
SET_ASIDE = "撤销终局裁决申请"  # the track shown beside the stage while the court reviews it


@dataclass
class ArbitrationResult:
    """How the arbitration track ended; ``litigation`` tells the case that a lawsuit follows."""

    kind: str  # refused | withdrawn | litigation | performed | enforcement | time_barred | not_sued
    outcome: str  # for the case's closure: in Chinese, and in English
    outcome_en: str
    plaintiff: Party | None = None

    @property
    def litigation(self) -> bool:
        return self.kind == "litigation"


def describe(lines: list[AwardLine], lang: Lang = "zh") -> str:
    sep, final, other = ("；", "终局：", "非终局：") if lang == "zh" else ("; ", "final: ", "not final: ")
    finals = sep.join(line.item.label(lang) for line in lines if line.final)
    others = sep.join(line.item.label(lang) for line in lines if not line.final)
    return sep.join(part for part in (f"{final}{finals}" if finals else "", f"{other}{others}" if others else "")
                    if part)


class AwardWindows:
    def __init__(self, case: CaseRuntime, stage: Arbitration) -> None:
        self.case, self.stage = case, stage
        self.lines: list[AwardLine] | None = None
        self.award: Award | None = None
        self.served: list[Party] = []
        self.windows: dict[str, Clock] = {}  # "worker.final", "worker.nonfinal", "employer.final", ...
        self.suits: list[Party] = []
        self.set_aside: str | None = None  # pending | set_aside | dismissed
        self.effective = False
        self.after: dict[str, Clock] = {}  # arb.performance, enforce.apply, arb.set_aside.sue
        self.made_on: date | None = None

    @property
    def finals(self) -> list[AwardLine]:
        return [line for line in self.lines or [] if line.final]

    @property
    def nonfinals(self) -> list[AwardLine]:
        return [line for line in self.lines or [] if not line.final]

    def _open(self, table: dict[str, Clock], key: str) -> Clock | None:
        clock = table.get(key)
        return clock if clock is not None and clock.is_open else None

    def _usable(self, key: str, mailed_on: date | None) -> Clock | None:
        """The party's window, open, or run out with the filing posted within it (CPL Art 85)."""
        clock = self.windows.get(key)
        if clock is not None and (clock.is_open or (clock.state == "expired" and clock.mailed_in_time(mailed_on))):
            return clock
        return None

    async def _not_effective(self, what: Said, mailed_on: date | None) -> None:
        """A filing posted in time came after the windows ran out: the award did not take effect."""
        if not self.effective:
            return
        self.effective = False
        line = f"{what[0]}的邮寄日期 {mailed_on} 在期间内，不算过期（CPL Art 85）：仲裁裁决未发生法律效力"
        en = (f"{what[1]} was posted on {mailed_on}, within the period, so it is in time (CPL Art 85): "
              "the award has not taken effect")
        for key in ("arb.performance", "enforce.apply"):
            if clock := self.after.pop(key, None):
                await clock.cancel(line, en)
        self.case.fact(line, en)
        await self.case.record("arbitration.award_not_effective", line, en)

    # ---- driven by the arbitration stage -------------------------------------------------------

    async def open(self, lines: list[AwardLine], award: Award) -> None:
        self.lines, self.award = lines, award
        self.made_on = workflow.now().astimezone(SHANGHAI).date()
        self.case.fact(f"仲裁裁决：{describe(lines)}", f"award: {describe(lines, 'en')}")
        for line in lines:
            self.case.fact(line.basis, line.basis_en)
        if self.finals and self.nonfinals:
            self.case.fact("裁决同时含终局和非终局事项：当事人就该裁决起诉的，按非终局裁决处理（SPC-L1 ◐）",
                           "the award has final and non-final items: a suit against it treats it as non-final "
                           "(SPC-L1 ◐)")
        for party in dict.fromkeys(award.served_to):
            await self._serve(party, award)

    def may_sue(self, party: Party, mailed_on: date | None = None) -> Said | None:
        if self.set_aside == "set_aside":
            if self._open(self.after, "arb.set_aside.sue"):
                return None
            return "裁决撤销后的起诉期间已届满", "the time to sue after the set-aside has passed"
        if party == "employer" and not self.nonfinals:
            return ("终局裁决用人单位不能起诉，只能向中级人民法院申请撤销（LDMA Art 48–49）",
                    "the employer cannot sue against a final award, only apply to set it aside (LDMA Art 48-49)")
        if self._usable(f"{party}.final", mailed_on) or self._usable(f"{party}.nonfinal", mailed_on):
            return None
        if party not in self.served:
            return f"裁决书尚未送达{PARTY[party][0]}", f"the award has not been served on {PARTY[party][1]}"
        return f"{PARTY[party][0]}的起诉期间已届满", f"{PARTY[party][1]}'s time to sue has passed"

    async def sued(self, party: Party, mailed_on: date | None = None) -> None:
        self.suits.append(party)
        for key in (f"{party}.final", f"{party}.nonfinal"):
            if window := self._usable(key, mailed_on):
                await window.complete(mailed_on=mailed_on)
        await self._not_effective((f"{PARTY[party][0]}起诉", f"the suit by {PARTY[party][1]}"), mailed_on)
        if clock := self._open(self.after, "arb.set_aside.sue"):
            await clock.complete()
        if party == "worker" and self.set_aside == "pending":
            self.set_aside = "dismissed"
            self.case.end_track(SET_ASIDE)
            self.case.fact("劳动者已就终局裁决起诉：用人单位撤销仲裁裁决的申请依法驳回（SPC-L1 Art 21）",
                           "the worker sued over the final award: the employer's set-aside application is dismissed "
                           "(SPC-L1 Art 21)")
            await self.case.record("arbitration.set_aside_refused",
                                   "劳动者已就终局裁决向基层人民法院起诉，用人单位撤销仲裁裁决的申请不予受理、已受理的"
                                   "驳回（SPC-L1 Art 21）", self.case.facts_en[-1])

    def waiting(self) -> Said:
        if self.set_aside == "set_aside" and (clock := self._open(self.after, "arb.set_aside.sue")):
            return (f"终局裁决已被撤销：当事人可以就该争议起诉，截止 {_t(clock)}",
                    "the award was set aside: either party may sue")
        if self.set_aside == "pending":
            return "用人单位申请撤销终局裁决：等待中级人民法院裁定", "the intermediate court to rule on the set-aside"
        if perform := self._open(self.after, "arb.performance"):
            return f"裁决已生效：等待用人单位按期履行，截止 {_t(perform)}", "the effective award to be performed"
        if enforce := self._open(self.after, "enforce.apply"):
            return (f"裁决已生效：等待用人单位履行或劳动者申请强制执行，截止 {_t(enforce)}",
                    "performance of the award, or an application for enforcement")
        unserved = [PARTY[p][0] for p in ("worker", "employer") if p not in self.served]
        if unserved:
            return f"裁决已作出：等待向{'、'.join(unserved)}送达裁决书", "the award to be served"
        open_windows = [c for c in self.windows.values() if c.is_open]
        last = max(open_windows, key=lambda c: c.due) if open_windows else None
        until = f"，截止 {_t(last)}" if last else ""
        return f"裁决已送达：等待当事人起诉、申请撤销或期间届满{until}", "the parties' windows to sue or set aside"

    # ---- windows and effect --------------------------------------------------------------------

    async def _serve(self, party: Party, event: Award | AwardServed) -> None:
        """The party's windows run from the day it was served (a window already past lapses at once)."""
        self.served.append(party)
        start = self.case.clocks.start
        since = service_moment(event.served_on, workflow.now())
        if party == "worker":
            if self.finals:
                self.windows["worker.final"] = await start("arb.final.worker_sues", on_lapse=self._closed, since=since)
            if self.nonfinals:
                self.windows["worker.nonfinal"] = await start(
                    "arb.nonfinal.sue", key="arb.nonfinal.sue:worker", on_lapse=self._closed, since=since)
        else:
            if self.finals:
                self.windows["employer.final"] = await start("arb.final.employer_revokes", on_lapse=self._closed,
                                                             since=since)
            if self.nonfinals:
                self.windows["employer.nonfinal"] = await start(
                    "arb.nonfinal.sue", key="arb.nonfinal.sue:employer", on_lapse=self._closed, since=since)

    async def _closed(self, _: Clock) -> None:
        await self._settle()
        self.stage.show()

    async def _settle(self) -> None:
        """Every window closed, nobody sued, nothing pending: the award takes effect."""
        if self.effective or self.suits or self.set_aside in ("pending", "set_aside") or len(self.served) < 2:
            return
        if any(c.is_open for c in self.windows.values()):
            return
        self.effective = True
        self.case.fact("仲裁裁决发生法律效力：终局事项自作出之日起生效（LDMA Art 47），"
                       "非终局事项期满未起诉生效（LDMA Art 50）",
                       "the award has taken effect: final items from the day it was made (LDMA Art 47), non-final "
                       "items once the time to sue passed (LDMA Art 50)")
        await self.case.record("arbitration.award_effective",
                               "当事人未在法定期间内起诉或申请撤销：仲裁裁决发生法律效力", self.case.facts_en[-1])
        assert self.award is not None
        today = workflow.now().astimezone(SHANGHAI).date()
        if self.award.performance_date and self.award.performance_date > today:
            self.after["arb.performance"] = await self.case.clocks.start(
                "arb.performance", on_date=self.award.performance_date, on_lapse=self._unperformed)
        else:
            await self._enforceable()

    async def _unperformed(self, _: Clock) -> None:
        self.case.fact("用人单位未在裁决确定的期限内履行：劳动者可以申请人民法院强制执行",
                       "the employer did not perform by the award's date: the worker may apply to the court for "
                       "enforcement")
        await self._enforceable()
        self.stage.show()

    async def _enforceable(self) -> None:
        """CPL Art 250 counts from the last day of performance the award set, else from the day it
        took effect: an all-final award on the day it was made (LDMA Art 47), one with non-final
        items once nobody sued in time (LDMA Art 50), i.e. now."""
        assert self.award is not None and self.made_on is not None
        effective = self.made_on if not self.nonfinals else workflow.now().astimezone(SHANGHAI).date()
        perform_by = self.award.performance_date
        since = max(perform_by, effective) if perform_by else effective
        self.after["enforce.apply"] = await self.case.clocks.start("enforce.apply", on_date=since,
                                                                   on_lapse=self._time_barred)

    async def _time_barred(self, _: Clock) -> None:
        self.stage.finish(ArbitrationResult(
            "time_barred", "仲裁裁决已生效，劳动者未在申请执行期间内申请强制执行（LDMA Art 51；CPL Art 250）",
            "the award took effect and the worker did not apply for enforcement in time (LDMA Art 51; CPL Art 250)"))

    async def _not_sued(self, window: Clock) -> None:
        self.stage.finish(ArbitrationResult(
            "not_sued", f"终局裁决被撤销，当事人未在{window.period}内起诉（{window.source}）",
            f"the final award was set aside and no party sued within {window.period_en} ({window.source})"))

    # ---- events ---------------------------------------------------------------------------------

    def _unserved(self, event: AwardServed) -> Said | None:
        if self.lines is None or self.stage.result is not None:
            return "尚无仲裁裁决", "there is no award"
        if event.party in self.served:
            return f"裁决书已送达{PARTY[event.party][0]}", f"the award was already served on {PARTY[event.party][1]}"
        return None

    @case_event("award_served", AwardServed, actors={Agency.ARBITRATION},
                title=("记录裁决书送达", "record service of the award"), when=_unserved)
    async def serve(self, event: AwardServed) -> Said:
        await self._serve(event.party, event)
        self.stage.show()
        return f"裁决书已送达{PARTY[event.party][0]}：起诉/撤销期间开始计算", f"award served on {PARTY[event.party][1]}"

    def _may_set_aside(self, event: SetAsideApplied) -> Said | None:
        if self.lines is None:
            return "尚无仲裁裁决", "there is no award"
        if not self.finals:
            return ("非终局裁决不能申请撤销，用人单位可以起诉（LDMA Art 50）",
                    "a non-final award is sued against, not set aside")
        if "worker" in self.suits:  # still answered once the case has moved on to the lawsuit
            return ("劳动者已就终局裁决向基层人民法院起诉，中级人民法院不予受理撤销申请（SPC-L1 Art 21）",
                    "the worker has sued against the final award: the set-aside is not accepted (SPC-L1 Art 21)")
        if self.stage.result is not None:
            return "仲裁阶段已结束", "the arbitration track has ended"
        if self.set_aside is not None:
            return "已申请撤销终局裁决", "a set-aside was already applied for"
        if not self._usable("employer.final", event.mailed_on):
            window = self.windows.get("employer.final")
            span = f"（收到裁决书之日起{window.period}）" if window else "（自收到裁决书之日起计算）"
            return f"撤销申请期间{span}未开始或已届满", "the set-aside window is not open"
        return None

    @case_event("award_set_aside_applied", SetAsideApplied, actors={Agency.ARBITRATION, Agency.COURT},
                title=("记录用人单位申请撤销终局裁决", "record the employer's set-aside application"),
                when=_may_set_aside)
    async def apply_set_aside(self, event: SetAsideApplied) -> Said:
        self.set_aside = "pending"
        window = self.windows["employer.final"]
        await window.complete(mailed_on=event.mailed_on)
        await self._not_effective(("用人单位申请撤销终局裁决", "the employer's application to set the award aside"),
                                  event.mailed_on)
        self.case.show_track(SET_ASIDE, f"{event.court or '中级人民法院'}审查中",
                             f"under review by {event.court or 'the intermediate court'}")
        self.stage.show()
        return "已记录：用人单位申请撤销终局裁决，等待中级人民法院裁定", "set-aside application recorded"

    def _ruling(self, _: SetAsideRuling) -> Said | None:
        return None if self.set_aside == "pending" else ("没有待裁定的撤销申请", "no set-aside awaits a ruling")

    @case_event("award_set_aside_ruling", SetAsideRuling, actors={Agency.COURT},
                title=("记录撤销仲裁裁决的裁定", "record the ruling on the set-aside"), when=_ruling)
    async def rule(self, event: SetAsideRuling) -> Said:
        self.case.end_track(SET_ASIDE)
        if event.set_aside:
            self.set_aside = "set_aside"
            sue = self.after["arb.set_aside.sue"] = await self.case.clocks.start(
                "arb.set_aside.sue", on_lapse=self._not_sued, since=service_moment(event.served_on, workflow.now()))
            self.case.fact(f"终局裁决被中级人民法院裁定撤销（{event.reason}）：当事人可以就该争议起诉（LDMA Art 49）",
                           f"the intermediate court set the final award aside ({event.reason}): either party may sue "
                           "(LDMA Art 49)")
            self.stage.show()
            return (f"已记录：终局裁决被撤销，当事人可在{sue.period}内起诉，截止 {_t(sue)}",
                    f"award set aside: either party may sue within {sue.period_en}")
        self.set_aside = "dismissed"
        self.case.fact(f"撤销申请被驳回（{event.reason}）：终局裁决维持",
                       f"the set-aside application was dismissed ({event.reason}): the final award stands")
        await self._settle()
        self.stage.show()
        return "已记录：撤销申请被驳回", "set-aside dismissed"

    def _awarded(self, _: AwardPerformed) -> Said | None:
        return None if self.lines is not None and self.stage.result is None else ("尚无仲裁裁决", "there is no award")

    @case_event("award_performed", AwardPerformed, actors=PARTY_SENDERS,
                title=("记录裁决已履行", "record performance of the award"), when=_awarded)
    async def performed(self, event: AwardPerformed) -> Said:
        self.case.amount_recovered += event.amount
        for clock in self.after.values():
            await clock.complete()
        self.stage.finish(ArbitrationResult("performed", f"用人单位已履行仲裁裁决：¥{event.amount:,.2f}",
                                            f"the employer performed the award: ¥{event.amount:,.2f}"))
        return f"已记录：用人单位履行裁决 ¥{event.amount:,.2f}", "award performed"

    def _enforceable_now(self, _: EnforcementApplied) -> Said | None:
        if self._open(self.after, "enforce.apply") and self.stage.result is None:
            return None
        return "裁决尚未生效或履行期限未届满", "the award is not yet enforceable"

    @case_event("enforcement_applied", EnforcementApplied, actors=PARTY_SENDERS,
                title=("记录申请强制执行", "record an application for enforcement"), when=_enforceable_now)
    async def enforce(self, event: EnforcementApplied) -> Said:
        await self.after["enforce.apply"].complete()
        court = event.court or "人民法院"
        self.stage.finish(ArbitrationResult("enforcement", f"劳动者已向{court}申请强制执行仲裁裁决（LDMA Art 51）",
                                            f"the worker applied to {event.court or 'the court'} to enforce the "
                                            "award (LDMA Art 51)"))
        return f"已记录：向{court}申请强制执行", "enforcement applied for"


def _t(clock: Clock) -> str:
    return local_text(clock.due, clock.provisional)

