"""The two signature suites, behind one small interface: Ed25519 with SHA-256 digests (default) and
SM2 with SM3 (GB/T 39786 assessments expect the national algorithms). Keys are raw bytes:
Ed25519 32-byte seed and 32-byte public key (RFC 8032); SM2 32-byte d and 65-byte 04 ‖ x ‖ y."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Literal, get_args

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.signing import sm2

Alg = Literal["ed25519", "sm2"]
ALGS: tuple[str, ...] = get_args(Alg)
PUBLIC_BYTES = {"ed25519": 32, "sm2": 65}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    """base64url, padding optional; ValueError when it is not."""
    text = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def payload_hash(alg: str, data: bytes) -> str:
    """The digest a signature covers: SHA-256 with Ed25519, SM3 with SM2 (one suite, one family)."""
    return sm2.sm3(data).hex() if alg == "sm2" else hashlib.sha256(data).hexdigest()


def new_private(alg: str) -> bytes:
    if alg == "sm2":
        return sm2.new_private()
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_of(alg: str, private: bytes) -> bytes:
    if alg == "sm2":
        return sm2.public_of(private)
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def public_ok(alg: str, public: bytes) -> bool:
    if len(public) != PUBLIC_BYTES[alg]:
        return False
    return sm2.on_curve(public) if alg == "sm2" else True


def sign_bytes(alg: str, private: bytes, message: bytes) -> bytes:
    if alg == "sm2":
        return sm2.sign(private, message)
    return Ed25519PrivateKey.from_private_bytes(private).sign(message)


def verify_bytes(alg: str, public: bytes, message: bytes, signature: bytes) -> bool:
    if alg == "sm2":
        return sm2.verify(public, message, signature)
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
