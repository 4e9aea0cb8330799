"""Activities of a consultation meeting (case queue): its registry row and its minutes on disk.

The minutes are a Chinese document filed under ``$WEIQUAN_DOCUMENTS/<meeting>/`` (default
``.weiquan/documents``); workflows only ever hold the returned reference, never the text.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import structlog
from pydantic import BaseModel
from temporalio import activity

from activities.documents import document_path
from domain.calendar import local_text
from domain.i18n import AGENCY
from domain.meetings import KIND_WORDS, DocumentRef, MeetingSnapshot, MinutesRequest
from domain.models import LINKED_UNITS
from domain.records import CaseChange

if TYPE_CHECKING:
    from registry.store import Registry


class MeetingChange(BaseModel):
    """One entry of the meeting's event log, with the meeting row it leaves behind."""

    change: CaseChange
    meeting: MeetingSnapshot


def render_minutes(req: MinutesRequest, unit_names: dict[str, str]) -> str:
    """The minutes (会议纪要) as a Markdown document, in the plan's own terms [四(三)]."""

    def name(unit: str) -> str:
        return unit_names.get(unit) or AGENCY[unit][0]

    attendees = "、".join(f"{name(u)}（{p}）" for u, p in req.attendees.items())
    lines = [
        "# 劳动者维权联动协调会商纪要",
        "",
        f"- **会议编号**：{req.meeting_id}",
        f"- **议题**：{req.topic}（{KIND_WORDS[req.kind.value][0]}）",
        f"- **召集单位**：{name(req.convened_by.value)}（召集人：{req.convener}）",
        f"- **时间、地点**：{req.held_on or '—'}，{req.place or '—'}",
        f"- **参会单位**：{attendees}",
    ]
    if req.absent:
        lines.append(f"- **未确认参会**：{'、'.join(name(u.value) for u in req.absent)}")
    if req.cases:
        lines.append(f"- **涉及案件**：{'、'.join(req.cases)}")
    lines += ["", "## 一、议定方案", "", req.plan.strip(), "", "## 二、议定事项及责任分工", "",
              "| 序号 | 事项 | 责任单位 | 责任岗位 | 责任人 | 完成时限 |", "|---|---|---|---|---|---|"]
    lines += [f"| {i} | {a.task} | {name(a.unit.value)} | {a.post} | {a.person} | {a.due} |"
              for i, a in enumerate(req.actions, 1)]
    lines += [
        "", "## 三、督办要求", "",
        "各有关单位应及时研究落实，将议定事项责任落实到岗、到人，按期办结并告知召集单位。"
        "对分管不负责、归口不办理、拖拉搪塞导致出现问题的，严肃追究相关人员的责任"
        "（洪司发〔2022〕32号 四(三)）。逾期未办结的事项，由系统上报责任单位联络员及负责人。",
        "", f"抄送：{'、'.join(name(u.value) for u in LINKED_UNITS)}",
        "", f"记录：{req.recorded_by}，{local_text(req.recorded_at)}", "",
    ]
    return "\n".join(lines)


class MeetingFile:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @activity.defn
    def record_meeting(self, entry: MeetingChange) -> None:
        """Append to the meeting's event log (keyed) and refresh its registry row."""
        self.registry.record_change(entry.change)
        self.registry.save_meeting(entry.meeting)

    @activity.defn
    def write_minutes(self, req: MinutesRequest) -> DocumentRef:
        """File the minutes beside the meeting; a retry writes the same bytes again."""
        names = {row.unit: row.unit_name for row in self.registry.liaisons()}
        text = render_minutes(req, names)
        path = document_path(req.meeting_id, "minutes.md")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        digest = hashlib.sha256(text.encode()).hexdigest()
        structlog.get_logger().info("minutes filed", meeting=req.meeting_id, workflow_id=req.meeting_id,
                                    activity=activity.info().activity_type, sha256=digest[:12])
        return DocumentRef(path=str(path.resolve()), sha256=digest, chars=len(text))
