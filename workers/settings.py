"""How a worker process is sized and watched. From the operator's config file (the `[worker]` table
of $WEIQUAN_CONFIG or ./weiquan.toml), overridden by WEIQUAN_<FIELD> environment variables (what
containers set), e.g. WEIQUAN_MAX_CONCURRENT_ACTIVITIES=32 or WEIQUAN_METRICS_ADDRESS=0.0.0.0:9464."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.rules import config_path


class WorkerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Per task queue; None = the SDK's default. Our activities are short database writes: the
    # registry's connection pool, not the CPU, is the limit (docs/deploy.md, sizing).
    max_concurrent_activities: int | None = Field(None, ge=1)
    max_concurrent_workflow_tasks: int | None = Field(None, ge=2)
    # Cases kept in memory between workflow tasks; an evicted case is replayed from history on its next task.
    max_cached_workflows: int = Field(1000, ge=0)
    # Threads running (synchronous) activities in this process; default one per activity slot when
    # those are set, else 16 (about what the registry's connection pool serves at once).
    activity_threads: int | None = Field(None, ge=1)
    # On SIGTERM, running activities get this long to finish before they are cancelled (and retried
    # elsewhere). Orchestrators must wait longer than this before SIGKILL.
    graceful_shutdown_seconds: float = Field(30, ge=0)
    # Run workflow code in Temporal's sandbox, which refuses non-deterministic calls (clock, random,
    # I/O) as they happen. It costs about 100 ms of CPU per case (bench/README.md), so production
    # runs without it and the test suite runs with it: every path, fuzz and replay test is sandboxed,
    # so a non-deterministic call fails CI before it ships (tests/conftest.py, docs/proof.md).
    workflow_sandbox: bool = False
    health_address: str | None = None  # host:port for /healthz and /readyz; None = no endpoint
    metrics_address: str | None = None  # host:port for Prometheus /metrics; None = no endpoint
    # Worker Versioning (docs/proof.md, "Changing workflows after release"): the Worker Deployment
    # this process belongs to and the build it runs, e.g. "weiquan" and a release tag or git sha.
    # Both or neither; neither = unversioned workers (the embedded dev server, the tests).
    deployment_name: str | None = Field(None, min_length=1)
    build_id: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _both_or_neither(self) -> WorkerSettings:
        if (self.deployment_name is None) != (self.build_id is None):
            raise ValueError("deployment_name 与 build_id 须同时设置 / set both deployment_name and build_id, or neither")
        return self

    def threads(self, queues: int) -> int:
        if self.activity_threads:
            return self.activity_threads
        return self.max_concurrent_activities * max(queues, 1) if self.max_concurrent_activities else 16


def load_worker_settings(path: Path | None = None) -> WorkerSettings:
    path = path or config_path()
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("worker", {}) if path else {}
    for name in WorkerSettings.model_fields:
        value = os.environ.get(f"WEIQUAN_{name.upper()}")
        if value:
            data[name] = value
    return WorkerSettings.model_validate(data)
