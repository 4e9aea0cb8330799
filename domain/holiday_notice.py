"""One year's holiday notice (国务院办公厅关于某年部分节假日安排的通知) as a TOML file: read and checked.

The format (``weiquan calendar load FILE``; examples/calendar-2027.toml)::

    year = 2027
    notice = "国务院办公厅关于2027年部分节假日安排的通知"   # optional: the document's title and number
    holidays = ["2027-01-01", "2027-02-05..2027-02-11"]   # every day off; A..B is a range
    workdays = ["2027-02-20"]                             # 调休: weekends that are working days

A loaded notice is the whole year: a day it does not list is a working day from Monday to Friday
and a rest day at the weekend. Every problem is reported, in Chinese and English, before anything
is stored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

KEYS = {"year", "notice", "holidays", "workdays"}


@dataclass(frozen=True)
class HolidayNotice:
    year: int
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    notice: str = ""

    def days(self) -> dict[date, bool]:
        """Every day of the year: is it a working day under this notice."""
        off, on = set(self.holidays), set(self.workdays)
        day, end = date(self.year, 1, 1), date(self.year, 12, 31)
        out: dict[date, bool] = {}
        while day <= end:
            out[day] = day in on or (day.weekday() < 5 and day not in off)
            day += timedelta(days=1)
        return out


class NoticeError(ValueError):
    """The file is not a valid notice; ``problems`` are (field, zh, en), every one found."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(en for _, _, en in problems))


def read_notice(path: Path) -> HolidayNotice:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise NoticeError([("file", f"无法读取文件 {path}：{err}", f"cannot read {path}: {err}")]) from None
    return parse_notice(text)


def parse_notice(text: str) -> HolidayNotice:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NoticeError([("file", f"不是有效的 TOML：{err}", f"not valid TOML: {err}")]) from None
    problems: list[tuple[str, str, str]] = []
    for key in sorted(set(data) - KEYS):
        problems.append((key, f"未知字段“{key}”（可用：year、notice、holidays、workdays）",
                         f"unknown key {key!r} (known: year, notice, holidays, workdays)"))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2199:
        problems.append(("year", f"year 应为年份（整数），收到 {year!r}", f"year must be a year (integer), got {year!r}"))
        year = None
    notice = data.get("notice", "")
    if not isinstance(notice, str):
        problems.append(("notice", "notice 应为文字", "notice must be a string"))
        notice = ""
    lists = {name: _days(data, name, year, problems) for name in ("holidays", "workdays")}
    holidays, workdays = lists["holidays"], lists["workdays"]
    if year is not None and "holidays" in data and not holidays and not any(p[0] == "holidays" for p in problems):
        problems.append(("holidays", "holidays 不能为空", "holidays must not be empty"))
    for day in sorted(set(holidays) & set(workdays)):
        problems.append(("workdays", f"{day} 同时列为放假和上班", f"{day} is listed both as a holiday and a workday"))
    for day in sorted(set(workdays) - set(holidays)):
        if day.weekday() < 5:
            problems.append(("workdays", f"{day} 是周一至周五，本就上班，不是调休上班日",
                             f"{day} is a weekday: a working day already, not an adjusted one"))
    if problems:
        raise NoticeError(problems)
    assert year is not None
    return HolidayNotice(year, tuple(sorted(set(holidays))), tuple(sorted(set(workdays))), notice)


def _days(data: dict[str, Any], name: str, year: int | None, problems: list[tuple[str, str, str]]) -> list[date]:
    if name not in data:
        if name == "holidays":
            problems.append((name, "缺少 holidays（放假日期列表）", "holidays (the days off) is missing"))
        return []
    values = data[name]
    if not isinstance(values, list):
        problems.append((name, f"{name} 应为日期列表", f"{name} must be a list of dates"))
        return []
    days: list[date] = []
    for value in values:
        try:
            first, last = _range(value)
        except ValueError:
            problems.append((name, f"{name} 中“{value}”不是日期 YYYY-MM-DD 或区间 YYYY-MM-DD..YYYY-MM-DD",
                             f"{name}: {value!r} is not a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD"))
            continue
        if year is not None and (first.year != year or last.year != year):
            problems.append((name, f"{name} 中“{value}”不在 {year} 年", f"{name}: {value!r} is not in {year}"))
            continue
        while first <= last:
            days.append(first)
            first += timedelta(days=1)
    return days


def _range(value: object) -> tuple[date, date]:
    if isinstance(value, date):
        return value, value
    if not isinstance(value, str):
        raise ValueError(value)
    first, _, last = value.partition("..")
    start = date.fromisoformat(first.strip())
    end = date.fromisoformat(last.strip()) if last else start
    if end < start:
        raise ValueError(value)
    return start, end
