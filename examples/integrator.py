"""An outside system driving one case with the Temporal Python SDK and the pydantic converter
(docs/integration.md): legal aid's decision as a signal with its answer read back (sent twice: applied
once, same answer), a refused event, the union's report, then the case's stage. It uses temporalio, pydantic and
aiohttp only, no code from this repository, as another agency's system would. Every event is signed
with its unit's key (examples/sign_event.py, beside this file; docs/integration.md, "Signing events"):
the key files <unit>.key are read from WEIQUAN_SIGNING_KEY_DIR (default .weiquan/keys, where
`weiquan up` makes them).

    python examples/integrator.py CASE_NUMBER

Where Temporal is: temporal.toml profiles and TEMPORAL_* variables, TLS and API keys included
(docs/security.md). Encrypted payloads go through the codec server, with the same variables as the
`temporal` CLI: TEMPORAL_CODEC_ENDPOINT and TEMPORAL_CODEC_AUTH ("Bearer <token>"). This system
never holds the keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from google.protobuf import json_format
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec
from temporalio.envconfig import ClientConfig

from sign_event import read_key, sign_event  # examples/sign_event.py

KEYS = Path(os.environ.get("WEIQUAN_SIGNING_KEY_DIR") or Path(os.environ.get("WEIQUAN_HOME", ".weiquan")) / "keys")


class Receipt(BaseModel):
    """docs/schemas/event-receipt.json"""

    event_id: str
    event: str
    stage: str
    message: str
    message_en: str


class Refusal(BaseModel):
    """docs/schemas/event-refusal.json"""

    code: str
    zh: str
    en: str


class Answer(BaseModel):
    """docs/schemas/event-answer.json: the case's answer to one event."""

    key: str
    status: str  # applying | applied | refused
    tries: int
    receipt: Receipt | None = None
    refusal: Refusal | None = None


def answer_key(event: str, payload: dict[str, object]) -> str:
    """docs/integration.md: event name, event id and the SHA-256 of the payload's JSON with sorted
    keys and no spaces (the proof, if any, left out)."""
    content = {k: v for k, v in payload.items() if k != "proof"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False,
                                       separators=(",", ":")).encode()).hexdigest()
    return f"{event}/{payload['event_id']}~{digest[:16]}"


async def send(case: WorkflowHandle[object, object], event: str, payload: dict[str, object]) -> Answer:
    """Send an event as a signal and wait for the case's answer to this try (``tries`` grows with
    each try the case takes: an old refusal of the same event is not the answer to this one)."""
    key_id, seed = read_key(KEYS / f"{payload['actor']['unit']}.key")  # type: ignore[index]
    payload = sign_event(payload, workflow_id=case.id, event=event, key_id=key_id, seed=seed, at=datetime.now(UTC))
    key = answer_key(event, payload)
    before = await case.query("answer", key, result_type=Answer)
    await case.signal(event, payload)
    while True:
        answer = await case.query("answer", key, result_type=Answer)
        if answer is not None and answer.tries > (before.tries if before else 0) and answer.status != "applying":
            return answer
        await asyncio.sleep(0.05)


class CaseState(BaseModel):
    """The part of docs/schemas/queries/state.json this system reads (other fields are ignored)."""

    case_number: str
    stage: str
    waiting_for: str
    waiting_for_en: str


class RemoteCodec(PayloadCodec):
    """Temporal's remote codec protocol: the codec server encrypts and decrypts."""

    def __init__(self, endpoint: str, authorization: str | None, namespace: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.headers = {"Content-Type": "application/json", "X-Namespace": namespace}
        if authorization:
            self.headers["Authorization"] = authorization

    async def _call(self, path: str, payloads: Sequence[Payload]) -> list[Payload]:
        body = json_format.MessageToJson(Payloads(payloads=payloads))
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.endpoint}/{path}", data=body, headers=self.headers) as response:
                response.raise_for_status()
                return list(json_format.Parse(await response.text(), Payloads()).payloads)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self._call("encode", payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self._call("decode", payloads)


async def connect() -> Client:
    config = dict(ClientConfig.load_client_connect_config())
    target = config.pop("target_host", None) or "localhost:7233"
    namespace = config.setdefault("namespace", "default")
    converter = pydantic_data_converter
    if endpoint := os.environ.get("TEMPORAL_CODEC_ENDPOINT"):
        codec = RemoteCodec(endpoint, os.environ.get("TEMPORAL_CODEC_AUTH"), namespace)
        converter = dataclasses.replace(converter, payload_codec=codec)
    return await Client.connect(target, data_converter=converter, **config)


async def moved_on(case: WorkflowHandle[object, object], before: str) -> CaseState:
    """The case takes an applied event's next steps in its own time: read its state until it says
    something other than ``before`` (or 10 s have passed)."""
    for _ in range(50):
        state = await case.query("state", result_type=CaseState)
        if state.waiting_for_en != before:
            break
        await asyncio.sleep(0.2)
    return state


async def main(case_number: str) -> None:
    client = await connect()
    case = client.get_workflow_handle(case_number)
    state = await case.query("state", result_type=CaseState)
    print(f"{case_number} is at {state.stage}: {state.waiting_for_en}")

    # The event id is our own record's id: a resend is answered, not re-applied.
    decision = {"event_id": "legal_aid:LA-2026-0002", "actor": {"unit": "legal_aid", "person": "法援中心经办人"},
                "granted": True, "lawyer": {"name": "李律师", "firm": "江西某律师事务所"}}
    receipt = (await send(case, "legal_aid_decision", decision)).receipt
    again = (await send(case, "legal_aid_decision", decision)).receipt
    assert receipt is not None, "unexpected: the decision was refused"
    print(f"legal aid decided: {receipt.message_en} (sent twice, same receipt: {again == receipt})")

    # A unit may only send its own steps' events; a refusal names its reason in both languages.
    probe = {"event_id": "union:probe-2", "actor": {"unit": "union", "person": "调解员"}, "granted": True}
    refused = (await send(case, "legal_aid_decision", probe)).refusal
    if refused is None:
        raise SystemExit("unexpected: the case accepted another unit's event")
    print(f"refused, as it should be: {refused.code}: {refused.en}")
    state = await case.query("state", result_type=CaseState)
    print(f"{case_number} is at {state.stage}: {state.waiting_for_en}")

    failed = await send(case, "mediation_failed", {"event_id": "union:MED-2026-0002",
                                                    "actor": {"unit": "union", "person": "职工服务中心调解员"},
                                                    "reason": "双方对欠薪金额分歧较大"})
    state = await moved_on(case, state.waiting_for_en)
    print(f"after the union's report ({failed.status}) {case_number} is at {state.stage}: {state.waiting_for_en}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/integrator.py CASE_NUMBER")
    asyncio.run(main(sys.argv[1]))
