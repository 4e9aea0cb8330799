"""Worker tuning from the operator's config file, overridden by WEIQUAN_* variables, reaching the workers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from domain.rules import Settings
from registry.store import Registry
from workers.build import build_workers
from workers.settings import WorkerSettings, load_worker_settings


def test_config_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "weiquan.toml"
    config.write_text("[worker]\nmax_concurrent_activities = 8\ngraceful_shutdown_seconds = 60\n")
    monkeypatch.setenv("WEIQUAN_CONFIG", str(config))
    monkeypatch.setenv("WEIQUAN_MAX_CONCURRENT_ACTIVITIES", "12")
    monkeypatch.setenv("WEIQUAN_METRICS_ADDRESS", "0.0.0.0:9464")
    tuning = load_worker_settings()
    assert tuning.max_concurrent_activities == 12 and tuning.graceful_shutdown_seconds == 60
    assert tuning.metrics_address == "0.0.0.0:9464" and tuning.health_address is None
    assert tuning.threads(queues=5) == 60
    monkeypatch.setenv("WEIQUAN_MAX_CONCURRENT_WORKFLOW_TASKS", "1")
    with pytest.raises(ValidationError, match="max_concurrent_workflow_tasks"):
        load_worker_settings()


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "weiquan.toml"
    config.write_text("[worker]\nmax_concurent_activities = 8\n")
    with pytest.raises(ValidationError, match="max_concurent_activities"):
        load_worker_settings(config)


async def test_workers_take_the_settings(env: WorkflowEnvironment, registry: Registry, settings: Settings) -> None:
    tuning = WorkerSettings(max_concurrent_activities=4, max_concurrent_workflow_tasks=8, graceful_shutdown_seconds=5)
    workers = build_workers(env.client, registry, settings, queues=["case", "union"], tuning=tuning)
    for worker in workers:
        config = worker.config()
        assert config["max_concurrent_activities"] == 4 and config["max_concurrent_workflow_tasks"] == 8
        assert config["graceful_shutdown_timeout"] == timedelta(seconds=5)
    assert workers[0].config()["activity_executor"]._max_workers == 8  # one thread per activity slot


async def test_sandbox_in_tests_not_in_production(env: WorkflowEnvironment, registry: Registry, settings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run workflow code in the sandbox (conftest); a worker started without the setting does not."""
    assert isinstance(build_workers(env.client, registry, settings, queues=["case"])[0].config()["workflow_runner"],
                      SandboxedWorkflowRunner)
    monkeypatch.delenv("WEIQUAN_WORKFLOW_SANDBOX")
    assert not WorkerSettings().workflow_sandbox
    assert isinstance(build_workers(env.client, registry, settings, queues=["case"], prefix="prod")[0]
                      .config()["workflow_runner"], UnsandboxedWorkflowRunner)


async def test_worker_versioning_is_off_unless_a_deployment_and_build_are_named(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_workers(env.client, registry, settings, queues=["case"])[0].config()["deployment_config"] is None
    monkeypatch.setenv("WEIQUAN_DEPLOYMENT_NAME", "weiquan")
    with pytest.raises(ValidationError, match="build_id"):
        load_worker_settings()
    monkeypatch.setenv("WEIQUAN_BUILD_ID", "2026.12.1")
    for worker in build_workers(env.client, registry, settings, queues=["case", "union"], tuning=load_worker_settings()):
        deployment = worker.config()["deployment_config"]
        assert deployment is not None and deployment.use_worker_versioning
        assert deployment.version == WorkerDeploymentVersion(deployment_name="weiquan", build_id="2026.12.1")
        assert deployment.default_versioning_behavior == VersioningBehavior.AUTO_UPGRADE
