"""Verified senders: the proof's exact form (known answers other languages can check), every
refusal, rotation, the key files and their modes, and the GM/T suite against its standards."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from domain.models import Agency
from domain.signing import (
    KeySet,
    SigningConfigError,
    UnitKey,
    ensure_dev_keys,
    load_key_set,
    load_unit_key,
    payload_digest,
    sign,
    signed_bytes,
    verify,
)
from domain.signing import sm2
from domain.signing.algorithms import b64url
from examples.sign_event import sign_event

AT = datetime(2026, 12, 3, 5, 40, tzinfo=UTC)
CASE, EVENT = "NC360102-ABCDEFGH", "legal_aid_decision"
# RFC 8032 §7.1 test 1's secret key, as legal aid's example key (the docs use the same).
EXAMPLE_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
EXAMPLE_KEY = UnitKey(unit=Agency.LEGAL_AID, key_id="legal_aid.example", alg="ed25519",
                      private_key=b64url(EXAMPLE_SEED))
PAYLOAD = {"event_id": "la-1", "actor": {"unit": "legal_aid", "person": "李四"}, "granted": False,
           "reason": "不符合经济困难标准"}


def key_set(*keys: tuple[Agency, UnitKey], since: datetime = datetime(2026, 1, 1, tzinfo=UTC),
            until: datetime | None = None) -> KeySet:
    units: dict[Agency, list] = {}
    for unit, key in keys:
        units.setdefault(unit, []).append(key.public(since, until))
    return KeySet(units=units)


KEYS = key_set((Agency.LEGAL_AID, EXAMPLE_KEY))


def signed(payload: dict = PAYLOAD, key: UnitKey = EXAMPLE_KEY, **kw) -> dict:
    return sign(payload, workflow_id=kw.pop("workflow_id", CASE), event=kw.pop("event", EVENT), key=key,
                at=kw.pop("at", AT))


def test_known_answer_fixes_the_canonical_form() -> None:
    """What docs/integration.md prints: any implementation must reproduce these bytes."""
    assert EXAMPLE_KEY.public(AT).public_key == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"  # RFC 8032 test 1
    digest = payload_digest(PAYLOAD)
    assert digest == "6e6362d63105594f17adf73885e305d6d02da0f11abc5f19b21832f819812078"
    assert payload_digest(PAYLOAD, "sm2") == "9354754d1d4af8829dda0c8ec95c122e43952fd8937f511f1ef952b0d0311001"
    assert signed_bytes(workflow_id=CASE, event=EVENT, event_id="la-1", unit="legal_aid", digest=digest,
                        signed_at="2026-12-03T05:40:00Z").decode() == (
        '{"digest":"6e6362d63105594f17adf73885e305d6d02da0f11abc5f19b21832f819812078","event":"legal_aid_decision",'
        '"event_id":"la-1","signed_at":"2026-12-03T05:40:00Z","unit":"legal_aid","workflow_id":"NC360102-ABCDEFGH"}')
    assert signed()["proof"] == {
        "alg": "ed25519", "key_id": "legal_aid.example", "signed_at": "2026-12-03T05:40:00Z",
        "workflow_id": CASE, "event": EVENT, "event_id": "la-1",
        "signature": "5gUecTrsONZwzbllzejuDRK0dP7c2iVubijRcm5nhnc_J9SWcb_omktv44XLhfbrmxHp-8au4UHe9Rtiuxz1AA"}


def test_round_trip_and_key_order() -> None:
    payload = signed()
    assert PAYLOAD.get("proof") is None, "sign returns a new payload"
    assert verify(payload, workflow_id=CASE, event=EVENT, keys=KEYS) is None
    reordered = json.loads(json.dumps(dict(reversed(list(payload.items())))))
    assert verify(reordered, workflow_id=CASE, event=EVENT, keys=KEYS) is None
    assert signed(payload)["proof"] == payload["proof"], "signing again replaces the proof"


def test_sm2_round_trip() -> None:
    key = UnitKey.generate(Agency.UNION, "sm2")
    payload = signed({**PAYLOAD, "actor": {"unit": "union", "person": "王五"}}, key, event="mediation_result")
    keys = key_set((Agency.UNION, key))
    assert verify(payload, workflow_id=CASE, event="mediation_result", keys=keys) is None
    changed = verify({**payload, "note": "改"}, workflow_id=CASE, event="mediation_result", keys=keys)
    assert changed is not None and changed.reason == "bad_signature"


def refusal(payload: object, keys: KeySet = KEYS, **kw) -> str:
    problem = verify(payload, workflow_id=kw.get("workflow_id", CASE), event=kw.get("event", EVENT), keys=keys)
    assert problem is not None and problem.zh and problem.en
    return problem.reason


def test_each_refusal() -> None:
    good = signed()
    other = UnitKey.generate(Agency.LEGAL_AID, "ed25519", key_id="legal_aid.other")
    union = UnitKey.generate(Agency.UNION, "ed25519", key_id="union.1")
    assert refusal(PAYLOAD) == "no_proof"
    assert refusal({**good, "proof": {"alg": "ed25519"}}) == "malformed_proof"
    for moment in ("2026-12-03 05:40", "2026-13-45T05:40:00Z", "2026-12-03T13:40:00+08:00"):
        assert refusal({**good, "proof": {**good["proof"], "signed_at": moment}}) == "malformed_proof"
    assert refusal(good, workflow_id="NC360102-ZZZZZZZZ") == "other_workflow_id"
    assert refusal(good, event="lawyer_assigned") == "other_event"
    assert refusal({**good, "event_id": "la-2"}) == "other_event_id"
    assert refusal({**good, "actor": {"person": "李四"}}) == "no_unit"
    assert refusal(good, key_set((Agency.LEGAL_AID, other))) == "unknown_key"
    # legal aid's key on an event that claims the union (the key set maps the key to its unit)
    assert refusal({**good, "actor": {"unit": "union", "person": "李四"}},
                   key_set((Agency.LEGAL_AID, EXAMPLE_KEY), (Agency.UNION, union))) == "wrong_unit"
    assert refusal({**good, "proof": {**good["proof"], "alg": "sm2"}}) == "wrong_alg"
    later = key_set((Agency.LEGAL_AID, EXAMPLE_KEY), since=AT + timedelta(seconds=1))
    assert refusal(good, later) == "outside_validity"
    assert refusal({**good, "granted": True}) == "bad_signature"
    forged = sign(PAYLOAD, workflow_id=CASE, event=EVENT, at=AT,
                  key=UnitKey.generate(Agency.LEGAL_AID, "ed25519", key_id="legal_aid.example"))
    assert refusal(forged) == "bad_signature"
    # a proof lifted from one event onto another made for a different case or event id
    for lifted in (signed(workflow_id="NC360102-ZZZZZZZZ"), signed({**PAYLOAD, "event_id": "la-9"})):
        relabelled = {**lifted["proof"], "workflow_id": CASE, "event_id": "la-1"}
        assert refusal({**good, "proof": relabelled}) == "bad_signature"
    assert refusal({**good, "n": float("inf")}) == "bad_signature"  # not canonicalisable: refused, not raised


def test_sign_only_for_the_keys_unit() -> None:
    with pytest.raises(ValueError, match="signs only for legal_aid"):
        signed({**PAYLOAD, "actor": {"unit": "union", "person": "x"}})
    with pytest.raises(ValueError, match="event_id"):
        signed({"actor": PAYLOAD["actor"]})


def test_rotation_and_validity() -> None:
    old, new = (UnitKey.generate(Agency.LEGAL_AID, "ed25519", key_id=f"legal_aid.{n}") for n in ("2026a", "2026b"))
    switch = AT + timedelta(days=30)
    keys = KeySet(units={Agency.LEGAL_AID: [old.public(AT - timedelta(days=300), switch), new.public(switch)]})
    assert verify(signed(key=old, at=switch - timedelta(seconds=1)), workflow_id=CASE, event=EVENT, keys=keys) is None
    assert verify(signed(key=old, at=switch), workflow_id=CASE, event=EVENT, keys=keys).reason == "outside_validity"
    assert verify(signed(key=new, at=switch), workflow_id=CASE, event=EVENT, keys=keys) is None
    assert verify(signed(key=new, at=switch - timedelta(seconds=1)), workflow_id=CASE, event=EVENT,
                  keys=keys).reason == "outside_validity"


def test_key_set_survives_serialisation_and_refuses_bad_entries() -> None:
    assert KeySet.model_validate_json(KEYS.model_dump_json()) == KEYS
    entry = EXAMPLE_KEY.public(AT).model_dump(mode="json")
    with pytest.raises(ValueError, match="listed twice"):
        KeySet.model_validate({"units": {"legal_aid": [entry], "union": [entry]}})
    with pytest.raises(ValueError, match="not an sm2 public key"):
        KeySet.model_validate({"units": {"union": [{**entry, "alg": "sm2"}]}})
    with pytest.raises(ValueError, match="valid_until"):
        KeySet.model_validate({"units": {"union": [{**entry, "valid_until": entry["valid_from"]}]}})


def test_dev_keys_are_made_once_with_private_modes(tmp_path: Path) -> None:
    env = {"WEIQUAN_HOME": str(tmp_path)}
    assert set(ensure_dev_keys(env, at=AT)) == set(Agency)
    assert ensure_dev_keys(env) == []
    for unit in Agency:
        path = tmp_path / "keys" / f"{unit.value}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        key = load_unit_key(unit, env)
        assert "private_key" not in repr(key) or "**" in repr(key)
        assert verify(sign({"event_id": "e", "actor": {"unit": unit.value, "person": "p"}}, workflow_id=CASE,
                           event=EVENT, key=key, at=AT), workflow_id=CASE, event=EVENT, keys=load_key_set(env)) is None
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    (tmp_path / "keys" / "union.key").chmod(0o644)
    with pytest.raises(SigningConfigError, match="mode 0600"):
        load_unit_key(Agency.UNION, env)
    (tmp_path / "keys" / "union.key").chmod(0o600)
    # a lost private key is replaced and its new public half added beside the old one
    (tmp_path / "keys" / "court.key").unlink()
    assert ensure_dev_keys(env) == [Agency.COURT]
    assert len(load_key_set(env).units[Agency.COURT]) == 2
    assert ensure_dev_keys({**env, "WEIQUAN_SIGNING_KEYS": str(tmp_path / "pinned.json")}) is None


def test_sm2_dev_keys_and_settings(tmp_path: Path) -> None:
    env = {"WEIQUAN_HOME": str(tmp_path), "WEIQUAN_SIGNING_ALG": "sm2"}
    ensure_dev_keys(env)
    assert load_unit_key(Agency.COURT, env).alg == "sm2"
    with pytest.raises(SigningConfigError, match="WEIQUAN_SIGNING_ALG"):
        ensure_dev_keys({"WEIQUAN_HOME": str(tmp_path / "x"), "WEIQUAN_SIGNING_ALG": "rsa"})


def test_key_from_environment_and_clear_errors(tmp_path: Path) -> None:
    secret = json.dumps({**EXAMPLE_KEY.model_dump(mode="json"), "private_key": b64url(EXAMPLE_SEED)})
    env = {"WEIQUAN_HOME": str(tmp_path), "WEIQUAN_SIGNING_KEY_LEGAL_AID": secret}
    assert load_unit_key(Agency.LEGAL_AID, env).key_id == "legal_aid.example"
    with pytest.raises(SigningConfigError, match="not union's|legal_aid's, not union's"):
        load_unit_key(Agency.UNION, {**env, "WEIQUAN_SIGNING_KEY_UNION": secret})
    with pytest.raises(SigningConfigError, match="no signing key for union"):
        load_unit_key(Agency.UNION, env)
    with pytest.raises(SigningConfigError, match="weiquan up"):
        load_key_set(env)
    pinned = tmp_path / "keys.toml"
    pinned.write_text('[[units.legal_aid]]\nkey_id = "legal_aid.example"\nalg = "ed25519"\n'
                      f'public_key = "{EXAMPLE_KEY.public(AT).public_key}"\nvalid_from = 2026-01-01T00:00:00Z\n')
    keys = load_key_set({"WEIQUAN_SIGNING_KEYS": str(pinned)})
    assert verify(signed(), workflow_id=CASE, event=EVENT, keys=keys) is None
    pinned.write_text("[[units.legal_aid]]\nkey_id = 'x'\n")
    with pytest.raises(SigningConfigError, match="not usable"):
        load_key_set({"WEIQUAN_SIGNING_KEYS": str(pinned)})


# GM/T suite: the standards' published vectors.

def test_sm3_vectors() -> None:  # GB/T 32905-2016 Appendix A
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm2.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_vectors() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")  # GB/T 32907-2016 Appendix A, example 1
    block = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (block.update(key) + block.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"
    # SM4-GCM, RFC 8998 Appendix A.1
    nonce, aad = bytes.fromhex("00001234567800000000ABCD"), bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                          "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    gcm = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    gcm.authenticate_additional_data(aad)
    assert (gcm.update(plain) + gcm.finalize()).hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D")
    assert gcm.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


# GB/T 32918.2 / GM/T 0003.2 Annex A: the worked example on its 256-bit test curve.
TEST_CURVE = {
    "p": "8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3",
    "a": "787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498",
    "b": "63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A",
    "g": "421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"
         "0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2",
    "n": "8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7",
}
ALICE = b"ALICE123@YAHOO.COM"


def test_sm2_published_example() -> None:
    d = bytes.fromhex("128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263")
    public = sm2.public_of(d, TEST_CURVE)
    assert public.hex().upper() == ("04" "0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A"
                                    "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857")
    e = sm2.digest_e(public, b"message digest", ALICE, TEST_CURVE)
    assert e.hex().upper() == "B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76"
    signature = sm2.sign(d, b"message digest", uid=ALICE, curve=TEST_CURVE,
                         k=0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F)
    assert signature.hex().upper() == ("40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1"
                                       "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7")
    assert sm2.verify(public, b"message digest", signature, uid=ALICE, curve=TEST_CURVE)
    assert not sm2.verify(public, b"message digest!", signature, uid=ALICE, curve=TEST_CURVE)
    assert not sm2.verify(public, b"message digest", signature, curve=TEST_CURVE), "the user id is signed"


def test_sm2_refuses_out_of_range_and_off_curve() -> None:
    d = sm2.new_private()
    public, n = sm2.public_of(d), int(sm2.CURVE["n"], 16)
    signature = sm2.sign(d, b"m")
    assert sm2.verify(public, b"m", signature) and sm2.sign(d, b"m") != signature, "a fresh nonce each time"
    r = signature[:32]
    assert not sm2.verify(public, b"m", r + n.to_bytes(32, "big"))
    assert not sm2.verify(public, b"m", bytes(32) + signature[32:])
    assert not sm2.verify(public[:-1] + bytes([public[-1] ^ 1]), b"m", signature)


def test_the_integrators_example_signs_as_the_case_checks(tmp_path: Path) -> None:
    """examples/sign_event.py (no code from this repository) gives the documented known answer,
    and its command line signs a payload that verifies."""
    assert sign_event(PAYLOAD, workflow_id=CASE, event=EVENT, key_id="legal_aid.example", seed=EXAMPLE_SEED,
                      at=AT) == signed()
    env = {"WEIQUAN_HOME": str(tmp_path)}
    ensure_dev_keys(env)
    (tmp_path / "payload.json").write_text(json.dumps(PAYLOAD, ensure_ascii=False), encoding="utf-8")
    script = Path(__file__).resolve().parents[1] / "examples" / "sign_event.py"
    run = subprocess.run([sys.executable, str(script), CASE, EVENT, str(tmp_path / "payload.json"),
                          str(tmp_path / "keys" / "legal_aid.key")], capture_output=True, text=True, check=True)
    assert verify(json.loads(run.stdout), workflow_id=CASE, event=EVENT, keys=load_key_set(env)) is None
