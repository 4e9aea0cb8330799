"""`weiquan report`: the supervision report from the registry, as tables, CSV or an HTML page
(the figures: registry/reports.py; the layout: starters/report.py, starters/report_html.py)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from domain.rules import Rule, settings
from starters.cli.options import JsonOpt, LangOpt, out, parse_date
from starters.cli.reach import guarded, registry
from starters.output import BAD_INPUT, Out, why

if TYPE_CHECKING:
    from registry.reports import Report

report_app = typer.Typer()  # one top-level command


@report_app.command("report")
def report(
    start: Annotated[str, typer.Option("--from", help="起始日期 YYYY-MM-DD（含）")],
    end: Annotated[str, typer.Option("--to", help="截止日期 YYYY-MM-DD（含）")],
    district: Annotated[str | None, typer.Option(help="区县：代码或名称，如 360113 或 红谷滩区（默认全市）")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | html")] = "table",
    out_file: Annotated[Path | None, typer.Option("--out", help="写入文件（默认输出到终端）")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """督办报告：受理与结案、期限按期率、当前逾期事项、金额、各阶段办理天数（来自登记库）。"""
    from domain.districts import DISTRICTS
    from registry.reports import load_report

    o = out(lang, as_json)
    first, last = parse_date(o, start, "--from"), parse_date(o, end, "--to")
    if last < first:
        o.fail("--to 不能早于 --from", "--to is before --from", BAD_INPUT)
    district = o.choice(district, {code: (name, name) for code, name in DISTRICTS.items()}, ("区县", "district"))
    if fmt not in ("table", "csv", "html"):
        o.fail("--format 只能是 table、csv 或 html", "--format must be table, csv or html", BAD_INPUT)
    rules = settings().rules
    reg = registry(o)
    result = guarded(lambda: load_report(reg, rules, first, last, district=district), o)
    if o.as_json:
        o.data(result)
        return
    try:
        _write(o, result, rules, fmt, out_file)
    except OSError as err:
        if out_file is None:  # the terminal's own pipe closed: nothing more can be said
            raise
        o.fail(*why(err, f"无法写入 {out_file}", f"cannot write {out_file}"), BAD_INPUT)
    if out_file is not None:
        o.note(f"已写入 {out_file}", f"written to {out_file}")


def _write(o: Out, result: Report, rules: Mapping[str, Rule], fmt: str, out_file: Path | None) -> None:
    from starters.report import heading, sections, to_csv
    from starters.report_html import render_html

    if fmt == "table":
        from rich.console import Console

        with (out_file.open("w", encoding="utf-8") if out_file else nullcontext()) as fh:
            if fh is not None:
                o.console = Console(file=fh, width=160)
            o.console.print(escape(heading(result, o.lang)), style="bold", highlight=False)
            for section in sections(result, rules, o.lang):
                o.table(section.title, section.columns, section.rows)
    else:
        text = to_csv(result, rules, o.lang) if fmt == "csv" else render_html(result, rules, o.lang)
        if out_file is None:
            sys.stdout.write(text)
        else:  # Excel reads UTF-8 CSV only with a byte-order mark
            out_file.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
