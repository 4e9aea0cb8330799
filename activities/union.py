"""The trade union's steps (union queue)."""

from temporalio import activity

from activities.desk import Desk
from domain.records import WorkOrder


class UnionDesk(Desk):
    @activity.defn(name="union_organise_mediation")
    def organise_mediation(self, order: WorkOrder) -> None:
        """The union's mediators (职工服务中心, 三师一室) take up the dispute."""
        self.take(order)

    @activity.defn(name="union_assist_judicial_confirmation")
    def assist_judicial_confirmation(self, order: WorkOrder) -> None:
        """Through the court + union mechanism (法院+工会), the union helps both parties apply for
        judicial confirmation of their agreement."""
        self.take(order)
