"""A throw-away deployment on this machine for the fault test and the benchmark: the embedded dev
server on a persistent file, a registry, and workers as separate processes that can be killed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from domain.signing import ensure_dev_keys
from registry.store import Registry, make_engine
from starters.directory import seed_demo_directory
from starters.search_attributes import ensure_search_attributes
from starters.server import start_dev_server, wait_for_server

ROOT = Path(__file__).resolve().parents[1]
CRASH_EXIT = 137  # the exit status of bench.crashy's planted crash
# Per-workflow time skipping on the real server (TEMPORAL-NOTES): timer paths run at full speed.
TIME_SKIPPING = ("--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true", "--headless")


def quiet_client_retries() -> None:
    """The SDK warns at every retried call while the server restarts: expected here, so hushed."""
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="ERROR", other_level="ERROR")))), error_if_already_set=False)


def finish(result: dict[str, Any], text: str, path: Path, failed: bool = False) -> None:
    """Print a run's table, write its JSON and end the process (status 1 when ``failed``) without
    the interpreter's teardown: after a replay (tests.proof.replay_error) the SDK core's workflow
    thread once kept a finished fault run from exiting for minutes (seed 21)."""
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failed else 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a live process has used (Linux /proc), its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15 of stat(5)


@dataclass
class Cluster:
    home: Path
    db_url: str | None = None  # the registry; SQLite in ``home`` by default
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    workers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    resting: set[int] = field(default_factory=set)  # killed on purpose, to be started again later
    worker_command: Sequence[str] = (sys.executable, "-m", "starters.cli", "worker")
    worker_env: dict[str, str] = field(default_factory=dict)
    kills: int = 0
    crashes: int = 0  # worker processes that died on their own (or by bench.crashy) and were restarted
    failures: int = 0  # of those, the ones that did not die by bench.crashy (a crash, a failed start-up)
    server_restarts: int = 0  # stopped (SIGTERM) and started again
    server_kills: int = 0  # killed (SIGKILL) and started again

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def registry_url(self) -> str:
        return self.db_url or f"sqlite:///{self.home}/registry.db"

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT), "TEMPORAL_ADDRESS": self.address,
                "WEIQUAN_DATABASE_URL": self.registry_url, "WEIQUAN_LOG_FORMAT": "json",
                "WEIQUAN_LOG_LEVEL": os.environ.get("WEIQUAN_LOG_LEVEL", "WARNING"), **self.worker_env}

    # ---- the server --------------------------------------------------------------------------

    async def start_server(self) -> Client:
        self.home.mkdir(parents=True, exist_ok=True)
        os.environ["TEMPORAL_ADDRESS"] = self.address  # workers.connect reads it
        os.environ["WEIQUAN_HOME"] = str(self.home)  # the run's own unit keys: every event is signed
        ensure_dev_keys()
        self.server = start_dev_server(self.home / "temporal.db", port=self.port, ui_port=free_port(),
                                       log_file=self.home / "temporal.log", extra=TIME_SKIPPING)
        client = await wait_for_server(proc=self.server)
        await ensure_search_attributes(client)
        return client

    def stop_server(self, kill: bool = False) -> None:
        """SIGTERM, or with ``kill`` SIGKILL: the server dies mid-write and must recover from its file."""
        if self.server and self.server.poll() is None and kill:
            self.server.kill()
            self.server.wait()
        elif self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    async def restart_server(self, kill: bool = False) -> Client:
        self.stop_server(kill)
        if kill:
            self.server_kills += 1
        else:
            self.server_restarts += 1
        return await self.start_server()

    # ---- the registry ------------------------------------------------------------------------

    def registry(self, fresh: bool = True) -> Registry:
        registry = Registry(make_engine(self.registry_url))
        if fresh and self.db_url:
            from sqlmodel import SQLModel

            SQLModel.metadata.drop_all(registry.engine)
            with registry.engine.begin() as conn:  # alembic's own table is not in the models
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        registry.upgrade()  # before the workers start (each also upgrades at start-up)
        seed_demo_directory(registry)
        return registry

    # ---- workers -----------------------------------------------------------------------------

    def start_worker(self, slot: int) -> None:
        self.resting.discard(slot)
        log = (self.home / f"worker-{slot}.log").open("ab")
        self.workers[slot] = subprocess.Popen(list(self.worker_command), cwd=ROOT, env=self.env(),
                                              stdout=log, stderr=subprocess.STDOUT)

    def start_workers(self, count: int) -> None:
        for slot in range(count):
            self.start_worker(slot)

    def kill_worker(self, slot: int) -> None:
        """kill -9: no graceful shutdown, activities and workflow tasks die mid-flight."""
        proc = self.workers[slot]
        self.resting.add(slot)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            self.kills += 1

    def revive_dead(self) -> None:
        for slot, proc in list(self.workers.items()):
            if slot not in self.resting and proc.poll() is not None:
                self.crashes += 1
                self.failures += proc.returncode != CRASH_EXIT
                self.start_worker(slot)

    def stop_workers(self) -> None:
        for proc in self.workers.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 35
        for proc in self.workers.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        self.stop_workers()
        self.stop_server()
