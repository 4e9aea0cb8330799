"""Parallel tracks: work that runs beside the main stage flow, each piece as its own coroutine.

Inspection can investigate a complaint while the main flow sits in legal aid, mediation or
arbitration, and evidence requests run on their own clocks; neither waits for the other. A running
track shows in ``case.tracks`` (name → status in Chinese; ``case.tracks_en`` in English), which
feeds the Tracks search attribute and the current details; it leaves when its last coroutine ends.

Closure never cuts a track off: the case waits for its running tracks (``settle``) and says so in
the current details. A track whose coroutine fails keeps showing, and ``settle`` re-raises the
error in the main flow, so the workflow task fails and retries instead of closing over it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.i18n import track_name

if TYPE_CHECKING:
    from workflows.runtime import CaseRuntime


class Track:
    def __init__(self, case: CaseRuntime, name: str) -> None:
        self.case, self.name = case, name
        self.tasks: list[asyncio.Task[None]] = []
        self.active = 0

    @property
    def running(self) -> bool:
        return self.active > 0

    @property
    def failed(self) -> bool:
        return any(t.done() and not t.cancelled() and t.exception() is not None for t in self.tasks)

    def show(self, status: str, en: str) -> None:
        self.case.show_track(self.name, status, en)
        self.case.publish()

    def spawn(self, body: Coroutine[Any, Any, None], status: str, en: str) -> None:
        """Run ``body`` beside the main flow (deterministic: tasks run on the workflow's loop)."""
        self.active += 1
        self.show(status, en)
        self.tasks.append(asyncio.create_task(self._run(body)))

    async def _run(self, body: Coroutine[Any, Any, None]) -> None:
        try:
            await body
        except Exception:
            workflow.logger.exception("track %s failed", self.name)
            self.show("程序出错，待修复后继续", "failed; goes on once fixed")
            raise
        self.active -= 1
        if not self.active:
            self.case.end_track(self.name)
            self.case.publish()

    async def join(self) -> None:
        while self.tasks:
            await self.tasks.pop(0)


async def settle(case: CaseRuntime, tracks: Sequence[Track]) -> None:
    """Closure waits for every running track; the current details say which ones, as they finish."""
    while running := [t.name for t in tracks if t.running]:
        if any(t.failed for t in tracks):
            break
        names = "、".join(track_name(name, "zh") for name in running)
        names_en = ", ".join(track_name(name, "en") for name in running)
        case.wait_for((f"主程序已结束，待并行程序办结后结案：{names}",
                       f"main flow done; closing once these tracks finish: {names_en}"))
        await case.record("case.waiting_tracks", f"主程序已结束，等待并行程序办结后结案：{names}",
                          f"main flow done; the case closes once these tracks finish: {names_en}")
        await workflow.wait_condition(
            lambda: [t.name for t in tracks if t.running] != running or any(t.failed for t in tracks))
    for track in tracks:
        await track.join()  # re-raises a track's failure in the main flow
