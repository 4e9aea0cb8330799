"""What every command takes the same way: --lang, --json, --file, dates, and today's date."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from domain.calendar import SHANGHAI
from domain.i18n import AGENCY
from domain.models import LINKED_UNITS, Agency
from starters.output import BAD_INPUT, Out, default_lang

LangOpt = Annotated[str | None, typer.Option("--lang", help="zh（默认）或 en")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON 输出，供脚本使用")]
FileOpt = Annotated[Path, typer.Option("--file", "-f", help="JSON 文件（- 为标准输入）")]
DateArg = Annotated[str, typer.Argument(help="YYYY-MM-DD")]
UNIT_HELP = "单位：代码或名称，如 union 或 工会（inspection | arbitration | union | legal_aid）"


def out(lang: str | None, as_json: bool) -> Out:
    chosen = lang or default_lang()
    if chosen not in ("zh", "en"):
        raise typer.BadParameter("--lang 只能是 zh 或 en / must be zh or en")
    return Out(lang=chosen, as_json=as_json)  # type: ignore[arg-type]


def today() -> date:
    return datetime.now(SHANGHAI).date()


def parse_date(o: Out, value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        o.fail(f"{what} 应为日期 YYYY-MM-DD，收到“{value}”", f"{what} must be a date YYYY-MM-DD, got {value!r}",
               BAD_INPUT)


def unit_of(o: Out, value: str, units: tuple[Agency, ...] = LINKED_UNITS) -> Agency:
    """A unit argument as its code: the code or the unit's Chinese or English name; anything else
    is refused in the command's language, listing the valid ones."""
    code = o.choice(value, {u.value: AGENCY[u.value] for u in units}, ("单位", "unit"))
    assert code is not None
    return Agency(code)
