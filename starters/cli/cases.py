"""`weiquan case …`: opening cases (one, or a group from a list) and seeing where they stand — one
case's state, its deadlines and log, the registry's list, the cases that cannot move. Sending events
and the event catalogue are in starters/cli/events.py."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from domain.calendar import local_text
from domain.catalogue import events
from domain.i18n import AGENCY, FLAG, LOG_KIND, STAGE, Lang, track_name, word
from domain.models import Agency, CaseIntake, DeadlineView
from domain.rules import settings
from starters.cli.options import FileOpt, JsonOpt, LangOpt, out, today
from starters.cli.reach import client, or_none, registry, run
from starters.output import BAD_INPUT, deadline_table, events_now, print_facts, why

case_app = typer.Typer(help="案件：受理、查看、事件 · cases", no_args_is_help=True)


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
        return await open_case(await client(o), intake)

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
        o.fail(*why(err, f"无法读取名单 {csv_file}", f"cannot read {csv_file}"), BAD_INPUT)
    if not rows:
        o.fail(f"名单 {csv_file} 没有劳动者", f"{csv_file} lists no workers", BAD_INPUT)
    intakes, problems = group_intakes(data, rows, today(), consent=consent, lang=o.lang)
    if problems:
        o.fail("名单或登记表有误，未立任何案件", "invalid list or template; no case was opened", BAD_INPUT, problems)

    async def go() -> list[tuple[str, bool]]:
        connection = await client(o)
        with Progress(TextColumn(o.t("立案", "opening")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=o.err, disable=o.as_json, transient=False) as bar:
            task = bar.add_task("cases", total=len(intakes))
            return await start_group(connection, intakes, concurrency=concurrency,
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


async def _view_and_intake(case: str) -> tuple[Any, Any, list[str]] | None:
    """The state query, the events that fit now, and the intake the case was opened with
    (decrypted here when the payloads are sealed: the server holds ciphertext only)."""
    from starters.cases import case_intake, case_state

    async def fetch(c: Any) -> tuple[Any, Any, list[str]]:
        return await asyncio.gather(case_state(c, case), case_intake(c, case),
                                    c.get_workflow_handle(case).query("events_now", result_type=list[str]))

    return await or_none(fetch)


@case_app.command("show")
def case_show(case: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """查看案件当前状态：阶段、等待事项、期限、标记，以及劳动者（身份证号、手机号）。"""
    o = out(lang, as_json)
    found = run(_view_and_intake(case), o)
    if found is None:
        return o.fallback(registry(o).case(case), (f"没有案件 {case}", f"no case {case}"),
                          lambda row: f"{case}  {word(STAGE, row.stage, o.lang)}  "
                                      f"{o.t(row.waiting_for or '', row.waiting_for_en or row.waiting_for or '')}")
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
        # A case whose worker predates the English statuses shows its Chinese ones.
        tracks = [f"{track_name(k, o.lang)}{o.t('：', ': ')}{o.t(v, view.tracks_en.get(k, v))}"
                  for k, v in view.tracks.items()]
        lines.append((("并行", "Tracks"), o.t("；", "; ").join(tracks)))
    lines += [(("劳动者", "Claimant"), f"{c['name']}  {o.t('身份证号', 'ID')} {c['id_number']}  "
                                      f"{o.t('手机', 'phone')} {c['phone']}") for c in claimants]
    if view.outcome:
        lines.append((("结果", "Outcome"), o.t(view.outcome, view.outcome_en or view.outcome)))
    o.fields(lines)
    print_facts(o, view.facts, view.facts_en)
    deadline_table(o, view.deadlines)
    events_now(o, case, now, events())


@case_app.command("deadlines")
def case_deadlines(case: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """列出案件的每个期限：规则、依据、截止时间、状态。"""
    from starters.cases import case_state

    o = out(lang, as_json)
    view = run(or_none(lambda c: case_state(c, case)), o)
    if view is not None:
        deadlines = view.deadlines
    else:
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
        deadline_table(o, deadlines)


@case_app.command("list")
def case_list(
    stage: Annotated[str | None, typer.Option(help="阶段：代码或名称，如 mediation 或 调解")] = None,
    agency: Annotated[str | None, typer.Option(help="责任单位：代码或名称，如 legal_aid 或 工会")] = None,
    overdue: Annotated[bool | None, typer.Option("--overdue/--not-overdue", help="只看逾期/未逾期")] = None,
    district: Annotated[str | None, typer.Option(help="区县：代码或名称，如 360113 或 红谷滩区")] = None,
    person: Annotated[str | None, typer.Option(help="当事人身份证号或统一社会信用代码 / a party's ID number or credit code")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """按阶段、责任单位、是否逾期、区县或当事人筛选案件（来自登记库）。"""
    from domain.districts import DISTRICTS

    o = out(lang, as_json)
    stage = o.choice(stage, STAGE, ("阶段", "stage"))
    agency = o.choice(agency, AGENCY, ("责任单位", "unit"))
    district = o.choice(district, {code: (name, name) for code, name in DISTRICTS.items()}, ("区县", "district"))
    rows = registry(o).cases(stage=stage, agency=agency, overdue=overdue, district=district,
                             person=person.strip().upper() if person else None)
    # A row written before the registry kept the English text shows the Chinese until its next change.
    o.rows(rows, o.t(f"案件（{len(rows)}）", f"Cases ({len(rows)})"),
           [("案件编号", "Case"), ("阶段", "Stage"), ("责任单位", "Unit"), ("等待", "Waiting for"),
            ("下一期限", "Next deadline"), ("逾期", "Overdue"), ("人数", "Workers"), ("金额", "Amount")],
           lambda r: [r.case_number, word(STAGE, r.stage, o.lang), word(AGENCY, r.agency or "", o.lang),
                      o.t(r.waiting_for, r.waiting_for_en or r.waiting_for),
                      local_text(r.next_deadline, r.next_deadline_provisional, o.lang) if r.next_deadline else "",
                      o.t("是", "yes") if r.overdue else "", r.worker_count, f"{r.amount_claimed:,.2f}"])


@case_app.command("stuck")
def case_stuck(
    attempts: Annotated[int, typer.Option(min=2, help="工作流任务至少尝试了几次")] = 3,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """列出无法推进的案件：工作流任务反复失败（重放错误需运维重置，见 docs/proof.md）。"""
    from starters.cases import stuck_cases

    o = out(lang, as_json)

    async def find() -> Any:
        return await stuck_cases(await client(o), attempts)

    rows = run(find(), o)
    if not rows and not o.as_json:
        o.note("没有无法推进的案件", "no stuck cases")
        return
    o.rows(rows, o.t(f"无法推进的案件（{len(rows)}）", f"Stuck cases ({len(rows)})"),
           [("案件编号", "Case"), ("尝试次数", "Attempts"), ("最近一次失败", "Last failure")],
           lambda r: [r.case_number, r.attempts, r.failure[:160]])


@case_app.command("log")
def case_log(case: str, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """案件的事件日志（谁、何时、做了什么）。"""
    o = out(lang, as_json)
    o.rows(registry(o).events(case), case,
           [("时间", "When"), ("事项", "What"), ("单位", "Unit"), ("经办人", "Person"), ("内容", "Detail")],
           lambda r: [local_text(r.at), log_title(r.kind, o.lang), word(AGENCY, r.actor_unit or "", o.lang),
                      r.actor_person, o.t(r.detail, r.detail_en or r.detail)])  # an entry from before: Chinese


def log_title(kind: str, lang: Lang) -> str:
    """An event-log entry's kind as staff read it: the event's own title, or the entry's (the code
    only for a kind no table names)."""
    if kind.startswith("event.") and (spec := events().get(kind.removeprefix("event."))):
        return spec.title[0] if lang == "zh" else spec.title[1]
    return word(LOG_KIND, kind, lang)
