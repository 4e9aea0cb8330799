"""Personal data at rest: the registry keeps ID numbers and phones sealed with the payload keys
(workers/codec.py), and finds a person by a keyed hash of their ID number, so neither a copy of the
database file nor a backup reads as a list of workers.

Each payload key gives, through HKDF, a key that seals fields (AES-256-GCM, or SM4-GCM for an SM4
payload key) and a key that hashes ID numbers (HMAC-SHA256), so a field's ciphertext is never a
payload's. A sealed field reads ``wq1:<key id>:<base64 nonce+ciphertext>``; what does not start so
is a value written without keys, read as it is and sealed by the next start-up that has keys
(``seal_in_place``, run by migration 0008 and by every ``Registry.upgrade``). Without keys
(WEIQUAN_CODEC_KEYS unset, no key file in the home) values stay in clear, as payloads do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection

from workers.codec import NONCE_BYTES, SM4GCM, Keyring

PREFIX = "wq1:"
# The sealed columns; the table name and column go into the AAD, so a value moved to another column fails.
PARTIES = sa.table("parties", sa.column("id"), sa.column("identifier"), sa.column("identifier_hash"),
                   sa.column("phone"))
NOTICES = sa.table("notifications", sa.column("id"), sa.column("recipient_phone"))


def _derive(key: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"weiquan registry " + purpose).derive(key)


class FieldSealer:
    """Seals and opens registry fields, and hashes ID numbers for lookups, with a keyring (or, with
    none, leaves values in clear and hashes them unkeyed)."""

    def __init__(self, keyring: Keyring | None) -> None:
        self.keyring = keyring
        keys = keyring.keys if keyring else {}
        self._ciphers = {k: SM4GCM(_derive(v, b"field", 16)) if len(v) == 16 else AESGCM(_derive(v, b"field", 32))
                         for k, v in keys.items()}
        self._hash_keys = {k: _derive(v, b"lookup", 32) for k, v in keys.items()}

    @property
    def sealing(self) -> bool:
        return self.keyring is not None

    def seal(self, value: str | None, column: str) -> str | None:
        if value is None or self.keyring is None:
            return value
        key_id = self.keyring.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, value.encode(), f"{key_id}|{column}".encode())
        return f"{PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, value: str | None, column: str) -> str | None:
        """The value in clear. One sealed with a key not held here, or altered, raises ValueError
        (naming no key id, like the codec)."""
        if value is None or not value.startswith(PREFIX):
            return value
        key_id, _, body = value.removeprefix(PREFIX).partition(":")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise ValueError(f"registry field {column} sealed with a key this process does not hold: add the key "
                             "to WEIQUAN_CODEC_KEYS or WEIQUAN_CODEC_KEY_FILE")
        raw = base64.b64decode(body)
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{key_id}|{column}".encode()).decode()
        except InvalidTag:
            raise ValueError(f"registry field {column} fails authentication (wrong key or altered)") from None

    def lookup(self, value: str) -> str:
        """The hash a row is written with: under the current key."""
        if self.keyring is None:
            return hashlib.sha256(value.encode()).hexdigest()
        return hmac.new(self._hash_keys[self.keyring.current], value.encode(), hashlib.sha256).hexdigest()

    def lookups(self, value: str) -> Sequence[str]:
        """Every hash a row for ``value`` may carry: one per key held (rows written before a rotation)."""
        if self.keyring is None:
            return [self.lookup(value)]
        return [hmac.new(k, value.encode(), hashlib.sha256).hexdigest() for k in self._hash_keys.values()]


def _clear(column: sa.ColumnClause) -> sa.ColumnElement[bool]:  # type: ignore[type-arg]
    return sa.and_(column.is_not(None), sa.not_(column.like(PREFIX + "%")))


def seal_in_place(conn: Connection, fields: FieldSealer) -> int:
    """Seal every field still in clear and give every party its lookup hash; the rows changed. Run
    in the caller's transaction, so a failure leaves the table as it was."""
    c = PARTIES.c
    where = c.identifier_hash.is_(None)
    if fields.sealing:
        where = sa.or_(where, _clear(c.identifier), _clear(c.phone))
    changed = 0
    for row in conn.execute(sa.select(c.id, c.identifier, c.phone).where(where)).all():
        identifier = fields.open(row.identifier, "parties.identifier")
        assert identifier is not None
        conn.execute(PARTIES.update().where(c.id == row.id).values(
            identifier=fields.seal(identifier, "parties.identifier"), identifier_hash=fields.lookup(identifier),
            phone=fields.seal(row.phone, "parties.phone")))
        changed += 1
    if fields.sealing:
        n = NOTICES.c
        for row in conn.execute(sa.select(n.id, n.recipient_phone).where(_clear(n.recipient_phone))).all():
            conn.execute(NOTICES.update().where(n.id == row.id).values(
                recipient_phone=fields.seal(row.recipient_phone, "notifications.recipient_phone")))
            changed += 1
    return changed


def open_in_place(conn: Connection, fields: FieldSealer) -> None:
    """Back to clear (a downgrade past 0008): needs every key the rows were sealed with."""
    c, n = PARTIES.c, NOTICES.c
    for row in conn.execute(sa.select(c.id, c.identifier, c.phone).where(
            sa.or_(c.identifier.like(PREFIX + "%"), c.phone.like(PREFIX + "%")))).all():
        conn.execute(PARTIES.update().where(c.id == row.id).values(
            identifier=fields.open(row.identifier, "parties.identifier"),
            phone=fields.open(row.phone, "parties.phone")))
    for row in conn.execute(sa.select(n.id, n.recipient_phone).where(n.recipient_phone.like(PREFIX + "%"))).all():
        conn.execute(NOTICES.update().where(n.id == row.id).values(
            recipient_phone=fields.open(row.recipient_phone, "notifications.recipient_phone")))
