"""A collective dispute from a CSV: one case per worker, tied together by a group reference.

Why one case per worker: each worker's amount, legal-aid eligibility and consent, deadlines and
outcome are their own, and workers settle or go on one by one; the shared ``group`` (id and size)
keeps the dispute collective. The first worker's case leads: it carries the group and major-case
flags the group's size calls for, so the group is escalated (notices, a proposed meeting) once. The CSV has the columns of the shared data set (name,
id_number, phone, migrant_worker, months_unpaid, wages_owed); the template is an ordinary intake
file for everything the workers share (employer, channel, district, dates, claims).
"""

from __future__ import annotations

import asyncio
import copy
import csv
import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from temporalio.client import Client

from domain.i18n import Lang, explain
from domain.models import CaseIntake
from starters.cases import open_case
from workers.queues import DEFAULT_PREFIX

TRUE = {"true", "1", "yes", "是", "y"}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def group_id(template: Any, rows: list[dict[str, str]]) -> str:
    """The same file twice is the same group (and so the same cases)."""
    digest = hashlib.sha256(json.dumps([template, rows], sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"G{digest[:10].upper()}"


def worker_intake(template: dict[str, Any], row: dict[str, str], group: dict[str, Any], consent: bool) -> Any:
    data = copy.deepcopy(template)
    data["claimants"] = [{
        "name": row.get("name", ""), "id_number": row.get("id_number", ""), "phone": row.get("phone", ""),
        "migrant_worker": (row.get("migrant_worker") or "").strip().lower() in TRUE,
        "consents_to_legal_aid": consent,
    }]
    claims = data.setdefault("claims", [])
    if row.get("wages_owed"):  # the worker's own amount on the wage claim
        wage = next((c for c in claims if isinstance(c, dict) and c.get("type") == "wages"), None)
        if wage is None:
            claims.append(wage := {"type": "wages"})
        wage["amount"] = row["wages_owed"]
    data["group"] = group
    return data


def group_intakes(template: Any, rows: list[dict[str, str]], today: date, *, consent: bool,
                  lang: Lang = "zh") -> tuple[list[CaseIntake], list[dict[str, str]]]:
    """Every row as an intake, or the problems of every bad row (line number, field, message)."""
    if not isinstance(template, dict):
        return [], [{"field": "", "label": "登记表模板" if lang == "zh" else "template",
                     "message": "应为 JSON 对象" if lang == "zh" else "must be a JSON object"}]
    group = {"id": group_id(template, rows), "size": len(rows)}
    intakes, problems = [], []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            lead = {**group, "lead": line == 2}
            intakes.append(CaseIntake.from_input(worker_intake(template, row, lead, consent), today))
        except ValidationError as err:
            where = f"第{line}行 " if lang == "zh" else f"line {line}: "
            problems += [{**p, "label": where + p["label"]} for p in explain(err, lang)]
    return intakes, problems


async def start_group(client: Client, intakes: list[CaseIntake], *, concurrency: int = 64,
                      prefix: str = DEFAULT_PREFIX,
                      step: Callable[[bool], None] = lambda _: None) -> list[tuple[str, bool]]:
    """Open every case, ``concurrency`` at a time; ``step(opened)`` after each (a progress bar)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(intake: CaseIntake) -> tuple[str, bool]:
        async with gate:
            result = await open_case(client, intake, prefix=prefix)
        step(result[1])
        return result

    return list(await asyncio.gather(*(one(i) for i in intakes)))
