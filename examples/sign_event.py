"""Sign an event with your unit's key, as an agency's own system would (docs/integration.md,
"Signing events"). It uses `cryptography` and `rfc8785` only, no code from this repository.

    python examples/sign_event.py CASE_NUMBER EVENT payload.json legal_aid.key > signed.json
    python examples/sign_event.py CASE_NUMBER EVENT - legal_aid.key < payload.json   (- : stdin)

The key file is the unit's private key as `weiquan up` writes it (.weiquan/keys/<unit>.key):
{"unit", "key_id", "alg": "ed25519", "private_key": base64url of the 32-byte seed}. Send the
printed payload with any Temporal SDK or the `temporal` CLI (or use the gateway, which signs for you).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_event(payload: dict[str, Any], *, workflow_id: str, event: str, key_id: str, seed: bytes,
               at: datetime) -> dict[str, Any]:
    content = {k: v for k, v in payload.items() if k != "proof"}
    digest = hashlib.sha256(rfc8785.dumps(content)).hexdigest()       # 1. the content's digest
    signed_at = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")     # 2. RFC 3339, UTC
    message = rfc8785.dumps({"workflow_id": workflow_id, "event": event, "event_id": payload["event_id"],
                             "unit": payload["actor"]["unit"], "digest": digest, "signed_at": signed_at})  # 3.
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(message)  # 4.
    return {**content, "proof": {"alg": "ed25519", "key_id": key_id, "signed_at": signed_at,  # 5.
                                 "workflow_id": workflow_id, "event": event, "event_id": payload["event_id"],
                                 "signature": b64url(signature)}}


def read_key(path: Path) -> tuple[str, bytes]:
    """(key id, Ed25519 seed) from a unit key file."""
    key = json.loads(path.read_text(encoding="utf-8"))
    return key["key_id"], base64.urlsafe_b64decode(key["private_key"] + "=" * (-len(key["private_key"]) % 4))


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    workflow_id, event, payload_file, key_file = argv
    key_id, seed = read_key(Path(key_file))
    text = sys.stdin.read() if payload_file == "-" else Path(payload_file).read_text(encoding="utf-8")
    signed = sign_event(json.loads(text), workflow_id=workflow_id, event=event, key_id=key_id, seed=seed,
                        at=datetime.now(UTC))
    print(json.dumps(signed, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
