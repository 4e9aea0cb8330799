"""Labour inspection's steps (inspection queue)."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class InspectionDesk(Desk):
    @activity.defn(name="inspection_organise_mediation")
    def organise_mediation(self, order: WorkOrder) -> None:
        """Inspection mediates a complaint before any filing."""
        self.take(order)
