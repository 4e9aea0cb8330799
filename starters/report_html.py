"""The supervision report as one self-contained HTML page: inline CSS and SVG, no script, no network.

Made for a joint liaison meeting's screen or printout: the headline figures first, then where the
cases stand and who is late, then the tables behind the charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from domain.calendar import local_text
from domain.i18n import AGENCY, STAGE, Lang, pick, word
from domain.rules import Rule
from registry.reports import Report
from starters.report import Section, area, heading, money, percent, sections

BLUE, TEAL, GREEN, AMBER, RED, GREY = "#1f4e79", "#3a8fb7", "#2e7d32", "#e09b1a", "#c62828", "#e6e9ee"


def rate_color(rate: float | None) -> str:
    if rate is None:
        return "#9aa5b1"
    return GREEN if rate >= 0.9 else AMBER if rate >= 0.7 else RED


def _text(x: float, y: float, body: str, *, anchor: str = "start", size: int = 13, fill: str = "#334",
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(body)}</text>')


def empty(text: str) -> str:
    """What a chart or table shows when the period has nothing for it (in the page's language)."""
    return f'<p class="empty">{escape(text)}</p>'


def hbars(rows: Sequence[tuple[str, Sequence[tuple[float, str, str]]]], *, scale: float, none: str, width: int = 540,
          label_w: int = 120, bar_h: int = 16) -> str:
    """Horizontal bars: each row is a label and one or more (value, colour, caption) bars; ``none``
    is said when there are no rows."""
    if not rows:
        return empty(none)
    plot = width - label_w - 90
    per_row = max(len(bars) for _, bars in rows) * (bar_h + 3) + 14
    height = len(rows) * per_row + 4
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">']
    for i, (label, bars) in enumerate(rows):
        top = i * per_row + 6
        parts.append(_text(label_w - 10, top + len(bars) * (bar_h + 3) / 2 + 3, label, anchor="end"))
        for j, (value, colour, caption) in enumerate(bars):
            y = top + j * (bar_h + 3)
            length = 0 if scale <= 0 else max(2.0, plot * value / scale) if value else 0
            parts.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" rx="3" fill="{colour}"/>')
            parts.append(_text(label_w + length + 8, y + bar_h - 3, caption, size=12,
                               fill="#445", weight="600"))
    parts.append("</svg>")
    return "".join(parts)


def rate_bars(rows: Sequence[tuple[str, int, int]], *, none: str, width: int = 540, label_w: int = 120,
              bar_h: int = 16) -> str:
    """On-time rates: each row is a label, duties met on time and duties in all; late in pale red."""
    if not rows:
        return empty(none)
    plot, per_row = width - label_w - 110, bar_h + 14
    parts = [f'<svg viewBox="0 0 {width} {len(rows) * per_row + 4}" width="100%" role="img">']
    for i, (label, met, total) in enumerate(rows):
        y, rate = i * per_row + 6, met / total if total else None
        ok = plot * (rate or 0)
        parts.append(_text(label_w - 10, y + bar_h - 3, label, anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y}" width="{plot}" height="{bar_h}" rx="3" fill="#f4cccc"/>')
        if ok:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{ok:.1f}" height="{bar_h}" rx="3" '
                         f'fill="{rate_color(rate)}"/>')
        parts.append(_text(label_w + plot + 8, y + bar_h - 3, f"{percent(rate)}（{met}/{total}）", size=12,
                           fill=rate_color(rate), weight="700"))
    parts.append("</svg>")
    return "".join(parts)


def donut(rate: float | None, size: int = 92) -> str:
    radius, stroke = 36, 11
    circumference = 2 * 3.14159 * radius
    filled = circumference * (rate or 0)
    colour = rate_color(rate)
    arc = (f'<circle cx="46" cy="46" r="{radius}" fill="none" stroke="{colour}" stroke-width="{stroke}" '
           f'stroke-dasharray="{filled:.1f} {circumference:.1f}" transform="rotate(-90 46 46)" '
           f'stroke-linecap="round"/>') if filled else ""
    return (f'<svg viewBox="0 0 {size} {size}" width="{size}" height="{size}">'
            f'<circle cx="46" cy="46" r="{radius}" fill="none" stroke="{GREY}" stroke-width="{stroke}"/>{arc}'
            + _text(46, 51, percent(rate), anchor="middle", size=15, fill=colour, weight="700") + "</svg>")


def legend(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{escape(name)}</span>' for name, c in items) + "</div>"


def table(section: Section, *, none: str, numeric: Sequence[int] = (), highlight: int | None = None,
          columns: Sequence[int] | None = None, nowrap: Sequence[int] = ()) -> str:
    """A section as an HTML table (``columns``: which of its columns, by index)."""
    if not section.rows:
        return empty(none)
    shown = list(columns if columns is not None else range(len(section.columns)))
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(section.columns[i])}</th>" for i in shown)
    body = []
    for row in section.rows:
        cells = []
        for i, value in ((i, row[i]) for i in shown):
            css = ' class="num"' if i in numeric else ' class="id"' if i == 0 or i in nowrap else ""
            text = escape(str(value))
            if highlight is not None and i == highlight:
                text = f'<span class="pill">{text}</span>'
            cells.append(f"<td{css}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def render_html(report: Report, rules: Mapping[str, Rule], lang: Lang = "zh") -> str:
    t = lambda zh, en: pick((zh, en), lang)  # noqa: E731
    by_key = {s.key: s for s in sections(report, rules, lang)}
    recovery = report.recovery
    overdue_n = len(report.overdue)

    no_data, nothing = t("本期无数据", "no data for the period"), t("无", "none")
    no_duties = t("本期无到期职责", "no duties decided in the period")
    kpis = [
        (t("本期受理", "Opened"), str(report.opened), t("件案件", "cases"), ""),
        (t("本期结案", "Closed"), str(report.closed), t("件案件", "cases"), ""),
        (t("当前逾期事项", "Overdue now"), str(overdue_n),
         t("项，需督办", "items to chase") if overdue_n else t("无逾期", "nothing late"), "bad" if overdue_n else "good"),
        (t("请求金额", "Claimed"), t(f"{report.claimed / 10000:,.1f} 万元", f"¥{report.claimed:,.0f}"),
         t("本期受理案件", "cases opened"), ""),
        (t("追回金额", "Recovered"), t(f"{report.recovered / 10000:,.1f} 万元", f"¥{report.recovered:,.0f}"),
         t(f"结案追回率 {percent(recovery)}", f"recovery {percent(recovery)}"), "good"),
    ]
    cards = "".join(f'<div class="kpi {tone}"><div class="k">{escape(k)}</div><div class="v">{escape(v)}</div>'
                    f'<div class="s">{escape(s)}</div></div>' for k, v, s, tone in kpis)
    on_time_card = (f'<div class="kpi donut"><div>{donut(report.on_time.rate)}</div><div>'
                    f'<div class="k">{t("期限按期率", "Duties on time")}</div>'
                    f'<div class="s">{t(f"按期 {report.on_time.met} / 共 {report.on_time.total} 项", f"{report.on_time.met} of {report.on_time.total} met")}'
                    f'</div></div></div>')

    flow_scale = max([max(c.opened, c.closed) for c in report.channels] or [0])
    flow = hbars([(word(AGENCY, c.channel, lang), [(c.opened, BLUE, str(c.opened)), (c.closed, TEAL, str(c.closed))])
                  for c in report.channels], scale=flow_scale, none=no_data)
    agencies = rate_bars([(word(AGENCY, r.key, lang) if r.key else t("未指定", "unassigned"), r.met, r.total)
                          for r in report.on_time_agencies], none=no_duties)
    open_stages = [s for s in report.stages if s.open_now]
    stage_scale = max([s.open_now for s in open_stages] or [0])
    stages = hbars([(word(STAGE, s.stage, lang), [(s.open_now, BLUE, str(s.open_now))]) for s in open_stages],
                   scale=stage_scale, none=no_data)
    days_scale = max([d.longest_days for d in report.stage_days] or [0])
    days = hbars([(word(STAGE, d.stage, lang), [(d.median_days, TEAL, t(f"中位 {d.median_days} 天", f"median {d.median_days} d")),
                                                (d.longest_days, "#b8d4e3", t(f"最长 {d.longest_days} 天", f"longest {d.longest_days} d"))])
                  for d in report.stage_days], scale=days_scale, none=no_data)
    money_rows = [c for c in report.channels if c.closed_base or c.recovered]
    money_scale = float(max([max(c.closed_base, c.recovered) for c in money_rows] or [0]))
    money_chart = hbars([(word(AGENCY, c.channel, lang), [(float(c.closed_base), "#9fb3c8", f"¥{money(c.closed_base)}"),
                                                          (float(c.recovered), GREEN, f"¥{money(c.recovered)}")])
                         for c in money_rows], scale=money_scale, none=no_data, width=540)

    notes = t(
        "<li>案件按受理、结案的本地日期（北京时间）计入期间。</li>"
        "<li>按期率只计各单位的法定及方案职责期限（逾期即上报的规则），以本期内完成或届满的为准；当事人自行行使的期间、已撤销的期限不计入。</li>"
        "<li>当前逾期事项为报告生成时已过期限尚未完成的全部职责，不限于本期。</li>"
        "<li>追回率为本期结案案件的追回金额除以追回基数：各案的请求金额；调解协议或仲裁裁决金额经写明原因高于请求的，按该金额。</li>"
        "<li>阶段天数取自事件日志的阶段变化：本期内结束的每次停留，自进入该阶段的第一条记录至进入下一阶段。</li>"
        "<li>协调会商议定事项以会商编号（MTG-…）计；按区县筛选时，计入涉及该区县案件的会商。</li>"
        "<li>数据来自案件登记库（案件、事件日志、期限台账），不读取 Temporal 历史。</li>",
        "<li>Cases count in the period by their local (Beijing time) opening and closing dates.</li>"
        "<li>On-time rates count the agencies' duties (rules whose lapse escalates) decided in the period; "
        "party windows and cancelled clocks are not counted.</li>"
        "<li>Overdue now lists every duty past due and not done when the report was made.</li>"
        "<li>Recovery is what the cases closed in the period recovered over their base: each case's claim, or the "
        "amount its agreement or award set above the claim with a stated reason.</li>"
        "<li>Days per stage come from the event log's stage changes, for stays that ended in the period.</li>"
        "<li>Meeting actions count under the meeting's id (MTG-…); a district filter keeps meetings about its cases.</li>"
        "<li>All figures come from the case registry, never from Temporal histories.</li>")

    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(heading(report, lang))}</title>
<style>
*{{box-sizing:border-box}}
body{{margin:0;background:#f3f5f8;color:#223;font:14px/1.55 "Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",
"PingFang SC","Microsoft YaHei",system-ui,sans-serif}}
header{{background:linear-gradient(120deg,{BLUE},#2d6a9f);color:#fff;padding:26px 0 70px}}
.wrap{{max-width:1180px;margin:0 auto;padding:0 28px}}
header h1{{margin:0;font-size:26px;letter-spacing:1px}}
header .sub{{opacity:.85;margin-top:6px;font-size:15px}}
header .meta{{float:right;text-align:right;opacity:.8;font-size:13px;margin-top:4px}}
.kpis{{display:grid;grid-template-columns:1.45fr repeat(5,1fr);gap:14px;margin-top:-48px}}
.kpi{{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 2px 10px rgba(20,40,80,.08)}}
.kpi .k{{color:#667;font-size:13px}} .kpi .v{{font-size:25px;font-weight:700;color:{BLUE};margin:2px 0;
white-space:nowrap}} .kpi .s{{color:#889;font-size:12px}}
.kpi.bad .v{{color:{RED}}} .kpi.good .v{{color:{GREEN}}}
.kpi.donut{{display:flex;align-items:center;gap:12px}}
.grid{{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;margin-top:16px;align-items:start}}
.panel{{background:#fff;border-radius:10px;padding:16px 18px;box-shadow:0 2px 10px rgba(20,40,80,.06)}}
.panel h2{{margin:0 0 10px;font-size:16px;color:{BLUE};border-left:4px solid {TEAL};padding-left:8px}}
.panel.wide{{grid-column:1 / -1}}
.legend{{font-size:12px;color:#556;margin:-4px 0 6px}} .legend span{{margin-right:14px}}
.legend i{{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}}
table{{width:100%;border-collapse:collapse;font-size:13px}}
th{{text-align:left;color:#667;font-weight:600;border-bottom:2px solid #e3e7ee;padding:6px 8px;white-space:nowrap}}
td{{border-bottom:1px solid #eef1f5;padding:6px 8px;vertical-align:top}} .num{{text-align:right;
font-variant-numeric:tabular-nums}} td.id{{white-space:nowrap;font-variant-numeric:tabular-nums}}
tbody tr:nth-child(even){{background:#fafbfd}}
.pill{{display:inline-block;min-width:34px;text-align:center;background:{RED};color:#fff;border-radius:10px;
padding:0 8px;font-weight:700}}
.empty{{color:#99a;margin:8px 0}}
.notes{{color:#667;font-size:12px;margin:18px 0 30px}} .notes ul{{margin:6px 0;padding-left:18px}}
</style></head><body>
<header><div class="wrap"><div class="meta">{t("生成于", "Generated")} {escape(local_text(report.generated_at))}<br>
{t("数据来源：案件登记库", "Source: case registry")}</div>
<h1>{t("劳动者维权联动 · 督办报告", "Labour-rights linkage · supervision report")}</h1>
<div class="sub">{escape(area(report, lang))} · {report.period_from} {t("至", "to")} {report.period_to}
 · {t("监察 + 仲裁 + 工会 + 法援", "inspection · arbitration · union · legal aid")}</div></div></header>
<main class="wrap">
<section class="kpis">{on_time_card}{cards}</section>
<section class="grid">
<div class="panel"><h2>{t("期限按期率 · 按责任单位", "Duties on time by agency")}</h2>
{legend([(t("≥90% 良好", "≥90% good"), GREEN), (t("70–90% 关注", "70–90% watch"), AMBER),
          (t("<70% 督办", "<70% act"), RED), (t("逾期部分", "late"), "#f4cccc")])}{agencies}</div>
<div class="panel"><h2>{t("本期受理案件现处阶段", "Where this period's open cases stand")}</h2>{stages}</div>
<div class="panel wide"><h2>{t("当前逾期事项", "Overdue now")}（{overdue_n}）</h2>
{table(by_key["overdue"], none=nothing, numeric=(5,), highlight=5, nowrap=(1, 4))}</div>
<div class="panel"><h2>{t("受理与结案 · 按受理渠道", "Opened and closed by channel")}</h2>
{legend([(t("受理", "opened"), BLUE), (t("结案", "closed"), TEAL)])}{flow}</div>
<div class="panel"><h2>{t("各阶段办理天数", "Days per stage")}</h2>
{legend([(t("中位数", "median"), TEAL), (t("最长", "longest"), "#b8d4e3")])}{days}</div>
<div class="panel"><h2>{t("结案金额 · 追回基数与追回", "Closed cases: recovery base and recovered")}</h2>
{legend([(t("追回基数", "recovery base"), "#9fb3c8"), (t("追回", "recovered"), GREEN)])}{money_chart}</div>
<div class="panel"><h2>{t("受理与结案明细", "By channel")}</h2>
{table(by_key["channels"], none=nothing, numeric=range(1, 8), columns=(0, 1, 2, 3, 6, 7))}</div>
<div class="panel wide"><h2>{t("期限按期率 · 按规则", "Duties on time by rule")}</h2>{table(by_key["rules"], none=nothing, numeric=range(2, 6))}</div>
<div class="panel wide"><h2>{t("案件阶段与办理天数", "Stages and days per stage")}</h2>{table(by_key["stages"], none=nothing, numeric=range(1, 6))}</div>
</section>
<section class="notes"><strong>{t("口径说明", "How the figures are counted")}</strong><ul>{notes}</ul></section>
</main></body></html>
"""
