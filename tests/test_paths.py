"""Every path of tests/paths.py on the time-skipping server, on SQLite and on PostgreSQL: the case
ends where the table says, and the registry holds each write its history asked for exactly once.

The SQLite run also keeps the path's history under tests/histories/ for the replay test: when it
has none yet, or always with WEIQUAN_RECORD_HISTORIES=1 (after a deliberate change: docs/proof.md).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.rules import Settings
from registry.store import Registry
from starters.cases import case_result
from tests.conftest import running_workers, terminate_open_cases
from tests.helpers import TODAY, start
from tests.paths import PATHS, CasePath, meeting_id, walk
from tests.proof import verify

# Every path reruns at shifted start dates (tests/shifted.sh): no step counts calendar days against a
# working-day window (tests/paths/__init__.py), so each passes whichever day it starts on.
pytestmark = pytest.mark.clock

HISTORIES = Path(__file__).parent / "histories"


def history_file(path: CasePath, meeting: bool = False) -> Path:
    """``<path>.json``; the meeting the path drives beside it, ``<path>.meeting.json`` (tests/test_replay.py)."""
    return HISTORIES / f"{path.name}{'.meeting' if meeting else ''}.json"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
async def test_path(env: WorkflowEnvironment, any_registry: Registry, settings: Settings, path: CasePath,
                    request: pytest.FixtureRequest) -> None:
    client = env.client

    async def skip(_: str, delta: timedelta) -> None:
        await env.sleep(delta)

    async def now(_: str) -> datetime:
        return await env.get_current_time()

    async with running_workers(client, any_registry, settings) as prefix:
        try:
            number = await start(client, prefix, **path.intake)
            await walk(client, number, path, skip, now, today=TODAY)
            outcome = (await case_result(client, number)).outcome if path.stage == "closed" else None
            history = await client.get_workflow_handle(number).fetch_history()
            meeting = await client.get_workflow_handle(meeting_id(number)).fetch_history() if path.meeting else None
        finally:
            await terminate_open_cases(client, any_registry)
    assert verify(any_registry, number, path, history, outcome, meeting=meeting) == []
    record = os.environ.get("WEIQUAN_RECORD_HISTORIES") == "1" or not history_file(path).exists()
    if record and "sqlite" in request.node.callspec.id:
        HISTORIES.mkdir(exist_ok=True)
        history_file(path).write_text(history.to_json(), encoding="utf-8")
        if meeting is not None:
            history_file(path, meeting=True).write_text(meeting.to_json(), encoding="utf-8")
