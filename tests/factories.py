"""Test data built from the shared fictional parties (valid ID and credit-code check characters)."""

from __future__ import annotations

import csv
import itertools
import json
import os
from pathlib import Path
from typing import Any


def shared_data() -> Path:
    """The shared synthetic data: $WEIQUAN_SHARED/data, else a `shared/data` beside the repository
    or any parent of it (worktrees, clean clones in /tmp), else /work/shared/data."""
    if env := os.environ.get("WEIQUAN_SHARED"):
        return Path(env) / "data"
    here = Path(__file__).resolve().parents[1]
    for parent in here.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("/work/shared/data")


SHARED = shared_data()
_counter = itertools.count(1)


def shared_file(name: str) -> Path:
    return SHARED / name


def workers(n: int = 1, file: str = "workers-200.csv", start: int = 0) -> list[dict[str, str]]:
    with shared_file(file).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[start:start + n]


def employer(i: int = 0) -> dict[str, Any]:
    return json.loads(shared_file("employers.json").read_text(encoding="utf-8"))[i]


def intake(*, claimants: int = 1, consent: bool = True, migrant: bool = True, channel: str = "union",
           amount: str | None = None, start: int = 0, **extra: Any) -> dict[str, Any]:
    """A valid intake; each call differs (a fresh case number) unless ``amount`` is given."""
    emp = employer(0)
    rows = workers(claimants, start=start)
    amount = amount or f"{20000 + next(_counter)}.00"  # above what the tests agree or award
    data: dict[str, Any] = {
        "channel": channel,
        "district": emp["district_code"],
        "claimants": [
            {"name": r["name"], "id_number": r["id_number"], "phone": r["phone"],
             "migrant_worker": migrant, "consents_to_legal_aid": consent}
            for r in rows
        ],
        "employer": {"name": emp["name"], "credit_code": emp["credit_code"], "contact_name": "王经理",
                     "contact_phone": "0791-88888888"},
        "claims": [{"type": "wages", "amount": amount, "period_start": "2026-06-01", "period_end": "2026-09-30"}],
        "employment_start": "2025-03-01",
        "employment_end": "2026-10-15",
        "learned_of_infringement": "2026-10-15",
        "summary": "拖欠三个月工资",
    }
    data.update(extra)
    return data
