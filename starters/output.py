"""How the CLI speaks: Chinese by default, English with --lang en, JSON with --json.

Exit codes: 0 done · 2 bad input (names the field) or an unknown or closed case · 3 the case refused
the event now · 4 a part of the system unreachable (starters/failures.py) · 1 a bug.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.i18n import Lang, explain

BAD_INPUT = 2
REFUSED = 3


@dataclass
class Out:
    lang: Lang = "zh"
    as_json: bool = False

    def __post_init__(self) -> None:
        self.console = Console()
        self.err = Console(stderr=True)

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def note(self, zh: str, en: str) -> None:
        """A human remark, on stderr so stdout stays clean for scripts."""
        if not self.as_json:
            self.err.print(escape(self.t(zh, en)), highlight=False)

    def data(self, value: Any) -> None:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        elif isinstance(value, list):
            value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
        print(json.dumps(value, ensure_ascii=False, indent=2, default=str))

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        # Cells hold what people typed (a meeting topic, a reason): shown as written, never as markup.
        table = Table(title=escape(title), show_lines=False, title_justify="left")
        for column in columns:
            table.add_column(escape(column), overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else escape(str(v)) for v in row))
        self.console.print(table)

    def fail(self, zh: str, en: str, code: int = 1, problems: list[dict[str, str]] | None = None) -> NoReturn:
        if self.as_json:
            print(json.dumps({"error": self.t(zh, en), "problems": problems or []}, ensure_ascii=False, indent=2))
        else:
            self.err.print(f"[red]{self.t('错误', 'Error')}[/red]：" if self.lang == "zh" else "[red]Error[/red]: ",
                           escape(self.t(zh, en)), highlight=False, sep="")
            for p in problems or []:
                self.err.print(escape(f"  - {p['label']}{'：' if self.lang == 'zh' else ': '}{p['message']}"),
                               highlight=False)
        raise typer.Exit(code)

    def invalid(self, error: ValidationError, what: tuple[str, str]) -> NoReturn:
        self.fail(f"{what[0]}有误，未作任何处理", f"invalid {what[1]}; nothing was done", BAD_INPUT,
                  problems=explain(error, self.lang))

    def choice(self, value: str | None, table: dict[str, tuple[str, str]], what: tuple[str, str]) -> str | None:
        """A filter's value as its code: the code itself, or its Chinese or English name; anything
        else is refused with the valid values listed (a filter that silently matches nothing is
        worse than an error)."""
        if value is None:
            return None
        wanted = value.strip().lower()
        for code, names in table.items():
            if wanted in (code.lower(), *(n.lower() for n in names)):
                return code
        valid = "、".join(f"{code}（{names[0]}）" for code, names in table.items())
        valid_en = ", ".join(f"{code} ({names[1]})" for code, names in table.items())
        self.fail(f"{what[0]}“{value}”无效，可用：{valid}", f"unknown {what[1]} {value!r}; valid: {valid_en}", BAD_INPUT)

    def read_json(self, path: Path) -> Any:
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        except OSError as err:
            self.fail(f"无法读取文件 {path}：{err.strerror}", f"cannot read {path}: {err.strerror}", BAD_INPUT)
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            self.fail(f"{path} 不是有效的 JSON（第 {err.lineno} 行第 {err.colno} 列有误）",
                      f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})", BAD_INPUT)


def default_lang() -> Lang:
    return "en" if os.environ.get("WEIQUAN_LANG", "zh").lower().startswith("en") else "zh"
