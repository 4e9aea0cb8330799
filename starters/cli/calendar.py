"""`weiquan calendar …`: the working-day calendar clocks count with — counting a period, asking
about a day, loading a year's holiday notice as a new calendar revision (told to the running cases
whose clocks it can move), and what the calendar of a year is made of."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import chinese_calendar
import typer

from domain.calendar import SHANGHAI, WorkCalendar
from domain.holiday_notice import NoticeError, read_notice
from domain.rules import settings
from starters.cli.options import DateArg, JsonOpt, LangOpt, out, parse_date
from starters.cli.reach import connected, registry, tell
from starters.output import BAD_INPUT, Out

if TYPE_CHECKING:
    from registry.store import Registry

calendar_app = typer.Typer(help="工作日历 · working-day calendar", no_args_is_help=True)
SIGNAL = "calendar_revised"


def live_calendar(registry: Registry) -> WorkCalendar:
    """The calendar clocks count with: the packaged data overlaid with the registry's revisions."""
    from registry import calendar_revisions as revisions

    return revisions.overlay(settings().calendar, revisions.latest(registry))


@calendar_app.command("add")
def calendar_add(
    start: Annotated[str, typer.Option("--from", help="起算日（不计入）YYYY-MM-DD")],
    workdays: Annotated[int | None, typer.Option("--workdays", min=0, help="工作日数")] = None,
    days: Annotated[int | None, typer.Option("--days", min=0, help="自然日数（末日遇休息日顺延）")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """按期间计算规则推算截止日：起算日不计入；自然日期间末日遇休息日顺延。"""
    o = out(lang, as_json)
    day = parse_date(o, start, "--from")
    if (workdays is None) == (days is None):
        o.fail("请给出 --workdays 或 --days 之一", "give exactly one of --workdays or --days", BAD_INPUT)
    cal = live_calendar(registry(o))
    result = cal.add_workdays(day, workdays) if workdays is not None else cal.add_days(day, days or 0)
    if o.as_json:
        o.data({"date": result.day.isoformat(), "provisional": result.provisional})
    else:
        print(result.day.isoformat() + (o.t("（暂定）", " (provisional)") if result.provisional else ""))
        if result.provisional:
            o.note("注意：超出节假日数据范围，按周末和法定节日（全国年节及纪念日放假办法）计算，调休未知（暂定）",
                   "note: beyond the holiday data, weekends and the statutory holidays were counted; 调休 unknown")


@calendar_app.command("is-workday")
def calendar_is_workday(day: DateArg, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """某日是否工作日（含调休上班日）。"""
    o = out(lang, as_json)
    works, provisional = live_calendar(registry(o)).is_workday(parse_date(o, day, "DATE"))
    if o.as_json:
        o.data({"date": day, "workday": works, "provisional": provisional})
    else:
        print(o.t("工作日" if works else "休息日", "workday" if works else "rest day")
              + (o.t("（暂定）", " (provisional)") if provisional else ""))


@calendar_app.command("load")
def calendar_load(file: Annotated[Path, typer.Argument(help="一年的节假日安排 TOML 文件")],
                  lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """载入国务院公布的一年节假日安排，保存为新的日历版本，并通知受影响的在办案件重新计算期限。

    文件格式（例见 examples/calendar-2027.toml）：year = 2027；notice = "通知标题"（可选）；
    holidays = ["2027-01-01", "2027-02-05..2027-02-11"]（放假日，可写区间）；
    workdays = ["2027-02-20"]（调休上班的周末）。未列出的日子：周一至周五上班，周末休息。
    文件有误时逐项说明、不保存（退出码 2）。
    """
    from registry import calendar_revisions as revisions

    o = out(lang, as_json)
    reg = registry(o)
    try:
        notice = read_notice(file)
    except NoticeError as err:
        o.fail(f"节假日安排文件 {file} 有误，未保存", f"invalid holiday notice {file}; nothing was stored", BAD_INPUT,
               problems=[{"label": field, "message": o.t(zh, en)} for field, zh, en in err.problems])
    stored = revisions.store(reg, notice, str(file), settings().calendar)
    row = stored.revision
    # Loading the same notice again tells the cases again (one may have missed the first signal).
    changed = stored.changed if stored.created else sorted(notice.days())
    scopes = revisions.affected_scopes(reg, changed)
    try:
        told = asyncio.run(_tell(scopes, row.id or 0))
    except Exception as err:
        o.fail(f"已保存为日历第 {row.id} 版，但无法通知案件（{err}）。期限届满前仍会按新日历重算；"
               "Temporal 可用后重新运行本命令即可通知",
               f"stored as calendar revision {row.id}, but the cases could not be told ({err}); each clock still "
               "re-derives before it lapses; run this command again once Temporal is reachable")
    result = {"revision": row.id, "year": row.year, "created": stored.created, "changed_days": len(stored.changed),
              "cases_told": told}
    if o.as_json:
        o.data(result)
        return
    if stored.created:
        print(o.t(f"{row.year} 年节假日安排已保存为日历第 {row.id} 版（{len(stored.changed)} 天有变化），"
                  f"已通知 {told} 个案件重新计算期限",
                  f"{row.year} holidays stored as calendar revision {row.id} ({len(stored.changed)} days changed); "
                  f"{told} case(s) told to re-derive their clocks"))
    else:
        print(o.t(f"{row.year} 年节假日安排与第 {row.id} 版相同，未新建版本；已再次通知 {told} 个案件",
                  f"{row.year} holidays are the same as revision {row.id}: no new revision; {told} case(s) told again"))


async def _tell(scopes: list[str], revision: int) -> int:
    if not scopes:  # no clock to move: Temporal need not be reachable
        return 0
    return await tell(await connected(10), scopes, SIGNAL, revision)


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Argument(help="年份，如 2027")],
                  lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """某年的工作日历：放假日、调休上班日，以及数据来源（软件包、覆盖文件或登记库第几版）。"""
    from registry import calendar_revisions as revisions

    o = out(lang, as_json)
    reg = registry(o)
    rows = revisions.history(reg, year)
    calendar = live_calendar(reg)
    days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    answers = {day: calendar.is_workday(day) for day in days}
    holidays = [d.isoformat() for d in days if d.weekday() < 5 and not answers[d][0]]
    workdays = [d.isoformat() for d in days if d.weekday() >= 5 and answers[d][0]]
    provisional = any(p for _, p in answers.values())
    source = _source(year, rows, settings().calendar)
    if o.as_json:
        o.data({"year": year, "source": source, "holidays": holidays, "workdays": workdays,
                "provisional": provisional, "revisions": [_revision(r) for r in rows]})
        return
    print(o.t(f"{year} 年工作日历，来源：", f"{year} calendar, from: ") + _source_text(o, source))
    print(o.t("周一至周五放假：", "weekdays off: ") + ("、".join(holidays) or o.t("无", "none")))
    print(o.t("调休上班（周末）：", "adjusted working weekends: ") + ("、".join(workdays) or o.t("无", "none")))
    if provisional:
        o.note("注意：该年没有节假日安排通知，按周末和法定节日（全国年节及纪念日放假办法）计算，调休未知（暂定）",
               "note: no holiday notice for that year; weekends and the statutory holidays count, 调休 unknown "
               "(provisional)")
    for row in rows[:-1]:
        o.note(f"  早先版本：第 {row.id} 版，{_when(row)} 载入自 {row.source}",
               f"  earlier: revision {row.id}, loaded {_when(row)} from {row.source}")


def _source(year: int, rows: list[Any], base: WorkCalendar) -> dict[str, Any]:
    if rows:
        return {"kind": "registry", **_revision(rows[-1])}
    if year in base.override_years:
        return {"kind": "override_file"}
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return {"kind": "none"}
    return {"kind": "package", "package": f"chinesecalendar {chinese_calendar.__version__}"}


def _source_text(o: Out, source: dict[str, Any]) -> str:
    kind = source["kind"]
    if kind == "registry":
        return o.t(f"登记库日历第 {source['revision']} 版（{source['loaded_at']} 载入自 {source['file']}）"
                   + (f"，{source['notice']}" if source["notice"] else ""),
                   f"registry calendar revision {source['revision']} (loaded {source['loaded_at']} from "
                   f"{source['file']})" + (f", {source['notice']}" if source["notice"] else ""))
    if kind == "override_file":
        return o.t("覆盖文件（domain/holidays.toml 或配置的 [calendar] override_file）",
                   "override file (domain/holidays.toml or the configured [calendar] override_file)")
    if kind == "package":
        return o.t(f"软件包 {source['package']}", f"package {source['package']}")
    return o.t("无通知（周末与法定节日，暂定）", "no notice (weekends and statutory holidays, provisional)")


def _revision(row: Any) -> dict[str, Any]:
    return {"revision": row.id, "file": row.source, "loaded_at": _when(row), "notice": row.notice}


def _when(row: Any) -> str:
    at = row.loaded_at if row.loaded_at.tzinfo else row.loaded_at.replace(tzinfo=UTC)  # SQLite reads naive
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
