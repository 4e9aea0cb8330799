"""Payload encryption without a server: the codec, key loading and rotation, failures, the codec server."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter

from starters.codec_server import check_exposure, load_origins, load_tokens, make_app
from workers.codec import (
    UNSEALED,
    CodecConfigError,
    SM4GCM,
    EncryptionCodec,
    data_converter,
    ensure_home_key,
    generate_key,
    load_keyring,
    parse_keys,
    require_sealed,
)

ID_NUMBER, PHONE = "360321198908274471", "16399008265"
KEY_A, KEY_B = generate_key(), generate_key()
TOKEN = "supervisor-token-0123456789"


def codec(keys: str, current: str | None = None) -> EncryptionCodec:
    ring = load_keyring({"WEIQUAN_CODEC_KEYS": keys, **({"WEIQUAN_CODEC_KEY_ID": current} if current else {})})
    assert ring is not None
    return EncryptionCodec(ring)


async def seal(value: object, with_codec: EncryptionCodec) -> list[Payload]:
    plain = pydantic_data_converter.payload_converter.to_payloads([value])
    return await with_codec.encode(plain)


async def test_sealed_payload_names_its_key_and_hides_the_data() -> None:
    [sealed] = await seal({"id_number": ID_NUMBER, "phone": PHONE}, codec(f"a:{KEY_A}"))
    assert sealed.metadata["encoding"] == b"binary/encrypted" and sealed.metadata["encryption-key-id"] == b"a"
    assert ID_NUMBER.encode() not in sealed.SerializeToString() and PHONE.encode() not in sealed.SerializeToString()
    [opened] = await codec(f"a:{KEY_A}").decode([sealed])
    assert pydantic_data_converter.payload_converter.from_payloads([opened])[0]["id_number"] == ID_NUMBER


async def test_rotation_seals_with_the_current_key_and_opens_with_any_known_one() -> None:
    [old] = await seal("under key a", codec(f"a:{KEY_A}"))
    rotated = codec(f"a:{KEY_A},b:{KEY_B}", current="b")
    [new] = await seal("under key b", rotated)
    assert new.metadata["encryption-key-id"] == b"b"
    opened = await rotated.decode([old, new])
    assert pydantic_data_converter.payload_converter.from_payloads(opened) == ["under key a", "under key b"]
    with pytest.raises(ValueError, match="does not hold") as unknown:
        await codec(f"b:{KEY_B}").decode([old])  # a key still in use must stay configured
    assert "'a'" not in str(unknown.value) and "b" not in str(unknown.value).split(":")[0]  # no key ids said


async def test_altered_or_foreign_ciphertext_is_refused_and_plain_payloads_pass() -> None:
    a = codec(f"a:{KEY_A}")
    [sealed] = await seal("x", a)
    tampered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(ValueError, match="fails authentication"):
        await a.decode([tampered])
    with pytest.raises(ValueError, match="fails authentication"):
        await codec(f"a:{KEY_B}").decode([sealed])  # same id, another key
    plain = pydantic_data_converter.payload_converter.to_payloads(["sent in clear"])
    [refused] = await a.decode(plain)  # refused as production refuses it: no converter reads it
    assert refused.metadata["encoding"] == UNSEALED and refused.data == plain[0].data  # its key alone is read
    assert await EncryptionCodec(a.keyring, sealed_only=False).decode(plain) == plain  # only when switched off


async def test_sm4_gcm_keys_seal_beside_aes_ones(tmp_path: Path) -> None:
    """SM4-GCM (RFC 8998 A.1's vector) as a key kind: a namespace can move from AES to SM4 by rotation."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce, aad = bytes.fromhex("00001234567800000000ABCD"), bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                          "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    sealed = SM4GCM(key).encrypt(nonce, plain, aad)
    assert sealed.hex().upper() == ("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
                                    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
                                    "83DE3541E4C2B58177E065A9BF7B62EC")
    assert SM4GCM(key).decrypt(nonce, sealed, aad) == plain
    sm4 = generate_key("sm4-gcm")
    [old] = await seal("under AES", codec(f"a:{KEY_A}"))
    rotated = codec(f"a:{KEY_A},s:{sm4}", current="s")
    [new] = await seal("under SM4", rotated)
    assert pydantic_data_converter.payload_converter.from_payloads(await rotated.decode([old, new])) == [
        "under AES", "under SM4"]
    tampered = Payload(metadata=new.metadata, data=new.data[:-1] + bytes([new.data[-1] ^ 1]))
    with pytest.raises(ValueError, match="fails authentication"):
        await rotated.decode([tampered])
    with pytest.raises(CodecConfigError, match="SM4 needs 16"):
        load_keyring({"WEIQUAN_CODEC_KEYS": f"s:sm4-gcm:{KEY_A}"})
    home = {"WEIQUAN_HOME": str(tmp_path), "WEIQUAN_CODEC_CIPHER": "sm4-gcm"}
    ensure_home_key(home)
    assert "sm4-gcm:" in (tmp_path / "codec-keys").read_text() and load_keyring(home) is not None


def test_sealing_is_required_unless_switched_off() -> None:
    assert require_sealed({}) is True
    assert require_sealed({"WEIQUAN_CODEC_REQUIRE_SEALED": "false"}) is False
    with pytest.raises(CodecConfigError, match="WEIQUAN_CODEC_REQUIRE_SEALED"):
        require_sealed({"WEIQUAN_CODEC_REQUIRE_SEALED": "maybe"})


def test_keys_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert load_keyring({}) is None
    assert data_converter(None) is pydantic_data_converter  # no keys: the dev default, unsealed
    ring = load_keyring({"WEIQUAN_CODEC_KEYS": f" a:{KEY_A} , b:{KEY_B} "})
    assert ring is not None and ring.current == "b" and set(ring.keys) == {"a", "b"}  # default: the last
    file = tmp_path / "keys"
    file.write_text(f"# rotated 2026-11\na:{KEY_A}\nb:{KEY_B}  # current\n", encoding="utf-8")
    ring = load_keyring({"WEIQUAN_CODEC_KEY_FILE": str(file), "WEIQUAN_CODEC_KEY_ID": "a"})
    assert ring is not None and ring.current == "a" and set(ring.keys) == {"a", "b"}
    assert data_converter(ring).payload_codec is not None


@pytest.mark.parametrize("env, message", [
    ({"WEIQUAN_CODEC_KEYS": "a:not-base64!"}, "not valid base64"),
    ({"WEIQUAN_CODEC_KEYS": f"a:{base64.b64encode(b'short').decode()}"}, "AES-256 needs 32"),
    ({"WEIQUAN_CODEC_KEYS": KEY_A}, "expected id:base64key"),
    ({"WEIQUAN_CODEC_KEYS": f"a:{KEY_A},a:{KEY_B}"}, "listed twice"),
    ({"WEIQUAN_CODEC_KEYS": f"a:{KEY_A}", "WEIQUAN_CODEC_KEY_ID": "z"}, "not among the keys"),
    ({"WEIQUAN_CODEC_KEY_ID": "a"}, "no keys are configured"),
    ({"WEIQUAN_CODEC_KEY_FILE": "/nonexistent/keys"}, "cannot read"),
])
def test_bad_key_settings_are_refused_plainly(env: dict[str, str], message: str) -> None:
    with pytest.raises(CodecConfigError, match=message):
        load_keyring(env)


def test_failure_text_is_sealed() -> None:
    """An exception's text may quote personal data (a database error lists the values it failed to
    write): the workers' converter seals failure messages and stack traces with the payloads."""
    converter = data_converter(load_keyring({"WEIQUAN_CODEC_KEYS": f"a:{KEY_A}"})).failure_converter
    leaked = Failure()
    converter.to_failure(RuntimeError(f"insert failed: parameters ({ID_NUMBER}, {PHONE})"),
                         pydantic_data_converter.payload_converter, leaked)
    assert leaked.message == "Encoded failure" and ID_NUMBER not in leaked.stack_trace
    assert leaked.HasField("encoded_attributes")  # the codec seals it with the other payloads


# ---- the codec server ----------------------------------------------------------------------------


def body(payloads: list[Payload]) -> str:
    return json_format.MessageToJson(Payloads(payloads=payloads))


async def test_codec_server_decodes_for_a_supervisor_with_a_token_and_speaks_cors() -> None:
    c = codec(f"a:{KEY_A}")
    app = make_app(c, origins=["http://localhost:8233"], tokens=load_tokens(
        {"WEIQUAN_CODEC_SERVER_TOKENS": f"zhang:{TOKEN}"}))
    async with TestClient(TestServer(app)) as http:
        preflight = await http.options("/decode", headers={
            "Origin": "http://localhost:8233", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace,authorization"})
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:8233"
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]

        sealed = await seal({"id_number": ID_NUMBER}, c)
        refused = await http.post("/decode", data=body(sealed), headers={"Origin": "http://localhost:8233"})
        assert refused.status == 401 and refused.headers["Access-Control-Allow-Origin"] == "http://localhost:8233"
        wrong = await http.post("/decode", data=body(sealed), headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401

        auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "X-Namespace": "default"}
        decoded = await http.post("/decode", data=body(sealed), headers=auth)
        assert decoded.status == 200
        payloads = json_format.Parse(await decoded.text(), Payloads()).payloads
        assert ID_NUMBER in payloads[0].data.decode()

        plain = pydantic_data_converter.payload_converter.to_payloads([{"phone": PHONE}])
        encoded = await http.post("/encode", data=body(plain), headers=auth)
        sealed_again = json_format.Parse(await encoded.text(), Payloads()).payloads
        assert sealed_again[0].metadata["encoding"] == b"binary/encrypted"
        assert PHONE not in (await encoded.text())
        assert (await c.decode(sealed_again)) == list(plain)

        other_origin = await http.options("/decode", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other_origin.headers
        bad = await http.post("/decode", data="{not json", headers=auth)
        assert bad.status == 400


async def test_codec_server_refuses_unknown_keys_without_naming_any() -> None:
    async with TestClient(TestServer(make_app(codec(f"a:{KEY_A}")))) as http:
        [foreign] = await seal("x", codec(f"z:{KEY_B}"))
        response = await http.post("/decode", data=body([foreign]))
        error = json.loads(await response.text())["error"]
        assert response.status == 400 and "does not hold" in error
        assert "'z'" not in error and "'a'" not in error


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "codec.weiquan.example"])
def test_codec_server_without_tokens_stays_on_loopback(host: str) -> None:
    """No tokens, reachable from other hosts: an open decryption oracle, so it does not start."""
    with pytest.raises(CodecConfigError, match="WEIQUAN_CODEC_TRUSTED_PROXY"):
        check_exposure(host, {}, {})
    check_exposure(host, {TOKEN: "zhang"}, {})  # with tokens it may listen anywhere
    check_exposure(host, {}, {"WEIQUAN_CODEC_TRUSTED_PROXY": "true"})  # an authenticating proxy in front
    for loopback in ("127.0.0.1", "localhost", "::1"):
        check_exposure(loopback, {}, {})


def test_codec_server_reads_its_cors_origins_from_the_environment() -> None:
    assert load_origins({}) == ["http://localhost:8233", "http://127.0.0.1:8233"]
    assert load_origins({"WEIQUAN_CODEC_CORS_ORIGINS": "https://ui.weiquan.example/, http://localhost:8080"}) == [
        "https://ui.weiquan.example", "http://localhost:8080"]
    with pytest.raises(CodecConfigError, match="WEIQUAN_CODEC_CORS_ORIGINS"):
        load_origins({"WEIQUAN_CODEC_CORS_ORIGINS": "ui.weiquan.example"})


def test_tokens_need_a_name_and_some_length() -> None:
    assert load_tokens({}) == {}
    with pytest.raises(CodecConfigError):
        load_tokens({"WEIQUAN_CODEC_SERVER_TOKENS": "short"})


@pytest.mark.parametrize("cipher, size", [("aes-256-gcm", 32), ("sm4-gcm", 16)])
def test_codec_key_makes_a_key_of_either_cipher(cipher: str, size: int) -> None:
    from typer.testing import CliRunner

    from starters.cli import app

    made = CliRunner().invoke(app, ["codec-key", "k1", "--cipher", cipher])
    assert made.exit_code == 0, made.output
    [(key_id, key)] = parse_keys(made.stdout.strip(), "test").items()
    assert key_id == "k1" and len(key) == size
    refused = CliRunner().invoke(app, ["codec-key", "k1", "--cipher", "des"])
    assert refused.exit_code == 2 and "aes-256-gcm 或 sm4-gcm" in refused.output
