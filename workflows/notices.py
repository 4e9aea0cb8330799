"""Sending a notice from a workflow (a case or a meeting): resolved from the directory at send
time; a unit without a liaison (or head) is an error the sender sees, never a silent drop."""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_file import CaseFile
    from domain.i18n import AGENCY
    from domain.models import Agency, Notice

from workflows.clock import ClockHost


async def send_notice(host: ClockHost, unit: Agency, kind: str, subject: str, body: str, *, to_head: bool,
                      key: str, on_error: Callable[[str], None]) -> bool:
    """Queue the notice; on failure call ``on_error`` with a line for the sender, then record it."""
    notice = Notice(case_number=host.number, unit=unit, kind=kind, subject=subject, body=body,
                    to_head=to_head, key=key)
    who = "负责人" if to_head else "联络员"
    name = AGENCY[unit.value][0]
    result = await workflow.execute_activity_method(CaseFile.send_notice, notice, **host.activity_options,
                                                    summary=f"通知{name}{who}")
    if result.error is None:
        return True
    on_error(f"{name}未登记{who}（{subject}）")
    await host.record("notice.failed", f"无法通知{name}：联络名录中没有{who}",
                      f"cannot notify {AGENCY[unit.value][1]}: no {'head' if to_head else 'liaison'} in the directory")
    return False
