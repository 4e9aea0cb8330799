"""Payload encryption: AES-256-GCM, the key id in each payload's metadata, several keys at once.

Keys come from the environment or a file, as ``id:base64key`` entries (AES-256, 32 bytes) or
``id:sm4-gcm:base64key`` (SM4-GCM, GB/T 32907 with GCM as in RFC 8998, 16 bytes; where an
assessment asks for the national algorithms; WEIQUAN_CODEC_CIPHER=sm4-gcm makes `weiquan up`'s key one):
  WEIQUAN_CODEC_KEYS="2026a:<base64>,2026b:<base64>"   and/or
  WEIQUAN_CODEC_KEY_FILE=/etc/weiquan/codec-keys       (one entry a line, # comments)
  WEIQUAN_CODEC_KEY_ID=2026b                           (seals new payloads; default: the last entry)
Every known key opens what it sealed, so rotation is: add a key, make it current, keep the old ones
as long as any history (running or retained) holds payloads sealed with them.
No key configured and no key file in the home (WEIQUAN_HOME/codec-keys, made by `weiquan up` on its
first start, mode 0600): no encryption. With keys, an unsealed payload is refused as a
production setup refuses it (WEIQUAN_CODEC_REQUIRE_SEALED, default true): it reaches the code as a
payload no converter reads, so an event sent in clear is refused like any malformed event and never
wedges a case. `WEIQUAN_CODEC_REQUIRE_SEALED=false` lets unsealed payloads through (only while
moving a namespace that held cases from before encryption).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

ENCODING = b"binary/encrypted"
UNSEALED = b"binary/refused-unsealed"  # what an unsealed payload becomes when sealing is required
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
KEY_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SM4 = "sm4-gcm:"  # the entry's marker; an SM4 key is 16 bytes, an AES one 32, so the bytes say which cipher


class CodecConfigError(ValueError):
    """The key settings are unusable; the message says which setting and why."""


@dataclass(frozen=True)
class Keyring:
    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise CodecConfigError(f"WEIQUAN_CODEC_KEY_ID={self.current!r} is not among the keys "
                                   f"({', '.join(self.keys)})")


class SM4GCM:
    """SM4-GCM with AESGCM's interface: the tag follows the ciphertext; a bad one raises InvalidTag."""

    def __init__(self, key: bytes) -> None:
        self._sm4 = algorithms.SM4(key)

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        sealer = Cipher(self._sm4, modes.GCM(nonce)).encryptor()
        sealer.authenticate_additional_data(aad)
        return sealer.update(data) + sealer.finalize() + sealer.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if len(data) < 16:
            raise InvalidTag
        opener = Cipher(self._sm4, modes.GCM(nonce, data[-16:])).decryptor()
        opener.authenticate_additional_data(aad)
        return opener.update(data[:-16]) + opener.finalize()


def generate_key(cipher: str = "aes-256-gcm") -> str:
    """A fresh key for ``cipher`` (aes-256-gcm or sm4-gcm), as it goes after ``id:``."""
    if cipher not in ("aes-256-gcm", "sm4-gcm"):
        raise CodecConfigError(f"WEIQUAN_CODEC_CIPHER: expected aes-256-gcm or sm4-gcm, got {cipher[:12]!r}")
    if cipher == "sm4-gcm":
        return SM4 + base64.b64encode(os.urandom(16)).decode()
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def parse_keys(text: str, source: str) -> dict[str, bytes]:
    """``id:base64`` entries separated by commas or new lines; ``#`` starts a comment."""
    keys: dict[str, bytes] = {}
    for line in text.splitlines():
        for entry in line.split("#", 1)[0].split(","):
            entry = entry.strip()
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            key_id = key_id.strip()
            if not sep or not KEY_ID_RE.match(key_id):
                raise CodecConfigError(f"{source}: expected id:base64key with an id of letters, digits, . _ -; "
                                       f"got {key_id or entry[:8]!r}…")
            encoded = encoded.strip()
            sm4 = encoded.startswith(SM4)
            try:
                key = base64.b64decode(encoded.removeprefix(SM4), validate=True)
            except binascii.Error:
                raise CodecConfigError(f"{source}: key {key_id!r} is not valid base64") from None
            if len(key) != (16 if sm4 else 32):
                raise CodecConfigError(f"{source}: key {key_id!r} has {len(key)} bytes; "
                                       f"{'SM4 needs 16' if sm4 else 'AES-256 needs 32'} "
                                       f"(make one with `weiquan codec-key {key_id}`)")
            if keys.get(key_id, key) != key:
                raise CodecConfigError(f"{source}: key id {key_id!r} is listed twice with different keys")
            keys[key_id] = key
    return keys


def home_key_file(environ: Mapping[str, str] | None = None) -> Path:
    """The key file `weiquan up` makes in the system's home (WEIQUAN_HOME, default .weiquan): the
    keys every process started there uses when none are configured."""
    env = os.environ if environ is None else environ
    return Path(env.get("WEIQUAN_HOME", ".weiquan")) / "codec-keys"


def ensure_home_key(environ: Mapping[str, str] | None = None) -> Path | None:
    """Make the home's key file on first start (mode 0600) unless keys are configured; its path
    (None when the environment names keys)."""
    env = os.environ if environ is None else environ
    if env.get("WEIQUAN_CODEC_KEY_FILE") or env.get("WEIQUAN_CODEC_KEYS"):
        return None
    path = home_key_file(env)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# made by `weiquan up`: the payload key of this installation; keep it secret\n"
                     f"dev1:{generate_key(env.get('WEIQUAN_CODEC_CIPHER', 'aes-256-gcm').strip().lower())}\n")
    return path


def load_keyring(environ: Mapping[str, str] | None = None) -> Keyring | None:
    env = os.environ if environ is None else environ
    keys: dict[str, bytes] = {}
    if not env.get("WEIQUAN_CODEC_KEY_FILE") and not env.get("WEIQUAN_CODEC_KEYS") and home_key_file(env).exists():
        env = {**env, "WEIQUAN_CODEC_KEY_FILE": str(home_key_file(env))}  # the home's own key (weiquan up)
    if path := env.get("WEIQUAN_CODEC_KEY_FILE"):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise CodecConfigError(f"WEIQUAN_CODEC_KEY_FILE: cannot read {path}: {err.strerror}") from None
        keys.update(parse_keys(text, "WEIQUAN_CODEC_KEY_FILE"))
    for key_id, key in parse_keys(env.get("WEIQUAN_CODEC_KEYS", ""), "WEIQUAN_CODEC_KEYS").items():
        if keys.get(key_id, key) != key:
            raise CodecConfigError(f"key id {key_id!r} differs between WEIQUAN_CODEC_KEY_FILE and WEIQUAN_CODEC_KEYS")
        keys[key_id] = key
    if not keys:
        if env.get("WEIQUAN_CODEC_KEY_ID"):
            raise CodecConfigError("WEIQUAN_CODEC_KEY_ID is set but no keys are configured")
        return None
    return Keyring(keys, env.get("WEIQUAN_CODEC_KEY_ID") or list(keys)[-1])


def require_sealed(environ: Mapping[str, str] | None = None) -> bool:
    """WEIQUAN_CODEC_REQUIRE_SEALED: with keys, refuse unsealed payloads (default true)."""
    value = (os.environ if environ is None else environ).get("WEIQUAN_CODEC_REQUIRE_SEALED", "true").strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise CodecConfigError(f"WEIQUAN_CODEC_REQUIRE_SEALED: expected true or false, got {value[:10]!r}")
    return value in ("true", "1", "yes")


class EncryptionCodec(PayloadCodec):
    """Seals each payload whole (metadata and data) with the current key; opens with any known key."""

    def __init__(self, keyring: Keyring, *, sealed_only: bool = True) -> None:
        self.keyring = keyring
        self.sealed_only = sealed_only
        self._ciphers = {key_id: SM4GCM(key) if len(key) == 16 else AESGCM(key) for key_id, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self.keyring.current
        cipher, aad = self._ciphers[key_id], key_id.encode()
        sealed = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed.append(Payload(metadata={"encoding": ENCODING, KEY_ID: aad},
                                  data=nonce + cipher.encrypt(nonce, payload.SerializeToString(), aad)))
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) if p.metadata.get("encoding") == ENCODING
                else self.refused(p) if self.sealed_only else p for p in payloads]

    @staticmethod
    def refused(payload: Payload) -> Payload:
        """An unsealed payload where sealing is required: nothing decodes it, but an event's case
        can still file its refusal under the event's key (its JSON is kept, for that alone)."""
        plain = payload.metadata.get("encoding") == b"json/plain"
        return Payload(metadata={"encoding": UNSEALED}, data=payload.data if plain else b"")

    def open(self, payload: Payload) -> Payload:
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        # Errors name no key id: neither the ones held here nor the one a sender claims.
        if cipher is None:
            raise ValueError("payload sealed with a key this process does not hold: add the key to "
                             "WEIQUAN_CODEC_KEYS or WEIQUAN_CODEC_KEY_FILE")
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise ValueError("payload fails authentication (wrong key or altered)") from None
        return Payload.FromString(plain)


def data_converter(keyring: Keyring | None, *, sealed_only: bool = True) -> DataConverter:
    """The pydantic converter, sealed when there are keys."""
    if keyring is None:
        return pydantic_data_converter
    return replace(pydantic_data_converter, payload_codec=EncryptionCodec(keyring, sealed_only=sealed_only),
                   failure_converter_class=DefaultFailureConverterWithEncodedAttributes)
