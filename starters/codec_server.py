"""The codec server: Temporal's remote codec protocol over HTTP, so an authorised supervisor's Web UI
(and the `temporal` CLI with --codec-endpoint) shows decrypted payloads while the Temporal server
and its database hold only ciphertext.

POST /encode and /decode take and return {"payloads": [...]} (protobuf JSON); CORS admits the Web
UI's origin; with WEIQUAN_CODEC_SERVER_TOKENS="name:token,..." each request needs
"Authorization: Bearer <token>", and every request is logged with the name (never the payloads).
Without tokens it is a decryption oracle for whoever reaches it, so it then listens on loopback
only, unless WEIQUAN_CODEC_TRUSTED_PROXY=true says an authenticating proxy stands in front.
WEIQUAN_CODEC_CORS_ORIGINS lists the Web UI origins (comma-separated).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence

import structlog
from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from workers.codec import CodecConfigError, EncryptionCodec

log = structlog.get_logger()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEFAULT_ORIGINS = ("http://localhost:8233", "http://127.0.0.1:8233")
USER = web.RequestKey("user", str)


def load_tokens(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """WEIQUAN_CODEC_SERVER_TOKENS: ``name:token`` entries (the name is who shows in the log)."""
    text = (os.environ if environ is None else environ).get("WEIQUAN_CODEC_SERVER_TOKENS", "")
    tokens: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        name, sep, token = entry.partition(":")
        if not sep or not name.strip() or len(token.strip()) < 16:
            raise CodecConfigError("WEIQUAN_CODEC_SERVER_TOKENS: expected name:token entries, tokens of 16+ characters")
        tokens[token.strip()] = name.strip()
    return tokens


def load_origins(environ: Mapping[str, str] | None = None) -> list[str]:
    """WEIQUAN_CODEC_CORS_ORIGINS: the Web UI origins allowed to call the server (default: the local UI)."""
    text = (os.environ if environ is None else environ).get("WEIQUAN_CODEC_CORS_ORIGINS", "")
    origins = [o.strip().rstrip("/") for o in text.split(",") if o.strip()]
    bad = [o for o in origins if not o.startswith(("http://", "https://"))]
    if bad:
        raise CodecConfigError(f"WEIQUAN_CODEC_CORS_ORIGINS: origins start with http:// or https://, got {bad[0][:40]!r}")
    return origins or list(DEFAULT_ORIGINS)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, tokens: Mapping[str, str], environ: Mapping[str, str] | None = None) -> None:
    """Refuse to serve without tokens on an address other hosts reach, unless a proxy is trusted."""
    env = os.environ if environ is None else environ
    trusted = env.get("WEIQUAN_CODEC_TRUSTED_PROXY", "").strip().lower() in ("true", "1", "yes")
    if not tokens and not trusted and not is_loopback(host):
        raise CodecConfigError(
            f"listening on {host} without WEIQUAN_CODEC_SERVER_TOKENS would decrypt for anyone who reaches it: "
            "set tokens, listen on 127.0.0.1, or set WEIQUAN_CODEC_TRUSTED_PROXY=true behind an authenticating proxy")


def make_app(codec: EncryptionCodec, *, origins: Sequence[str] = DEFAULT_ORIGINS,
             tokens: Mapping[str, str] | None = None) -> web.Application:
    allowed = {o.rstrip("/") for o in origins}

    def cors(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        origin = request.headers.get("Origin", "")
        if origin.rstrip("/") in allowed:
            response.headers.update({
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, X-Namespace, Authorization",
                "Vary": "Origin",
            })
        return response

    def who(request: web.Request) -> str | None:
        """The supervisor's name, "anyone" without tokens configured, None when refused."""
        if not tokens:
            return "anyone"
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return next((name for token, name in tokens.items() if hmac.compare_digest(token, given.strip())), None)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "OPTIONS":  # the browser's preflight carries no credentials
            return cors(request, web.Response(status=204))
        user = who(request)
        if user is None:
            log.warning("codec request refused", path=request.path, remote=request.remote)
            return cors(request, web.json_response({"error": "unauthorised"}, status=401))
        request[USER] = user
        try:
            return cors(request, await handler(request))
        except web.HTTPException as err:
            return cors(request, err)

    def route(direction: str) -> Handler:
        transform = codec.encode if direction == "encode" else codec.decode

        async def handle(request: web.Request) -> web.Response:
            try:
                payloads = json_format.Parse(await request.read(), Payloads())
                result = Payloads(payloads=await transform(payloads.payloads))
            except (json_format.ParseError, ValueError) as err:
                log.warning("codec request failed", path=request.path, user=request[USER], error=str(err))
                return web.json_response({"error": str(err)}, status=400)
            log.info("codec request", path=request.path, user=request[USER], payloads=len(payloads.payloads),
                     namespace=request.headers.get("X-Namespace"))
            return web.Response(text=json_format.MessageToJson(result), content_type="application/json")

        return handle

    app = web.Application(middlewares=[guard])
    for direction in ("encode", "decode"):
        app.router.add_post(f"/{direction}", route(direction))
        app.router.add_route("OPTIONS", f"/{direction}", route(direction))
    return app


async def serve(codec: EncryptionCodec, *, host: str, port: int, origins: Sequence[str],
                tokens: Mapping[str, str]) -> web.AppRunner:
    """Start serving; the caller keeps the runner and calls ``cleanup()`` to stop."""
    check_exposure(host, tokens)
    runner = web.AppRunner(make_app(codec, origins=origins, tokens=tokens), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("codec server ready", url=f"http://{host}:{port}", origins=list(origins),
             auth="bearer" if tokens else "none")
    return runner
