"""Payload encryption on a real dev server with a database file: the server holds ciphertext only
while the CLI and the codec server show the data; key rotation; the integrator examples through
the codec server; the Web UI's codec setting; connection profiles (temporal.toml)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from google.protobuf import json_format
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfigProfile
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.events.answers import ANSWER_QUERY, EventAnswer, answer_key
from domain.models import CaseIntake
from domain.rules import Settings
from registry.store import Registry
from starters.cases import case_state, open_case, signed
from starters.cli import app
from starters.codec_server import serve
from starters.search_attributes import ensure_search_attributes
from starters.server import start_dev_server
from tests import factories
from tests.helpers import TODAY, at_stage, close_after_failed_mediation, event, eventually, start
from workers.binaries import binary
from workers.build import build_workers
from workers.codec import EncryptionCodec, data_converter, generate_key, load_keyring
from workers.connect import connect

ROOT = Path(__file__).resolve().parents[1]
KEY_A, KEY_B = generate_key(), generate_key()
BOTH = f"a:{KEY_A},b:{KEY_B}"
TOKEN = "supervisor-zhang-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dev(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[WorkflowEnvironment, Path]]:
    """A real server keeping its database in a file we can read. Its own client has NO codec: it
    sees what the server stores."""
    db = tmp_path_factory.mktemp("temporal") / "temporal.db"
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=pydantic_data_converter, ui=False,
        dev_server_log_level="error", dev_server_database_filename=str(db),
    ) as env:
        await ensure_search_attributes(env.client)
        yield env, db


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def codec_url() -> AsyncIterator[str]:
    """The codec server, holding both keys, for one authorised supervisor."""
    ring = load_keyring({"WEIQUAN_CODEC_KEYS": BOTH})
    assert ring is not None
    port = free_port()
    runner = await serve(EncryptionCodec(ring), host="127.0.0.1", port=port, origins=["http://localhost:8233"],
                         tokens={TOKEN: "zhang"})
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def sealed(env: WorkflowEnvironment, keys: str, current: str | None = None) -> Client:
    """A client (and so its workers) with these keys: what restarting with new settings gives."""
    ring = load_keyring({"WEIQUAN_CODEC_KEYS": keys, **({"WEIQUAN_CODEC_KEY_ID": current} if current else {})})
    return Client(env.client.service_client, namespace=env.client.namespace, data_converter=data_converter(ring))


@asynccontextmanager
async def workers_on(client: Client, registry: Registry, settings: Settings, prefix: str) -> AsyncIterator[str]:
    async with AsyncExitStack() as stack:
        for worker in build_workers(client, registry, settings, prefix=prefix):
            await stack.enter_async_context(worker)
        yield prefix


def payloads_in(message: Message, where: str = "") -> Iterator[tuple[str, Payload]]:
    """Every payload in a history event, except search attributes (never encrypted, by design) and
    the SDK's patch markers (``workflow.patched``: a patch id the SDK writes outside the codec)."""
    if getattr(message, "marker_name", None) == "core_patch":
        return
    for field, value in message.ListFields():
        if field.message_type is None or field.name == "search_attributes":
            continue
        if field.message_type.GetOptions().map_entry:
            items = list(value.values())
        else:
            items = list(value) if field.is_repeated else [value]
        for item in items:
            if isinstance(item, Payload):
                yield f"{where}.{field.name}", item
            elif isinstance(item, Message):
                yield from payloads_in(item, f"{where}.{field.name}")


def personal_data(rows: list[dict[str, str]]) -> list[bytes]:
    return [r[k].encode() for r in rows for k in ("id_number", "phone", "name")]


async def raw_history(env: WorkflowEnvironment, number: str) -> list[Message]:
    return list((await env.client.get_workflow_handle(number).fetch_history()).events)


def database_bytes(db: Path) -> bytes:
    """The server's SQLite file with its journal and WAL files; a journal that vanishes between the
    listing and the read (SQLite deletes it at each commit) holds nothing any more."""
    found = []
    for part in db.parent.glob(db.name + "*"):
        try:
            found.append(part.read_bytes())
        except FileNotFoundError:
            pass
    return b"".join(found)


async def test_the_server_holds_ciphertext_while_the_cli_and_the_codec_server_show_the_data(
        dev: tuple[WorkflowEnvironment, Path], codec_url: str, registry: Registry, settings: Settings,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env, db = dev
    client = sealed(env, f"a:{KEY_A}")
    people = factories.workers(2, start=20)
    async with workers_on(client, registry, settings, "sec1") as prefix:
        number = await start(client, prefix, claimants=2, start=20)
        await at_stage(client, number, "legal_aid_review")
        await event(client, number, "legal_aid_decision", "legal_aid", granted=True, lawyer={"name": "李律师"})
        await at_stage(client, number, "mediation")

        monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
        monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/staff.db")
        monkeypatch.setenv("WEIQUAN_CODEC_KEYS", f"a:{KEY_A}")
        shown = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number])
        assert shown.exit_code == 0, shown.output
        for person in people:
            assert person["id_number"] in shown.stdout and person["phone"] in shown.stdout
        monkeypatch.delenv("WEIQUAN_CODEC_KEYS")
        blind = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number])
        assert people[0]["id_number"] not in blind.output  # without the key the CLI learns nothing

        await close_after_failed_mediation(client, number)
        assert "不申请仲裁" in (await client.get_workflow_handle(number).result())["outcome"]

    events = await raw_history(env, number)
    for e in events:
        raw = e.SerializeToString()
        assert not [s for s in personal_data(people) if s in raw], f"personal data in clear in event {e.event_id}"
    found = [(where, p) for e in events for where, p in payloads_in(e)]
    assert len(found) > 20  # inputs, results, activity arguments, summaries, the update, the query-free rest
    clear = [where for where, p in found if p.metadata.get("encoding") != b"binary/encrypted"]
    assert not clear, f"unsealed payloads: {clear}"
    stored = database_bytes(db)
    assert not [s for s in personal_data(people) if s in stored]

    # The same check finds the data when a case is started without the codec: the checks can see.
    control_rows = factories.workers(1, start=30)
    control = CaseIntake.from_input(factories.intake(start=30), TODAY)
    plain_number, _ = await open_case(env.client, control, prefix="sec-control")
    plain = b"".join(e.SerializeToString() for e in await raw_history(env, plain_number))
    assert control_rows[0]["id_number"].encode() in plain
    await env.client.get_workflow_handle(plain_number).terminate("control done")
    for _ in range(50):  # the server writes to its file shortly after
        if control_rows[0]["id_number"].encode() in database_bytes(db):
            break
        await asyncio.sleep(0.1)
    assert control_rows[0]["id_number"].encode() in database_bytes(db)

    # An authorised supervisor's codec server opens the stored input; without the token, nothing.
    started = events[0].workflow_execution_started_event_attributes.input
    body = json_format.MessageToJson(Payloads(payloads=started.payloads))
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{codec_url}/decode", data=body) as refused:
            assert refused.status == 401
        async with http.post(f"{codec_url}/decode", data=body, headers={
                "Authorization": f"Bearer {TOKEN}", "X-Namespace": "default",
                "Content-Type": "application/json"}) as response:
            assert response.status == 200
            decoded = json_format.Parse(await response.text(), Payloads()).payloads
    intake = json.loads(decoded[0].data)
    assert [c["id_number"] for c in intake["claimants"]] == [p["id_number"] for p in people]


async def test_a_case_started_under_key_a_goes_on_after_rotation_to_key_b(
        dev: tuple[WorkflowEnvironment, Path], registry: Registry, settings: Settings) -> None:
    env, _ = dev
    before = sealed(env, f"a:{KEY_A}")
    async with workers_on(before, registry, settings, "rot"):
        number = await start(before, "rot")
        await at_stage(before, number, "legal_aid_review")
    # Workers and clients restart with both keys, B current: the new workers replay a history
    # sealed with A, and seal what comes next with B.
    after = sealed(env, BOTH, current="b")
    async with workers_on(after, registry, settings, "rot"):
        receipt = await event(after, number, "legal_aid_decision", "legal_aid", granted=True,
                              lawyer={"name": "李律师"})
        assert "给予法律援助" in receipt.message
        await at_stage(after, number, "mediation")
        await event(after, number, "mediation_agreement", "union", terms="一次性支付", amount="1000.00",
                    performance_date=TODAY.isoformat())
        await at_stage(after, number, "confirmation")
        await event(after, number, "payment_received", "union", amount="1000.00")
        outcome = await after.get_workflow_handle(number).result()
    assert outcome["outcome"] == "调解协议已履行，收回 1000.00 元"
    keys = {p.metadata["encryption-key-id"] for e in await raw_history(env, number) for _, p in payloads_in(e)}
    assert keys == {b"a", b"b"}


async def test_an_event_sent_in_clear_to_a_sealed_case_is_refused_and_the_case_goes_on(
        dev: tuple[WorkflowEnvironment, Path], registry: Registry, settings: Settings) -> None:
    """Workers with keys refuse unsealed payloads, as production does: an event sent without the
    codec is refused like a malformed one (its answer says so); the case moves on the sealed event."""
    env, _ = dev
    client = sealed(env, f"a:{KEY_A}")
    decision = {"actor": {"unit": "legal_aid", "person": "法援中心"}, "granted": True, "lawyer": {"name": "李律师"}}
    async with workers_on(client, registry, settings, "clear") as prefix:
        number = await start(client, prefix)
        await at_stage(client, number, "legal_aid_review")
        # As an integrator with the plain `temporal` CLI and no codec endpoint would send it.
        target = env.client.service_client.config.target_host
        clear = signed(client, number, "legal_aid_decision", {"event_id": "clear-1", **decision})  # by legal aid
        proc = await asyncio.create_subprocess_exec(
            binary("temporal"), "workflow", "signal", "--name", "legal_aid_decision", "--address", target,
            "--workflow-id", number, "--input", json.dumps(clear), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        await proc.communicate()
        assert proc.returncode == 0
        key = answer_key("legal_aid_decision", clear)
        await eventually_answered(client, number, key)
        refused = await client.get_workflow_handle(number).query(ANSWER_QUERY, key, result_type=EventAnswer)
        assert refused is not None and refused.refusal is not None
        assert refused.refusal.code == "invalid_payload" and "事件未加密" in refused.refusal.zh
        assert (await case_state(client, number)).stage == "legal_aid_review"
        await event(client, number, "legal_aid_decision", "legal_aid", granted=True, lawyer={"name": "李律师"})
        await at_stage(client, number, "mediation")
    assert "event.refused" not in [e.kind for e in registry.events(number)]


async def eventually_answered(client: Client, number: str, key: str | None) -> None:
    for _ in range(300):
        if await client.get_workflow_handle(number).query(ANSWER_QUERY, key, result_type=EventAnswer) is not None:
            return
        await asyncio.sleep(0.03)
    raise AssertionError("the clear event was never answered")


async def test_search_attributes_memo_and_summaries_carry_no_personal_data(
        dev: tuple[WorkflowEnvironment, Path], registry: Registry, settings: Settings) -> None:
    """Search attributes are never encrypted; summaries and details are, but the Web UI shows them
    to whoever has the codec server: none may carry ID numbers or phones, nor workers' names."""
    env, _ = dev
    client = sealed(env, f"a:{KEY_A}")
    people = factories.workers(3, start=40)
    async with workers_on(client, registry, settings, "pd"):
        number = await start(client, "pd", claimants=3, start=40)
        handle = client.get_workflow_handle(number)
        for stage in ("legal_aid_review", "mediation"):
            if stage == "mediation":
                await event(client, number, "legal_aid_decision", "legal_aid", granted=True, lawyer={"name": "李律师"})
            await at_stage(client, number, stage)
            description = await handle.describe()
            shown = [str(pair.value) for pair in description.typed_search_attributes]
            shown += [str(v) for v in (await description.memo()).values()]
            shown += [await description.static_summary() or "", await description.static_details() or ""]
            static = "\n".join(shown)
            metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
            assert "红谷滩区" in static and "阶段" in metadata.current_details  # what supervisors see is there
            for person in people:
                for secret in (person["id_number"], person["phone"]):
                    assert secret not in static and secret not in metadata.current_details
                assert person["name"] not in static  # the summary names the employer (a firm), not workers
        await handle.terminate("test finished")


async def test_integrator_examples_drive_a_sealed_case_through_the_codec_server(
        dev: tuple[WorkflowEnvironment, Path], codec_url: str, registry: Registry, settings: Settings,
        tmp_path: Path) -> None:
    env, _ = dev
    client = sealed(env, BOTH, current="b")
    environ = {**os.environ, "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
               "TEMPORAL_NAMESPACE": "default", "TEMPORAL_CODEC_ENDPOINT": codec_url,
               "TEMPORAL_CODEC_AUTH": f"Bearer {TOKEN}", "PYTHON": sys.executable,
               "PATH": f"{Path(binary('temporal')).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    scripts = {"sh": ["bash", str(ROOT / "examples" / "integrator.sh")],
               "py": [sys.executable, str(ROOT / "examples" / "integrator.py")]}
    async with workers_on(client, registry, settings, "integ"):
        for kind, argv in scripts.items():
            number = await start(client, "integ")
            await at_stage(client, number, "legal_aid_review")
            proc = await asyncio.create_subprocess_exec(*argv, number, cwd=tmp_path, env=environ,
                                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
            text = out.decode() + err.decode()
            print(text)
            assert proc.returncode == 0, f"{kind}: {text}"
            assert "wrong_actor" in text or "工会不能发送" in text, text
            assert ("same receipt, applied once" if kind == "sh" else "same receipt: True") in text, text
            assert "apply for arbitration" in text and ("给予法律援助" in text or "legal aid granted" in text), text
            events = await raw_history(env, number)
            kinds = [where for e in events for where, p in payloads_in(e)
                     if p.metadata.get("encoding") != b"binary/encrypted"]
            assert not kinds, f"{kind}: the integrator sent unsealed payloads: {kinds}"
            signals = [e for e in events if e.HasField("workflow_execution_signaled_event_attributes")]
            assert len(signals) == 4  # every try is in the history: the decision twice, the probe, the report
            await eventually(lambda n=number: [e.kind for e in registry.events(n)].count(
                "event.legal_aid_decision") == 1, "the decision's log entry")  # applied once


async def test_the_web_ui_is_told_where_the_codec_server_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port, ui_port = free_port(), free_port()
    monkeypatch.setenv("WEIQUAN_UI_CODEC_ENDPOINT", "http://localhost:8081")
    proc = start_dev_server(tmp_path / "ui.db", port=port, ui_port=ui_port)
    try:
        settings_url = f"http://127.0.0.1:{ui_port}/api/v1/settings"
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(settings_url) as response:
                        if response.status == 200:
                            ui = await response.json()
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the Web UI never answered")
        assert ui["Codec"]["Endpoint"] == "http://localhost:8081"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_connections_follow_temporal_toml_profiles(
        dev: tuple[WorkflowEnvironment, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = ROOT / "examples" / "temporal.toml"
    production = ClientConfigProfile.load(profile="production", config_source=example, config_file_strict=True)
    assert production.tls is not None and str(production.tls.client_cert) == "/etc/weiquan/tls/worker.pem"
    assert production.tls.server_name == "temporal.weiquan.example" and production.namespace == "weiquan"
    hosted = ClientConfigProfile.load(profile="hosted", config_source=example,
                                      override_env_vars={"TEMPORAL_API_KEY": "k-123"})
    assert hosted.to_client_connect_config()["api_key"] == "k-123"
    assert hosted.to_client_connect_config()["tls"] is True  # an API key switches TLS on

    env, _ = dev
    config = tmp_path / "temporal.toml"
    config.write_text(f'[profile.staging]\naddress = "{env.client.service_client.config.target_host}"\n'
                      'namespace = "default"\n', encoding="utf-8")
    for name in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "WEIQUAN_CODEC_KEYS", "WEIQUAN_CODEC_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(config))
    monkeypatch.setenv("TEMPORAL_PROFILE", "staging")
    client = await connect()
    assert client.service_client.config.target_host == env.client.service_client.config.target_host
    assert await client.workflow_service.get_system_info(GetSystemInfoRequest())
