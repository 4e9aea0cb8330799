"""Verified senders, the parts that read configuration (so never workflow code): the units' pinned
public keys a case or meeting checks events against, and a unit's signature on the news a meeting
sends to its cases (agency queues: each agency's worker signs only for its own unit).

WEIQUAN_VERIFY_SENDERS=off turns the check off explicitly (default on: an event without a valid
signature of its sending unit is refused, ``unauthenticated``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.models import Agency
from domain.signing import KeySet, SigningConfigError, load_key_set, load_unit_key, sign

OFF = ("0", "off", "false", "no")


class SenderPolicy(BaseModel):
    """What a case checks events against, fixed in its state until the keys are reloaded."""

    enforce: bool = True
    keys: KeySet = KeySet()


def enforced(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get("WEIQUAN_VERIFY_SENDERS", "on").strip().lower() not in OFF


def load_policy(environ: Mapping[str, str] | None = None) -> SenderPolicy:
    """The pinned key set (SigningConfigError when it is missing or unusable while enforced)."""
    if not enforced(environ):
        return SenderPolicy(enforce=False)
    return SenderPolicy(enforce=True, keys=load_key_set(environ))


class SignRequest(BaseModel):
    workflow_id: str
    event: str
    payload: dict[str, Any]


@activity.defn(name="load_sender_policy")
def load_sender_policy() -> SenderPolicy:
    """The units' public keys as configured now (retried until the configuration is usable)."""
    try:
        return load_policy()
    except SigningConfigError as err:
        structlog.get_logger().error("units' key set unusable: events cannot be checked", error=str(err))
        raise ApplicationError(str(err), type="SigningConfig") from None


class UnitSigner:
    """Signs for one unit, on that unit's own queue."""

    def __init__(self, unit: Agency) -> None:
        self.unit = unit

    @activity.defn(name="sign_event")
    def sign_event(self, request: SignRequest) -> dict[str, Any]:
        actor = request.payload.get("actor")
        if not isinstance(actor, dict) or actor.get("unit") != self.unit.value:
            raise ApplicationError(f"this worker signs only for {self.unit.value}", type="WrongSigner",
                                   non_retryable=True)
        try:
            key = load_unit_key(self.unit)
        except SigningConfigError as err:
            raise ApplicationError(str(err), type="SigningConfig") from None
        return sign(request.payload, workflow_id=request.workflow_id, event=request.event, key=key,
                    at=datetime.now(UTC))
