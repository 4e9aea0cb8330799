"""`weiquan case event | events | template`: sending an event from a file (to a case, or to a
meeting through `weiquan meeting event`), and the catalogue staff read to know what to send. The
catalogue is domain/catalogue.py's: no workflow code is imported to list or check an event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from domain.catalogue import EventEntry, events
from domain.i18n import AGENCY, STAGE, word
from starters.cli.cases import case_app
from starters.cli.options import FileOpt, JsonOpt, LangOpt, out
from starters.cli.reach import client, run
from starters.output import BAD_INPUT, REFUSED, Out, refusal_exit


def entry(o: Out, catalog: Mapping[str, EventEntry], name: str) -> EventEntry:
    """The catalogue's entry for ``name``; an unknown name ends the command, listing the known ones."""
    found = catalog.get(name)
    if found is None:
        names = ", ".join(sorted(catalog))
        o.fail(f"未知事件“{name}”。可用事件：{names}", f"unknown event {name!r}; events: {names}", BAD_INPUT)
    return found


@case_app.command("event")
def case_event(case: str, event: str, file: FileOpt, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """向案件发送事件（信号，并等待案件的答复）；输出回执或拒收理由。未写 event_id 时按内容生成，重复发送只生效一次。
    设置 WEIQUAN_GATEWAY_URL 时经事件网关发送（docs/integration.md）。"""
    send_file(out(lang, as_json), case, event, file, events())


def send_file(o: Out, case: str, event: str, file: Path, catalog: Mapping[str, EventEntry],
              what: tuple[str, str] = ("案件", "case")) -> None:
    """Send an event from a file to a case or a meeting (starters.cases.send_event, or through the
    event gateway when WEIQUAN_GATEWAY_URL is set), checked here first the way the case checks it:
    actor, then payload."""
    from temporalio.service import RPCError, RPCStatusCode

    from domain.catalogue import wrong_sender
    from domain.signing import SigningConfigError
    from starters.cases import EventRefused, send_event
    from starters.failures import CaseClosed, answer_wait
    from starters.gateway_client import gateway_url, send_through_gateway

    payload = o.read_json(file)
    spec = entry(o, catalog, event)
    if not isinstance(payload, dict):
        o.fail("事件内容应为 JSON 对象", "the event must be a JSON object", BAD_INPUT)
    payload.setdefault("event_id", "cli-" + hashlib.sha256(
        json.dumps([case, event, payload], sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16])
    actor = payload.get("actor")
    if isinstance(actor, dict) and (wrong := wrong_sender(spec, actor.get("unit"))):  # the case's order: actor first
        o.fail(f"{what[0]}不会接收该事件：{wrong[0]}", f"the {what[1]} would refuse the event: {wrong[1]}", REFUSED)
    try:
        spec.model.model_validate(payload)
    except ValidationError as err:
        o.invalid(err, ("事件内容", "event payload"))

    async def go() -> Any:
        if gateway_url():  # where only the gateway may write to Temporal (docs/deploy.md)
            return await send_through_gateway("meetings" if what[1] == "meeting" else "cases", case, event, payload)
        connection = await client(o, sending=True)
        try:
            return await send_event(connection, case, event, payload, wait=answer_wait())
        except RPCError as err:  # not found: no such workflow, or one that has closed
            if err.status == RPCStatusCode.NOT_FOUND and await closed(connection, case):
                raise CaseClosed(case) from None
            raise

    try:
        receipt = run(go(), o)
    except SigningConfigError as err:  # this machine holds no usable key of the event's unit
        o.fail(f"无法签名该事件：{err}", f"cannot sign the event: {err}", BAD_INPUT)
    except EventRefused as refused:
        o.fail(f"{what[0]}拒收该事件：{refused.zh}", f"the {what[1]} refused the event: {refused.en}",
               refusal_exit(refused.code))
    if o.as_json:
        o.data(receipt)
    else:
        print(o.t(receipt.message, receipt.message_en))


async def closed(connection: Any, workflow_id: str) -> bool:
    """Whether the workflow exists and has closed (an event to it then cannot apply). Raw describe:
    it needs no decoding of search attributes."""
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

    try:
        await connection.workflow_service.describe_workflow_execution(DescribeWorkflowExecutionRequest(
            namespace=connection.namespace, execution=WorkflowExecution(workflow_id=workflow_id)))
    except Exception:
        return False
    return True


@case_app.command("events")
def case_events(
    stage: Annotated[str | None, typer.Option(help="只列该阶段的事件（代码或名称，如 mediation 或 调解）")] = None,
    lang: LangOpt = None, as_json: JsonOpt = False,
) -> None:
    """案件接受的事件：所属阶段、可发送的单位、字段（? 为可选）。weiquan case template 事件名 输出填好的示例。"""
    from starters.payloads import event_schema

    o = out(lang, as_json)
    wanted = o.choice(stage, STAGE, ("阶段", "stage"))
    specs = sorted((s for s in events().values() if wanted is None or s.stage in (wanted, None)),
                   key=lambda s: (s.stage or "~", s.name))

    def fields(spec: EventEntry) -> list[str]:
        schema = event_schema(spec)
        required = set(schema.get("required", []))
        return [f if f in required else f"{f}?" for f in schema.get("properties", {}) if f not in ("event_id", "actor")]

    if o.as_json:
        o.data([{"name": s.name, "title": s.title[0], "title_en": s.title[1], "stage": s.stage,
                 "actors": sorted(a.value for a in s.actors), "fields": fields(s)} for s in specs])
        return
    o.table(o.t("事件", "Events"),
            [o.t("名称", "Name"), o.t("阶段", "Stage"), o.t("说明", "What"), o.t("发送单位", "Sent by"),
             o.t("字段", "Fields")],
            [[s.name, word(STAGE, s.stage, o.lang) if s.stage else o.t("任何阶段", "any"), o.t(*s.title),
              o.t("、", ", ").join(word(AGENCY, a.value, o.lang) for a in sorted(s.actors)), ", ".join(fields(s))]
             for s in specs])


@case_app.command("template")
def case_template(event: Annotated[str, typer.Argument(help="事件名，如 legal_aid_decision")],
                  lang: LangOpt = None) -> None:
    """输出一个填好的事件示例（JSON），改写后用 weiquan case event 发送。"""
    from starters.payloads import event_schema, example

    spec = entry(out(lang, False), events(), event)
    print(json.dumps(example(spec, event_schema(spec)), ensure_ascii=False, indent=2))
