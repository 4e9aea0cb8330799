"""The staff's entry points to a consultation meeting, as functions (the CLI and tests call these).
Events go through ``starters.cases.send_event``: a meeting takes them the way a case does."""

from __future__ import annotations

from datetime import date

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.i18n import AGENCY
from domain.meetings import KIND_WORDS, MeetingOutcome, MeetingRequest, MeetingView
from domain.visibility import MEETING_WORKFLOW
from workers.queues import DEFAULT_PREFIX, queue


def summary(request: MeetingRequest) -> str:
    """One line for the Web UI list (no personal data)."""
    cases = f" · 涉及{len(request.cases)}件案件" if request.cases else ""
    return (f"协调会商 · {KIND_WORDS[request.kind.value][0]} · {request.topic} · "
            f"召集：{AGENCY[request.convened_by.value][0]}{cases}")[:190]


async def start_meeting(client: Client, request: MeetingRequest, on: date, *,
                        prefix: str = DEFAULT_PREFIX) -> tuple[str, bool]:
    """Convene a meeting. The same request on the same day is one meeting: (id, started now)."""
    meeting_id = request.meeting_id(on)
    try:
        await client.start_workflow(
            MEETING_WORKFLOW, request, id=meeting_id, task_queue=queue("case", prefix),
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            static_summary=summary(request))
    except WorkflowAlreadyStartedError:
        return meeting_id, False
    return meeting_id, True


async def meeting_state(client: Client, meeting_id: str) -> MeetingView:
    return await client.get_workflow_handle(meeting_id).query("state", result_type=MeetingView)


async def meeting_result(client: Client, meeting_id: str) -> MeetingOutcome:
    return await client.get_workflow_handle(meeting_id, result_type=MeetingOutcome).result()
