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


COLUMNS = ("name", "id_number", "phone", "migrant_worker", "months_unpaid", "wages_owed")
MAX_BYTES = 2 * 1024 * 1024  # about 35,000 rows of the shared data's width; a real group is far smaller
MAX_ROWS = 20_000


class BadList(ValueError):
    """A worker list that cannot be read as one: the reason in both languages, nothing started."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def read_rows(path: Path) -> list[dict[str, str]]:
    """The list's rows, or BadList: too large, unknown columns, a row with fields more or fewer
    than the header (a stray comma would shift every value after it)."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BadList(f"名单文件过大（{size:,} 字节，上限 {MAX_BYTES:,}）", f"the list is too large ({size:,} bytes; "
                      f"at most {MAX_BYTES:,})")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
        if unknown:
            raise BadList(f"名单有未知的列：{'、'.join(unknown)}（可用：{', '.join(COLUMNS)}）",
                          f"unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
        rows = []
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise BadList(f"第{line}行比表头多出 {len(row[None])} 个字段", f"line {line} has "
                              f"{len(row[None])} field(s) more than the header")  # type: ignore[index]
            if None in row.values():
                raise BadList(f"第{line}行比表头少了字段", f"line {line} has fewer fields than the header")
            if len(rows) == MAX_ROWS:
                raise BadList(f"名单超过 {MAX_ROWS:,} 人", f"the list has more than {MAX_ROWS:,} workers")
            rows.append(row)
        return rows


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
