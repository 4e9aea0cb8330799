"""The event gateway on a real (time-skipping) server with workers: each agency's credential
decides the unit, the gateway signs and sends, and answers with the status that fits."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from temporalio.testing import WorkflowEnvironment

from domain.models import Agency, CaseIntake
from domain.signing import load_key_set, load_unit_key, verify
from starters import gateway
from starters.cases import open_case
from starters.gateway import GatewayAuth, GatewayConfigError, create_app, hash_token
from tests import factories
from tests.helpers import TODAY, at_stage, start

TOKENS = {Agency.LEGAL_AID: "legal-aid-system-token-0123456789", Agency.UNION: "union-system-token-0123456789ab"}
PERSON = {"person": "法援系统"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bearer(unit: Agency) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[unit]}"}


@pytest.fixture
def home() -> dict[str, str]:
    """The session's home, whose units' keys the workers check events against (tests/conftest.py)."""
    return {"WEIQUAN_HOME": os.environ["WEIQUAN_HOME"]}


@pytest_asyncio.fixture
async def http(env: WorkflowEnvironment, home: dict[str, str]) -> AsyncIterator[TestClient]:
    auth = GatewayAuth(tokens={unit: [hash_token(token)] for unit, token in TOKENS.items()})
    app = create_app(env.client, auth=auth, signing_key=lambda unit: load_unit_key(unit, home), wait=20)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_agency_systems_send_through_the_gateway(env: WorkflowEnvironment, workers: str,
                                                       http: TestClient, home: dict[str, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    url = f"/cases/{number}/events/legal_aid_decision"
    sent: list[dict] = []
    real_send = gateway.send_event

    async def spy(client, workflow_id, name, payload, **options):  # the payload as the case receives it
        sent.append(payload)
        return await real_send(client, workflow_id, name, payload, **options)

    monkeypatch.setattr(gateway, "send_event", spy)
    # The union's system cannot decide for legal aid: the gateway stamps its unit, the case refuses.
    answer = await http.post(url, json={"event_id": "u-1", "actor": {"person": "工会系统"}, "granted": True},
                             headers=bearer(Agency.UNION))
    assert answer.status == 403 and (await answer.json())["code"] == "wrong_actor"
    # Claiming legal aid with the union's credential is refused before anything is sent.
    answer = await http.post(url, json={"event_id": "u-2", "actor": {"unit": "legal_aid", **PERSON}, "granted": True},
                             headers=bearer(Agency.UNION))
    body = await answer.json()
    assert answer.status == 403 and body["code"] == "wrong_actor" and "工会" in body["zh"]
    assert len(sent) == 1

    refusal = {"event_id": "la-1", "actor": PERSON, "granted": False, "reason": "不符合经济困难标准"}
    answer = await http.post(url, json={**refusal, "reason": None}, headers=bearer(Agency.LEGAL_AID))
    assert answer.status == 400 and (await answer.json())["code"] == "invalid_payload"
    answer = await http.post(url, json={"event_id": "la-2", "actor": PERSON, "granted": True},
                             headers=bearer(Agency.LEGAL_AID))
    receipt = await answer.json()
    assert answer.status == 200, receipt
    assert receipt["event_id"] == "la-2" and receipt["event"] == "legal_aid_decision"
    signed = sent[-1]
    assert signed["actor"] == {"unit": "legal_aid", **PERSON}
    assert verify(signed, workflow_id=number, event="legal_aid_decision", keys=load_key_set(home)) is None
    await at_stage(env.client, number, "mediation")

    answer = await http.post(url, json={"event_id": "la-2", "actor": PERSON, "granted": False, "reason": "另一内容"},
                             headers=bearer(Agency.LEGAL_AID))
    assert answer.status == 409 and (await answer.json())["code"] == "conflict"
    answer = await http.post(url, json={"event_id": "la-3", "actor": PERSON, "granted": True},
                             headers=bearer(Agency.LEGAL_AID))
    assert answer.status == 409 and (await answer.json())["code"] == "not_now"
    answer = await http.post("/cases/NC360102-NOSUCHCA/events/legal_aid_decision",
                             json={"event_id": "la-4", "actor": PERSON, "granted": True},
                             headers=bearer(Agency.LEGAL_AID))
    assert answer.status == 404 and (await answer.json())["code"] == "not_found"


async def test_requests_refused_at_the_door(http: TestClient) -> None:
    url = "/cases/NC360102-ABCDEFGH/events/legal_aid_decision"
    event = {"event_id": "x-1", "actor": PERSON, "granted": True}
    for headers in ({}, {"Authorization": "Bearer not-a-known-token"}, {"Authorization": "Basic YTpi"}):
        answer = await http.post(url, json=event, headers=headers)
        assert answer.status == 401 and (await answer.json())["code"] == "unauthenticated"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    for body, code in ((b"{not json", "payload"), (b"[1, 2]", "payload"),
                       (b'{"actor": "legal_aid"}', "invalid_payload"), (b'{"actor": {"person": "p"}}', "invalid_payload")):
        answer = await http.post(url, data=body, headers=bearer(Agency.LEGAL_AID))
        assert answer.status == 400 and (await answer.json())["code"] == code, body
    answer = await http.post(url.replace("legal_aid_decision", "no_such_event"), json=event,
                             headers=bearer(Agency.LEGAL_AID))
    assert answer.status == 400 and (await answer.json())["code"] == "unknown_event"
    answer = await http.post(url, data=b"{" + b" " * 300_000 + b"}", headers=bearer(Agency.LEGAL_AID))
    assert answer.status == 413


async def test_openapi_lists_every_event(http: TestClient) -> None:
    answer = await http.get("/openapi.json")
    document = await answer.json()
    assert answer.status == 200 and document["openapi"].startswith("3.1")
    for kind, events in gateway.catalogues().items():
        param = "number" if kind == "cases" else "id"
        for name in events:
            body = document["paths"][f"/{kind}/{{{param}}}/events/{name}"]["post"]["requestBody"]
            assert "proof" in body["content"]["application/json"]["schema"]["properties"]
    refs = {ref for ref in _refs(document)}
    assert refs <= {f"#/components/schemas/{name}" for name in document["components"]["schemas"]}, "every $ref resolves"


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_credentials_by_certificate_and_token() -> None:
    auth = GatewayAuth(tokens={Agency.UNION: [hash_token("t" * 32)]},
                       certificates={"CN=fayuan-system": Agency.LEGAL_AID, "OU=南昌市总工会": Agency.UNION})
    subject = lambda *pairs: {"subject": tuple(((k, v),) for k, v in pairs)}  # noqa: E731  (ssl's peercert form)
    assert auth.units_for_certificate(subject(("commonName", "fayuan-system"))) == {Agency.LEGAL_AID}
    union_cert = subject(("organizationalUnitName", "南昌市总工会"), ("commonName", "x"))
    assert auth.units_for_certificate(union_cert) == {Agency.UNION}
    assert auth.units_for_certificate(subject(("commonName", "fayuan-system"),
                                              ("organizationalUnitName", "南昌市总工会"))) == {Agency.LEGAL_AID, Agency.UNION}
    assert auth.units_for_certificate(subject(("commonName", "other"))) == set()
    assert auth.unit_for_token("t" * 32) == Agency.UNION and auth.unit_for_token("u" * 32) is None
    with pytest.raises(ValueError, match="SHA-256"):
        GatewayAuth(tokens={Agency.UNION: ["plain-token"]})
    with pytest.raises(ValueError, match="CN="):
        GatewayAuth(certificates={"O=x": Agency.UNION})


def test_token_file(tmp_path: Path) -> None:
    environ = {"WEIQUAN_HOME": str(tmp_path)}
    assert gateway.load_auth(environ) == GatewayAuth()
    token = gateway.add_token(Agency.COURT, environ)
    auth = gateway.load_auth(environ)
    assert auth.unit_for_token(token) == Agency.COURT and token not in (tmp_path / "gateway-auth.json").read_text()
    (tmp_path / "gateway-auth.json").write_text('{"tokens": {"court": ["x"]}}')
    with pytest.raises(GatewayConfigError, match="not a gateway credential file"):
        gateway.load_auth(environ)


async def test_no_clear_text_off_loopback(env: WorkflowEnvironment) -> None:
    with pytest.raises(GatewayConfigError, match="without TLS"):
        await gateway.serve(env.client, host="0.0.0.0", port=0, auth=GatewayAuth(), signing_key=lambda u: None)


def _certificate(path: Path, name: x509.Name, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None = None,
                 *, ca: bool = False, ip: str | None = None) -> tuple[x509.Name, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer or (name, key)
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
               .not_valid_after(now + timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return name, key


def _cn(value: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])


async def test_mutual_tls_names_the_unit(env: WorkflowEnvironment, home: dict[str, str], tmp_path: Path) -> None:
    """A real TLS listener: a client certificate from the agencies' CA whose CN maps to legal aid
    gets through to the server (which answers that no such case exists); an unmapped one does not."""
    ca = _certificate(tmp_path / "ca", _cn("weiquan test CA"), ca=True)
    _certificate(tmp_path / "server", _cn("gateway"), ca, ip="127.0.0.1")
    _certificate(tmp_path / "fayuan", _cn("fayuan-system"), ca)
    _certificate(tmp_path / "stranger", _cn("stranger"), ca)
    tls = gateway.tls_context(tmp_path / "server.crt", tmp_path / "server.key", client_ca=tmp_path / "ca.crt")
    port = free_port()
    auth = GatewayAuth(certificates={"CN=fayuan-system": Agency.LEGAL_AID})
    runner = await gateway.serve(env.client, port=port, auth=auth, tls=tls,
                                 signing_key=lambda unit: load_unit_key(unit, home))
    url = f"https://127.0.0.1:{port}/cases/NC360102-NOSUCHCA/events/legal_aid_decision"
    event = {"event_id": "la-1", "actor": PERSON, "granted": True}
    try:
        for who, status in (("fayuan", 404), ("stranger", 401), (None, 401)):
            context = ssl.create_default_context(cafile=tmp_path / "ca.crt")
            if who:
                context.load_cert_chain(tmp_path / f"{who}.crt", tmp_path / f"{who}.key")
            async with aiohttp.ClientSession() as session, session.post(url, json=event, ssl=context) as answer:
                assert answer.status == status, (who, await answer.text())
    finally:
        await runner.cleanup()


async def test_staff_cli_sends_through_the_gateway(env: WorkflowEnvironment, workers: str, home: dict[str, str],
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With WEIQUAN_GATEWAY_URL, `weiquan case event` posts to the gateway (Temporal itself out of
    the CLI's reach): the unit is the token's, the exit codes those of signalling."""
    import asyncio

    from typer.testing import CliRunner

    from starters.cli import app

    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    port = free_port()
    auth = GatewayAuth(tokens={unit: [hash_token(token)] for unit, token in TOKENS.items()})
    runner = await gateway.serve(env.client, port=port, auth=auth, signing_key=lambda unit: load_unit_key(unit, home))
    decision = tmp_path / "decision.json"
    decision.write_text(json.dumps({"event_id": "cli-gw-1", "actor": {"unit": "legal_aid", **PERSON},
                                    "granted": True}), encoding="utf-8")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")  # the CLI cannot signal: only the gateway can
    monkeypatch.setenv("WEIQUAN_LANG", "en")

    async def weiquan(token: Agency, url: str = f"http://127.0.0.1:{port}") -> Any:
        monkeypatch.setenv("WEIQUAN_GATEWAY_URL", url)
        monkeypatch.setenv("WEIQUAN_GATEWAY_TOKEN", TOKENS[token])
        return await asyncio.to_thread(CliRunner().invoke, app,
                                       ["case", "event", number, "legal_aid_decision", "--file", str(decision)])

    try:
        refused = await weiquan(Agency.UNION)
        assert refused.exit_code == 3 and "the credential is" in refused.output, refused.output  # wrong_actor
        applied = await weiquan(Agency.LEGAL_AID)
        assert applied.exit_code == 0, applied.output
        await at_stage(env.client, number, "mediation")
        again = await weiquan(Agency.LEGAL_AID)  # the same event again: its first receipt
        receipt = applied.stdout.strip().splitlines()[-1]  # (in-process workers log to stdout too)
        assert again.exit_code == 0 and again.stdout.strip().splitlines()[-1] == receipt
    finally:
        await runner.cleanup()
    unreachable = await weiquan(Agency.LEGAL_AID, f"http://127.0.0.1:{free_port()}")
    assert unreachable.exit_code == 4 and "cannot reach the event gateway" in unreachable.output, unreachable.output
    assert "Traceback" not in unreachable.output
    clear = await weiquan(Agency.LEGAL_AID, "http://gateway.example")
    assert clear.exit_code == 2 and "use https" in clear.output, clear.output


def test_gateway_commands_say_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`weiquan gateway` and `weiquan gateway-token`: bad settings end in a sentence and exit 2, never
    a traceback; a token is printed once and only its hash is kept."""
    from typer.testing import CliRunner

    from starters.cli import app

    monkeypatch.setenv("WEIQUAN_HOME", str(tmp_path))
    cli = CliRunner()
    made = cli.invoke(app, ["gateway-token", "legal_aid"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert gateway.load_auth().unit_for_token(token) == Agency.LEGAL_AID
    assert token not in (tmp_path / "gateway-auth.json").read_text()
    for argv, said in ((["gateway-token", "nobody"], "unknown unit"),
                       (["gateway", "--tls-cert", str(tmp_path / "x.crt")], "--tls-key"),
                       (["gateway", "--tls-cert", str(tmp_path / "x.crt"), "--tls-key", str(tmp_path / "x.key")],
                        "cannot load the TLS certificate"),
                       (["gateway"], "no signing key for legal_aid")):  # this home has no unit keys
        done = cli.invoke(app, argv, env={"WEIQUAN_LANG": "en"})
        assert done.exit_code == 2 and isinstance(done.exception, SystemExit), (argv, done.output)
        assert said in done.output, (argv, done.output)


async def test_a_case_no_worker_answers_is_503_no_answer(env: WorkflowEnvironment, home: dict[str, str]) -> None:
    """Nothing to refuse, nothing applied: the agency's system is told to resend the same event id later."""
    number, _ = await open_case(env.client, CaseIntake.from_input(factories.intake(), TODAY), prefix="nobody")
    auth = GatewayAuth(tokens={unit: [hash_token(token)] for unit, token in TOKENS.items()})
    app = create_app(env.client, auth=auth, signing_key=lambda unit: load_unit_key(unit, home), wait=1)
    async with TestClient(TestServer(app)) as http:
        answer = await http.post(f"/cases/{number}/events/legal_aid_decision", headers=bearer(Agency.LEGAL_AID),
                                 json={"event_id": "n-1", "actor": PERSON, "granted": True})
        assert answer.status == 503 and (await answer.json())["code"] == "no_answer"
    await env.client.get_workflow_handle(number).terminate("test finished")
