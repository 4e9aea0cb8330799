"""The trade union's steps (union queue)."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class UnionDesk(Desk):
    @activity.defn(name="union_organise_mediation")
    def organise_mediation(self, order: WorkOrder) -> None:
        """The union's mediators (职工服务中心, 三师一室) take up the dispute."""
        self.take(order)
