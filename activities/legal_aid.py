"""Legal aid's steps (legal-aid queue)."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class LegalAidDesk(Desk):
    @activity.defn
    def receive_referral(self, order: WorkOrder) -> None:
        """A referral lands in legal aid's inbox for same-day review."""
        self.take(order)

    @activity.defn
    def represent_in_arbitration(self, order: WorkOrder) -> None:
        """The aided worker's lawyer represents the worker before the arbitration commission."""
        self.take(order)
