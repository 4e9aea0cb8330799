"""The staff's entry points to a case, as functions (the CLI and tests call these)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.districts import DISTRICTS
from domain.events.answers import ANSWER_QUERY, EventAnswer, answer_key
from domain.events.base import EventReceipt
from domain.i18n import AGENCY, CLAIM
from domain.models import Agency, CaseIntake, CaseOutcome, CaseView
from domain.signing import PROOF, UnitKey, load_unit_key, sign
from domain.visibility import CASE_WORKFLOW
from starters.failures import NoAnswer, NotSent, ServerLost, unreachable
from workers.queues import DEFAULT_PREFIX, queue

T = TypeVar("T")


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
            CASE_WORKFLOW, intake, id=number, task_queue=queue("case", prefix),
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            static_summary=summary(intake), static_details=details(intake),
        )
    except WorkflowAlreadyStartedError:
        return number, False
    return number, True


async def send_event(client: Client, case_number: str, event: str, payload: Any, *,
                     key: UnitKey | None = None, wait: float | None = None) -> EventReceipt:
    """Send an event to a case or a meeting and wait for its answer: the receipt, or
    ``EventRefused`` with the case's reason. The event goes as a signal; the answer is read back by
    the event's key (domain/events/answers.py), after the try this call made. Waits ``wait``
    seconds at most (None: as long as the case takes; the CLI waits WEIQUAN_ANSWER_WAIT), then
    raises ``NoAnswer``, saying whether the event was sent; a server gone before the event was
    sent raises ``NotSent``, after it ``ServerLost``.

    The event is signed with ``key``, or else with its actor unit's own key from this machine's
    configuration (domain.signing.load_unit_key), unless it already carries a proof (the gateway's,
    an integrator's): the case refuses an unsigned one (``unauthenticated``)."""
    if answer_key(event, payload) is None:
        raise EventRefused("payload", "事件应为带 event_id 的 JSON 对象", "an event is a JSON object with an event_id")
    payload = signed(client, case_number, event, payload, key)
    filed_under = answer_key(event, payload)
    assert filed_under is not None
    handle = client.get_workflow_handle(case_number)
    sent = False  # from the signal's call on: it may have reached the server
    try:
        async with asyncio.timeout(wait):
            before = await _answer(handle, filed_under)
            tried = before.tries if before else 0
            sent = True
            await handle.signal(event, payload)
            answer = await poll(lambda: _answer(handle, filed_under),
                                lambda a: a.tries > tried and a.status != "applying")
    except TimeoutError:
        raise NoAnswer(case_number, wait or 0, sent=sent) from None
    except Exception as err:
        if unreachable(err):
            raise (ServerLost(case_number) if sent else NotSent()) from err
        raise
    if answer.refusal is not None:
        raise EventRefused(answer.refusal.code, answer.refusal.zh, answer.refusal.en)
    assert answer.receipt is not None
    return answer.receipt


def signed(client: Client, workflow_id: str, event: str, payload: dict[str, Any],
           key: UnitKey | None = None) -> dict[str, Any]:
    """``payload`` as JSON (what the case will read: the client's own converter writes it) with
    its sender's proof. One that has a proof, or names no unit we know, goes as it is (the case
    says what is wrong with it)."""
    if PROOF in payload:
        return payload
    [encoded] = client.data_converter.payload_converter.to_payloads([payload])
    plain = json.loads(encoded.data)
    actor = plain.get("actor")
    try:
        unit = Agency(actor.get("unit")) if isinstance(actor, dict) else None
    except ValueError:
        unit = None
    if key is None:
        if unit is None:
            return plain
        key = load_unit_key(unit)
    return sign(plain, workflow_id=workflow_id, event=event, key=key, at=datetime.now(UTC))


async def poll(read: Callable[[], Awaitable[T | None]], done: Callable[[T], bool]) -> T:
    """Read an answer until it is there and ``done`` (at once, then backing off from 2 ms to 250 ms:
    most answers are there on the first read after the signal)."""
    pause = 0.002
    while (answer := await read()) is None or not done(answer):
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)
    return answer


async def _answer(handle: WorkflowHandle[Any, Any], key: str) -> EventAnswer | None:
    answer: EventAnswer | None = await handle.query(ANSWER_QUERY, key, result_type=EventAnswer)
    return answer


async def case_state(client: Client, case_number: str) -> CaseView:
    return await client.get_workflow_handle(case_number).query("state", result_type=CaseView)


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
    return await client.get_workflow_handle(case_number, result_type=CaseOutcome).result()


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
    async for case in client.list_workflows(f'WorkflowType = "{CASE_WORKFLOW}" AND ExecutionStatus = "Running"'):
        handle = client.get_workflow_handle(case.id, run_id=case.run_id)
        if (tried := await task_attempts(handle)) >= attempts:
            failure = ""
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    failure = event.workflow_task_failed_event_attributes.failure.message
            found.append(StuckCase(case_number=case.id, attempts=tried, failure=failure))
    return found
