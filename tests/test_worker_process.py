"""`weiquan worker` as an orchestrator runs it, as a separate process against the real dev server:
health and readiness, Prometheus metrics, and SIGTERM in the middle of an activity — the activity
finishes once, on the stopping worker, and the next worker does not run it again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.helpers import at_stage, start
from tests.test_dev_server import dev_env  # noqa: F401  (the module's own dev server)
from workers.queues import DEFAULT_PREFIX

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return 0, ""


@dataclass
class WorkerProcess:
    proc: subprocess.Popen[bytes]
    log: Path
    health: str
    metrics: str

    async def until_ready(self, seconds: float = 60) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while get(f"{self.health}/readyz")[0] != 200:
            assert self.proc.poll() is None, f"worker exited: {self.log.read_text()}"
            assert asyncio.get_running_loop().time() < deadline, f"never ready: {self.log.read_text()}"
            await asyncio.sleep(0.1)

    async def stop(self, seconds: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.proc.wait, seconds)

    def events(self, name: str) -> list[dict[str, object]]:
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("event") == name]


@contextmanager
def worker_process(client: Client, workdir: Path, database: str, *agencies: str) -> Iterator[WorkerProcess]:
    """`python -m starters.cli worker`, configured the way compose and Kubernetes configure it."""
    health, metrics = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEMPORAL_ADDRESS": client.service_client.config.target_host,
           "TEMPORAL_NAMESPACE": client.namespace, "WEIQUAN_DATABASE_URL": database,
           "WEIQUAN_HEALTH_ADDRESS": health, "WEIQUAN_METRICS_ADDRESS": metrics, "WEIQUAN_LOG_FORMAT": "json"}
    env.pop("WEIQUAN_CONFIG", None)
    log = workdir / f"worker-{len(list(workdir.glob('worker-*.log')))}.log"
    args = [arg for agency in agencies for arg in ("--agency", agency)]
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "starters.cli", "worker", *args], cwd=workdir, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        yield WorkerProcess(proc, log, f"http://{health}", f"http://{metrics}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_health_and_prometheus_metrics(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:  # noqa: F811
    with worker_process(dev_env.client, tmp_path, f"sqlite:///{tmp_path}/registry.db", "case", "union") as worker:
        assert get(f"{worker.health}/readyz")[0] in (0, 503)  # not ready before the server lists our pollers
        await worker.until_ready()
        assert get(f"{worker.health}/healthz") == (200, "alive\n")
        status, metrics = get(f"{worker.metrics}/metrics")
        assert status == 200
        for queue in ("weiquan.case", "weiquan.union"):
            assert f'poller_type="activity_task",service_name="temporal-core-sdk",task_queue="{queue}"' in metrics
        assert 'temporal_num_pollers{namespace="default",poller_type="workflow_task"' in metrics
        assert "temporal_worker_task_slots_available" in metrics
        assert await worker.stop() == 0
        assert worker.events("workers stopped")


@contextmanager
def registry_locked(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock: every registry write waits (a slow database, as under load)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.rollback()
        conn.close()


async def running_activity(client: Client, number: str, name: str, seconds: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        description = await client.get_workflow_handle(number).describe()
        if any(a.activity_type.name == name and a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
               for a in description.raw_description.pending_activities):
            return
        assert asyncio.get_running_loop().time() < deadline, f"{name} never started"
        await asyncio.sleep(0.1)


async def activity_attempts(client: Client, number: str, name: str) -> tuple[int, list[int], int]:
    """(scheduled, attempts of the started events, completed) for one activity type in the history."""
    scheduled: set[int] = set()
    attempts, completed = [], 0
    async for event in client.get_workflow_handle(number).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if event.activity_task_scheduled_event_attributes.activity_type.name == name:
                scheduled.add(event.event_id)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            if event.activity_task_started_event_attributes.scheduled_event_id in scheduled:
                attempts.append(event.activity_task_started_event_attributes.attempt)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            completed += event.activity_task_completed_event_attributes.scheduled_event_id in scheduled
    return len(scheduled), attempts, completed


async def test_sigterm_mid_activity_finishes_it_once(
        dev_env: WorkflowEnvironment, tmp_path: Path) -> None:  # noqa: F811
    client, db = dev_env.client, tmp_path / "registry.db"
    with worker_process(client, tmp_path, f"sqlite:///{db}", "case") as first:
        await first.until_ready()
        with registry_locked(db):
            number = await start(client, DEFAULT_PREFIX)
            await running_activity(client, number, "register_case")
            first.proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.5)
            # Draining: out of the load balancer's rotation, still alive, the write still waiting.
            assert first.proc.poll() is None, first.log.read_text()
            assert get(f"{first.health}/readyz") == (503, "draining\n")
            assert get(f"{first.health}/healthz") == (200, "draining\n")
            assert not first.events("case registered")
        assert await asyncio.to_thread(first.proc.wait, 60) == 0, first.log.read_text()
        assert len(first.events("case registered")) == 1 and first.events("workers stopped")
    assert await activity_attempts(client, number, "register_case") == (1, [1], 1)

    # The next worker carries the case on from where it was, without registering it again.
    with worker_process(client, tmp_path, f"sqlite:///{db}") as second:
        await second.until_ready()
        await at_stage(client, number, "legal_aid_review")
        assert await second.stop() == 0
        assert not second.events("case registered")
    assert await activity_attempts(client, number, "register_case") == (1, [1], 1)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cases WHERE case_number = ?", (number,)).fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM case_events WHERE case_number = ? AND kind = 'case.opened'",
                            (number,)).fetchone() == (1,)
    await client.get_workflow_handle(number).terminate("test finished")


async def test_a_worker_whose_database_is_away_polls_and_waits_for_it(
        dev_env: WorkflowEnvironment, tmp_path: Path) -> None:  # noqa: F811
    """No crash loop in a database outage: the worker is alive and polls (workflow tasks go on),
    is not ready while its registry is not up, and becomes ready once the database is usable."""
    db = tmp_path / "registry.db"
    db.write_bytes(b"not a database yet " * 100)
    with worker_process(dev_env.client, tmp_path, f"sqlite:///{db}", "case") as worker:
        deadline = asyncio.get_running_loop().time() + 60
        while get(f"{worker.health}/readyz") != (503, "waiting for registry\n"):
            assert worker.proc.poll() is None, worker.log.read_text()
            assert asyncio.get_running_loop().time() < deadline, worker.log.read_text()
            await asyncio.sleep(0.1)
        assert get(f"{worker.health}/healthz") == (200, "alive\n")
        assert worker.events("登记库尚未就绪，稍后重试 / registry not up yet: workflow tasks are served, activities wait")

        db.unlink()  # the database is back (an empty one: the worker migrates it)
        await worker.until_ready()
        assert worker.events("registry up")
        assert await worker.stop() == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
