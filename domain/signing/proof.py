"""Signing an event and checking its proof (the exact form is in the package's docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785
from pydantic import Field, ValidationError, field_validator

from domain.events.answers import PROOF  # one name for the field: the case's content digest leaves it out too
from domain.i18n import AGENCY
from domain.models import Strict
from domain.signing.algorithms import Alg, b64url, from_b64url, payload_hash, verify_bytes
from domain.signing.keys import KEY_ID_PATTERN, KeySet, UnitKey

SIGNED_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class Proof(Strict):
    alg: Alg
    key_id: str = Field(pattern=KEY_ID_PATTERN)
    signed_at: str = Field(pattern=SIGNED_AT.pattern, description="RFC 3339, UTC, ending in Z")
    workflow_id: str = Field(min_length=1, max_length=255)
    event: str = Field(min_length=1, max_length=128)
    event_id: str = Field(min_length=1, max_length=128)
    signature: str = Field(pattern=r"^[A-Za-z0-9_-]+={0,2}$", description="base64url")

    @field_validator("signed_at")
    @classmethod
    def _a_real_moment(cls, value: str) -> str:
        datetime.fromisoformat(value)  # 2026-13-45 passes the pattern, not this
        return value

    def moment(self) -> datetime:
        return datetime.fromisoformat(self.signed_at)


@dataclass(frozen=True)
class Problem:
    """Why a proof does not hold: a stable word and a short reason in both languages."""

    reason: str
    zh: str
    en: str


def without_proof(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != PROOF}


def payload_digest(payload: dict[str, Any], alg: str = "ed25519") -> str:
    """Hex digest of the payload's RFC 8785 form, its proof left out."""
    return payload_hash(alg, rfc8785.dumps(without_proof(payload)))


def signed_bytes(*, workflow_id: str, event: str, event_id: str, unit: str, digest: str, signed_at: str) -> bytes:
    """What a signature covers: the RFC 8785 form of these six strings."""
    return rfc8785.dumps({"workflow_id": workflow_id, "event": event, "event_id": event_id, "unit": unit,
                          "digest": digest, "signed_at": signed_at})


def rfc3339(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("the signing time needs a time zone")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(payload: dict[str, Any], *, workflow_id: str, event: str, key: UnitKey, at: datetime) -> dict[str, Any]:
    """The payload with its proof (a new dict; a proof it had is replaced). The payload must name
    the key's unit as its actor and carry its event id."""
    actor = payload.get("actor")
    unit = actor.get("unit") if isinstance(actor, dict) else None
    if unit != key.unit.value:
        raise ValueError(f"the payload's actor.unit is {unit!r}; {key.key_id} signs only for {key.unit.value}")
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise ValueError("the payload has no event_id")
    signed_at = rfc3339(at)
    message = signed_bytes(workflow_id=workflow_id, event=event, event_id=event_id, unit=unit,
                           digest=payload_digest(payload, key.alg), signed_at=signed_at)
    proof = Proof(alg=key.alg, key_id=key.key_id, signed_at=signed_at, workflow_id=workflow_id, event=event,
                  event_id=event_id, signature=b64url(key.sign_bytes(message)))
    return {**without_proof(payload), PROOF: proof.model_dump()}


def _unit_name(unit: str) -> tuple[str, str]:
    return AGENCY.get(unit, (unit[:20], unit[:20]))


def verify(payload: Any, *, workflow_id: str, event: str, keys: KeySet) -> Problem | None:
    """None when the payload's proof is a valid signature, by a key of the unit it names as actor,
    valid when it was signed, made for this workflow, this event and this event id, over this
    content. Pure and deterministic (no clock: the signing time is checked against the key's
    validity), so a workflow may call it in a validator."""
    raw_proof = payload.get(PROOF) if isinstance(payload, dict) else None
    if raw_proof is None:
        return Problem("no_proof", "事件未附签名（proof）：请经事件网关发送，或用本单位密钥签名",
                       "the event carries no signature (proof): send it through the event gateway or sign it "
                       "with your unit's key")
    try:
        proof = Proof.model_validate(raw_proof)
    except ValidationError as err:
        fields = ", ".join(sorted({str(e["loc"][0]) if e["loc"] else "proof" for e in err.errors()}))
        return Problem("malformed_proof", f"签名（proof）格式不对：{fields}", f"the proof is malformed: {fields}")
    for field, actual, zh, en in (("workflow_id", workflow_id, "另一案件或会议", "another case or meeting"),
                                  ("event", event, "另一事件", "another event"),
                                  ("event_id", payload.get("event_id"), "另一事件编号", "another event id")):
        if getattr(proof, field) != actual:
            said = getattr(proof, field)[:64]
            return Problem(f"other_{field}", f"签名是为{zh}（{said}）所作，不是本事件的",
                           f"the signature was made for {en} ({said}), not this one")
    actor = payload.get("actor")
    unit = actor.get("unit") if isinstance(actor, dict) else None
    if not isinstance(unit, str):
        return Problem("no_unit", "事件未署发送单位（actor.unit）", "the event names no sending unit (actor.unit)")
    found = keys.find(proof.key_id)
    if found is None:
        return Problem("unknown_key", f"未登记的签名密钥 {proof.key_id}", f"unknown signing key {proof.key_id}")
    owner, key = found
    if owner.value != unit:
        (zh_owner, en_owner), (zh_unit, en_unit) = _unit_name(owner.value), _unit_name(unit)
        return Problem("wrong_unit", f"密钥 {key.key_id} 属于{zh_owner}，不是事件所署的{zh_unit}",
                       f"key {key.key_id} belongs to {en_owner}, not to {en_unit} named as the actor")
    if proof.alg != key.alg:
        return Problem("wrong_alg", f"签名算法 {proof.alg} 与密钥 {key.key_id} 的算法 {key.alg} 不符",
                       f"signature algorithm {proof.alg} does not match key {key.key_id} ({key.alg})")
    if not key.valid_at(proof.moment()):
        until = key.valid_until.isoformat() if key.valid_until else "—"
        return Problem("outside_validity",
                       f"签名时间 {proof.signed_at} 不在密钥 {key.key_id} 的有效期内（{key.valid_from.isoformat()} 至 {until}）",
                       f"signed at {proof.signed_at}, outside key {key.key_id}'s validity "
                       f"({key.valid_from.isoformat()} to {until})")
    try:
        message = signed_bytes(workflow_id=workflow_id, event=event, event_id=proof.event_id, unit=unit,
                               digest=payload_digest(payload, key.alg), signed_at=proof.signed_at)
        signature = from_b64url(proof.signature)
    except (rfc8785.CanonicalizationError, ValueError) as err:
        return Problem("bad_signature", f"无法核对签名：{str(err)[:100]}", f"cannot check the signature: {str(err)[:100]}")
    if not verify_bytes(key.alg, key.raw(), message, signature):
        return Problem("bad_signature", "签名不符：事件内容在签名后被改动，或签名不是用该密钥所作",
                       "bad signature: the content changed after signing, or it was not signed with that key")
    return None
