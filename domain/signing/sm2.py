"""SM2 signatures with SM3 (GB/T 32918.2, GB/T 32905), for units whose key is ``sm2``.

The curve arithmetic is gmssl's (a kept pure-Python library); the rest is here because gmssl's own
helpers fall short of the standard: its nonce comes from ``random`` (not a secure source), its
user id is fixed, and it does not check a signature's range. SM3 is the ``cryptography`` (OpenSSL)
implementation.

Signing follows GB/T 32918.2 §6: Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), e = SM3(Z ‖ M), with
the default user id ``1234567812345678`` (GM/T 0009); the signature is r ‖ s, 32 bytes each,
big-endian. A public key is the uncompressed point 04 ‖ x ‖ y (65 bytes); a private key is d (32 bytes).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from gmssl.sm2 import CryptSM2, default_ecc_table

DEFAULT_UID = b"1234567812345678"
CURVE: Mapping[str, str] = default_ecc_table  # the recommended curve sm2p256v1 (GB/T 32918.5)


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _int(curve: Mapping[str, str], name: str) -> int:
    return int(curve[name], 16)


def _engine(curve: Mapping[str, str], private: int | None = None, public_xy: str = "") -> CryptSM2:
    engine = CryptSM2(private_key=f"{private:064x}" if private is not None else "", public_key="", ecc_table=curve)
    engine.public_key = public_xy  # set directly: the constructor strips leading "0"/"4" characters, not a prefix
    return engine


def new_private(curve: Mapping[str, str] = CURVE) -> bytes:
    return (secrets.randbelow(_int(curve, "n") - 2) + 1).to_bytes(32, "big")  # d in [1, n-2]


def public_of(private: bytes, curve: Mapping[str, str] = CURVE) -> bytes:
    d = int.from_bytes(private, "big")
    return b"\x04" + bytes.fromhex(_engine(curve)._kg(d, curve["g"]))  # dG: gmssl's scalar multiplication


def on_curve(public: bytes, curve: Mapping[str, str] = CURVE) -> bool:
    if len(public) != 65 or public[0] != 4:
        return False
    p = _int(curve, "p")
    x, y = int.from_bytes(public[1:33], "big"), int.from_bytes(public[33:], "big")
    return x < p and y < p and (y * y - x ** 3 - _int(curve, "a") * x - _int(curve, "b")) % p == 0


def digest_e(public: bytes, message: bytes, uid: bytes = DEFAULT_UID, curve: Mapping[str, str] = CURVE) -> bytes:
    """e = SM3(Z_A ‖ M), what the signature is computed on."""
    z = sm3(len(uid * 8).to_bytes(2, "big") + uid + bytes.fromhex(curve["a"] + curve["b"] + curve["g"]) + public[1:])
    return sm3(z + message)


def sign(private: bytes, message: bytes, *, uid: bytes = DEFAULT_UID, curve: Mapping[str, str] = CURVE,
         k: int | None = None) -> bytes:
    """r ‖ s over ``message``. ``k`` is for the standard's worked example only; otherwise a fresh
    secret nonce for every signature (a repeated nonce reveals the key)."""
    d, n = int.from_bytes(private, "big"), _int(curve, "n")
    e = digest_e(public_of(private, curve), message, uid, curve)
    engine = _engine(curve, d)
    while True:
        nonce = k if k is not None else secrets.randbelow(n - 1) + 1
        signed = engine.sign(e, f"{nonce:064x}")
        if signed is not None:  # None: r = 0, r + k = n or s = 0 (GB/T 32918.2 §6.1 A3–A6: pick another k)
            return bytes.fromhex(signed)
        if k is not None:
            raise ValueError("this k gives no signature")


def verify(public: bytes, message: bytes, signature: bytes, *, uid: bytes = DEFAULT_UID,
           curve: Mapping[str, str] = CURVE) -> bool:
    if len(signature) != 64 or not on_curve(public, curve):
        return False
    n = _int(curve, "n")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < n and 0 < s < n) or (r + s) % n == 0:  # GB/T 32918.2 §7.1 B1, B2, B5
        return False
    try:
        engine = _engine(curve, public_xy=public[1:].hex())
        return bool(engine.verify(signature.hex(), digest_e(public, message, uid, curve)))
    except (TypeError, ValueError):  # sG + tP at infinity: gmssl fails to convert it; no valid signature does this
        return False
