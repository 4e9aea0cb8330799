"""The staff's entry points to a case, as functions (the CLI and tests call these)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from domain.districts import DISTRICTS
from domain.events.base import EventReceipt
from domain.i18n import AGENCY, CLAIM
from domain.models import CaseIntake, CaseOutcome, CaseView
from workers.queues import DEFAULT_PREFIX, queue
from workflows.case import CaseWorkflow
from workflows.events import digest_of


class EventRefused(Exception):
    """An event the case did not accept, with the validator's reason in both languages."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(zh)
        self.code, self.zh, self.en = code, zh, en


def summary(intake: CaseIntake) -> str:
    """One line for the Web UI list; no personal data (employers are firms, not persons)."""
    claims = "、".join(CLAIM[t.value][0] for t in sorted(intake.claim_types))
    return (f"{claims}争议 · {DISTRICTS[intake.district]} · {len(intake.claimants)}名劳动者 · "
            f"¥{intake.amount_claimed:,.2f} · {intake.employer.name}")[:190]


def details(intake: CaseIntake) -> str:
    claims = "\n".join(
        f"- {CLAIM[c.type.value][0]}" + (f"：¥{c.amount:,.2f}" if c.amount is not None else "")
        for c in intake.claims)
    return (f"**受理渠道**：{AGENCY[intake.channel.value][0]}\n\n**区县**：{DISTRICTS[intake.district]}\n\n"
            f"**用人单位**：{intake.employer.name}\n\n**劳动者人数**：{len(intake.claimants)}\n\n"
            f"**请求**：\n{claims}\n\n**入职**：{intake.employment_start}"
            + (f"，**离职**：{intake.employment_end}" if intake.employment_end else "（在职）"))


async def open_case(client: Client, intake: CaseIntake, *, prefix: str = DEFAULT_PREFIX) -> tuple[str, bool]:
    """Start the case's workflow. The same intake twice opens one case: returns (number, opened now)."""
    number = intake.case_number()
    try:
        await client.start_workflow(
            CaseWorkflow.run, intake, id=number, task_queue=queue("case", prefix),
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            static_summary=summary(intake), static_details=details(intake),
        )
    except WorkflowAlreadyStartedError:
        return number, False
    return number, True


async def send_event(client: Client, case_number: str, event: str, payload: dict[str, Any]) -> EventReceipt:
    """Send an event as an update (the sender gets the answer). The update id is the event id and
    the content's digest: the same event resent is answered by the server, not applied again, and
    the same id with other content reaches the case, which refuses it (``conflict``)."""
    handle = client.get_workflow_handle(case_number)
    try:
        return await handle.execute_update(event, payload, id=update_id(payload), result_type=EventReceipt)
    except WorkflowUpdateFailedError as err:
        raise _refusal(err.cause) from None


def update_id(payload: Any) -> str | None:
    """The update id for an event: its event id and its content's digest (None without an id: the
    server makes one, and the case refuses the event for its missing id)."""
    event_id = payload.get("event_id") if isinstance(payload, dict) else None
    return f"{event_id}~{digest_of(payload)[:16]}" if event_id else None


def _refusal(cause: BaseException | None) -> EventRefused:
    if isinstance(cause, ApplicationError) and cause.details:
        info = cause.details[0]
        return EventRefused(info.get("code", ""), info.get("zh", str(cause)), info.get("en", str(cause)))
    return EventRefused("failed", str(cause), str(cause))


async def case_state(client: Client, case_number: str) -> CaseView:
    return await client.get_workflow_handle(case_number).query(CaseWorkflow.state)


async def case_intake(client: Client, case_number: str) -> CaseIntake:
    """The intake the case was opened with: its first history event, decoded by this client (so
    decrypted when payloads are sealed)."""
    async for event in client.get_workflow_handle(case_number).fetch_history_events(page_size=1):
        [intake] = await client.data_converter.decode(
            event.workflow_execution_started_event_attributes.input.payloads, [CaseIntake])
        return intake
    raise LookupError(case_number)


async def case_result(client: Client, case_number: str) -> CaseOutcome:
    """Wait for the case to close and return its outcome."""
    return await client.get_workflow_handle_for(CaseWorkflow.run, case_number).result()


async def task_attempts(handle: WorkflowHandle[Any, Any]) -> int:
    """How many times the case's current workflow task has been tried (0: none is pending)."""
    return (await handle.describe()).raw_description.pending_workflow_task.attempt


class StuckCase(BaseModel):
    """An open case whose current workflow task keeps failing: it cannot move until someone acts."""

    case_number: str
    attempts: int
    failure: str  # the last failed task's message in its history ("" when it only timed out)


async def stuck_cases(client: Client, attempts: int = 3) -> list[StuckCase]:
    """Open cases whose workflow task has been tried at least ``attempts`` times. A replay error
    (docs/proof.md, "Open") needs an operator's reset; a worker that keeps crashing needs fixing."""
    found: list[StuckCase] = []
    async for case in client.list_workflows('WorkflowType = "CaseWorkflow" AND ExecutionStatus = "Running"'):
        handle = client.get_workflow_handle(case.id, run_id=case.run_id)
        if (tried := await task_attempts(handle)) >= attempts:
            failure = ""
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    failure = event.workflow_task_failed_event_attributes.failure.message
            found.append(StuckCase(case_number=case.id, attempts=tried, failure=failure))
    return found
