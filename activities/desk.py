"""What every agency desk does with a hand-off: put it in that agency's inbox, once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from temporalio import activity

from domain.records import WorkOrder

if TYPE_CHECKING:
    from registry.store import Registry


class Desk:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def take(self, order: WorkOrder) -> None:
        if self.registry.open_work_item(order):
            info = activity.info()
            structlog.get_logger().info("work item opened", case=order.case_number, workflow_id=info.workflow_id,
                                        activity=info.activity_type, agency=order.agency.value, kind=order.kind)
