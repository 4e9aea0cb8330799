"""The arbitration commission's steps (arbitration queue)."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class ArbitrationDesk(Desk):
    @activity.defn
    def receive_application(self, order: WorkOrder) -> None:
        """An arbitration application lands on the filing division's desk (立案庭)."""
        self.take(order)
