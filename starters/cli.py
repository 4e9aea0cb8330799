"""`weiquan`: the staff's command line. Chinese by default (`--lang en`), `--json` for scripts.

Every command finds Temporal the Temporal way (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, temporal.toml
profiles), defaulting to localhost:7233; the registry is WEIQUAN_DATABASE_URL (SQLite by default).
"""

from __future__ import annotations

import asyncio
import atexit
import csv
import hashlib
import json
import os
import sys
from collections.abc import Callable, Coroutine
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.markup import escape

from domain.calendar import SHANGHAI, local_text
from domain.i18n import AGENCY, CLOCK_STATE, FLAG, STAGE, TRACK, word
from domain.models import Agency, CaseIntake
from domain.rules import settings
from registry.store import Registry
from starters import calendar_cmds
from starters.db import db_app
from starters.failures import UNREACHABLE
from starters.output import BAD_INPUT, REFUSED, Out, default_lang

T = TypeVar("T")

app = typer.Typer(help="劳动者维权联动案件编排 · labor-rights linkage case orchestration",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
case_app = typer.Typer(help="案件：受理、查看、事件 · cases", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历 · working-day calendar", no_args_is_help=True)
liaison_app = typer.Typer(help="联络名录 · liaison directory", no_args_is_help=True)
meeting_app = typer.Typer(help="协调会商：召集、确认参会、会议纪要、议定事项 · consultation meetings",
                          no_args_is_help=True)
app.add_typer(case_app, name="case")
app.add_typer(calendar_app, name="calendar")
app.add_typer(liaison_app, name="liaison")
app.add_typer(db_app, name="db")
app.add_typer(meeting_app, name="meeting")

LangOpt = Annotated[str | None, typer.Option("--lang", help="zh（默认）或 en")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON 输出，供脚本使用")]
FileOpt = Annotated[Path, typer.Option("--file", "-f", help="JSON 文件（- 为标准输入）")]


def out(lang: str | None, as_json: bool) -> Out:
    chosen = lang or default_lang()
    if chosen not in ("zh", "en"):
        raise typer.BadParameter("--lang 只能是 zh 或 en / must be zh or en")
    return Out(lang=chosen, as_json=as_json)  # type: ignore[arg-type]


def run(coro: Coroutine[Any, Any, T], o: Out | None = None) -> T:
    """Run a command's async part; what went wrong outside the CLI ends as a sentence and an exit
    code (starters/failures.py), never as a traceback."""
    from starters.failures import explain

    try:
        return asyncio.run(coro)
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as err:
        failure = explain(err)
        if failure is None:
            raise
        (o or Out(default_lang())).fail(failure.zh, failure.en, failure.code)


def registry(o: Out | None = None) -> Registry:
    from starters.failures import explain

    reg = Registry()
    try:
        reg.upgrade()
    except Exception as err:
        failure = explain(err)
        if failure is None:
            raise
        (o or Out(default_lang())).fail(failure.zh, failure.en, failure.code)
    return reg


def today() -> date:
    return datetime.now(SHANGHAI).date()


def registry_fallback(o: Out, row: Any, missing: tuple[str, str], line: Callable[[Any], str]) -> None:
    """Temporal is unreachable: show the registry's row instead (or say there is none)."""
    if row is None:
        o.fail(*missing, BAD_INPUT)
    if o.as_json:
        o.data(row.model_dump(mode="json"))
        return
    o.note("（Temporal 不可达，显示登记库记录）", "(Temporal unreachable: registry record shown)")
    print(line(row))


async def client_or_fail(o: Out) -> Any:
    from workers.codec import CodecConfigError
    from workers.connect import connect

    try:
        return await connect()
    except CodecConfigError as err:
        o.fail(f"加密密钥配置有误：{err}", f"bad payload-encryption keys: {err}", BAD_INPUT)
    except Exception:
        o.fail("无法连接 Temporal 服务：请先运行 weiquan server（或 weiquan up），或检查 TEMPORAL_ADDRESS",
               "cannot reach the Temporal server: run `weiquan server` (or `weiquan up`), or check TEMPORAL_ADDRESS",
               UNREACHABLE)


# ---- cases ---------------------------------------------------------------------------------------


@case_app.command("start")
def case_start(file: FileOpt, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """受理一个案件：校验登记表，启动案件流程，输出案件编号（同一登记表重复提交只立一案）。"""
    from starters.cases import open_case

    o = out(lang, as_json)
    data = o.read_json(file)
    try:
        intake = CaseIntake.from_input(data, today())
    except ValidationError as err:
        o.invalid(err, ("登记表", "intake"))

    async def go() -> tuple[str, bool]:
        return await open_case(await client_or_fail(o), intake)

    number, opened = run(go(), o)
    if o.as_json:
        o.data({"case_number": number, "opened": opened})
        return
    print(number)
    o.note("已受理，新立案" if opened else "该登记表已立案，未重复立案",
           "opened a new case" if opened else "this intake already has a case; no second case opened")


@case_app.command("start-group")
def case_start_group(
    csv_file: Annotated[Path, typer.Option("--csv", help="劳动者名单 CSV：name, id_number, phone, migrant_worker, wages_owed")],
    template: Annotated[Path, typer.Option("--intake", help="共同的登记表（用人单位、渠道、区县、日期、请求）JSON")],
    consent: Annotated[bool, typer.Option("--consent/--no-consent", help="劳动者均同意转介法律援助")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=512, help="同时启动的案件数")] = 64,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """群体性争议：名单中每名劳动者立一案，共享群体编号；先校验全部行，有误则一案不立。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from starters.group import BadList, group_intakes, read_rows, start_group

    o = out(lang, as_json)
    data = o.read_json(template)
    try:
        rows = read_rows(csv_file)
    except BadList as bad:
        o.fail(f"名单 {csv_file} 有误，未立任何案件：{bad.zh}", f"{csv_file}: {bad.en}; no case was opened", BAD_INPUT)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        o.fail(f"无法读取名单 {csv_file}：{err}", f"cannot read {csv_file}: {err}", BAD_INPUT)
    if not rows:
        o.fail(f"名单 {csv_file} 没有劳动者", f"{csv_file} lists no workers", BAD_INPUT)
    intakes, problems = group_intakes(data, rows, today(), consent=consent, lang=o.lang)
    if problems:
        o.fail("名单或登记表有误，未立任何案件", "invalid list or template; no case was opened", BAD_INPUT, problems)

    async def go() -> list[tuple[str, bool]]:
        client = await client_or_fail(o)
        with Progress(TextColumn(o.t("立案", "opening")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=o.err, disable=o.as_json, transient=False) as bar:
            task = bar.add_task("cases", total=len(intakes))
            return await start_group(client, intakes, concurrency=concurrency,
                                     step=lambda _: bar.advance(task))

    results = run(go(), o)
    group, opened = intakes[0].group, sum(1 for _, new in results if new)
    assert group is not None
    if o.as_json:
        o.data({"group": group.id, "size": group.size, "opened": opened, "cases": [n for n, _ in results]})
        return
    print(group.id)
    o.note(f"群体性争议 {group.id}：{group.size} 名劳动者，新立 {opened} 案，已存在 {group.size - opened} 案",
           f"group {group.id}: {group.size} workers, {opened} cases opened, {group.size - opened} already open")


@case_app.command("event")
def case_event(case: str, event: str, file: FileOpt, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """向案件发送事件（更新）；输出结果或拒收理由。未写 event_id 时按内容生成，重复发送只生效一次。"""
    from workflows.case import event_catalog

    _send_event(out(lang, as_json), case, event, file, event_catalog())


def _send_event(o: Out, case: str, event: str, file: Path, catalog: dict[str, Any],
                what: tuple[str, str] = ("案件", "case")) -> None:
    """Send an event to a case or a meeting (both take events as updates named after the event)."""
    from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
    from temporalio.service import RPCError, RPCStatusCode

    from starters.cases import EventRefused, send_event
    from starters.failures import CaseClosed, NoAnswer, answer_wait
    from workflows.events import actor_refusal

    payload = o.read_json(file)
    spec = catalog.get(event)
    if spec is None:
        names = ", ".join(sorted(catalog))
        o.fail(f"未知事件“{event}”。可用事件：{names}", f"unknown event {event!r}; events: {names}", BAD_INPUT)
    if not isinstance(payload, dict):
        o.fail("事件内容应为 JSON 对象", "the event must be a JSON object", BAD_INPUT)
    payload.setdefault("event_id", "cli-" + hashlib.sha256(
        json.dumps([case, event, payload], sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16])
    actor = payload.get("actor")
    if isinstance(actor, dict) and (wrong := actor_refusal(spec, actor.get("unit"))):  # the case's order: actor first
        o.fail(f"{what[0]}不会接收该事件：{wrong.zh}", f"the {what[1]} would refuse the event: {wrong.en}", BAD_INPUT)
    try:
        spec.model.model_validate(payload)
    except ValidationError as err:
        o.invalid(err, ("事件内容", "event payload"))

    async def go() -> Any:
        client = await client_or_fail(o)
        try:
            return await asyncio.wait_for(send_event(client, case, event, payload), answer_wait())
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):  # ours, or the server's own wait
            raise NoAnswer(case, answer_wait()) from None
        except RPCError as err:  # not found: no such workflow, or one that has closed
            if err.status == RPCStatusCode.NOT_FOUND and await closed(client, case):
                raise CaseClosed(case) from None
            raise

    try:
        receipt = run(go(), o)
    except EventRefused as refused:
        code = REFUSED if refused.code == "not_now" else BAD_INPUT
        o.fail(f"{what[0]}拒收该事件：{refused.zh}", f"the {what[1]} refused the event: {refused.en}", code)
    if o.as_json:
        o.data(receipt)
    else:
        print(o.t(receipt.message, receipt.message_en))


@case_app.command("show")
def case_show(case: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """查看案件当前状态：阶段、等待事项、期限、标记，以及劳动者（身份证号、手机号）。"""
    o = out(lang, as_json)
    found = run(_view_and_intake(case), o)
    if found is None:
        return registry_fallback(o, registry(o).case(case), (f"没有案件 {case}", f"no case {case}"),
                                 lambda row: f"{case}  {word(STAGE, row.stage, o.lang)}  {row.waiting_for or ''}")
    view, intake, now = found
    now = [] if view.closed_at else now
    claimants = [c.model_dump(mode="json", include={"name", "id_number", "phone"}) for c in intake.claimants]
    if o.as_json:
        o.data({**view.model_dump(mode="json"), "claimants": claimants, "events_now": now})
        return
    agency = f"（{word(AGENCY, view.agency.value, o.lang)}）" if view.agency else ""
    running = [d for d in view.deadlines if d.state in ("running", "warning")]
    nearest = min(running, key=lambda d: d.due) if running else None
    until = (o.t(f"，截止 {local_text(nearest.due, nearest.provisional)}",
                 f", due {local_text(nearest.due, nearest.provisional)}")
             if nearest and "截止" not in view.waiting_for else "")
    lines = [
        (("案件编号", "Case"), view.case_number),
        (("阶段", "Stage"), word(STAGE, view.stage.value, o.lang) + agency),
        (("等待", "Waiting for"), o.t(view.waiting_for, view.waiting_for_en) + until),
    ]
    if view.flags:
        lines.append((("标记", "Flags"), "、".join(word(FLAG, f.value, o.lang) for f in view.flags)))
    if view.tracks:
        lines.append((("并行", "Tracks"), "；".join(f"{word(TRACK, k, o.lang)}：{v}" for k, v in view.tracks.items())))
    lines += [(("劳动者", "Claimant"), f"{c['name']}  {o.t('身份证号', 'ID')} {c['id_number']}  "
                                      f"{o.t('手机', 'phone')} {c['phone']}") for c in claimants]
    if view.outcome:
        lines.append((("结果", "Outcome"), view.outcome))
    colon = "：" if o.lang == "zh" else ": "
    for label, text in lines:
        print(f"{o.t(*label)}{colon}{text}")
    for fact in view.facts:
        print(f"- {fact}")
    _deadline_table(o, view.deadlines)
    _events_now(o, case, now)


def _events_now(o: Out, case: str, names: list[str]) -> None:
    """What staff can send now: each event with who may send it and the command that sends it."""
    from workflows.case import event_catalog

    if not names:
        return
    catalog = event_catalog()
    print(o.t("现在可以发送的事件（填好的示例：weiquan case template 事件名 > 事件名.json）：",
              "Events that fit now (a filled example: weiquan case template EVENT > EVENT.json):"))
    sep = "、" if o.lang == "zh" else ", "
    for name in (n for n in names if n in catalog):  # one line each: the command stays whole to copy
        spec = catalog[name]
        who = sep.join(word(AGENCY, a.value, o.lang) for a in sorted(spec.actors))
        print(f"- {o.t(*spec.title)}（{who}）：weiquan case event {case} {name} --file {name}.json"
              if o.lang == "zh" else f"- {o.t(*spec.title)} ({who}): weiquan case event {case} {name} --file {name}.json")


async def closed(client: Any, workflow_id: str) -> bool:
    """Whether the workflow exists and has closed (an event to it then cannot apply). Raw describe:
    it needs no decoding of search attributes."""
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

    try:
        await client.workflow_service.describe_workflow_execution(DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)))
    except Exception:
        return False
    return True


async def _state_or_none(case: str) -> Any:
    from starters.cases import case_state
    from workers.connect import connect

    try:
        client = await asyncio.wait_for(connect(), timeout=5)
        return await asyncio.wait_for(case_state(client, case), timeout=10)
    except Exception:
        return None


async def _view_and_intake(case: str) -> tuple[Any, Any] | None:
    """The state query and the intake the case was opened with (decrypted here when the payloads
    are sealed: the server holds ciphertext only)."""
    from starters.cases import case_intake, case_state
    from workers.connect import connect

    try:
        client = await asyncio.wait_for(connect(), timeout=5)
        return (await asyncio.wait_for(case_state(client, case), timeout=10),
                await asyncio.wait_for(case_intake(client, case), timeout=10),
                await asyncio.wait_for(client.get_workflow_handle(case).query("events_now", result_type=list[str]),
                                       timeout=10))
    except Exception:
        return None


def _deadline_table(o: Out, deadlines: list[Any]) -> None:
    # The start is the service moment for a party's window, which may be before the event was
    # recorded; a clock's title is in the language asked, from the rule table the case read.
    rules = settings().rules
    rows = [[d.key, o.t(d.title, rules[d.rule_id].title_en if d.rule_id in rules else d.title), d.source,
             word(AGENCY, d.responsible.value, o.lang) if d.responsible else "",
             d.started_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"), local_text(d.due, d.provisional, o.lang),
             word(CLOCK_STATE, d.state, o.lang) + (o.t("（已延长）", " (extended)") if d.extended else "")]
            for d in deadlines]
    o.table(o.t("期限", "Deadlines"),
            [o.t("规则", "Rule"), o.t("期限", "Clock"), o.t("依据", "Source"), o.t("责任单位", "Unit"),
             o.t("起算", "Starts"), o.t("截止", "Due"), o.t("状态", "State")], rows)


@case_app.command("deadlines")
def case_deadlines(case: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """列出案件的每个期限：规则、依据、截止时间、状态。"""
    o = out(lang, as_json)
    view = run(_state_or_none(case), o)
    if view is not None:
        deadlines = view.deadlines
    else:
        from domain.models import DeadlineView

        rows = registry(o).deadlines(case)
        if not rows:
            o.fail(f"没有案件 {case} 的期限记录", f"no deadlines recorded for {case}", BAD_INPUT)
        rules = settings().rules
        deadlines = [DeadlineView(key=r.clock_key, rule_id=r.rule_id, title=rules[r.rule_id].title,
                                  source=rules[r.rule_id].source,
                                  responsible=Agency(r.responsible) if r.responsible else None,
                                  started_at=r.started_at, due=r.due, provisional=r.provisional,
                                  state=r.state, extended=r.extended, note=r.note) for r in rows]
    if o.as_json:
        o.data(deadlines)
    else:
        _deadline_table(o, deadlines)


@case_app.command("list")
def case_list(
    stage: Annotated[str | None, typer.Option(help="阶段：代码或名称，如 mediation 或 调解")] = None,
    agency: Annotated[str | None, typer.Option(help="责任单位：代码或名称，如 legal_aid 或 工会")] = None,
    overdue: Annotated[bool | None, typer.Option("--overdue/--not-overdue", help="只看逾期/未逾期")] = None,
    district: Annotated[str | None, typer.Option(help="区县：代码或名称，如 360113 或 红谷滩区")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """按阶段、责任单位、是否逾期、区县筛选案件（来自登记库）。"""
    from domain.districts import DISTRICTS

    o = out(lang, as_json)
    stage = o.choice(stage, STAGE, ("阶段", "stage"))
    agency = o.choice(agency, AGENCY, ("责任单位", "unit"))
    district = o.choice(district, {code: (name, name) for code, name in DISTRICTS.items()}, ("区县", "district"))
    rows = registry(o).cases(stage=stage, agency=agency, overdue=overdue, district=district)
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    o.table(o.t(f"案件（{len(rows)}）", f"Cases ({len(rows)})"),
            [o.t("案件编号", "Case"), o.t("阶段", "Stage"), o.t("责任单位", "Unit"), o.t("等待", "Waiting for"),
             o.t("下一期限", "Next deadline"), o.t("逾期", "Overdue"), o.t("人数", "Workers"),
             o.t("金额", "Amount")],
            [[r.case_number, word(STAGE, r.stage, o.lang), word(AGENCY, r.agency or "", o.lang), r.waiting_for,
              local_text(r.next_deadline, r.next_deadline_provisional, o.lang) if r.next_deadline else "",
              o.t("是", "yes") if r.overdue else "",
              r.worker_count, f"{r.amount_claimed:,.2f}"] for r in rows])


@case_app.command("stuck")
def case_stuck(
    attempts: Annotated[int, typer.Option(min=2, help="工作流任务至少尝试了几次")] = 3,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """列出无法推进的案件：工作流任务反复失败（重放错误需运维重置，见 docs/proof.md）。"""
    from starters.cases import stuck_cases

    o = out(lang, as_json)

    async def find() -> Any:
        return await stuck_cases(await client_or_fail(o), attempts)

    rows = run(find(), o)
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        o.note("没有无法推进的案件", "no stuck cases")
        return
    o.table(o.t(f"无法推进的案件（{len(rows)}）", f"Stuck cases ({len(rows)})"),
            [o.t("案件编号", "Case"), o.t("尝试次数", "Attempts"), o.t("最近一次失败", "Last failure")],
            [[r.case_number, r.attempts, r.failure[:160]] for r in rows])


@case_app.command("log")
def case_log(case: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """案件的事件日志（谁、何时、做了什么）。"""
    o = out(lang, as_json)
    rows = registry(o).events(case)
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    o.table(case, [o.t("时间", "When"), o.t("事项", "What"), o.t("单位", "Unit"), o.t("经办人", "Person"),
                   o.t("内容", "Detail")],
            [[local_text(r.at), log_title(r.kind, o.lang), word(AGENCY, r.actor_unit or "", o.lang), r.actor_person,
              r.detail] for r in rows])


def log_title(kind: str, lang: str) -> str:
    """An event-log entry's kind as staff read it: the event's own title, or the entry's (the code
    only for a kind no table names)."""
    from domain.i18n import LOG_KIND
    from workflows.case import event_catalog

    if kind.startswith("event.") and (spec := event_catalog().get(kind.removeprefix("event."))):
        return spec.title[0] if lang == "zh" else spec.title[1]
    return word(LOG_KIND, kind, lang)  # type: ignore[arg-type]


@case_app.command("events")
def case_events(
    stage: Annotated[str | None, typer.Option(help="只列该阶段的事件（代码或名称，如 mediation 或 调解）")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """案件接受的事件：所属阶段、可发送的单位、字段（? 为可选）。weiquan case template 事件名 输出填好的示例。"""
    from starters.contract import event_schema
    from workflows.case import event_catalog, event_stages

    o = out(lang, as_json)
    wanted = o.choice(stage, STAGE, ("阶段", "stage"))
    stages = event_stages()
    specs = sorted((s for s in event_catalog().values() if wanted is None or stages[s.name] in (wanted, None)),
                   key=lambda s: (stages[s.name] or "~", s.name))

    def fields(name: str) -> list[str]:
        schema = event_schema(event_catalog()[name])
        required = set(schema.get("required", []))
        return [f if f in required else f"{f}?" for f in schema.get("properties", {}) if f not in ("event_id", "actor")]

    if o.as_json:
        o.data([{"name": s.name, "title": s.title[0], "title_en": s.title[1], "stage": stages[s.name],
                 "actors": sorted(a.value for a in s.actors), "fields": fields(s.name)} for s in specs])
        return
    o.table(o.t("事件", "Events"),
            [o.t("名称", "Name"), o.t("阶段", "Stage"), o.t("说明", "What"), o.t("发送单位", "Sent by"),
             o.t("字段", "Fields")],
            [[s.name, word(STAGE, stages[s.name], o.lang) if stages[s.name] else o.t("任何阶段", "any"), o.t(*s.title),
              "、".join(word(AGENCY, a.value, o.lang) for a in sorted(s.actors)), ", ".join(fields(s.name))]
             for s in specs])


@case_app.command("template")
def case_template(event: Annotated[str, typer.Argument(help="事件名，如 legal_aid_decision")],
                  lang: LangOpt = None) -> None:
    """输出一个填好的事件示例（JSON），改写后用 weiquan case event 发送。"""
    from starters.contract import event_schema, example
    from workflows.case import event_catalog

    o = out(lang, False)
    spec = event_catalog().get(event)
    if spec is None:
        names = ", ".join(sorted(event_catalog()))
        o.fail(f"未知事件“{event}”。可用事件：{names}", f"unknown event {event!r}; events: {names}", BAD_INPUT)
    print(json.dumps(example(spec, event_schema(spec)), ensure_ascii=False, indent=2))


# ---- calendar ------------------------------------------------------------------------------------

DateArg = Annotated[str, typer.Argument(help="YYYY-MM-DD")]


def _date(o: Out, value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        o.fail(f"{what} 应为日期 YYYY-MM-DD，收到“{value}”", f"{what} must be a date YYYY-MM-DD, got {value!r}",
               BAD_INPUT)


@calendar_app.command("add")
def calendar_add(
    start: Annotated[str, typer.Option("--from", help="起算日（不计入）YYYY-MM-DD")],
    workdays: Annotated[int | None, typer.Option("--workdays", min=0, help="工作日数")] = None,
    days: Annotated[int | None, typer.Option("--days", min=0, help="自然日数（末日遇休息日顺延）")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """按期间计算规则推算截止日：起算日不计入；自然日期间末日遇休息日顺延。"""
    o = out(lang, as_json)
    day = _date(o, start, "--from")
    if (workdays is None) == (days is None):
        o.fail("请给出 --workdays 或 --days 之一", "give exactly one of --workdays or --days", BAD_INPUT)
    cal = calendar_cmds.live_calendar(registry())
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
    works, provisional = calendar_cmds.live_calendar(registry()).is_workday(_date(o, day, "DATE"))
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
    calendar_cmds.load(out(lang, as_json), file, registry())


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Argument(help="年份，如 2027")],
                  lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """某年的工作日历：放假日、调休上班日，以及数据来源（软件包、覆盖文件或登记库第几版）。"""
    calendar_cmds.show(out(lang, as_json), year, registry())


# ---- liaison directory ---------------------------------------------------------------------------

UnitArg = Annotated[Agency, typer.Argument(help="inspection | arbitration | union | legal_aid")]
ByOpt = Annotated[str, typer.Option("--by", help="操作人")]


@liaison_app.command("import")
def liaison_import(file: Annotated[Path, typer.Argument(help="CSV 文件")], by: ByOpt = "admin",
                   lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """从 CSV 导入联络名录（unit, head_name, head_phone, liaison_name, liaison_phone, landline）。"""
    o = out(lang, as_json)
    try:
        count = registry(o).import_liaisons(file, by)
    except (OSError, ValueError, KeyError) as err:
        o.fail(f"导入失败，未作任何修改：{err}", f"import failed, nothing changed: {err}", BAD_INPUT)
    if o.as_json:
        o.data({"imported": count})
    else:
        print(o.t(f"已导入 {count} 个单位", f"imported {count} units"))


@liaison_app.command("list")
def liaison_list(lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """列出联络名录；缺联络员或负责人的单位标红（发给它们的通知会报错）。"""
    from domain.models import LINKED_UNITS

    o = out(lang, as_json)
    rows = registry(o).liaisons()
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    missing = o.t("[red]未登记[/red]", "[red]missing[/red]")
    o.table(o.t("联络名录", "Liaison directory"),
            [o.t("单位", "Unit"), o.t("部门", "Department"), o.t("负责人", "Head"), o.t("负责人电话", "Head phone"),
             o.t("联络员", "Liaison"), o.t("联络员电话", "Liaison phone"), o.t("固定电话", "Landline")],
            [[f"{r.unit_name}（{r.unit}）", r.department, r.head_name or missing, r.head_phone,
              r.liaison_name or missing, r.liaison_phone, r.landline] for r in rows])
    known = {r.unit: r for r in rows}
    gaps = [u.value for u in LINKED_UNITS if u.value not in known or not known[u.value].liaison_name
            or not known[u.value].head_name]
    if gaps:
        o.note(f"注意：{', '.join(gaps)} 缺联络员或负责人，发给它们的通知将报错",
               f"note: {', '.join(gaps)} lack a liaison or head; notices to them will fail")


@liaison_app.command("set")
def liaison_set(
    unit: UnitArg,
    liaison_name: Annotated[str | None, typer.Option()] = None,
    liaison_phone: Annotated[str | None, typer.Option()] = None,
    head_name: Annotated[str | None, typer.Option()] = None,
    head_phone: Annotated[str | None, typer.Option()] = None,
    landline: Annotated[str | None, typer.Option()] = None,
    unit_name: Annotated[str | None, typer.Option(help="单位名称")] = None,
    department: Annotated[str | None, typer.Option(help="经办部门（科室）")] = None,
    by: ByOpt = "admin", lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """修改一个单位的联络信息（修改记录可查）；传空字符串清除该项，如 --liaison-name ""。"""
    o = out(lang, as_json)
    changes = {k: v for k, v in {"liaison_name": liaison_name, "liaison_phone": liaison_phone,
                                 "head_name": head_name, "head_phone": head_phone,
                                 "landline": landline}.items() if v is not None}
    if not changes and not unit_name and not department:
        o.fail("没有要修改的字段", "nothing to change", BAD_INPUT)
    try:
        row = registry(o).set_liaison(unit, changes, by, unit_name=unit_name, department=department)
    except ValueError as err:
        o.fail(f"未修改：{err}", f"nothing changed: {err}", BAD_INPUT)
    if o.as_json:
        o.data(row.model_dump(mode="json"))
        return
    print(o.t("已更新", "updated"))
    if not row.liaison_name:
        o.note(f"注意：{unit.value} 现在没有联络员，发给它的通知将报错",
               f"note: {unit.value} now has no liaison; notices to it will fail")


@liaison_app.command("history")
def liaison_history(unit: Annotated[Agency | None, typer.Argument()] = None,
                    lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """联络名录修改记录。"""
    o = out(lang, as_json)
    rows = registry(o).liaison_history(unit.value if unit else None)
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    o.table(o.t("修改记录", "Changes"),
            [o.t("时间", "When"), o.t("单位", "Unit"), o.t("字段", "Field"), o.t("原值", "Old"),
             o.t("新值", "New"), o.t("操作人", "By")],
            [[local_text(r.at), r.unit, r.field, r.old, r.new, r.by] for r in rows])


@app.command("outbox")
def outbox(case: Annotated[str | None, typer.Option("--case", help="案件编号或会商编号")] = None,
           lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """通知发件箱：发给各单位联络员/负责人及案件当事人的通知。"""
    o = out(lang, as_json)
    rows = registry(o).notifications(case)
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    o.table(o.t("通知", "Notices"),
            [o.t("时间", "When"), o.t("案件/会商", "Case/meeting"), o.t("单位", "Unit"), o.t("收件人", "To"),
             o.t("主题", "Subject"), o.t("已发送", "Sent")],
            [[local_text(r.created_at), r.scope, word(AGENCY, r.unit, o.lang), r.recipient, r.subject,
              o.t("是", "yes") if r.sent_at else ""] for r in rows])


@app.command("rules")
def rules(lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """规则表：每个法定/方案期限及其依据。"""
    o = out(lang, as_json)
    table = settings().rules.values()
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in table])
        return
    o.table(o.t("期限规则", "Rules"),
            [o.t("编号", "Id"), o.t("期限", "Clock"), o.t("长度", "Length"), o.t("依据", "Source"),
             o.t("核实", "Mark")],
            [[r.id, o.t(r.title, r.title_en), r.describe(), r.source, r.mark] for r in table])


# ---- consultation meetings -------------------------------------------------------------------------

UnitOpt = Annotated[Agency, typer.Option("--by", help="召集单位：inspection | arbitration | union | legal_aid")]


@meeting_app.command("start")
def meeting_start(
    by: UnitOpt,
    person: Annotated[str, typer.Option(help="召集人")],
    topic: Annotated[str, typer.Option(help="议题")],
    kind: Annotated[str, typer.Option(help="case（重点案件）| problem（重点问题）| risk（重大隐患矛盾）")] = "case",
    case: Annotated[list[str] | None, typer.Option("--case", help="涉及的案件编号（可重复）")] = None,
    invite: Annotated[list[Agency] | None, typer.Option("--invite", help="受邀单位（可重复；默认其他三家）")] = None,
    held_on: Annotated[str | None, typer.Option("--date", help="会议日期 YYYY-MM-DD")] = None,
    place: Annotated[str | None, typer.Option(help="地点")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """召集协调会商：通知受邀单位联络员，输出会商编号；无法通知的单位作为错误列出。"""
    from domain.meetings import MeetingRequest
    from starters.meetings import meeting_state, start_meeting

    o = out(lang, as_json)
    try:
        request = MeetingRequest(convened_by=by, person=person, topic=topic, kind=kind, cases=case or [],
                                 invitees=invite or [], place=place,
                                 held_on=_date(o, held_on, "--date") if held_on else None)
    except ValidationError as err:
        o.invalid(err, ("会商信息", "meeting request"))

    async def go() -> tuple[str, bool, Any]:
        client = await client_or_fail(o)
        meeting_id, started = await start_meeting(client, request, today())
        for _ in range(100):  # the invitations are sent in the workflow: wait to report them
            view = await meeting_state(client, meeting_id)
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
    from workflows.meeting import meeting_catalog

    _send_event(out(lang, as_json), meeting, event, file, meeting_catalog(), ("会商", "meeting"))


@meeting_app.command("show")
def meeting_show(meeting: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """查看协调会商：状态、参会确认、议定事项及其期限、通知失败。"""
    from domain.meetings import STATUS_WORDS
    from starters.meetings import meeting_state

    o = out(lang, as_json)

    async def go() -> Any:
        from workers.connect import connect

        try:
            return await asyncio.wait_for(meeting_state(await asyncio.wait_for(connect(), 5), meeting), 10)
        except Exception:
            return None

    view = run(go(), o)
    if view is None:
        return registry_fallback(o, registry(o).meeting(meeting), (f"没有协调会商 {meeting}", f"no meeting {meeting}"),
                                 lambda row: f"{meeting}  {o.t(*STATUS_WORDS[row.status])}  {row.topic}  "
                                             f"{o.t('未完成事项', 'open actions')} {row.actions_open}/{row.actions_total}")
    if o.as_json:
        o.data(view)
        return
    print(f"{o.t('会商编号', 'Meeting')}：{view.meeting_id}")
    print(f"{o.t('议题', 'Topic')}：{view.topic}")
    print(f"{o.t('召集单位', 'Convened by')}：{word(AGENCY, view.convened_by.value, o.lang)}")
    print(f"{o.t('状态', 'Status')}：{o.t(*STATUS_WORDS[view.status.value])}")
    if view.cases:
        print(f"{o.t('涉及案件', 'Cases')}：{'、'.join(view.cases)}")
    print(f"{o.t('参会确认', 'Confirmed')}：" + "；".join(
        f"{word(AGENCY, u.value, o.lang)} {view.confirmed.get(u.value) or o.t('待确认', 'pending')}"
        for u in view.invitees))
    if view.minutes:
        print(f"{o.t('会议纪要', 'Minutes')}：{view.minutes.path}")
    for line in view.notify_errors:
        o.err.print(f"[red]{o.t('通知失败', 'Notice failed')}[/red]：{escape(line)}", highlight=False)
    for fact in view.facts:
        print(f"- {fact}")
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
    from domain.meetings import STATUS_WORDS

    o = out(lang, as_json)
    rows = registry(o).meetings(open_only=open_only, case_number=case)
    if o.as_json:
        o.data([r.model_dump(mode="json") for r in rows])
        return
    o.table(o.t(f"协调会商（{len(rows)}）", f"Meetings ({len(rows)})"),
            [o.t("会商编号", "Meeting"), o.t("议题", "Topic"), o.t("召集单位", "Convened by"), o.t("状态", "Status"),
             o.t("涉及案件", "Cases"), o.t("未完成", "Open"), o.t("逾期", "Overdue")],
            [[r.meeting_id, r.topic, word(AGENCY, r.convened_by, o.lang), o.t(*STATUS_WORDS[r.status]),
              "、".join(r.cases), f"{r.actions_open}/{r.actions_total}",
              f"[red]{r.actions_overdue}[/red]" if r.actions_overdue else ""] for r in rows])


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
        o.fail(f"无法读取会议纪要 {row.minutes_path}：{err.strerror}", f"cannot read {row.minutes_path}: {err.strerror}")


# ---- supervision report -----------------------------------------------------------------------------


@app.command("report")
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
    from starters.report import heading, sections, to_csv
    from starters.report_html import render_html

    o = out(lang, as_json)
    first, last = _date(o, start, "--from"), _date(o, end, "--to")
    if last < first:
        o.fail("--to 不能早于 --from", "--to is before --from", BAD_INPUT)
    district = o.choice(district, {code: (name, name) for code, name in DISTRICTS.items()}, ("区县", "district"))
    if fmt not in ("table", "csv", "html"):
        o.fail("--format 只能是 table、csv 或 html", "--format must be table, csv or html", BAD_INPUT)
    rules = settings().rules
    result = load_report(registry(o), rules, first, last, district=district)
    if o.as_json:
        o.data(result)
        return
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
    if out_file is not None:
        o.note(f"已写入 {out_file}", f"written to {out_file}")


# ---- running the system ----------------------------------------------------------------------------


@app.command("worker")
def worker(agency: Annotated[list[str] | None, typer.Option(
        "--agency", help="只运行某单位的队列：case, legal_aid, union, inspection, arbitration（可重复）")] = None,
) -> None:
    """运行 worker（默认全部队列），Ctrl-C 或 SIGTERM 时处理完进行中的活动再退出。

    启动后即轮询任务队列，同时升级登记库结构（数据库暂不可达时重试，其间活动稍后重试）；健康检查、指标与并发设置见 docs/deploy.md（WEIQUAN_* 环境变量）。"""
    from workers.logs import configure_logging
    from workers.queues import ALL
    from workers.service import serve

    configure_logging()
    queues = agency or list(ALL)
    unknown = [q for q in queues if q not in ALL]
    if unknown:
        Out(default_lang()).fail(f"未知队列：{', '.join(unknown)}（可选 {', '.join(ALL)}）",
                                 f"unknown queue: {', '.join(unknown)} (choose from {', '.join(ALL)})", BAD_INPUT)

    run(serve(queues))


@app.command("server")
def server(
    port: Annotated[int, typer.Option(help="gRPC 端口")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Web UI 端口")] = 8233,
    db_file: Annotated[Path, typer.Option(help="持久化 SQLite 文件")] = Path(".weiquan/temporal.db"),
) -> None:
    """运行内嵌 Temporal 服务（持久化 SQLite、Web UI），启动时确保自定义搜索属性。"""
    from starters.up import serve

    run(serve(port=port, ui_port=ui_port, db_file=db_file))


@app.command("up")
def up(
    port: Annotated[int, typer.Option(help="gRPC 端口")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Web UI 端口")] = 8233,
    codec_port: Annotated[int, typer.Option(help="编解码服务端口（Web UI 经它解密，仅本机）")] = 8081,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="启动示例案件")] = True,
    exit_after: Annotated[float | None, typer.Option(help="运行若干秒后退出（用于检查）")] = None,
) -> None:
    """一条命令启动整个系统：内嵌 Temporal 服务与 Web UI、全部 worker、登记库，并受理示例案件。
    首次启动时生成载荷密钥（.weiquan/codec-keys，权限 0600），载荷加密，Web UI 经本机编解码服务解密。"""
    from starters.up import bring_up

    run(bring_up(port=port, ui_port=ui_port, codec_port=codec_port, demo=demo, exit_after=exit_after))


# ---- the integration contract and payload encryption -------------------------------------------


@app.command("contract")
def contract(write: Annotated[bool, typer.Option("--write", help="重写文件（默认只检查）")] = False) -> None:
    """集成契约：由事件目录生成 docs/integration.md 与 docs/schemas/（JSON Schema）；默认检查是否过期。"""
    from starters.contract import main as contract_main

    raise typer.Exit(contract_main(["--write"] if write else []))


@app.command("codec-key")
def codec_key(key_id: Annotated[str, typer.Argument(help="密钥编号，如 2026a")]) -> None:
    """生成一个 AES-256 密钥，输出 id:base64，加入 WEIQUAN_CODEC_KEYS 或密钥文件（见 docs/security.md）。"""
    from workers.codec import KEY_ID_RE, generate_key

    if not KEY_ID_RE.match(key_id):
        Out(default_lang()).fail("密钥编号只能含字母、数字和 . _ -", "a key id has only letters, digits, . _ -",
                                 BAD_INPUT)
    print(f"{key_id}:{generate_key()}")


@app.command("codec-server")
def codec_server(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8081,
    ui_origin: Annotated[list[str] | None, typer.Option(
        "--ui-origin", help="允许的 Web UI 来源（可重复）；默认读 WEIQUAN_CODEC_CORS_ORIGINS，再默认 http://localhost:8233")] = None,
) -> None:
    """编解码服务：授权的监督人员在 Web UI（或 temporal CLI --codec-endpoint）中看到解密后的内容。
    密钥与 worker 相同；WEIQUAN_CODEC_SERVER_TOKENS=姓名:令牌,… 时要求 Bearer 令牌。"""
    from starters.codec_server import check_exposure, load_origins, load_tokens, serve
    from workers.codec import CodecConfigError, EncryptionCodec, load_keyring
    from workers.logs import configure_logging
    from workers.run import stop_event

    configure_logging()
    o = Out(default_lang())
    try:
        keyring, tokens, origins = load_keyring(), load_tokens(), ui_origin or load_origins()
        check_exposure(host, tokens)
    except CodecConfigError as err:
        o.fail(f"配置有误：{err}", f"bad settings: {err}", BAD_INPUT)
    if keyring is None:
        o.fail("未配置密钥（WEIQUAN_CODEC_KEYS 或 WEIQUAN_CODEC_KEY_FILE）", "no keys configured "
               "(WEIQUAN_CODEC_KEYS or WEIQUAN_CODEC_KEY_FILE)", BAD_INPUT)

    async def go() -> None:
        runner = await serve(EncryptionCodec(keyring), host=host, port=port, origins=origins, tokens=tokens)
        try:
            await stop_event().wait()
        finally:
            await runner.cleanup()

    run(go())


def main() -> None:
    """The `weiquan` entry point. Temporal's Rust core keeps runtime threads that outlive the command
    and may release Python objects while the interpreter finalizes, which aborts the process
    (exit 134, "PyGILState_Release") after work that succeeded (temporalio/sdk-python#300). So once
    the command is done, its output is flushed and exit handlers run, and the process ends without
    finalizing the interpreter."""
    code = 0
    try:
        app()
    except SystemExit as done:
        if isinstance(done.code, str):  # a message instead of a code: print it, as Python would
            print(done.code, file=sys.stderr)
        code = done.code if isinstance(done.code, int) else (1 if done.code else 0)
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said
                pass
    os._exit(code)


if __name__ == "__main__":
    main()
