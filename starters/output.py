"""How the CLI speaks: Chinese by default, English with --lang en, JSON with --json. The one
rendering module: tables, records, JSON, errors, and the views several commands share (a case's
deadlines, the events that fit it now, the registry's row when Temporal is out of reach).

Exit codes: 0 done · 2 bad input (names the field) or an unknown or closed case · 3 the case refused
the event now · 4 a part of the system unreachable (starters/failures.py) · 1 a bug.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.arbitration import PARTY
from domain.calendar import SHANGHAI, local_text
from domain.catalogue import EventEntry
from domain.i18n import AGENCY, CLOCK_STATE, Lang, explain, word
from domain.models import DeadlineView
from domain.rules import settings

BAD_INPUT = 2
REFUSED = 3
# Refusals that say the event itself is malformed (bad input, exit 2); every other refusal is the
# case's answer to a well-formed event (exit 3): wrong sender, bad signature, reused id, wrong time.
MALFORMED = frozenset({"payload", "invalid_payload", "unknown_event"})


def refusal_exit(code: str) -> int:
    return BAD_INPUT if code in MALFORMED else REFUSED


@dataclass
class Out:
    lang: Lang = "zh"
    as_json: bool = False

    def __post_init__(self) -> None:
        self.console = Console()
        # Sentences are not broken into lines here: the terminal wraps them, and a log or a script
        # reading stderr gets each message whole.
        self.err = Console(stderr=True, soft_wrap=True)

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

    def rows(self, items: Sequence[Any], title: str, columns: Sequence[tuple[str, str]],
             cells: Callable[[Any], list[Any]]) -> None:
        """A listing: the items as JSON with --json, else a table of one row per item."""
        if self.as_json:
            self.data(list(items))
        else:
            self.table(title, [self.t(*c) for c in columns], [cells(i) for i in items])

    def fields(self, lines: Iterable[tuple[tuple[str, str], str]]) -> None:
        """A record, one labelled line each (label in the language asked, then its value)."""
        colon = "：" if self.lang == "zh" else ": "
        for label, text in lines:
            print(f"{self.t(*label)}{colon}{text}")

    def fallback(self, row: Any, missing: tuple[str, str], line: Callable[[Any], str]) -> None:
        """Temporal is unreachable: show the registry's row instead (or say there is none)."""
        if row is None:
            self.fail(*missing, BAD_INPUT)
        if self.as_json:
            self.data(row.model_dump(mode="json"))
            return
        self.note("（Temporal 不可达，显示登记库记录）", "(Temporal unreachable: registry record shown)")
        print(line(row))

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
            self.fail(*why(err, f"无法读取文件 {path}", f"cannot read {path}"), BAD_INPUT)
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            self.fail(f"{path} 不是有效的 JSON（第 {err.lineno} 行第 {err.colno} 列有误）",
                      f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})", BAD_INPUT)


OS_REASONS = {
    errno.ENOENT: "文件或目录不存在", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个目录，不是文件", errno.ENOTDIR: "路径中有一段不是目录", errno.ENOSPC: "磁盘已满",
    errno.EROFS: "文件系统只读", errno.EEXIST: "已存在", errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址", errno.ENAMETOOLONG: "文件名过长",
}


# The csv module's reasons, in Chinese (by a phrase of its English message).
CSV_REASONS = (("NUL", "含有空字符 NUL"), ("field larger than field limit", "某个字段过长"),
               ("new-line character seen in unquoted field", "未加引号的字段中有换行"),
               ("unexpected end of data", "文件在引号内结束"), ("expected after", "引号后缺少分隔符"))


def why(err: Exception, zh: str, en: str) -> tuple[str, str]:
    """What failed (``zh``, ``en``) and why, as one sentence in each language: the system's own
    English never lands inside a Chinese sentence."""
    if isinstance(err, OSError) and err.errno is not None:
        name = errno.errorcode.get(err.errno, str(err.errno))
        reason = OS_REASONS.get(err.errno, f"系统错误 {name}"), err.strerror or name
    elif isinstance(err, UnicodeDecodeError):
        reason = "不是 UTF-8 编码的文本", "not UTF-8 text"
    elif isinstance(err, csv.Error):
        said = str(err)
        known = next((words for phrase, words in CSV_REASONS if phrase in said), "")
        reason = f"CSV 格式有误{f'（{known}）' if known else ''}", f"bad CSV: {said}"
    else:
        reason = str(err), str(err)
    return f"{zh}：{reason[0]}", f"{en}: {reason[1]}"


def default_lang() -> Lang:
    return "en" if os.environ.get("WEIQUAN_LANG", "zh").lower().startswith("en") else "zh"


def clock_title(o: Out, d: DeadlineView) -> str:
    """A clock's title in the language asked, from the rule table the case read, told apart from
    another clock of the same rule by what its key says: the party (…:worker), the request
    (…:2), or which time the duty came again (…#2)."""
    rules = settings().rules
    title = o.t(d.title, rules[d.rule_id].title_en if d.rule_id in rules else d.title)
    key, _, nth = d.key.partition("#")
    which = key.rpartition(":")[2] if ":" in key else ""
    marks = []
    if which in PARTY:
        marks.append(word(PARTY, which, o.lang))
    elif which.isdigit():
        marks.append(o.t(f"请求 {which}", f"request {which}"))
    if nth:
        marks.append(o.t(f"第 {nth} 次", f"time {nth}"))
    return title + (o.t(f"（{'，'.join(marks)}）", f" ({', '.join(marks)})") if marks else "")


def print_facts(o: Out, facts: Sequence[str], facts_en: Sequence[str]) -> None:
    """A case's or a meeting's facts in the output's language (a worker older than the English
    facts answers without them: its facts show as written)."""
    for fact in facts_en if o.lang == "en" and len(facts_en) == len(facts) else facts:
        print(f"- {fact}")


def deadline_table(o: Out, deadlines: Sequence[DeadlineView]) -> None:
    # The start is the service moment for a party's window, which may be before the event was
    # recorded.
    rows = [[d.key, clock_title(o, d), d.source,
             word(AGENCY, d.responsible.value, o.lang) if d.responsible else "",
             d.started_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"), local_text(d.due, d.provisional, o.lang),
             word(CLOCK_STATE, d.state, o.lang) + (o.t("（已延长）", " (extended)") if d.extended else "")]
            for d in deadlines]
    o.table(o.t("期限", "Deadlines"),
            [o.t("规则", "Rule"), o.t("期限", "Clock"), o.t("依据", "Source"), o.t("责任单位", "Unit"),
             o.t("起算", "Starts"), o.t("截止", "Due"), o.t("状态", "State")], rows)


def events_now(o: Out, case: str, names: Sequence[str], catalog: Mapping[str, EventEntry]) -> None:
    """What staff can send now: each event with who may send it and the command that sends it."""
    if not names:
        return
    print(o.t("现在可以发送的事件（填好的示例：weiquan case template 事件名 > 事件名.json）：",
              "Events that fit now (a filled example: weiquan case template EVENT > EVENT.json):"))
    sep = "、" if o.lang == "zh" else ", "
    for name in (n for n in names if n in catalog):  # one line each: the command stays whole to copy
        spec = catalog[name]
        who = sep.join(word(AGENCY, a.value, o.lang) for a in sorted(spec.actors))
        print(f"- {o.t(*spec.title)}（{who}）：weiquan case event {case} {name} --file {name}.json"
              if o.lang == "zh" else f"- {o.t(*spec.title)} ({who}): weiquan case event {case} {name} --file {name}.json")
