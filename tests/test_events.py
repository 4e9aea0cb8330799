"""Events on the time-skipping server: every event is a signal whose answer the case keeps by the
event's key (domain/events/answers.py); the same event is applied once however often it comes, a
refusal changes nothing but its answer, and a unit cannot send another unit's event."""

from __future__ import annotations

import asyncio
import logging

import pytest
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment

from domain.events.answers import ANSWER_QUERY, EventAnswer, answer_key
from registry.store import Registry
from starters.cases import EventRefused, send_event, signed
from tests.helpers import actor, at_stage, close_after_failed_mediation, settle, start
from workflows.case import CaseWorkflow
from workflows.events import EventDesk
from workflows.meeting import MeetingWorkflow

GRANT = {"actor": actor("legal_aid"), "granted": True, "lawyer": {"name": "张律师"}}


def applied(registry: Registry, number: str, kind: str = "event.legal_aid_decision") -> int:
    return [e.kind for e in registry.events(number)].count(kind)


async def answer(env: WorkflowEnvironment, number: str, name: str, payload: dict[str, object]) -> EventAnswer | None:
    key = answer_key(name, payload)
    return await env.client.get_workflow_handle(number).query(ANSWER_QUERY, key, result_type=EventAnswer)


async def signal(env: WorkflowEnvironment, number: str, name: str, payload: dict[str, object]) -> None:
    """A bare signal (no wait for the answer), signed by its unit as every sender must."""
    await env.client.get_workflow_handle(number).signal(name, signed(env.client, number, name, payload))


def test_cases_and_meetings_take_no_updates() -> None:
    """The design that keeps a case from sticking on the SDK's update order: no update handler,
    so no update acceptance can ever be written into a case's history."""
    for cls in (CaseWorkflow, MeetingWorkflow):
        defn = workflow._Definition.must_from_class(cls)
        assert defn.updates == {}, cls


async def test_same_signal_twice_is_applied_once(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    handle = env.client.get_workflow_handle(number)
    payload = {"event_id": "sig-1", **GRANT}
    await signal(env, number, "legal_aid_decision", payload)
    await signal(env, number, "legal_aid_decision", payload)  # while the first may be in flight
    await at_stage(env.client, number, "mediation")
    first = await answer(env, number, "legal_aid_decision", payload)
    assert first is not None and first.status == "applied" and first.tries == 2
    await close_after_failed_mediation(env.client, number)
    await handle.result()
    assert applied(registry, number) == 1


async def test_a_resend_after_a_signal_gets_the_first_receipt(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    await signal(env, number, "legal_aid_decision", {"event_id": "both-1", **GRANT})
    await at_stage(env.client, number, "mediation")  # a new decision now would be refused as not_now
    receipt = await send_event(env.client, number, "legal_aid_decision", {"event_id": "both-1", **GRANT})
    assert receipt.event_id == "both-1" and receipt.stage == "legal_aid_review" and "给予法律援助" in receipt.message
    await settle(env.client, number)  # an event is answered before its log entry is written
    assert applied(registry, number) == 1


async def test_a_used_id_with_other_content_is_a_conflict_and_the_first_answer_stays(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    first = await send_event(env.client, number, "legal_aid_decision", {"event_id": "c-1", **GRANT})
    other = {"event_id": "c-1", **GRANT, "lawyer": {"name": "王律师"}}
    with pytest.raises(EventRefused) as conflict:
        await send_event(env.client, number, "legal_aid_decision", other)
    assert conflict.value.code == "conflict" and "c-1" in conflict.value.zh
    again = await send_event(env.client, number, "legal_aid_decision", {"event_id": "c-1", **GRANT})
    assert again == first
    await settle(env.client, number)
    assert applied(registry, number) == 1


async def test_an_event_refused_as_early_is_applied_when_sent_again_in_its_stage(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    """The sender reads the answer to its own try: the old refusal of the same event is not it."""
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    failed = {"event_id": "early-1", "actor": actor("union"), "reason": "双方分歧较大"}
    with pytest.raises(EventRefused) as early:
        await send_event(env.client, number, "mediation_failed", failed)
    assert early.value.code == "not_now"
    assert applied(registry, number, "event.refused") == 0  # a refusal leaves no trace in the registry
    await send_event(env.client, number, "legal_aid_decision", {"event_id": "g-1", **GRANT})
    await at_stage(env.client, number, "mediation")
    receipt = await send_event(env.client, number, "mediation_failed", failed)
    assert receipt.event_id == "early-1"
    kept = await answer(env, number, "mediation_failed", failed)
    assert kept is not None and kept.status == "applied" and kept.tries == 2


async def test_wrong_actor_is_refused_logged_and_leaves_no_trace(
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
        with pytest.raises(EventRefused) as repeat:
            await send_event(env.client, number, "legal_aid_decision",
                             {"event_id": "ok-1", "actor": actor("arbitration"), "granted": False, "reason": "冒用编号"})
        assert repeat.value.code == "wrong_actor"
        await at_stage(env.client, number, "mediation")
        await signal(env, number, "mediation_failed", {"event_id": "w-2", "actor": actor("legal_aid"), "reason": "越权"})
        await close_after_failed_mediation(env.client, number)
        await handle.result()
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and "wrong_actor" in r.getMessage()]
    assert any("id w-1 sent by union (调解员甲)" in w and "may only be sent by legal aid" in w for w in warnings)
    assert any("id ok-1 sent by arbitration" in w for w in warnings)
    assert any("mediation_failed" in w and "id w-2 sent by legal_aid" in w for w in warnings)
    assert all(number in w for w in warnings)  # the worker's log line names the case
    assert applied(registry, number) == 1 and applied(registry, number, "event.mediation_failed") == 1
    assert applied(registry, number, "event.refused") == 0


def test_kept_refusals_are_bounded() -> None:
    assert EventDesk.KEPT_REFUSALS == 200  # a flood of refused events cannot grow a case's state without end


async def test_a_forged_copy_of_an_applied_event_changes_nothing(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    """The answer key leaves the proof out, so an unsigned copy of an applied event shares its key:
    it is refused (logged) and neither applies again nor replaces the answer its sender reads."""
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    payload = {"event_id": "f-1", **GRANT}
    receipt = await send_event(env.client, number, "legal_aid_decision", payload)
    await env.client.get_workflow_handle(number).signal("legal_aid_decision", payload)  # no proof
    kept = None
    for _ in range(100):
        kept = await answer(env, number, "legal_aid_decision", payload)
        if kept is not None and kept.tries == 2:
            break
        await asyncio.sleep(0.03)
    assert kept is not None and kept.status == "applied" and kept.receipt == receipt
    await settle(env.client, number)
    assert applied(registry, number) == 1


def test_senders_are_checked_unless_turned_off_explicitly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from activities.signing import load_policy
    from domain.signing import SigningConfigError, ensure_dev_keys

    home = {"WEIQUAN_HOME": str(tmp_path)}
    with pytest.raises(SigningConfigError, match="no units' key set"):
        load_policy(home)  # on by default: no keys configured is an error, not an open door
    assert load_policy({**home, "WEIQUAN_VERIFY_SENDERS": "off"}).enforce is False
    ensure_dev_keys(home)
    policy = load_policy({**home, "WEIQUAN_VERIFY_SENDERS": "on"})
    assert policy.enforce and set(policy.keys.units) == {"inspection", "arbitration", "union", "legal_aid",
                                                         "window", "court"}


async def test_a_new_key_counts_once_the_case_reloads_the_keys(env: WorkflowEnvironment, workers: str) -> None:
    """Rotation: a key added to the pinned set is unknown to a running case until it is told to
    reload (`unit_keys_revised`, what `weiquan keys reload` sends); the set is fixed in between."""
    import os
    from datetime import UTC, datetime
    from pathlib import Path

    from domain.models import Agency
    from domain.signing import UnitKey, load_key_set
    from domain.signing.keys import key_set_path

    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    new = UnitKey.generate(Agency.LEGAL_AID, "ed25519")
    keys = load_key_set()
    keys.units[Agency.LEGAL_AID].append(new.public(datetime(2020, 1, 1, tzinfo=UTC)))
    path = Path(os.environ["WEIQUAN_HOME"]) / "unit-keys.json"
    assert key_set_path() == path
    path.write_text(keys.model_dump_json(exclude_none=True), encoding="utf-8")  # the session's set, one key more
    payload = {"event_id": "rot-1", **GRANT}
    with pytest.raises(EventRefused) as refused:
        await send_event(env.client, number, "legal_aid_decision", payload, key=new)
    assert refused.value.code == "unauthenticated" and new.key_id in refused.value.en
    await env.client.get_workflow_handle(number).signal("unit_keys_revised")
    receipt = await send_event(env.client, number, "legal_aid_decision", payload, key=new)
    assert receipt.event_id == "rot-1"
