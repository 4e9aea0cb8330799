"""Test data built from the shared fictional parties (valid ID and credit-code check characters)."""

from __future__ import annotations

import csv
import itertools
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.calendar import SHANGHAI


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
# Today in Shanghai, the cases' calendar, by the test process's clock (under libfaketime shifted
# like the time-skipping server's).
TODAY = datetime.now(SHANGHAI).date()


def month_start(day: date, months_back: int) -> date:
    """The first day of the month ``months_back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


# The unpaid wages of the default intake: four whole months, ending two months before this one;
# employment ended and the worker learned of it a fortnight later (well inside every limitation).
PERIOD_END = month_start(TODAY, 2) - timedelta(days=1)
EMPLOYMENT_END = PERIOD_END + timedelta(days=15)


def wage_period(months: int) -> dict[str, str]:
    """The last ``months`` whole months of the unpaid period, as a claim's period fields."""
    return {"period_start": month_start(PERIOD_END, months - 1).isoformat(), "period_end": PERIOD_END.isoformat()}


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
        "claims": [{"type": "wages", "amount": amount, **wage_period(4)}],
        "employment_start": month_start(EMPLOYMENT_END, 19).isoformat(),
        "employment_end": EMPLOYMENT_END.isoformat(),
        "learned_of_infringement": EMPLOYMENT_END.isoformat(),
        "summary": "拖欠三个月工资",
    }
    data.update(extra)
    return data
