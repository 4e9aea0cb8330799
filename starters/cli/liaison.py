"""`weiquan liaison …`, `weiquan outbox`, `weiquan rules`: the registry's liaison directory (who
each unit's notices reach), the notices sent through it, and the rule table of deadlines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from domain.calendar import local_text
from domain.i18n import AGENCY, word
from domain.models import Agency
from domain.rules import settings
from starters.cli.options import UNIT_HELP, JsonOpt, LangOpt, out, unit_of
from starters.cli.reach import registry
from starters.output import BAD_INPUT, why

liaison_app = typer.Typer(help="联络名录 · liaison directory", no_args_is_help=True)
system = typer.Typer()  # the top-level commands of this module: outbox, rules

UnitArg = Annotated[str, typer.Argument(help=UNIT_HELP)]
ByOpt = Annotated[str, typer.Option("--by", help="操作人")]


@liaison_app.command("import")
def liaison_import(file: Annotated[Path, typer.Argument(help="CSV 文件")], by: ByOpt = "admin",
                   lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """从 CSV 导入联络名录（unit, head_name, head_phone, liaison_name, liaison_phone, landline）。"""
    o = out(lang, as_json)
    try:
        count = registry(o).import_liaisons(file, by)
    except (OSError, ValueError, KeyError) as err:
        o.fail(*why(err, "导入失败，未作任何修改", "import failed, nothing changed"), BAD_INPUT)
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
    missing = o.t("未登记", "missing")  # table cells show text as written, never as markup
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
    which = unit_of(o, unit, tuple(Agency))
    changes = {k: v for k, v in {"liaison_name": liaison_name, "liaison_phone": liaison_phone,
                                 "head_name": head_name, "head_phone": head_phone,
                                 "landline": landline}.items() if v is not None}
    if not changes and not unit_name and not department:
        o.fail("没有要修改的字段", "nothing to change", BAD_INPUT)
    try:
        row = registry(o).set_liaison(which, changes, by, unit_name=unit_name, department=department)
    except ValueError as err:
        o.fail(f"未修改：{err}", f"nothing changed: {err}", BAD_INPUT)
    if o.as_json:
        o.data(row.model_dump(mode="json"))
        return
    print(o.t("已更新", "updated"))
    if not row.liaison_name:
        o.note(f"注意：{which.value} 现在没有联络员，发给它的通知将报错",
               f"note: {which.value} now has no liaison; notices to it will fail")


@liaison_app.command("history")
def liaison_history(unit: Annotated[str | None, typer.Argument(help=UNIT_HELP)] = None,
                    lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """联络名录修改记录。"""
    o = out(lang, as_json)
    which = unit_of(o, unit, tuple(Agency)) if unit else None
    o.rows(registry(o).liaison_history(which.value if which else None), o.t("修改记录", "Changes"),
           [("时间", "When"), ("单位", "Unit"), ("字段", "Field"), ("原值", "Old"), ("新值", "New"), ("操作人", "By")],
           lambda r: [local_text(r.at), r.unit, r.field, r.old, r.new, r.by])


@system.command("outbox")
def outbox(case: Annotated[str | None, typer.Option("--case", help="案件编号或会商编号")] = None,
           lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """通知发件箱：发给各单位联络员/负责人及案件当事人的通知。"""
    o = out(lang, as_json)
    o.rows(registry(o).notifications(case), o.t("通知", "Notices"),
           [("时间", "When"), ("案件/会商", "Case/meeting"), ("单位", "Unit"), ("收件人", "To"), ("主题", "Subject"),
            ("已发送", "Sent")],
           lambda r: [local_text(r.created_at), r.scope, word(AGENCY, r.unit, o.lang), r.recipient, r.subject,
                      o.t("是", "yes") if r.sent_at else ""])


@system.command("rules")
def rules(lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """规则表：每个法定/方案期限及其依据。"""
    o = out(lang, as_json)
    o.rows(list(settings().rules.values()), o.t("期限规则", "Rules"),
           [("编号", "Id"), ("期限", "Clock"), ("长度", "Length"), ("依据", "Source"), ("核实", "Mark")],
           lambda r: [r.id, o.t(r.title, r.title_en), r.describe(), r.source, r.mark])
