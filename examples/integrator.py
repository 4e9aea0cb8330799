"""An outside system driving one case with the Temporal Python SDK and the pydantic converter
(docs/integration.md): legal aid's decision as an update (sent twice: applied once, same answer), a
refused event, the union's report as a signal, then the outcome. It uses temporalio, pydantic and
aiohttp only, no code from this repository, as another agency's system would.

    python examples/integrator.py CASE_NUMBER

Where Temporal is: temporal.toml profiles and TEMPORAL_* variables, TLS and API keys included
(docs/security.md). Encrypted payloads go through the codec server, with the same variables as the
`temporal` CLI: TEMPORAL_CODEC_ENDPOINT and TEMPORAL_CODEC_AUTH ("Bearer <token>"). This system
never holds the keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import Sequence

import aiohttp
from google.protobuf import json_format
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec
from temporalio.envconfig import ClientConfig
from temporalio.exceptions import ApplicationError


class Receipt(BaseModel):
    """docs/schemas/event-receipt.json"""

    event_id: str
    event: str
    stage: str
    message: str
    message_en: str


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


async def main(case_number: str) -> None:
    client = await connect()
    case = client.get_workflow_handle(case_number)
    state = await case.query("state", result_type=CaseState)
    print(f"{case_number} is at {state.stage}: {state.waiting_for_en}")

    # The event id is our own record's id, and the update id too: a resend is answered, not re-applied.
    decision = {"event_id": "legal_aid:LA-2026-0002", "actor": {"unit": "legal_aid", "person": "法援中心经办人"},
                "granted": True, "lawyer": {"name": "李律师", "firm": "江西某律师事务所"}}
    receipt = await case.execute_update("legal_aid_decision", decision, id=decision["event_id"], result_type=Receipt)
    again = await case.execute_update("legal_aid_decision", decision, id=decision["event_id"], result_type=Receipt)
    print(f"legal aid decided: {receipt.message_en} (sent twice, same receipt: {again == receipt})")

    # A unit may only send its own steps' events; a refusal names its reason in both languages.
    probe = {"event_id": "union:probe-2", "actor": {"unit": "union", "person": "调解员"}, "granted": True}
    try:
        await case.execute_update("legal_aid_decision", probe, id=probe["event_id"], result_type=Receipt)
        raise SystemExit("unexpected: the case accepted another unit's event")
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        assert isinstance(cause, ApplicationError) and cause.type == "EventRejected"
        print(f"refused, as it should be: {cause.details[0]['code']}: {cause.details[0]['en']}")

    for _ in range(100):  # the case moves on to mediation once the decision is processed
        state = await case.query("state", result_type=CaseState)
        if state.stage == "mediation":
            break
        await asyncio.sleep(0.3)
    print(f"{case_number} is at {state.stage}: {state.waiting_for_en}")

    # A signal: fire and forget. A refused signal is recorded in the case log, not returned.
    await case.signal("mediation_failed", {"event_id": "union:MED-2026-0002",
                                           "actor": {"unit": "union", "person": "职工服务中心调解员"},
                                           "reason": "双方对欠薪金额分歧较大"})
    await asyncio.sleep(1)
    state = await case.query("state", result_type=CaseState)
    print(f"after the signal {case_number} is at {state.stage}: {state.waiting_for_en}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/integrator.py CASE_NUMBER")
    asyncio.run(main(sys.argv[1]))
