"""The arbitration commission's steps (arbitration queue).

Documents are files kept with the case under $WEIQUAN_DOCUMENTS (default .weiquan/documents),
one folder per case; workflows only ever hold a reference to them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import structlog
from temporalio import activity

from activities.desk import Desk
from activities.documents import document_path
from domain.arbitration import AwardLine, AwardRequest, DocumentRef, NoticeDraft, classify, render_one_time_notice
from domain.models import Agency
from domain.records import WorkOrder
from domain.rules import Settings, Unit

if TYPE_CHECKING:
    from registry.store import Registry

COMMISSION = "劳动人事争议仲裁委员会"  # used only when the directory has no arbitration unit


class ArbitrationDesk(Desk):
    def __init__(self, registry: Registry, settings: Settings) -> None:
        super().__init__(registry)
        self.settings = settings

    @activity.defn
    def receive_application(self, order: WorkOrder) -> None:
        """An arbitration application lands on the filing division's desk (立案庭)."""
        self.take(order)

    @activity.defn
    def file_case(self, order: WorkOrder) -> None:
        """The filed case goes to the commission's case handling (立案后移送审理)."""
        self.take(order)

    @activity.defn
    def collect_evidence(self, order: WorkOrder) -> None:
        """The commission collects evidence the worker cannot collect for objective reasons."""
        self.take(order)

    @activity.defn
    def transfer_advance_execution(self, order: WorkOrder) -> None:
        """An advance-execution ruling is handed to the court for execution (LDMA Art 44). The court
        is an outside system: the hand-off is a recorded item in the court's inbox."""
        self.take(order)

    @activity.defn
    def classify_award(self, request: AwardRequest) -> list[AwardLine]:
        """Final or non-final, item by item, against the district's minimum wage (configuration)."""
        return classify(request.items, self.settings.district(request.district).minimum_wage)

    @activity.defn
    def issue_one_time_notice(self, draft: NoticeDraft) -> DocumentRef:
        """Write the one-time notice (Chinese text) into the case's folder; the same draft always
        writes the same file, so a retry changes nothing."""
        parties = self.registry.parties(draft.case_number)
        units = {row.unit: row.unit_name for row in self.registry.liaisons()}
        defence = self.settings.rule("arb.defence")
        text = render_one_time_notice(
            draft,
            commission=units.get(Agency.ARBITRATION.value, COMMISSION),
            claimants=[p.name for p in parties if p.role == "claimant"],
            employer=next((p.name for p in parties if p.role == "employer"), ""),
            defence_period=f"{defence.length}{'个工作日' if defence.unit == Unit.WORKING_DAYS else '日'}",
            postpone_days=self.settings.rule("arb.postpone_request").length,
        )
        ref = f"{draft.case_number}/{draft.key}.txt"
        path = document_path(draft.case_number, f"{draft.key}.txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        digest = hashlib.sha256(text.encode()).hexdigest()
        structlog.get_logger().info("document written", case=draft.case_number, document=ref, sha256=digest[:12])
        return DocumentRef(ref=ref, sha256=digest, title="劳动人事争议仲裁一次性告知书")

class AgreementReviewDesk(Desk):
    @activity.defn(name="arbitration_review_mediation_agreement")
    def review_mediation_agreement(self, order: WorkOrder) -> None:
        """A joint application for arbitral review (仲裁审查确认) of a mediation agreement: an
        arbitrator reviews it and, if lawful, the commission makes a mediation statement."""
        self.take(order)
