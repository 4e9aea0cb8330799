"""`weiquan report`: the supervision report as terminal tables, CSV, or a self-contained HTML page.

The figures are computed once (registry.reports); this module only lays them out. ``sections``
gives the same tables to every format, so the CSV and the HTML page never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.calendar import local_text
from domain.districts import DISTRICTS
from domain.i18n import AGENCY, STAGE, Lang, pick, word
from domain.rules import Rule
from registry.reports import RateRow, Report


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def area(report: Report, lang: Lang) -> str:
    if report.district is None:
        return pick(("全市", "whole city"), lang)
    return DISTRICTS.get(report.district, report.district)


def rule_title(rules: Mapping[str, Rule], rule_id: str, lang: Lang) -> str:
    rule = rules.get(rule_id)
    return (rule.title if lang == "zh" else rule.title_en) if rule else rule_id


def unit(key: str | None, lang: Lang) -> str:
    return word(AGENCY, key, lang) if key else pick(("未指定", "unassigned"), lang)


def _rate_cells(row: RateRow) -> list[Any]:
    return [row.met, row.late, row.total, percent(row.rate)]


def sections(report: Report, rules: Mapping[str, Rule], lang: Lang = "zh") -> list[Section]:
    t = lambda zh, en: pick((zh, en), lang)  # noqa: E731
    days = {d.stage: d for d in report.stage_days}
    rate_cols = [t("按期", "On time"), t("逾期", "Late"), t("合计", "Total"), t("按期率", "On-time rate")]
    return [
        Section("summary", t("总览", "Summary"), [t("指标", "Measure"), t("数值", "Value")], [
            [t("本期受理案件", "Cases opened"), report.opened],
            [t("本期结案", "Cases closed"), report.closed],
            [t("法定/方案期限按期率", "Duties met on time"), f"{percent(report.on_time.rate)}"
             f"（{report.on_time.met}/{report.on_time.total}）"],
            [t("当前逾期事项", "Overdue now"), len(report.overdue)],
            [t("本期受理请求金额（元）", "Claimed by cases opened (CNY)"), money(report.claimed)],
            [t("本期结案追回金额（元）", "Recovered by cases closed (CNY)"), money(report.recovered)],
            [t("结案追回率", "Recovery rate of closed cases"), percent(report.recovery)],
        ]),
        Section("channels", t("受理与结案 · 按受理渠道", "Opened and closed by channel"),
                [t("受理渠道", "Channel"), t("受理", "Opened"), t("结案", "Closed"), t("在办", "Still open"),
                 t("请求金额", "Claimed"), t("结案请求金额", "Claimed (closed)"), t("追回基数", "Recovery base"),
                 t("追回金额", "Recovered"), t("追回率", "Recovery")],
                [[word(AGENCY, c.channel, lang), c.opened, c.closed, c.open_now, money(c.claimed),
                  money(c.closed_claimed), money(c.closed_base), money(c.recovered), percent(c.recovery)]
                 for c in report.channels]),
        Section("stages", t("案件阶段与办理天数", "Stages and days per stage"),
                [t("阶段", "Stage"), t("本期受理、在办", "Opened, now here"), t("结案前所处", "Closed from"),
                 t("本期结束的停留", "Stays ended"), t("中位天数", "Median days"), t("最长天数", "Longest days")],
                [[word(STAGE, s.stage, lang), s.open_now, s.closed_from,
                  days[s.stage].stays if s.stage in days else 0,
                  days[s.stage].median_days if s.stage in days else "—",
                  days[s.stage].longest_days if s.stage in days else "—"]
                 for s in report.stages if s.open_now or s.closed_from or s.stage in days]),
        Section("agencies", t("按期率 · 按责任单位", "On-time rate by agency"), [t("责任单位", "Agency"), *rate_cols],
                [[unit(r.key, lang), *_rate_cells(r)] for r in report.on_time_agencies]),
        Section("rules", t("按期率 · 按期限规则", "On-time rate by rule"),
                [t("规则", "Rule"), t("期限", "Duty"), *rate_cols],
                [[r.key, rule_title(rules, r.key, lang), *_rate_cells(r)] for r in report.on_time_rules]),
        Section("overdue", t("当前逾期事项", "Overdue now"),
                [t("案件/会商", "Case/meeting"), t("规则", "Rule"), t("期限", "Duty"), t("责任单位", "Agency"),
                 t("截止", "Due"), t("逾期天数", "Days late"), t("说明", "Note")],
                [[o.scope, o.rule_id, rule_title(rules, o.rule_id, lang), unit(o.responsible, lang),
                  local_text(o.due, o.provisional, lang), o.days_late, o.note or ""] for o in report.overdue]),
    ]


def heading(report: Report, lang: Lang) -> str:
    return pick((f"督办报告 · {area(report, lang)} · {report.period_from} 至 {report.period_to}",
                 f"Supervision report · {area(report, lang)} · {report.period_from} to {report.period_to}"), lang)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=HYPERLINK(…), +cmd…) is kept as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def to_csv(report: Report, rules: Mapping[str, Rule], lang: Lang = "zh") -> str:
    """One file, one block per section: a title row, the header, the rows, a blank line. Text that
    people typed (topics, reasons) reaches the cells, so no cell may start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def row(cells: Sequence[Any]) -> None:
        writer.writerow([safe_cell(c) for c in cells])

    row([heading(report, lang), local_text(report.generated_at)])
    row([])
    for section in sections(report, rules, lang):
        row([f"# {section.title}"])
        row(section.columns)
        for cells in section.rows:
            row(cells)
        row([])
    return buffer.getvalue()
