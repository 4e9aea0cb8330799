"""On the real dev server (the embedded default): visibility by search attributes, an event sent
as a signal in plain JSON, its answer read back with the `temporal` CLI, as an integrator without our SDK would; only
the unit whose signature an event carries moves a case (the event gateway signs for a unit's credential); and the
supervisors' list of cases that cannot move (`weiquan case stuck`)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from temporalio.api.enums.v1 import RoutingConfigUpdateState
from temporalio.api.workflowservice.v1 import DescribeWorkerDeploymentRequest
from temporalio.client import Client
from temporalio.common import VersioningBehavior
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from registry.store import Registry
from domain.models import Agency
from domain.signing import load_unit_key, sign
from starters.cases import StuckCase, case_state, signed, stuck_cases
from starters.gateway import GatewayAuth, create_app, hash_token
from starters.cli import app
from starters.search_attributes import ensure_search_attributes
from tests.broken_case import AlwaysFails
from tests.conftest import running_workers
from tests.helpers import at_stage, event, start, until
from workers.binaries import binary
from workers.settings import WorkerSettings, load_worker_settings


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=pydantic_data_converter,
        ui=False, dev_server_log_level="error",
    ) as env:
        await ensure_search_attributes(env.client)
        yield env


async def test_case_found_by_search_attributes_and_updated_from_temporal_cli(
        dev_env: WorkflowEnvironment, registry: Registry, settings) -> None:  # type: ignore[no-untyped-def]
    client = dev_env.client
    async with running_workers(client, registry, settings) as prefix:
        number = await start(client, prefix)
        await at_stage(client, number, "legal_aid_review")
        review = await until(client, number, lambda v: any(d.state == "running" for d in v.deadlines))
        # NextDeadlineProvisional carries NextDeadline's 暂定 mark (a Bool beside Overdue: ≤ 3 on SQLite).
        nearest = min((d for d in review.deadlines if d.state in ("running", "warning")), key=lambda d: d.due)
        query = (f'CaseStage = "legal_aid_review" AND ResponsibleAgency = "legal_aid" AND District = "360113" '
                 f'AND Channel = "union" AND WorkerCount = 1 AND Overdue = false AND WorkflowId = "{number}" '
                 f'AND NextDeadlineProvisional = {str(nearest.provisional).lower()}')
        found: list[str] = []
        for _ in range(100):
            found = [wf.id async for wf in client.list_workflows(query)]
            if found:
                break
            await asyncio.sleep(0.1)
        assert found == [number]
        description = await client.get_workflow_handle(number).describe()
        summary = await description.static_summary()
        assert summary and "红谷滩区" in summary and "1名劳动者" in summary

        payload = {"event_id": "cli-json-1", "actor": {"unit": "legal_aid", "person": "法援中心"},
                   "granted": True, "lawyer": {"name": "李律师"}}
        target = client.service_client.config.target_host
        async def temporal(*args: str) -> str:
            proc = await asyncio.create_subprocess_exec(
                binary("temporal"), "workflow", *args, "--address", target, "--workflow-id", number,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            stdout, stderr = await proc.communicate()
            assert proc.returncode == 0, stderr.decode()
            return stdout.decode()

        await temporal("signal", "--name", "legal_aid_decision",
                       "--input", json.dumps(signed(client, number, "legal_aid_decision", payload)))  # by legal aid
        view = await at_stage(client, number, "mediation")
        answer = await temporal("query", "--name", "answer", "--input", '"legal_aid_decision/cli-json-1"',
                                "--output", "json")
        assert '"applied"' in answer and "给予法律援助" in answer
        assert "legal_aid_granted" in view.flags
        details = await until(client, number, lambda v: v.stage == "mediation")
        assert details.waiting_for.startswith("调解组织调解")


async def test_only_the_unit_that_signs_moves_a_case(dev_env: WorkflowEnvironment, registry: Registry,
                                                    settings) -> None:  # type: ignore[no-untyped-def]
    """Issue 16's must-show: the plain `temporal` CLI claiming legal aid without a signature is refused
    (`unauthenticated`) and the case does not move; so is a signature made for another case or
    another event id; the gateway refuses the union's credential (`wrong_actor`) and sends legal
    aid's, signed, and the case moves."""
    client = dev_env.client
    tokens = {Agency.LEGAL_AID: "legal-aid-system-token-0123456789", Agency.UNION: "union-system-token-0123456789ab"}
    auth = GatewayAuth(tokens={unit: [hash_token(token)] for unit, token in tokens.items()})
    app = create_app(client, auth=auth, signing_key=load_unit_key, wait=20)
    async with running_workers(client, registry, settings) as prefix, TestClient(TestServer(app)) as gateway:
        number, other = await start(client, prefix), await start(client, prefix)
        await at_stage(client, number, "legal_aid_review")
        target = client.service_client.config.target_host

        async def cli_answer(event_id: str) -> tuple[str, int]:
            proc = await asyncio.create_subprocess_exec(
                binary("temporal"), "workflow", "query", "--name", "answer", "--input",
                json.dumps(f"legal_aid_decision/{event_id}"), "--address", target,
                "--workflow-id", number, "--output", "json", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = (await proc.communicate())[0].decode()
            tries = re.search(r'"tries": *(\d+)', out)
            return out, int(tries.group(1)) if tries else 0

        async def cli_signal(payload: dict) -> str:  # type: ignore[type-arg]
            """Signal with the plain CLI, then read the answer to this try with the CLI."""
            _, before = await cli_answer(payload["event_id"])
            proc = await asyncio.create_subprocess_exec(
                binary("temporal"), "workflow", "signal", "--name", "legal_aid_decision", "--input",
                json.dumps(payload), "--address", target, "--workflow-id", number,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert (await proc.communicate()) and proc.returncode == 0
            for _ in range(200):
                out, tries = await cli_answer(payload["event_id"])
                if tries > before:
                    return out
                await asyncio.sleep(0.05)
            raise AssertionError("never answered")

        decision = {"event_id": "la:2026-0007", "actor": {"unit": "legal_aid", "person": "法援中心"},
                    "granted": True, "lawyer": {"name": "李律师"}}
        answer = await cli_signal(decision)
        assert '"unauthenticated"' in answer and "未附签名" in answer, answer
        key = load_unit_key(Agency.LEGAL_AID)
        now = datetime.now(UTC)
        for_other_case = sign(decision, workflow_id=other, event="legal_aid_decision", key=key, at=now)
        answer = await cli_signal(for_other_case)
        assert '"unauthenticated"' in answer and "另一案件" in answer, answer
        for_other_id = sign({**decision, "event_id": "la:2026-0006"}, workflow_id=number,
                            event="legal_aid_decision", key=key, at=now)
        answer = await cli_signal({**for_other_id, "event_id": "la:2026-0008"})
        assert '"unauthenticated"' in answer and "另一事件编号" in answer, answer
        moved = {**for_other_id, "event_id": "la:2026-0009",
                 "proof": {**for_other_id["proof"], "event_id": "la:2026-0009"}}  # the id edited, proof and all
        answer = await cli_signal(moved)
        assert '"unauthenticated"' in answer and "签名不符" in answer, answer
        assert (await case_state(client, number)).stage == "legal_aid_review"

        url = f"/cases/{number}/events/legal_aid_decision"
        union = {"Authorization": f"Bearer {tokens[Agency.UNION]}"}
        for body in (decision, {**decision, "actor": {"person": "工会系统"}}):  # claiming legal aid; stamped union
            refused = await gateway.post(url, json=body, headers=union)
            assert refused.status == 403 and (await refused.json())["code"] == "wrong_actor"
        assert (await case_state(client, number)).stage == "legal_aid_review"
        accepted = await gateway.post(url, json=decision, headers={"Authorization": f"Bearer {tokens[Agency.LEGAL_AID]}"})
        assert accepted.status == 200, await accepted.text()
        assert (await accepted.json())["event_id"] == "la:2026-0007"
        await at_stage(client, number, "mediation")
        for case in (number, other):
            await client.get_workflow_handle(case).terminate("test finished")


async def test_a_case_whose_workflow_task_keeps_failing_is_listed_as_stuck(
        dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    client = dev_env.client
    queue = f"stuck-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[AlwaysFails]):
        handle = await client.start_workflow("CaseWorkflow", {}, id=f"NC-STUCK-{uuid.uuid4().hex[:6]}",
                                             task_queue=queue, task_timeout=timedelta(seconds=1))
        stuck: list[StuckCase] = []
        for _ in range(100):
            stuck = [c for c in await stuck_cases(client) if c.case_number == handle.id]
            if stuck:
                break
            await asyncio.sleep(0.2)
        assert stuck and stuck[0].attempts >= 3 and "planted" in stuck[0].failure
        monkeypatch.setenv("TEMPORAL_ADDRESS", client.service_client.config.target_host)
        listed = await asyncio.to_thread(CliRunner().invoke, app, ["case", "stuck", "--json"])
        assert listed.exit_code == 0, listed.output
        assert handle.id in [c["case_number"] for c in json.loads(listed.stdout)]
        await handle.terminate("test finished")


async def make_current(client: Client, name: str, build_id: str) -> None:
    """The operator's step (docs/proof.md), with the CLI, once the build's workers poll; then until
    the server has routed the task queues to it."""
    target = client.service_client.config.target_host
    request = DescribeWorkerDeploymentRequest(namespace=client.namespace, deployment_name=name)
    for _ in range(100):
        proc = await asyncio.create_subprocess_exec(
            binary("temporal"), "worker", "deployment", "set-current-version", "--deployment-name", name,
            "--build-id", build_id, "--yes", "--address", target, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if (await proc.wait()) == 0:
            break
        await asyncio.sleep(0.2)  # the build's workers have not polled yet
    for _ in range(100):
        info = (await client.workflow_service.describe_worker_deployment(request)).worker_deployment_info
        if (info.routing_config.current_deployment_version.build_id == build_id
                and info.routing_config_update_state == RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"build {build_id} of {name} never became current")


async def running_on(client: Client, number: str) -> tuple[int, str]:
    info = (await client.get_workflow_handle(number).describe()).raw_description.workflow_execution_info
    return info.versioning_info.behavior, info.versioning_info.deployment_version.build_id


async def test_versioned_workers_take_a_case_once_their_build_is_current_and_it_moves_to_the_next(
        dev_env: WorkflowEnvironment, registry: Registry, settings) -> None:  # type: ignore[no-untyped-def]
    """docs/proof.md, "Changing workflows after release": a build rolled out with the CLI, the open
    case auto-upgrading to the next current build."""
    client = dev_env.client
    name = f"weiquan-{uuid.uuid4().hex[:6]}"
    base = load_worker_settings()

    def build(build_id: str) -> WorkerSettings:
        return base.model_copy(update={"deployment_name": name, "build_id": build_id})

    prefix = f"v{uuid.uuid4().hex[:8]}"
    async with running_workers(client, registry, settings, prefix=prefix, tuning=build("1")):
        await make_current(client, name, "1")
        number = await start(client, prefix)
        await at_stage(client, number, "legal_aid_review")
        assert await running_on(client, number) == (VersioningBehavior.AUTO_UPGRADE.value, "1")
        async with running_workers(client, registry, settings, prefix=prefix, tuning=build("2")):
            await make_current(client, name, "2")
            await event(client, number, "legal_aid_decision", "legal_aid", granted=True, lawyer={"name": "李律师"})
            await at_stage(client, number, "mediation")
            assert await running_on(client, number) == (VersioningBehavior.AUTO_UPGRADE.value, "2")
        await client.get_workflow_handle(number).terminate("test finished")
