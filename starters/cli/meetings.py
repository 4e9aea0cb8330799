"""`weiquan meeting …`: consultation meetings (协调会商) — convening one, its events, its state,
the registry's list, and its minutes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from domain.calendar import local_text
from domain.catalogue import events
from domain.i18n import AGENCY, CLOCK_STATE, word
from domain.meetings import STATUS_WORDS
from starters.cli.events import entry, send_file
from starters.cli.options import UNIT_HELP, FileOpt, JsonOpt, LangOpt, out, parse_date, today, unit_of
from starters.cli.reach import client, or_none, registry, run
from starters.output import BAD_INPUT, print_facts, why

meeting_app = typer.Typer(help="协调会商：召集、确认参会、会议纪要、议定事项 · consultation meetings",
                          no_args_is_help=True)

UnitOpt = Annotated[str, typer.Option("--by", help="召集" + UNIT_HELP)]


@meeting_app.command("start")
def meeting_start(
    by: UnitOpt,
    person: Annotated[str, typer.Option(help="召集人")],
    topic: Annotated[str, typer.Option(help="议题")],
    kind: Annotated[str, typer.Option(help="case（重点案件）| problem（重点问题）| risk（重大隐患矛盾）")] = "case",
    case: Annotated[list[str] | None, typer.Option("--case", help="涉及的案件编号（可重复）")] = None,
    invite: Annotated[list[str] | None, typer.Option(
        "--invite", help="受邀单位（代码或名称，可重复；默认其他三家）")] = None,
    held_on: Annotated[str | None, typer.Option("--date", help="会议日期 YYYY-MM-DD")] = None,
    place: Annotated[str | None, typer.Option(help="地点")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """召集协调会商：通知受邀单位联络员，输出会商编号；无法通知的单位作为错误列出。"""
    from domain.meetings import MeetingRequest
    from starters.meetings import meeting_state, start_meeting

    o = out(lang, as_json)
    try:
        request = MeetingRequest(convened_by=unit_of(o, by), person=person, topic=topic, kind=kind, cases=case or [],
                                 invitees=[unit_of(o, u) for u in invite or []], place=place,
                                 held_on=parse_date(o, held_on, "--date") if held_on else None)
    except ValidationError as err:
        o.invalid(err, ("会商信息", "meeting request"))

    async def go() -> tuple[str, bool, Any]:
        connection = await client(o)
        meeting_id, started = await start_meeting(connection, request, today())
        for _ in range(100):  # the invitations are sent in the workflow: wait to report them
            view = await meeting_state(connection, meeting_id)
            if view.invitations_sent:
                return meeting_id, started, view
            await asyncio.sleep(0.1)
        return meeting_id, started, None

    meeting_id, started, view = run(go(), o)
    if o.as_json:
        o.data({"meeting_id": meeting_id, "started": started,
                "notify_errors": view.notify_errors if view else None})
        return
    print(meeting_id)
    o.note("已召集，已通知受邀单位联络员" if started else "同一会商今天已召集，未重复召集",
           "convened; invitations sent" if started else "this meeting was already convened today")
    for line in view.notify_errors if view else []:
        o.err.print(f"[red]{o.t('错误', 'Error')}[/red]：{o.t('通知失败', 'notice failed')}：{escape(line)}", highlight=False)


@meeting_app.command("event")
def meeting_event(meeting: str, event: str, file: FileOpt, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """向协调会商发送事件：meeting_convene、meeting_confirm、meeting_minutes、meeting_action_done、meeting_cancel。"""
    send_file(out(lang, as_json), meeting, event, file, events("meeting"), ("会商", "meeting"))


@meeting_app.command("template")
def meeting_template(event: Annotated[str, typer.Argument(help="事件名，如 meeting_confirm")],
                     lang: LangOpt = None) -> None:
    """输出一个填好的会商事件示例（JSON），改写后用 weiquan meeting event 发送。"""
    from starters.payloads import event_schema, example

    spec = entry(out(lang, False), events("meeting"), event)
    print(json.dumps(example(spec, event_schema(spec)), ensure_ascii=False, indent=2))


@meeting_app.command("show")
def meeting_show(meeting: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """查看协调会商：状态、参会确认、议定事项及其期限、通知失败。"""
    from starters.meetings import meeting_state

    o = out(lang, as_json)
    view = run(or_none(lambda c: meeting_state(c, meeting)), o)
    if view is None:
        return o.fallback(registry(o).meeting(meeting), (f"没有协调会商 {meeting}", f"no meeting {meeting}"),
                          lambda row: f"{meeting}  {o.t(*STATUS_WORDS[row.status])}  {row.topic}  "
                                      f"{o.t('未完成事项', 'open actions')} {row.actions_open}/{row.actions_total}")
    if o.as_json:
        o.data(view)
        return
    sep = "、" if o.lang == "zh" else ", "
    lines = [(("会商编号", "Meeting"), view.meeting_id), (("议题", "Topic"), view.topic),
             (("召集单位", "Convened by"), word(AGENCY, view.convened_by.value, o.lang)),
             (("状态", "Status"), o.t(*STATUS_WORDS[view.status.value]))]
    if view.cases:
        lines.append((("涉及案件", "Cases"), sep.join(view.cases)))
    lines.append((("参会确认", "Confirmed"), o.t("；", "; ").join(
        f"{word(AGENCY, u.value, o.lang)} {view.confirmed.get(u.value) or o.t('待确认', 'pending')}"
        for u in view.invitees)))
    if view.minutes:
        lines.append((("会议纪要", "Minutes"), view.minutes.path))
    o.fields(lines)
    for line in view.notify_errors:
        o.err.print(f"[red]{o.t('通知失败', 'Notice failed')}[/red]：{escape(line)}", highlight=False)
    print_facts(o, view.facts, view.facts_en)
    o.table(o.t("议定事项", "Actions"),
            [o.t("序号", "No."), o.t("事项", "Action"), o.t("责任单位", "Unit"), o.t("岗位", "Post"),
             o.t("责任人", "Person"), o.t("截止", "Due"), o.t("状态", "State")],
            [[a.number, a.task, word(AGENCY, a.unit.value, o.lang), a.post, a.person, local_text(a.due),
              word(CLOCK_STATE, a.state, o.lang)] for a in view.actions])


@meeting_app.command("list")
def meeting_list(
    open_only: Annotated[bool, typer.Option("--open", help="只看未结束的会商")] = False,
    case: Annotated[str | None, typer.Option("--case", help="涉及某案件的会商")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """协调会商列表（来自登记库）：状态、未完成及逾期事项。"""
    o = out(lang, as_json)
    rows = registry(o).meetings(open_only=open_only, case_number=case)
    o.rows(rows, o.t(f"协调会商（{len(rows)}）", f"Meetings ({len(rows)})"),
           [("会商编号", "Meeting"), ("议题", "Topic"), ("召集单位", "Convened by"), ("状态", "Status"),
            ("涉及案件", "Cases"), ("未完成", "Open"), ("逾期", "Overdue")],
           lambda r: [r.meeting_id, r.topic, word(AGENCY, r.convened_by, o.lang), o.t(*STATUS_WORDS[r.status]),
                      "、".join(r.cases), f"{r.actions_open}/{r.actions_total}",
                      r.actions_overdue or ""])


@meeting_app.command("minutes")
def meeting_minutes(meeting: str, lang: LangOpt = None) -> None:
    """打印会议纪要全文。"""
    o = out(lang, False)
    row = registry(o).meeting(meeting)
    if row is None or not row.minutes_path:
        o.fail(f"{meeting} 尚无会议纪要", f"{meeting} has no minutes yet", BAD_INPUT)
    try:
        print(Path(row.minutes_path).read_text(encoding="utf-8"))
    except OSError as err:
        o.fail(*why(err, f"无法读取会议纪要 {row.minutes_path}", f"cannot read {row.minutes_path}"))
