"""The CLI never dies after doing its work: the commands that change something, each in a process
of its own against the real dev server (forked with the CLI loaded, tests/cli_processes.py, so 400
processes cost what 400 commands cost), exit 0 every time, 50 times each —
`case start` and the three events the abort was seen after (an inspection lead, a mediation
agreement, a consent to confirmation), then `case start-group`, `meeting start`, `meeting event`
and `calendar load`. Before the fix (starters.cli.main) about one run in twenty aborted with exit
134 ("PyGILState_Release") after the command had done its work."""

from __future__ import annotations

import asyncio
import json
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
from tests.cli_processes import CliProcesses
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
    group = factories.shared_file("group-case-1000.csv").read_text(encoding="utf-8").splitlines()
    # The commands that write the registry write the test's, never the checkout's .weiquan/.
    database = str(registry.engine.url)

    env = {"TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host, "WEIQUAN_DATABASE_URL": database}

    async def run(what: str, *args: str) -> tuple[str, int, str, str]:
        code, out, err = await processes.run(*args, env=env)
        return what, code, out, err

    def file(name: str, content: object) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        return str(path)

    async def one(i: int) -> list[tuple[str, int, str, str]]:
        async with gate:
            runs = [await run("case start", "case", "start", "--file", file(
                f"intake-{i}.json", factories.intake(amount=f"{5000 + i}.00", consent=False)))]
            number = runs[-1][2].strip()
            for event, stage, payload in steps((today + timedelta(days=10)).isoformat()) if runs[-1][1] == 0 else ():
                await at_stage(dev_env.client, number, stage)
                runs.append(await run(event, "case", "event", number, event, "--file",
                                      file(f"{event}-{i}.json", {"event_id": f"exit-{event}-{i}", **payload})))
            rows = tmp_path / f"group-{i}.csv"
            rows.write_text("\n".join([group[0], *group[1 + 2 * i:3 + 2 * i]]) + "\n", encoding="utf-8")
            runs.append(await run("case start-group", "case", "start-group", "--csv", str(rows),
                                  "--intake", str(ROOT / "examples" / "group-intake.json")))
            runs.append(await run("meeting start", "meeting", "start", "--by", "union", "--person", "职工服务中心",
                                  "--topic", f"欠薪协调 {i}", "--case", number))
            meeting = runs[-1][2].strip()
            runs.append(await run("meeting event", "meeting", "event", meeting, "meeting_confirm", "--file", file(
                f"confirm-{i}.json", {"event_id": f"exit-confirm-{i}",
                                      "actor": {"unit": "arbitration", "person": "经办人"}})))
            # Each load tells the cases whose clocks the notice can move: it reaches the server.
            runs.append(await run("calendar load", "calendar", "load", str(ROOT / "examples" / "calendar-2027.toml")))
            return runs

    async with running_workers(dev_env.client, registry, settings, prefix=DEFAULT_PREFIX), CliProcesses() as processes:
        results = [run for runs in await asyncio.gather(*(one(i) for i in range(RUNS))) for run in runs]
    failed = [(what, code, err[-300:]) for what, code, _, err in results if code != 0]
    assert failed == []
    assert Counter(what for what, *_ in results) == dict.fromkeys(
        ("case start", "inspection_lead", "mediation_agreement", "confirmation_consent", "case start-group",
         "meeting start", "meeting event", "calendar load"), RUNS)
