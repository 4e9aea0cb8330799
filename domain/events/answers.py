"""How a sender hears back: every event reaches a case as a signal, and the case keeps its answer
(the receipt, or why it was refused) under the event's answer key, read with the ``answer`` query.

The key is the event's name, its id and its content's digest, so a sender reads the answer to the
very event it sent: the same event resent has the same key (and the first answer), another event
or other content under a used id has its own key (a ``conflict`` refusal). ``tries`` counts how
often the case has taken that key, so a sender who resends an event the case once refused
(``not_now``) waits for the answer to the new try, not the old refusal.

Why signals and not updates: a signal's place in the history is fixed when the server takes it, so
replay always meets it where the case first did. An update's acceptance can be written after other
commands of the same workflow task, and the SDK replays it first (temporalio/sdk-python #1591):
such a history never replays again and the case is stuck. A case has no update handler at all.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel

from domain.events.base import EventReceipt, EventRefusal

ANSWER_QUERY = "answer"
PROOF = "proof"  # the sender's signature: not part of what the event says


def digest_of(raw: object) -> str:
    """What makes two sends the same event: the payload's content, whatever its key order (the
    sender's proof left out: a resend is signed anew)."""
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != PROOF}
    return hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                     default=str).encode()).hexdigest()


def answer_key(event: str, raw: Any) -> str | None:
    """The key the case files its answer under; None for a payload without an event id (no answer
    can be read back: the case only logs its refusal)."""
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or not event_id:
        return None
    return f"{event[:64]}/{event_id[:128]}~{digest_of(raw)[:16]}"


class EventAnswer(BaseModel):
    """The case's answer to one event: ``applying`` while its step runs, then ``applied`` with the
    receipt, or ``refused`` with the reason (and nothing in the case changed)."""

    key: str
    status: Literal["applying", "applied", "refused"]
    tries: int
    receipt: EventReceipt | None = None
    refusal: EventRefusal | None = None
