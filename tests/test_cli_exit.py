"""The CLI never dies after doing its work: commands that change a case, run as staff run them (a
new process each time, against the real dev server), exit 0 every time. Before the fix about one
run in twenty aborted with exit 134 ("PyGILState_Release") after the case had taken the event."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.rules import Settings
from registry.store import Registry
from starters.search_attributes import ensure_search_attributes
from tests import factories
from tests.conftest import running_workers
from tests.helpers import at_stage
from workers.binaries import binary
from workers.connect import data_converter
from workers.queues import DEFAULT_PREFIX

RUNS = 50
ROOT = Path(__file__).resolve().parents[1]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=data_converter(), ui=False,
        dev_server_log_level="error",
    ) as env:
        await ensure_search_attributes(env.client)
        yield env


async def weiquan(env: WorkflowEnvironment, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "starters.cli", *args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "TEMPORAL_ADDRESS": env.client.service_client.config.target_host})
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_mutating_commands_exit_zero_every_time(dev_env: WorkflowEnvironment, registry: Registry,
                                                      settings: Settings, tmp_path: Path) -> None:
    decision = {"actor": {"unit": "legal_aid", "person": "法援中心"}, "granted": True, "lawyer": {"name": "李律师"}}
    gate = asyncio.Semaphore(4)

    async def one(i: int) -> list[tuple[str, int, str]]:
        intake = tmp_path / f"intake-{i}.json"
        intake.write_text(json.dumps(factories.intake(amount=f"{5000 + i}.00"), ensure_ascii=False), encoding="utf-8")
        event = tmp_path / f"decision-{i}.json"
        event.write_text(json.dumps({"event_id": f"exit-{i}", **decision}, ensure_ascii=False), encoding="utf-8")
        async with gate:
            code, number, err = await weiquan(dev_env, "case", "start", "--file", str(intake))
            runs = [("case start", code, err)]
            if code == 0:
                await at_stage(dev_env.client, number.strip(), "legal_aid_review")
                code, _, err = await weiquan(dev_env, "case", "event", number.strip(), "legal_aid_decision",
                                             "--file", str(event))
                runs.append(("case event", code, err))
            return runs

    async with running_workers(dev_env.client, registry, settings, prefix=DEFAULT_PREFIX):
        results = [run for runs in await asyncio.gather(*(one(i) for i in range(RUNS))) for run in runs]
    failed = [(what, code, err[-300:]) for what, code, err in results if code != 0]
    assert len(results) == 2 * RUNS
    assert failed == []
