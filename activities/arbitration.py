"""The arbitration commission's steps (arbitration queue)."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class ArbitrationDesk(Desk):
    @activity.defn
    def receive_application(self, order: WorkOrder) -> None:
        """An arbitration application lands on the filing division's desk (立案庭)."""
        self.take(order)


class AgreementReviewDesk(Desk):
    @activity.defn(name="arbitration_review_mediation_agreement")
    def review_mediation_agreement(self, order: WorkOrder) -> None:
        """A joint application for arbitral review (仲裁审查确认) of a mediation agreement: an
        arbitrator reviews it and, if lawful, the commission makes a mediation statement."""
        self.take(order)
