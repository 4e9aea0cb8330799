"""Units' keys: the public key set pinned in configuration and each unit's private signing key.

Public key set — WEIQUAN_SIGNING_KEYS (a .json or .toml file; default WEIQUAN_HOME/unit-keys.json):

    {"units": {"legal_aid": [{"key_id": "legal_aid.2026a", "alg": "ed25519",
                              "public_key": "<base64url>", "valid_from": "2026-01-01T00:00:00Z",
                              "valid_until": "2027-01-01T00:00:00Z"}, ...], ...}}

Rotation: list the new key beside the old one; a signature is checked against the key its proof
names, at the time it says it was signed, so the old key keeps covering what it signed while
valid. ``valid_until`` is exclusive and may be left out (no end).

Private keys — one file per unit, mode 0600 (a file others may read is refused), in
WEIQUAN_SIGNING_KEY_DIR (default WEIQUAN_HOME/keys) as ``<unit>.key``:

    {"unit": "legal_aid", "key_id": "legal_aid.2026a", "alg": "ed25519", "private_key": "<base64url>"}

or the same JSON in WEIQUAN_SIGNING_KEY_<UNIT> (e.g. WEIQUAN_SIGNING_KEY_LEGAL_AID) where secrets
come as environment variables. WEIQUAN_SIGNING_ALG (ed25519 | sm2) is the suite of keys made here.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from pydantic import AwareDatetime, BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator

from domain.models import Agency, Strict
from domain.signing.algorithms import ALGS, Alg, b64url, from_b64url, new_private, public_of, public_ok, sign_bytes

KEY_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"


class SigningConfigError(ValueError):
    """A key setting or file is unusable; the message names it and says why (never a key's bytes)."""


class UnitPublicKey(Strict):
    key_id: str = Field(pattern=KEY_ID_PATTERN)
    alg: Alg
    public_key: str = Field(description="base64url: Ed25519 32 bytes; SM2 65 bytes 04‖x‖y")
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = Field(default=None, description="exclusive; none: no end")

    @model_validator(mode="after")
    def _usable(self) -> Self:
        try:
            raw = from_b64url(self.public_key)
        except ValueError:
            raise ValueError(f"key {self.key_id}: public_key is not base64url") from None
        if not public_ok(self.alg, raw):
            raise ValueError(f"key {self.key_id}: public_key is not an {self.alg} public key")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError(f"key {self.key_id}: valid_until is not after valid_from")
        return self

    def raw(self) -> bytes:
        return from_b64url(self.public_key)

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)


class KeySet(Strict):
    """The units' public keys a case checks events against (serialisable: it travels in workflow
    state and in an activity's result)."""

    units: dict[Agency, list[UnitPublicKey]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids_unique(self) -> Self:
        seen: set[str] = set()
        for key in (k for keys in self.units.values() for k in keys):
            if key.key_id in seen:
                raise ValueError(f"key id {key.key_id} is listed twice")
            seen.add(key.key_id)
        return self

    def find(self, key_id: str) -> tuple[Agency, UnitPublicKey] | None:
        for unit, keys in self.units.items():
            for key in keys:
                if key.key_id == key_id:
                    return unit, key
        return None


class UnitKey(Strict):
    """A unit's private signing key (its repr hides the key)."""

    unit: Agency
    key_id: str = Field(pattern=KEY_ID_PATTERN)
    alg: Alg
    private_key: SecretStr

    @field_validator("private_key")
    @classmethod
    def _raw_key(cls, value: SecretStr) -> SecretStr:
        try:
            if len(from_b64url(value.get_secret_value())) == 32:
                return value
        except ValueError:
            pass
        raise ValueError("private_key is not 32 bytes of base64url")

    def sign_bytes(self, message: bytes) -> bytes:
        return sign_bytes(self.alg, self._raw(), message)

    def public(self, valid_from: datetime, valid_until: datetime | None = None) -> UnitPublicKey:
        return UnitPublicKey(key_id=self.key_id, alg=self.alg, public_key=b64url(public_of(self.alg, self._raw())),
                             valid_from=valid_from, valid_until=valid_until)

    def _raw(self) -> bytes:
        return from_b64url(self.private_key.get_secret_value())

    @classmethod
    def generate(cls, unit: Agency, alg: str, key_id: str | None = None) -> UnitKey:
        return cls(unit=unit, key_id=key_id or f"{unit.value}.{secrets.token_hex(4)}", alg=alg,
                   private_key=SecretStr(b64url(new_private(alg))))


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def home(environ: Mapping[str, str] | None = None) -> Path:
    return Path(_env(environ).get("WEIQUAN_HOME", ".weiquan"))


def key_set_path(environ: Mapping[str, str] | None = None) -> Path:
    env = _env(environ)
    return Path(env["WEIQUAN_SIGNING_KEYS"]) if env.get("WEIQUAN_SIGNING_KEYS") else home(env) / "unit-keys.json"


def key_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = _env(environ)
    return Path(env["WEIQUAN_SIGNING_KEY_DIR"]) if env.get("WEIQUAN_SIGNING_KEY_DIR") else home(env) / "keys"


def signing_alg(environ: Mapping[str, str] | None = None) -> str:
    alg = _env(environ).get("WEIQUAN_SIGNING_ALG", "ed25519").strip().lower() or "ed25519"
    if alg not in ALGS:
        raise SigningConfigError(f"WEIQUAN_SIGNING_ALG: expected one of {', '.join(ALGS)}, got {alg[:12]!r}")
    return alg


def _short(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors(include_url=False))[:300]


def load_key_set(environ: Mapping[str, str] | None = None) -> KeySet:
    path = key_set_path(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SigningConfigError(f"no units' key set at {path}: set WEIQUAN_SIGNING_KEYS, or run `weiquan up` "
                                 "once to make development keys") from None
    except OSError as err:
        raise SigningConfigError(f"cannot read the units' key set {path}: {err.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        return KeySet.model_validate(data)
    except (ValueError, tomllib.TOMLDecodeError) as err:
        detail = _short(err) if isinstance(err, ValidationError) else str(err)[:200]
        raise SigningConfigError(f"the units' key set {path} is not usable: {detail}") from None


def load_unit_key(unit: Agency, environ: Mapping[str, str] | None = None) -> UnitKey:
    """``unit``'s signing key: WEIQUAN_SIGNING_KEY_<UNIT> if set, else its file in the key folder."""
    env = _env(environ)
    variable = f"WEIQUAN_SIGNING_KEY_{unit.value.upper()}"
    if text := env.get(variable):
        return _parse_key(text, unit, variable)
    return _key_file(key_dir(env) / f"{unit.value}.key", unit, f" or {variable}")


def _key_file(path: Path, unit: Agency, instead: str = "") -> UnitKey:
    try:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningConfigError(f"{path}: others may read this private key; make it mode 0600 (chmod 600 {path})")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SigningConfigError(f"no signing key for {unit.value}: expected {path}{instead}") from None
    except OSError as err:
        raise SigningConfigError(f"cannot read {path}: {err.strerror}") from None
    return _parse_key(text, unit, str(path))


def _parse_key(text: str, unit: Agency, source: str) -> UnitKey:
    try:
        key = UnitKey.model_validate_json(text)
    except ValidationError as err:
        raise SigningConfigError(f"{source}: not a unit key: {_short(err)}") from None
    if key.unit != unit:
        raise SigningConfigError(f"{source}: the key is {key.unit.value}'s, not {unit.value}'s")
    return key


def _write_private(path: Path, key: UnitKey) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({**key.model_dump(mode="json"), "private_key": key.private_key.get_secret_value()}) + "\n")


def ensure_dev_keys(environ: Mapping[str, str] | None = None, *, at: datetime | None = None) -> list[Agency] | None:
    """Make a development key for every unit that has none (first start of `weiquan up`): the
    private key in the key folder (0600) and its public half in the home's key set. Idempotent;
    returns the units given a key now, or None when WEIQUAN_SIGNING_KEYS names a configured set
    (keys are then an operator's business, never made here)."""
    env = _env(environ)
    if env.get("WEIQUAN_SIGNING_KEYS"):
        return None
    folder, set_path, alg = key_dir(env), key_set_path(env), signing_alg(env)
    keys = load_key_set(env) if set_path.exists() else KeySet()
    since = (at or datetime.now(UTC)).replace(microsecond=0)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    made: list[Agency] = []
    for unit in Agency:
        path = folder / f"{unit.value}.key"
        if not path.exists():
            _write_private(path, UnitKey.generate(unit, alg))
            made.append(unit)
        key = _key_file(path, unit)
        if keys.find(key.key_id) is None:
            keys.units.setdefault(unit, []).append(key.public(since))
            if unit not in made:
                made.append(unit)
    if made:
        tmp = set_path.with_name(set_path.name + ".tmp")
        tmp.write_text(keys.model_dump_json(indent=2, exclude_none=True) + "\n", encoding="utf-8")
        tmp.replace(set_path)
    return made
