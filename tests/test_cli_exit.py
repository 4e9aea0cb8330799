"""The CLI never dies after doing its work: the commands that change a case, run as staff run them
(a new process each time, against the real dev server), exit 0 every time — `case start` and the
three events the abort was seen after (an inspection lead, a mediation agreement, a consent to
confirmation), 50 times each. Before the fix about one run in twenty aborted with exit 134
("PyGILState_Release") after the case had taken the event."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.rules import Settings
from registry.store import Registry
from starters.search_attributes import ensure_search_attributes
from tests import factories
from tests.conftest import running_workers
from tests.helpers import at_stage, server_today
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


# Each case: opened without legal aid (straight to mediation), an inspection lead joins it, the
# mediation ends in an agreement, and the worker consents to judicial confirmation.
def steps(performance_date: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("inspection_lead", "mediation", {"actor": {"unit": "union", "person": "职工服务中心"}, "kind": "lead",
                                          "matters": "用人单位未依法为劳动者缴纳社会保险"}),
        ("mediation_agreement", "mediation", {"actor": {"unit": "union", "person": "调解员"}, "amount": "3000.00",
                                              "terms": "用人单位分两期支付拖欠工资",
                                              "performance_date": performance_date}),
        ("confirmation_consent", "confirmation", {"actor": {"unit": "union", "person": "调解员"},
                                                  "route": "judicial", "party": "worker"}),
    ]


async def test_mutating_commands_exit_zero_every_time(dev_env: WorkflowEnvironment, registry: Registry,
                                                      settings: Settings, tmp_path: Path) -> None:
    today = await server_today(dev_env)
    gate = asyncio.Semaphore(4)

    async def one(i: int) -> list[tuple[str, int, str]]:
        intake = tmp_path / f"intake-{i}.json"
        intake.write_text(json.dumps(factories.intake(amount=f"{5000 + i}.00", consent=False), ensure_ascii=False),
                          encoding="utf-8")
        async with gate:
            code, number, err = await weiquan(dev_env, "case", "start", "--file", str(intake))
            runs = [("case start", code, err)]
            for event, stage, payload in steps((today + timedelta(days=10)).isoformat()) if code == 0 else ():
                await at_stage(dev_env.client, number.strip(), stage)
                file = tmp_path / f"{event}-{i}.json"
                file.write_text(json.dumps({"event_id": f"exit-{event}-{i}", **payload}, ensure_ascii=False),
                                encoding="utf-8")
                code, _, err = await weiquan(dev_env, "case", "event", number.strip(), event, "--file", str(file))
                runs.append((event, code, err))
                if code != 0:
                    break
            return runs

    async with running_workers(dev_env.client, registry, settings, prefix=DEFAULT_PREFIX):
        results = [run for runs in await asyncio.gather(*(one(i) for i in range(RUNS))) for run in runs]
    failed = [(what, code, err[-300:]) for what, code, err in results if code != 0]
    assert failed == []
    assert Counter(what for what, _, _ in results) == {"case start": RUNS, "inspection_lead": RUNS,
                                                       "mediation_agreement": RUNS, "confirmation_consent": RUNS}
