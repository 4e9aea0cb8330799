"""Custom search attributes: what supervisors filter on in the Web UI. Never personal data.

SQLite visibility allows at most 10 Keyword and 3 of each other type per namespace.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

# The workflow types as Temporal lists them (WorkflowType = "…"); the workflows register under these
# names, and staff commands start and query by them without loading workflow code.
CASE_WORKFLOW = "CaseWorkflow"
MEETING_WORKFLOW = "MeetingWorkflow"

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
RESPONSIBLE_AGENCY = SearchAttributeKey.for_keyword("ResponsibleAgency")
DISTRICT = SearchAttributeKey.for_keyword("District")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
CASE_FLAGS = SearchAttributeKey.for_keyword_list("CaseFlags")
TRACKS = SearchAttributeKey.for_keyword_list("Tracks")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
# A datetime cannot carry the 暂定 mark: true while NextDeadline was computed past the holiday data.
NEXT_DEADLINE_PROVISIONAL = SearchAttributeKey.for_bool("NextDeadlineProvisional")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
WORKER_COUNT = SearchAttributeKey.for_int("WorkerCount")
AMOUNT_CLAIMED = SearchAttributeKey.for_float("AmountClaimed")

ALL = (
    CASE_STAGE,
    RESPONSIBLE_AGENCY,
    DISTRICT,
    CHANNEL,
    CASE_FLAGS,
    TRACKS,
    NEXT_DEADLINE,
    NEXT_DEADLINE_PROVISIONAL,
    OVERDUE,
    WORKER_COUNT,
    AMOUNT_CLAIMED,
)
