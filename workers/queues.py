"""Task queue names: one for cases (workflows and the case file), one per agency."""

from __future__ import annotations

from domain.models import Agency

DEFAULT_PREFIX = "weiquan"
AGENCY_QUEUES = (Agency.LEGAL_AID, Agency.UNION, Agency.INSPECTION, Agency.ARBITRATION)
ALL = ("case", *(a.value for a in AGENCY_QUEUES))


def queue(name: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}.{name}"
