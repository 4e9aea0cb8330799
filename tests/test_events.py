"""Events on the time-skipping server: the same event id is applied once whichever way it comes
(update or signal), and a unit cannot send another unit's event (refused by the validator, logged)."""

from __future__ import annotations

import logging

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from registry.store import Registry
from starters.cases import EventRefused, send_event
from tests.helpers import close_after_failed_mediation, actor, at_stage, settle, start

GRANT = {"actor": actor("legal_aid"), "granted": True, "lawyer": {"name": "张律师"}}


def applied(registry: Registry, number: str, kind: str = "event.legal_aid_decision") -> int:
    return [e.kind for e in registry.events(number)].count(kind)


async def test_same_signal_twice_is_applied_once(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    handle = env.client.get_workflow_handle(number)
    await handle.signal("legal_aid_decision", {"event_id": "sig-1", **GRANT})
    await handle.signal("legal_aid_decision", {"event_id": "sig-1", **GRANT})  # while the first may be in flight
    await at_stage(env.client, number, "mediation")
    await close_after_failed_mediation(env.client, number)
    await handle.result()
    assert applied(registry, number) == 1 and applied(registry, number, "event.refused") == 0


async def test_update_after_a_signal_with_the_same_id_gets_the_first_receipt(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    await env.client.get_workflow_handle(number).signal("legal_aid_decision", {"event_id": "both-1", **GRANT})
    await at_stage(env.client, number, "mediation")  # a new decision now would be refused as not_now
    receipt = await send_event(env.client, number, "legal_aid_decision", {"event_id": "both-1", **GRANT})
    assert receipt.event_id == "both-1" and receipt.stage == "legal_aid_review" and "给予法律援助" in receipt.message
    await settle(env.client, number)  # an event is answered before its log entry is written
    assert applied(registry, number) == 1


async def test_signal_after_an_update_with_the_same_id_is_not_applied_again(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    await send_event(env.client, number, "legal_aid_decision", {"event_id": "both-2", **GRANT})
    await at_stage(env.client, number, "mediation")
    handle = env.client.get_workflow_handle(number)
    await handle.signal("legal_aid_decision", {"event_id": "both-2", **GRANT})
    await close_after_failed_mediation(env.client, number)
    await handle.result()  # signals are handled in order: the repeat came before the closing event
    assert applied(registry, number) == 1
    assert applied(registry, number, "event.refused") == 0  # a repeat is answered, not refused


async def test_wrong_actor_is_refused_by_the_validator_logged_and_leaves_no_trace(
        env: WorkflowEnvironment, workers: str, registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    handle = env.client.get_workflow_handle(number)
    with caplog.at_level(logging.INFO, logger="temporalio.workflow"):
        with pytest.raises(EventRefused) as refused:
            await send_event(env.client, number, "legal_aid_decision",
                             {"event_id": "w-1", "actor": actor("union", "调解员甲"), "granted": True})
        assert refused.value.code == "wrong_actor" and "工会不能发送" in refused.value.zh
        # A used event id does not get another unit past the check.
        await send_event(env.client, number, "legal_aid_decision", {"event_id": "ok-1", **GRANT})
        with pytest.raises(WorkflowUpdateFailedError) as repeat:
            await handle.execute_update("legal_aid_decision", {"event_id": "ok-1", "actor": actor("arbitration"),
                                                               "granted": False, "reason": "冒用编号"},
                                        id="another-update-id")
        assert repeat.value.cause.details[0]["code"] == "wrong_actor"  # type: ignore[union-attr]
        # A wrong-actor signal never reaches the case: recorded as refused.
        await at_stage(env.client, number, "mediation")
        await handle.signal("mediation_failed", {"event_id": "w-2", "actor": actor("legal_aid"), "reason": "越权"})
        await close_after_failed_mediation(env.client, number)
        await handle.result()
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and "wrong_actor" in r.getMessage()]
    assert any("id w-1 sent by union (调解员甲)" in w and "may only be sent by legal aid" in w for w in warnings)
    assert any("id ok-1 sent by arbitration" in w for w in warnings)
    assert any("mediation_failed" in w and "id w-2 sent by legal_aid" in w for w in warnings)
    assert all(number in w for w in warnings)  # the worker's log line names the case
    history = await handle.fetch_history()
    accepted = [e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
                for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]
    assert accepted[0].startswith("ok-1~") and not {"w-1", "another-update-id"} & {a.split("~")[0] for a in accepted}
    assert applied(registry, number) == 1 and applied(registry, number, "event.mediation_failed") == 1
    assert applied(registry, number, "event.refused") == 1
