"""The event gateway: agencies' own systems send events over HTTP; the gateway knows who they are.

    POST /cases/{number}/events/{event}       JSON body: the event's payload
    POST /meetings/{id}/events/{event}
    GET  /openapi.json                        every event's payload schema, generated from the models

Each agency's system authenticates with its own credential: an API token (``Authorization: Bearer
…``) or a TLS client certificate whose subject maps to its unit; both may be enabled. The gateway
writes the verified unit into ``actor.unit`` (a body naming another unit is refused,
``wrong_actor``), signs the event with that unit's key (domain.signing) and sends it; the answer
is the case's receipt (200) or its refusal as ``{"code", "zh", "en"}``: 400 payload,
invalid_payload, unknown_event; 401 unauthenticated (no or unknown credential); 403 wrong_actor,
unauthenticated (the case refused the signature); 409 conflict, not_now; 404 no such case or
meeting (or it has closed); 503 the server failed or the case did not answer in time.

Credentials — WEIQUAN_GATEWAY_AUTH (default WEIQUAN_HOME/gateway-auth.json) holds no secret:

    {"tokens": {"legal_aid": ["<hex SHA-256 of a token>", ...]},
     "certificates": {"CN=fayuan-system": "legal_aid", "OU=南昌市总工会": "union"}}

A certificate names its unit by one rule (CN=… or OU=… of its subject); one matching rules of two
units is refused. The gateway listens on 127.0.0.1 unless it serves TLS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import ssl
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import structlog
from aiohttp import web
from pydantic import Field, ValidationError, model_validator
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.events.base import EventReceipt
from domain.i18n import AGENCY
from domain.models import Agency, Strict
from domain.signing import UnitKey, sign
from starters.cases import EventRefused, send_event
from starters.codec_server import is_loopback
from starters.failures import NoAnswer, NotSent, ServerLost, answer_wait
from starters.payloads import event_schema, schema_of
from workflows.events import EventSpec

log = structlog.get_logger()
UNIT = web.RequestKey("unit", Agency)
WORKFLOW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
MAX_BODY = 256 * 1024
STATUS = {"payload": 400, "invalid_payload": 400, "unknown_event": 400, "wrong_actor": 403, "unauthenticated": 403,
          "conflict": 409, "not_now": 409}


def catalogues() -> dict[str, dict[str, EventSpec]]:
    """The events each kind of workflow takes, by the path segment that names the kind."""
    from workflows.case import event_catalog
    from workflows.meeting import meeting_catalog

    return {"cases": event_catalog(), "meetings": meeting_catalog()}


class GatewayConfigError(ValueError):
    """The gateway's settings are unusable; the message says which and why."""


class GatewayAuth(Strict):
    tokens: dict[Agency, list[str]] = Field(default_factory=dict, description="hex SHA-256 of each unit's tokens")
    certificates: dict[str, Agency] = Field(default_factory=dict, description="CN=… or OU=… → unit")

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        hashes = [h for unit_hashes in self.tokens.values() for h in unit_hashes]
        if any(not re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes) or len(set(hashes)) != len(hashes):
            raise ValueError("tokens: each entry is a distinct hex SHA-256 (64 lower-case hex digits)")
        if any(not re.fullmatch(r"(CN|OU)=.+", rule) for rule in self.certificates):
            raise ValueError("certificates: each rule is CN=… or OU=…")
        return self

    def unit_for_token(self, token: str) -> Agency | None:
        digest = hash_token(token)
        found = None
        for unit, hashes in self.tokens.items():
            for known in hashes:  # compare every entry: the time taken says nothing of which matched
                if hmac.compare_digest(known, digest):
                    found = unit
        return found

    def units_for_certificate(self, peercert: Mapping[str, Any]) -> set[Agency]:
        names = {f"{'CN' if key == 'commonName' else 'OU'}={value}"
                 for rdn in peercert.get("subject", ()) for key, value in rdn
                 if key in ("commonName", "organizationalUnitName")}
        return {unit for rule, unit in self.certificates.items() if rule in names}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def auth_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("WEIQUAN_GATEWAY_AUTH") or Path(env.get("WEIQUAN_HOME", ".weiquan")) / "gateway-auth.json")


def load_auth(environ: Mapping[str, str] | None = None) -> GatewayAuth:
    """The configured credentials (none configured: nobody is let in)."""
    path = auth_path(environ)
    try:
        return GatewayAuth.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return GatewayAuth()
    except OSError as err:
        raise GatewayConfigError(f"cannot read {path}: {err.strerror}") from None
    except ValidationError as err:
        problems = "; ".join(e["msg"] for e in err.errors(include_url=False))[:300]
        raise GatewayConfigError(f"{path}: not a gateway credential file: {problems}") from None


def add_token(unit: Agency, environ: Mapping[str, str] | None = None) -> str:
    """A new token for ``unit``: its hash is added to the credential file; the token itself is
    returned once and kept nowhere here."""
    token = secrets.token_urlsafe(32)
    auth = load_auth(environ)
    auth.tokens.setdefault(unit, []).append(hash_token(token))
    path = auth_path(environ)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(auth.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return token


def refusal(status: int, code: str, zh: str, en: str, **headers: str) -> web.Response:
    return web.json_response({"code": code, "zh": zh, "en": en}, status=status, headers=headers or None,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _unauthenticated(zh: str, en: str) -> web.Response:
    return refusal(401, "unauthenticated", zh, en, **{"WWW-Authenticate": 'Bearer realm="weiquan"'})


def authenticate(request: web.Request, auth: GatewayAuth) -> Agency | web.Response:
    """The unit whose credential came with the request, or the 401 answer. A token and a
    certificate that name different units are refused: neither is believed."""
    units: set[Agency] = set()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme:
        unit = auth.unit_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if unit is None:
            return _unauthenticated("凭证无效：未登记的令牌", "invalid credential: unknown token")
        units.add(unit)
    peercert = request.transport.get_extra_info("peercert") if request.transport else None
    if peercert:
        by_cert = auth.units_for_certificate(peercert)
        if len(by_cert) != 1:
            return _unauthenticated("客户端证书未对应唯一的单位", "the client certificate maps to no single unit")
        units |= by_cert
    if not units:
        return _unauthenticated("需要凭证：Authorization: Bearer <令牌> 或客户端证书",
                                "a credential is needed: Authorization: Bearer <token>, or a client certificate")
    if len(units) > 1:
        return _unauthenticated("令牌与客户端证书属于不同单位", "the token and the client certificate name different units")
    return units.pop()


def create_app(client: Client, *, auth: GatewayAuth, signing_key: Callable[[Agency], UnitKey],
               now: Callable[[], datetime] = lambda: datetime.now(UTC), wait: float | None = None) -> web.Application:
    """The gateway as an aiohttp application. ``signing_key(unit)`` gives the key it signs that
    unit's events with (domain.signing.load_unit_key); ``wait`` bounds the wait for an answer."""
    catalogue = catalogues()
    document = openapi(catalogue)

    async def take(request: web.Request) -> web.Response:
        kind, workflow_id, name = request.match_info["kind"], request.match_info["id"], request.match_info["event"]
        unit = authenticate(request, auth)
        if isinstance(unit, web.Response):
            log.warning("gateway refused a request", reason="unauthenticated", path=request.path, remote=request.remote)
            return unit
        answer = await _send(request, unit, kind, workflow_id, name)
        log.info("gateway event", unit=unit.value, workflow_id=workflow_id, gateway_event=name, status=answer.status)
        return answer

    async def _send(request: web.Request, unit: Agency, kind: str, workflow_id: str, name: str) -> web.Response:
        what = ("案件", "case") if kind == "cases" else ("会议", "meeting")
        if not WORKFLOW_ID.match(workflow_id):
            return refusal(404, "not_found", f"没有{what[0]} {workflow_id[:40]}", f"no {what[1]} {workflow_id[:40]!r}")
        if name not in catalogue[kind]:
            return refusal(400, "unknown_event", f"未知事件“{name[:60]}”", f"unknown event {name[:60]!r}")
        try:
            payload = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return refusal(413, "payload", f"事件超过 {MAX_BODY // 1024} KiB", f"the event exceeds {MAX_BODY // 1024} KiB")
        except (ValueError, UnicodeDecodeError):
            return refusal(400, "payload", "请求体不是 JSON", "the body is not JSON")
        if not isinstance(payload, dict):
            return refusal(400, "payload", "事件需要且只需要一个 JSON 对象", "an event takes exactly one JSON object")
        actor = payload.get("actor", {})
        if not isinstance(actor, dict):
            return refusal(400, "invalid_payload", "actor 应为对象 {unit, person}",
                           "actor must be an object {unit, person}")
        claimed = actor.get("unit", unit.value)
        if claimed != unit.value:
            here, there = AGENCY[unit.value], AGENCY.get(str(claimed), (str(claimed)[:20],) * 2)
            return refusal(403, "wrong_actor", f"凭证属于{here[0]}，事件却署名{there[0]}",
                           f"the credential is {here[1]}'s but the event names {there[1]}")
        payload["actor"] = {**actor, "unit": unit.value}
        try:
            signed = sign(payload, workflow_id=workflow_id, event=name, key=signing_key(unit), at=now())
        except ValueError as err:  # no event id
            return refusal(400, "invalid_payload", f"无法签名：{err}", f"cannot sign: {err}")
        try:
            receipt = await send_event(client, workflow_id, name, signed, wait=wait or answer_wait())
        except EventRefused as refused:
            return refusal(STATUS.get(refused.code, 503), refused.code if refused.code in STATUS else "server",
                           refused.zh, refused.en)
        except NoAnswer:
            return refusal(503, "no_answer", f"{what[0]}未及时答复：稍后用同一事件编号重发",
                           f"the {what[1]} did not answer in time: resend later with the same event id")
        except (RPCError, NotSent, ServerLost) as err:  # sent or not, resending the same event id is safe
            if isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND:
                return refusal(404, "not_found", f"没有{what[0]} {workflow_id}，或它已结束",
                               f"no {what[1]} {workflow_id}, or it has closed")
            log.warning("gateway could not reach the server", workflow_id=workflow_id, error=str(err)[:200])
            return refusal(503, "server", "服务暂不可用，请稍后用同一事件编号重发",
                           "the service is unavailable: resend later with the same event id")
        return web.json_response(receipt.model_dump(mode="json"), dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def spec(_: web.Request) -> web.Response:
        return web.json_response(document, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get("/openapi.json", spec)
    app.router.add_post(r"/{kind:cases|meetings}/{id}/events/{event}", take)
    return app


def tls_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """TLS for the gateway; with ``client_ca``, client certificates signed by it are asked for and
    checked (optional, so token holders still get in; a certificate's unit comes from the rules)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


async def serve(client: Client, *, host: str = "127.0.0.1", port: int = 8088, auth: GatewayAuth,
                signing_key: Callable[[Agency], UnitKey], tls: ssl.SSLContext | None = None) -> web.AppRunner:
    """Start serving; the caller keeps the runner and calls ``cleanup()`` to stop. Refuses an
    address other hosts reach without TLS (tokens would cross the network in clear)."""
    if tls is None and not is_loopback(host):
        raise GatewayConfigError(f"listening on {host} without TLS would carry tokens and events in clear: "
                                 "give a certificate and key, or listen on 127.0.0.1")
    if not auth.tokens and not auth.certificates:
        log.warning("gateway has no credentials configured: every request is refused", file=str(auth_path()))
    runner = web.AppRunner(create_app(client, auth=auth, signing_key=signing_key), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, ssl_context=tls).start()
    log.info("gateway ready", url=f"{'https' if tls else 'http'}://{host}:{port}",
             tokens=sum(map(len, auth.tokens.values())), certificate_rules=len(auth.certificates))
    return runner


def openapi(catalogue: Mapping[str, Mapping[str, EventSpec]]) -> dict[str, Any]:
    """OpenAPI 3.1: one path per event, its body the event's schema (the units that may send it
    in ``actor.unit``), the answers the receipt and the refusal."""
    ref = "#/components/schemas/{model}"
    components: dict[str, Any] = {}

    def hoist(schema: dict[str, Any]) -> dict[str, Any]:
        components.update(schema.pop("$defs", {}))
        schema.pop("$schema", None)
        return schema

    components["EventReceipt"] = hoist(schema_of(EventReceipt, "serialization", ref_template=ref))
    components["Refusal"] = {"type": "object", "required": ["code", "zh", "en"], "properties": {
        "code": {"type": "string", "description": "payload · invalid_payload · unknown_event · unauthenticated · "
                 "wrong_actor · conflict · not_now · not_found · no_answer · server"},
        "zh": {"type": "string"}, "en": {"type": "string"}}}
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    paths: dict[str, Any] = {}
    for kind, events in catalogue.items():
        param = "number" if kind == "cases" else "id"
        for name, spec in sorted(events.items()):
            paths[f"/{kind}/{{{param}}}/events/{name}"] = {"post": {
                "operationId": f"{kind}_{name}", "summary": f"{spec.title[0]} · {spec.title[1]}",
                "tags": [kind], "security": [{"bearer": []}, {"clientCertificate": []}],
                "parameters": [{"name": param, "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": hoist(event_schema(spec, ref_template=ref))}}},
                "responses": {
                    "200": {"description": "receipt", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/EventReceipt"}}}},
                    **{str(s): {"description": d, "content": answer} for s, d in (
                        (400, "payload, invalid_payload, unknown_event"), (401, "unauthenticated"),
                        (403, "wrong_actor, unauthenticated"), (404, "not_found"), (409, "conflict, not_now"),
                        (503, "no_answer, server"))}}}}
    return {"openapi": "3.1.0",
            "info": {"title": "维权联动事件网关 · weiquan event gateway", "version": "1",
                     "description": "Events for cases and meetings; each is signed with the sending unit's key."},
            "paths": paths,
            "components": {"schemas": components, "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}, "clientCertificate": {"type": "mutualTLS"}}}}
