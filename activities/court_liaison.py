"""Legal aid at the worker's side before the court and the arbitral review (legal-aid queue):
filing help, consultation, representation and support of prosecution (支持起诉) [Plan 三(三), 三(五)]."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class LegalAidCourtDesk(Desk):
    @activity.defn(name="legal_aid_assist_arbitral_review")
    def assist_arbitral_review(self, order: WorkOrder) -> None:
        """Help both parties apply jointly for arbitral review of their mediation agreement."""
        self.take(order)

    @activity.defn(name="legal_aid_assist_payment_order")
    def assist_payment_order(self, order: WorkOrder) -> None:
        """Help the worker apply, with the unperformed agreement, for a court payment order."""
        self.take(order)

    @activity.defn(name="legal_aid_advise_on_lawsuit")
    def advise_on_lawsuit(self, order: WorkOrder) -> None:
        """Legal consultation: court, time limits, evidence and costs of a lawsuit."""
        self.take(order)

    @activity.defn(name="legal_aid_represent_in_court")
    def represent_in_court(self, order: WorkOrder) -> None:
        """The assigned legal-aid lawyer represents the worker in the lawsuit."""
        self.take(order)

    @activity.defn(name="legal_aid_support_prosecution")
    def support_prosecution(self, order: WorkOrder) -> None:
        """Legal aid supports the worker's lawsuit (支持起诉, CPL Art 15) with a written opinion to the court."""
        self.take(order)
