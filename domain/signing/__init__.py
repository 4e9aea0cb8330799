"""Verified senders: every event carries its sending unit's signature, checked by the case.

The proof travels in the event's JSON payload under ``"proof"``::

    {"event_id": "la-42", "actor": {"unit": "legal_aid", "person": "李四"}, ...,
     "proof": {"alg": "ed25519", "key_id": "legal_aid.2026a", "signed_at": "2026-12-03T05:40:00Z",
               "workflow_id": "WQ-…", "event": "legal_aid_decision", "event_id": "la-42",
               "signature": "<base64url>"}}

How to sign (any language):

1. ``digest`` = lower-case hex of H(JCS(payload without "proof")), where JCS is the JSON
   Canonicalization Scheme (RFC 8785: keys sorted by UTF-16 code units, no white space, shortest
   number form, minimal string escapes, UTF-8) and H is SHA-256 for ``ed25519``, SM3 for ``sm2``.
2. ``signed_at`` = the signing time, RFC 3339 in UTC with a ``Z`` (``2026-12-03T05:40:00Z``;
   fractions of a second, up to 6 digits, are allowed). It is checked only against the key's
   validity period, never against a clock.
3. The signed bytes are JCS of exactly these six strings::

       {"digest":…,"event":…,"event_id":…,"signed_at":…,"unit":…,"workflow_id":…}

   ``workflow_id`` is the case number or meeting id, ``event`` the event's name, ``event_id`` the
   payload's ``event_id``, ``unit`` the payload's ``actor.unit``.
4. ``signature`` = base64url (RFC 4648 §5, no padding) of the signature over those bytes:
   Ed25519 (RFC 8032, 64 bytes), or SM2 with SM3 (GB/T 32918.2, user id ``1234567812345678``,
   r ‖ s as 64 bytes big-endian).
5. Put ``{"alg", "key_id", "signed_at", "workflow_id", "event", "event_id", "signature"}`` in the
   payload as ``"proof"``. The last three repeat what was signed, so a refusal can say what the
   signature was made for.

``verify`` refuses, in this order: no proof (``no_proof``), a malformed one (``malformed_proof``),
one made for another workflow, event or event id (``other_workflow_id``, ``other_event``,
``other_event_id``), no actor unit (``no_unit``), a key not in the pinned set (``unknown_key``),
a key of another unit than the actor's (``wrong_unit``), an algorithm that is not the key's
(``wrong_alg``), a signing time outside the key's validity (``outside_validity``), and a signature
that does not verify (``bad_signature``). tests/test_signing.py fixes the form with a known answer.
"""

from domain.signing.keys import (
    KeySet,
    SigningConfigError,
    UnitKey,
    UnitPublicKey,
    ensure_dev_keys,
    load_key_set,
    load_unit_key,
)
from domain.signing.proof import PROOF, Problem, payload_digest, sign, signed_bytes, verify, without_proof

__all__ = ["PROOF", "KeySet", "Problem", "SigningConfigError", "UnitKey", "UnitPublicKey", "ensure_dev_keys",
           "load_key_set", "load_unit_key", "payload_digest", "sign", "signed_bytes", "verify", "without_proof"]
