"""Sending an event through the event gateway (starters/gateway.py) instead of signalling: how staff
send events where only the gateway and the workers may write to Temporal (docs/deploy.md).

    WEIQUAN_GATEWAY_URL          the gateway, e.g. https://gateway.example (unset: the CLI signals itself)
    WEIQUAN_GATEWAY_TOKEN        this unit's API token (`weiquan gateway-token <unit>`)
    WEIQUAN_GATEWAY_CA           the CA that signed the gateway's certificate (default: the system's)
    WEIQUAN_GATEWAY_CLIENT_CERT, WEIQUAN_GATEWAY_CLIENT_KEY   a client certificate, for mTLS

The gateway signs with the unit's key, so this machine holds none. Its answers become what the
direct path raises (EventRefused, NoAnswer) or starters/failures.py's gateway failures.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any, get_args
from urllib.parse import quote, urlsplit

from domain.events.base import EventReceipt, EventRefusal
from starters.cases import EventRefused
from starters.codec_server import is_loopback
from starters.failures import GatewayAnswer, GatewaySettingsError, GatewayUnreachable, NoAnswer, answer_wait

REFUSAL_CODES = frozenset(get_args(EventRefusal.model_fields["code"].annotation))  # the case's own codes


def gateway_url(environ: Mapping[str, str] | None = None) -> str | None:
    return ((os.environ if environ is None else environ).get("WEIQUAN_GATEWAY_URL") or "").strip().rstrip("/") or None


def _tls(env: Mapping[str, str]) -> ssl.SSLContext:
    cert, key = env.get("WEIQUAN_GATEWAY_CLIENT_CERT"), env.get("WEIQUAN_GATEWAY_CLIENT_KEY")
    if bool(cert) != bool(key):
        raise GatewaySettingsError("WEIQUAN_GATEWAY_CLIENT_CERT and WEIQUAN_GATEWAY_CLIENT_KEY go together")
    try:
        context = ssl.create_default_context(cafile=env.get("WEIQUAN_GATEWAY_CA") or None)
        if cert and key:
            context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as err:
        raise GatewaySettingsError(f"cannot load the gateway's CA or client certificate: {err}") from None
    return context


async def send_through_gateway(kind: str, workflow_id: str, event: str, payload: dict[str, Any],
                               environ: Mapping[str, str] | None = None) -> EventReceipt:
    """POST the event to the gateway at WEIQUAN_GATEWAY_URL (``kind`` is "cases" or "meetings") and
    return the case's receipt; raises as send_event does, or a gateway failure."""
    import aiohttp

    env = os.environ if environ is None else environ
    base = gateway_url(env)
    assert base is not None
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GatewaySettingsError(f"WEIQUAN_GATEWAY_URL must be an http(s) address, got {base[:80]!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):  # the token would cross the network in clear
        raise GatewaySettingsError("WEIQUAN_GATEWAY_URL: use https off this machine (http only to 127.0.0.1)")
    token = (env.get("WEIQUAN_GATEWAY_TOKEN") or "").strip()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{base}/{kind}/{quote(workflow_id, safe='')}/events/{quote(event, safe='')}"
    wait = answer_wait() + 10  # the gateway waits for the case itself; a margin for its own answer
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=wait)) as session, session.post(
                url, json=payload, headers=headers, ssl=_tls(env) if parts.scheme == "https" else False) as answer:
            status = answer.status
            try:
                body = await answer.json(content_type=None)
            except ValueError:
                body = None
    except aiohttp.ClientError as err:  # includes connection timeouts: nothing was sent
        raise GatewayUnreachable(base, str(err) or type(err).__name__) from None
    except TimeoutError:  # sent, no answer in time: it may still apply
        raise NoAnswer(workflow_id, wait) from None
    if status == 200 and isinstance(body, dict):
        return EventReceipt.model_validate(body)
    if not (isinstance(body, dict) and {"code", "zh", "en"} <= body.keys()):
        raise GatewayAnswer(status, f"HTTP {status}", f"HTTP {status}")
    # The gateway's own "unauthenticated" (401: token or certificate refused) is not the case's (403).
    if body["code"] in REFUSAL_CODES and (body["code"] != "unauthenticated" or status == 403):
        raise EventRefused(body["code"], body["zh"], body["en"])
    raise GatewayAnswer(status, body["zh"], body["en"])
