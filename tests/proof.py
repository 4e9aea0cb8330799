"""What a finished case must have left in the registry, checked against its own history.

The workflow history says which writes the case asked for: every activity input that carries an
event-log entry (a ``CaseChange``), a ledger row, a notice or a work order. Each must be in the
registry exactly once — no more after retries, crashes and restarts, no fewer. On top of that a
path's table entry (tests/paths.py) fixes the counts that matter to staff.

A failed workflow task is a problem when our workflow code raised it. Under crashes and server
restarts the engine itself may fail a task now and then — the server refusing a completion that
crossed a new event, or the SDK core finding a worker's cached run ahead of the history after a lost
reply — and retries it on a fresh replay; those are reported (with cause and message) but are not
ours, as long as the case then goes on to its stage with every write exactly once. Without injected
faults (tests/test_paths.py) any failed task is a problem.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from registry.store import Registry
from tests.paths import CasePath, meeting_id
from workers.build import RUNNER, WORKFLOWS
from workers.connect import data_converter

# Causes only the server sets: it refused a completion (a new event or update crossed it) or a command.
SERVER_CAUSES = {WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
                 WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_UPDATE,
                 WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE}

CORE_ERRORS = ("[TMPRL", "Fatal error in workflow machines")


@dataclass(frozen=True)
class TaskFailure:
    event_id: int
    cause: int
    message: str

    @property
    def ours(self) -> bool:
        """Raised by our workflow code; SDK-core errors are coded "[TMPRL…]", or are its state
        machines' own "Fatal error in workflow machines" (seen once on a fresh worker, fault seed 15:
        the next attempt completed the task and the whole history replays)."""
        return self.cause not in SERVER_CAUSES and not self.message.startswith(CORE_ERRORS)

    def __str__(self) -> str:
        who = "our workflow code" if self.ours else "engine, retried"
        return f"event {self.event_id} ({who}): {WorkflowTaskFailedCause.Name(self.cause)}: {self.message[:300]}"


@dataclass
class Writes:
    """The writes a history asked for, by idempotency key."""

    registered: bool = False
    events: list[str] = field(default_factory=list)
    clocks: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)
    work_items: list[str] = field(default_factory=list)
    activities: int = 0
    retries: int = 0  # activity attempts beyond the first
    failures: list[TaskFailure] = field(default_factory=list)  # WorkflowTaskFailed events
    task_timeouts: int = 0  # WorkflowTaskTimedOut: a worker died holding the task


def _payload(payloads: Any) -> Any:
    """The first payload as JSON (None for an empty result: binary/null)."""
    return json.loads(payloads.payloads[0].data) if payloads.payloads and payloads.payloads[0].data else None


def _walk(value: Any, writes: Writes, result: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _walk(item, writes, result)
        return
    if not isinstance(value, dict):
        return
    keys = value.keys()
    if {"key", "kind", "detail", "snapshot"} <= keys:
        writes.events.append(value["key"])
        if value.get("deadline"):
            writes.clocks.add(value["deadline"]["clock_key"])
    elif {"key", "unit", "to_head", "subject"} <= keys:
        if not (isinstance(result, dict) and result.get("error")):  # a unit without liaison: shown, not queued
            if value.get("party"):  # one row per party of the role, named as registry.queue_party_notice does
                count = len(result["delivered_to"].split("、"))
                writes.notices += [f"{value['key']}:{value['party']}:{i}" for i in range(count)]
            else:
                writes.notices.append(value["key"])
    elif {"key", "agency", "kind", "title"} <= keys:
        writes.work_items.append(value["key"])
    elif {"intake", "opened_at", "snapshot"} <= keys:
        writes.registered = True
    for item in value.values():
        if isinstance(item, (dict, list)):
            _walk(item, writes, result)


def expected_writes(history: WorkflowHistory) -> Writes:
    writes = Writes()
    scheduled: dict[int, Any] = {}
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = _payload(event.activity_task_scheduled_event_attributes.input)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            writes.retries += event.activity_task_started_event_attributes.attempt - 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = event.activity_task_completed_event_attributes
            writes.activities += 1
            _walk(scheduled.pop(attrs.scheduled_event_id), writes, _payload(attrs.result))
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            attrs = event.workflow_task_failed_event_attributes
            writes.failures.append(TaskFailure(event.event_id, attrs.cause, attrs.failure.message))
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
            writes.task_timeouts += 1
    return writes


def _same(what: str, expected: list[str], found: list[str]) -> list[str]:
    problems = [f"{what} {key!r} written {n} times" for key, n in Counter(found).items() if n > 1]
    missing, extra = set(expected) - set(found), set(found) - set(expected)
    if missing:
        problems.append(f"{what} missing: {sorted(missing)}")
    if extra:
        problems.append(f"{what} not asked for by the history: {sorted(extra)}")
    return problems


def written_once(registry: Registry, workflow_id: str, writes: Writes) -> list[str]:
    """Each write the history asked for, in the registry exactly once, for a case or a meeting."""
    return [*_same("event", writes.events, [e.key for e in registry.events(workflow_id)]),
            *_same("notice", writes.notices, [n.key for n in registry.notifications(workflow_id)]),
            *_same("work item", writes.work_items, [w.key for w in registry.work_items(case_number=workflow_id)]),
            *_same("ledger row", sorted(writes.clocks), [d.clock_key for d in registry.deadlines(workflow_id)])]


def _task_failures(writes: Writes, under_faults: bool) -> list[str]:
    return [f"workflow task failed: {failure}" for failure in writes.failures if failure.ours or not under_faults]


def verify(registry: Registry, number: str, path: CasePath, history: WorkflowHistory,
           outcome: str | None, *, meeting: WorkflowHistory | None = None, under_faults: bool = False) -> list[str]:
    """Everything wrong with a finished case, as sentences (empty: all is well). Without injected
    faults every failed workflow task is a problem; ``under_faults``, only ours. A path that drives
    its meeting (``path.meeting``) is checked with the meeting's history too."""
    writes = expected_writes(history)
    problems = _task_failures(writes, under_faults)
    case = registry.case(number)
    if case is None:
        return [*problems, "the case is not in the registry"]
    if case.stage != path.stage:
        problems.append(f"stage {case.stage}, expected {path.stage}")
    if path.outcome and path.outcome not in (outcome or ""):
        problems.append(f"outcome {outcome!r} lacks {path.outcome!r}")
    problems += written_once(registry, number, writes)
    events = registry.events(number)
    ledger = registry.deadlines(number)
    kinds = Counter(e.kind for e in events)
    problems += [f"{n} × {kind} in the log, expected {count}" for kind, count in path.log.items()
                 if (n := kinds[kind]) != count]
    notices = Counter(n.kind for n in registry.notifications(number))
    if dict(notices) != path.notices:
        problems.append(f"notices {dict(notices)}, expected {path.notices}")
    states = {d.rule_id: d.state for d in ledger}
    problems += [f"clock {rule} is {states.get(rule)}, expected {state}" for rule, state in path.ledger.items()
                 if states.get(rule) != state]
    if path.meeting:
        problems += _meeting(registry, meeting_id(number), path, meeting, under_faults)
    return problems


def _meeting(registry: Registry, workflow_id: str, path: CasePath, history: WorkflowHistory | None,
             under_faults: bool) -> list[str]:
    if history is None:
        return [f"{workflow_id}: no history given"]
    writes = expected_writes(history)
    problems = [*_task_failures(writes, under_faults), *written_once(registry, workflow_id, writes)]
    kinds = Counter(e.kind for e in registry.events(workflow_id))
    problems += [f"{n} × {kind} in the log, expected {count}" for kind, count in path.meeting.items()
                 if (n := kinds[kind]) != count]
    return [f"{workflow_id}: {problem}" for problem in problems]


def replayer(workflows: list[type] = WORKFLOWS) -> Replayer:
    """Today's workflow code, sandboxed, with the converter every worker uses."""
    return Replayer(workflows=workflows, workflow_runner=RUNNER, data_converter=data_converter())


async def replay_error(history: WorkflowHistory) -> str | None:
    """Why today's code cannot replay ``history`` (None: it replays)."""
    try:
        await replayer().replay_workflow(history)
    except NondeterminismError as err:
        return str(err)
    except Exception as err:  # any other failed task: the workflow code raised
        return f"{type(err).__name__}: {err}"
    return None


# Commands a workflow task writes; one of these between a task's completion and its UpdateAccepted
# event means the update was accepted after the case's own commands of that task.
COMMAND_EVENTS = {EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_TIMER_STARTED,
                  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, EventType.EVENT_TYPE_MARKER_RECORDED,
                  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
                  EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED}


def late_acceptances(history: WorkflowHistory) -> list[int]:
    """Ids of UpdateAccepted events written after other commands of the same workflow task: the
    shape the SDK cannot replay (it always places the acceptance first; sdk-python#1591)."""
    late: list[int] = []
    after_commands = False
    for ev in history.events:
        if ev.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            after_commands = False
        elif ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            if after_commands:
                late.append(ev.event_id)
        elif ev.event_type in COMMAND_EVENTS:
            after_commands = True
    return late
