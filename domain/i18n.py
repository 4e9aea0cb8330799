"""Words shown to people, in Chinese (default) and English."""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError

Lang = Literal["zh", "en"]

AGENCY = {
    "inspection": ("劳动保障监察", "labour inspection"),
    "arbitration": ("劳动人事争议仲裁", "labour arbitration"),
    "union": ("工会", "trade union"),
    "legal_aid": ("法律援助", "legal aid"),
    "window": ("联动维权服务窗口", "joint service window"),
    "court": ("人民法院", "court"),
    "party": ("当事人", "a party"),
}

CLAIM = {
    "wages": ("劳动报酬", "wages"),
    "overtime": ("加班费", "overtime pay"),
    "compensation": ("经济补偿/赔偿金", "compensation"),
    "work_injury": ("工伤待遇", "work-injury costs"),
    "social_insurance": ("社会保险", "social insurance"),
    "contract": ("劳动合同", "labour contract"),
    "hours_rest_leave": ("工时/休息休假", "hours, rest and leave"),
    "other": ("其他", "other"),
}

STAGE = {
    "intake": ("受理登记", "intake"),
    "legal_aid_review": ("法律援助审查", "legal-aid review"),
    "mediation": ("调解", "mediation"),
    "confirmation": ("调解协议确认", "confirmation of the agreement"),
    "inspection": ("劳动保障监察", "inspection"),
    "arbitration": ("仲裁", "arbitration"),
    "litigation": ("诉讼", "litigation"),
    "closed": ("已结案", "closed"),
}

FLAG = {
    "malicious_arrears": ("恶意欠薪", "malicious wage arrears"),
    "group": ("群体性案件", "group case"),
    "major": ("重大案件", "major case"),
    "limitation_risk": ("仲裁时效风险", "limitation risk"),
    "may_apply_arbitration": ("可申请仲裁", "may apply for arbitration"),
    "legal_aid_granted": ("已获法律援助", "legal aid granted"),
    "notify_error": ("通知失败", "notification failed"),
    "priority": ("优先处理", "priority handling"),
}

# Parallel tracks beside the main stage flow (case.tracks keys, the Tracks search attribute).
TRACK = {
    "inspection": ("劳动保障监察", "labour inspection"),
    "evidence": ("协助调取证据", "evidence help"),
    # Tracks the arbitration stage names in Chinese (running cases carry these names).
    "仲裁委调查取证": ("仲裁委调查取证", "evidence collection by the commission"),
    "撤销终局裁决申请": ("撤销终局裁决申请", "application to set the final award aside"),
}
MEETING_TRACK = ("协调会商", "meeting")  # a case's track of a meeting: "协调会商 MTG-…"

CLOCK_STATE = {
    "running": ("计时中", "running"),
    "warning": ("临近期限", "due soon"),
    "lapsed": ("已逾期", "overdue"),
    "paused": ("已中止", "paused"),
    "met": ("按期完成", "met"),
    "met_late": ("逾期完成", "met late"),
    "cancelled": ("已撤销", "cancelled"),
    "expired": ("已届满", "expired"),  # a party's window or an informational period ran out
}

# What each kind of event-log entry is, as staff read it (`weiquan case log`); an entry for an
# event ("event.<name>") is titled by the event itself.
LOG_KIND = {
    "case.opened": ("受理案件", "case opened"),
    "case.assessed": ("受理审查", "intake assessed"),
    "case.waiting_tracks": ("等待并行程序办结", "waiting for parallel tracks"),
    "case.closed": ("结案", "case closed"),
    "clock.started": ("期限开始计时", "deadline started"),
    "clock.warning": ("期限临近", "deadline due soon"),
    "clock.lapsed": ("期限届满", "deadline lapsed"),
    "clock.met": ("期限内完成", "deadline met"),
    "clock.cancelled": ("期限不再适用", "deadline no longer applies"),
    "clock.paused": ("期限中止计时", "deadline paused"),
    "clock.resumed": ("期限恢复计时", "deadline resumed"),
    "clock.restarted": ("期限重新计算", "deadline restarted"),
    "clock.extended": ("期限延长", "deadline extended"),
    "clock.rederived": ("期限因节假日安排调整", "deadline moved by the holiday calendar"),
    "event.refused": ("拒收事件", "event refused"),
    "notice.failed": ("通知失败", "notice failed"),
    "legal_aid.referred": ("转介法律援助", "referred to legal aid"),
    "mediation.window_lapsed": ("调解期限届满", "mediation window lapsed"),
    "mediation.ended_by_application": ("劳动者申请仲裁，调解终结", "mediation ended by an arbitration application"),
    "confirmation.opened": ("进入调解协议确认", "confirmation opened"),
    "confirmation.route_closed": ("确认途径丧失", "confirmation route closed"),
    "confirmation.unperformed": ("调解协议未履行", "agreement unperformed"),
    "payment_order.opened": ("申请支付令", "payment order opened"),
    "arbitration.applied": ("接收仲裁申请", "arbitration applied for"),
    "arbitration.award_effective": ("仲裁裁决生效", "award took effect"),
    "arbitration.award_not_effective": ("仲裁裁决未生效", "award did not take effect"),
    "arbitration.set_aside_refused": ("撤销申请不予受理", "set-aside not accepted"),
    "litigation.opened": ("转入诉讼", "litigation opened"),
    "litigation.effective": ("判决或裁定生效", "judgment took effect"),
    "litigation.not_effective": ("判决或裁定未生效", "judgment did not take effect"),
    "inspection.investigation": ("立案调查", "investigation opened"),
    "inspection.refused": ("不予受理投诉", "complaint refused"),
    "inspection.feedback": ("监察反馈", "inspection feedback"),
    "inspection.closed": ("监察办结", "inspection closed"),
    "evidence.feedback": ("调取证据反馈", "evidence feedback"),
    "arrears.flagged": ("涉嫌恶意欠薪", "malicious arrears flagged"),
    "arrears.below_threshold": ("未达恶意欠薪标准", "below the arrears threshold"),
    "arrears.closed": ("恶意欠薪移送终止", "arrears transfer ended"),
    "major.notified": ("重大案件通报", "major case reported"),
    "meeting.proposed": ("建议召开协调会商", "meeting proposed"),
    "meeting.convened": ("召集协调会商", "meeting convened"),
    "meeting.agreed": ("会商议定", "meeting agreed"),
    "meeting.action_overdue": ("议定事项逾期", "action overdue"),
    "meeting.cancelled": ("会商取消", "meeting cancelled"),
    "meeting.closed": ("会商办结", "meeting closed"),
}

# Field labels for error messages; keys are the last element of a pydantic error location.
FIELD = {
    "channel": ("受理渠道", "channel"),
    "district": ("所在区县", "district"),
    "claimants": ("劳动者", "claimants"),
    "name": ("姓名/名称", "name"),
    "id_number": ("身份证号", "ID number"),
    "phone": ("手机号", "phone"),
    "migrant_worker": ("是否进城务工人员", "migrant worker"),
    "has_agent": ("是否有代理人", "has an agent"),
    "consents_to_legal_aid": ("是否同意转介法律援助", "consents to legal aid"),
    "economic_hardship": ("是否经济困难", "economic hardship"),
    "eligibility_override": ("援助条件人工认定", "eligibility override"),
    "reason": ("理由", "reason"),
    "employer": ("用人单位", "employer"),
    "credit_code": ("统一社会信用代码", "unified social credit code"),
    "contact_name": ("联系人", "contact"),
    "contact_phone": ("联系电话", "contact phone"),
    "claims": ("仲裁/投诉请求", "claims"),
    "type": ("请求类型", "claim type"),
    "amount": ("金额", "amount"),
    "period_start": ("期间起", "period start"),
    "period_end": ("期间止", "period end"),
    "employment_start": ("入职日期", "employment start"),
    "employment_end": ("离职日期", "employment end"),
    "learned_of_infringement": ("知道权利受侵害日期", "date the worker learned of the infringement"),
    "event_id": ("事件编号", "event id"),
    "actor": ("操作单位及人员", "actor"),
    "unit": ("单位", "unit"),
    "person": ("经办人", "person"),
    # arbitration events
    "representatives": ("代表人", "representatives"),
    "names": ("姓名", "names"),
    "tribunal": ("仲裁庭组成", "tribunal"),
    "chair": ("首席/独任仲裁员", "chair"),
    "members": ("仲裁员", "arbitrators"),
    "evidence_until": ("举证期限", "evidence deadline"),
    "hearing_at": ("开庭时间", "hearing time"),
    "hearing_place": ("开庭地点", "hearing place"),
    "party": ("当事人", "party"),
    "cause": ("事由", "cause"),
    "added_claims": ("增加的请求", "added claims"),
    "approver": ("批准人", "approver"),
    "items": ("事项清单", "items"),
    "served_to": ("已送达当事人", "served to"),
    "performance_date": ("履行期限", "performance date"),
    "evidence": ("证据", "evidence"),
    "obtained": ("取得情况", "obtained"),
    "result": ("结果", "result"),
    "court": ("法院", "court"),
    "set_aside": ("是否撤销", "set aside"),
    # inspection events
    "source": ("来源", "source"),
    "matters": ("事项", "matters"),
    "violation_ended": ("违法行为终了日期", "date the violation ended"),
    "kind": ("类别", "kind"),
    "file_number": ("立案号", "file number"),
    "ground": ("不予受理理由", "ground"),
    "competent_office": ("有管辖权的机关", "competent office"),
    "missing": ("需补正的材料", "items to supplement"),
    "by": ("限期", "date set"),
    "to": ("移交去向", "handed over to"),
    "method": ("送达方式", "method of service"),
    "received_on": ("送达日期", "date received"),
    "approved": ("是否批准", "approved"),
    "police_unit": ("公安机关", "police unit"),
    "filed": ("是否立案", "filed"),
    "holder": ("证据持有人", "holder"),
    "request": ("请求序号", "request number"),
    # confirmation, payment order, litigation, performance
    "route": ("确认途径", "confirmation route"),
    "accepted": ("是否受理", "accepted"),
    "valid": ("协议是否有效", "agreement valid"),
    "confirmed": ("是否确认", "confirmed"),
    "procedure": ("审理程序", "procedure"),
    "summary": ("摘要", "summary"),
    "amount_awarded": ("判决金额", "amount awarded"),
    "pay_by": ("履行期限", "pay by"),
    "served": ("是否已送达", "served"),
    "appellant": ("上诉人", "appellant"),
    "paid_on": ("付款日期", "paid on"),
}

ERROR = {
    "missing": ("必填，未填写", "is required"),
    "extra_forbidden": ("不是可识别的字段", "is not a known field"),
    "id_length": ("应为18位", "must have 18 characters"),
    "id_chars": ("前17位应为数字，末位为数字或X", "must be 17 digits and a digit or X"),
    "id_birth": ("出生日期无效", "has an invalid birth date"),
    "id_check": ("校验位不正确（GB 11643）", "has a wrong check digit (GB 11643)"),
    "credit_length": ("应为18位", "must have 18 characters"),
    "credit_chars": ("格式不正确（GB 32100，不含I、O、S、V、Z）", "is malformed (GB 32100, no I, O, S, V, Z)"),
    "credit_check": ("校验码不正确（GB 32100）", "has a wrong check character (GB 32100)"),
    "phone_format": ("号码格式不正确", "is not a valid phone number"),
    "amount_negative": ("不能为负数", "must not be negative"),
    "amount_precision": ("最多两位小数", "has more than two decimals"),
    "date_future": ("不能晚于今天（{today}）", "must not be after today ({today})"),
    "period_order": ("期间止不能早于期间起", "ends before it starts"),
    "employment_order": ("离职日期不能早于入职日期", "employment ends before it starts"),
    "claimant_duplicate": ("同一劳动者重复填写", "lists the same worker twice"),
    "refusal_reason": ("不予援助须说明理由", "a refusal must state a reason"),
    "district_unknown": ("不是南昌市的区县代码，可选：{known}", "is not a Nanchang district code: {known}"),
    "channel_court": ("法院不是受理渠道", "the court does not open cases"),
    "tribunal_members": ("独任仲裁不填仲裁员；合议庭为首席仲裁员加两名仲裁员（LDMA Art 31）",
                         "a sole arbitrator has no members; a panel is a chair and two arbitrators (LDMA Art 31)"),
    "evidence_after_hearing": ("举证期限不能晚于开庭日", "the evidence deadline is after the hearing"),
    "competent_office_required": ("不属本机关管辖的，须写明有管辖权的机关", "name the competent office"),
    "missing_items_required": ("材料不全的，须一次性列明全部需补正的材料", "list everything to supplement"),
    "reason_required": ("须说明理由", "a reason is required"),
    "order_to_pay_terms": ("责令限期支付须写明金额和期限", "an order to pay needs an amount and a date"),
    "order_to_correct_terms": ("责令限期改正须写明事项和期限", "an order to correct needs matters and a date"),
    "penalty_terms": ("行政处罚须写明违法事项和罚款金额", "a penalty needs the violation and the amount"),
    "hand_over_terms": ("移交须写明去向（仲裁或诉讼）和理由", "a hand-over needs a destination and a reason"),
    "obtained_items_required": ("已调取或部分调取的，须列明已调取的证据", "list the evidence obtained"),
    "served_on_unserved": ("未送达的文书不填送达日期", "a service date needs the document to be served"),
    "ruling_no_money": ("裁定不含给付金额或履行期限", "a ruling awards no money and sets no payment date"),
    "greater_than": ("应大于 {gt}", "must be greater than {gt}"),
    "literal_error": ("取值无效，可选：{expected}", "must be one of {expected}"),
    "string_pattern_mismatch": ("格式不正确", "has the wrong format"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} entries"),
    "too_long": ("最多 {max_length} 项", "has at most {max_length} entries"),
    "string_too_short": ("至少 {min_length} 个字符", "must have at least {min_length} characters"),
    "string_too_long": ("最多 {max_length} 个字符", "must have at most {max_length} characters"),
    "empty": ("不能为空", "must not be empty"),  # a minimum of one, said plainly
    "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"),
    "less_than": ("应小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "must be at most {le}"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "datetime_parsing": ("时间格式应为 YYYY-MM-DDTHH:MM（含时区，如 +08:00）",
                         "must be a time YYYY-MM-DDTHH:MM with its offset (e.g. +08:00)"),
    "datetime_type": ("时间格式应为 YYYY-MM-DDTHH:MM（含时区，如 +08:00）",
                      "must be a time YYYY-MM-DDTHH:MM with its offset (e.g. +08:00)"),
    "datetime_from_date_parsing": ("时间格式应为 YYYY-MM-DDTHH:MM（含时区，如 +08:00）",
                                   "must be a time YYYY-MM-DDTHH:MM with its offset (e.g. +08:00)"),
    "timezone_aware": ("时间须含时区（如 +08:00）", "the time needs its offset (e.g. +08:00)"),
    "dict_type": ("应为对象", "must be an object"),
    "json_invalid": ("不是有效的 JSON", "is not valid JSON"),
    "decimal_max_places": ("最多 {decimal_places} 位小数", "has at most {decimal_places} decimal places"),
    "decimal_max_digits": ("数字位数过多（最多 {max_digits} 位）", "has too many digits (at most {max_digits})"),
    "string_sub_type": ("应为文字", "must be text"),
    "enum": ("取值无效，可选：{expected}", "must be one of {expected}"),
    "bool_parsing": ("应为 true 或 false", "must be true or false"),
    "bool_type": ("应为 true 或 false", "must be true or false"),
    "date_from_datetime_parsing": ("日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "date_parsing": ("日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "date_type": ("日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "decimal_parsing": ("应为数字", "must be a number"),
    "decimal_type": ("应为数字", "must be a number"),
    "model_type": ("应为对象", "must be an object"),
    "list_type": ("应为列表", "must be a list"),
    "string_type": ("应为文字", "must be text"),
}

ROOT = ("整体", "input")


def pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def word(table: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    return pick(table[key], lang) if key in table else key


def track_name(name: str, lang: Lang) -> str:
    """A parallel track's name as people read it (a meeting's track: its word and id)."""
    prefix, _, meeting_id = name.partition(" ")
    if prefix == MEETING_TRACK[0] and meeting_id:
        return f"{pick(MEETING_TRACK, lang)} {meeting_id}"
    return word(TRACK, name, lang)


def field_path(loc: tuple[int | str, ...], lang: Lang) -> str:
    """'claimants[1].id_number' rendered as '劳动者第2项 身份证号'."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"第{item + 1}项" if lang == "zh" else f"#{item + 1}")
        else:  # a field no model knows is shown as sent, control characters visible ('\r')
            parts.append(word(FIELD, item, lang) if item.isprintable() else repr(item))
    return (" " if lang == "en" else "").join(parts) or pick(ROOT, lang)


def explain(error: ValidationError, lang: Lang = "zh") -> list[dict[str, str]]:
    """One entry per problem: the field's path, its label, and what is wrong, in ``lang``."""
    out = []
    for err in error.errors():
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
        kind = "empty" if err["type"] in ("string_too_short", "too_short") and ctx.get("min_length") == "1" \
            else err["type"]
        template = ERROR.get(kind)
        message = pick(template, lang).format_map(_Default(ctx)) if template else err["msg"]
        out.append(
            {
                "field": ".".join(str(x) for x in loc),
                "label": field_path(loc, lang),
                "message": message,
            }
        )
    return out


def explain_text(error: ValidationError, lang: Lang = "zh") -> str:
    sep = "：" if lang == "zh" else ": "
    return "\n".join(f"{e['label']}{sep}{e['message']}" for e in explain(error, lang))


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
