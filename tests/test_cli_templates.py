"""Staff can tell what to send: events per stage with their fields, a filled template for any event,
and an example file for every event (kept valid against the models by the contract test)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.visibility import CASE_WORKFLOW, MEETING_WORKFLOW
from starters import contract
from starters.cli import app
from tests.helpers import at_stage, settle, start
from workflows.case import CaseWorkflow, event_catalog
from workflows.meeting import MeetingWorkflow, meeting_catalog


def test_events_of_a_stage_with_their_fields() -> None:
    result = CliRunner().invoke(app, ["case", "events", "--stage", "调解", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert "mediation_agreement" in rows and "legal_aid_decision" not in rows
    assert {"terms", "amount", "performance_date"} <= set(rows["mediation_agreement"]["fields"])
    assert "note?" in rows["mediation_failed"]["fields"] and rows["mediation_failed"]["stage"] == "mediation"
    assert rows["clock_pause"]["stage"] is None  # events a case takes at any stage are listed too
    bogus = CliRunner().invoke(app, ["case", "events", "--stage", "bogus"])
    assert bogus.exit_code == 2 and "mediation（调解）" in bogus.output.replace("\n", "")


@pytest.mark.parametrize("name", sorted(event_catalog()))
def test_every_event_has_a_template_its_model_accepts(name: str) -> None:
    result = CliRunner().invoke(app, ["case", "template", name])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    event_catalog()[name].model.model_validate(payload)
    assert (contract.EXAMPLES / f"{name}.json").exists()


@pytest.mark.parametrize("name", sorted(meeting_catalog()))
def test_every_meeting_event_has_a_template_its_model_accepts(name: str) -> None:
    result = CliRunner().invoke(app, ["meeting", "template", name])
    assert result.exit_code == 0, result.output
    meeting_catalog()[name].model.model_validate(json.loads(result.stdout))
    assert (contract.EXAMPLES / f"{name}.json").exists()


def test_every_example_event_is_a_payload_its_model_accepts() -> None:
    catalog = {**event_catalog(), **meeting_catalog()}  # examples/events holds the meetings' events too
    for path in sorted(contract.EXAMPLES.glob("*.json")):
        catalog[path.stem].model.model_validate({"event_id": "example", **json.loads(path.read_text("utf-8"))})


def test_staff_commands_load_no_workflow_code() -> None:
    """Listing events, filling a template and reading a log need domain/catalogue.json only, and the
    modules that start, query and send to cases and meetings name the workflows by their registered
    type: no workflow module is imported (the catalogue is generated from them, tests/test_contract.py),
    so a staff command starts quickly."""
    script = ("import sys; from typer.testing import CliRunner; from starters.cli import app; "
              "[CliRunner().invoke(app, args) for args in (['case', 'events', '--json'], "
              "['case', 'template', 'mediation_agreement'], ['meeting', 'template', 'meeting_confirm'], "
              "['case', 'events', '--stage', 'arbitration'])]; "
              "import starters.cases, starters.meetings, starters.group, starters.failures, starters.gateway_client; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'workflows'))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=contract.ROOT,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_workflows_register_under_the_names_staff_commands_use() -> None:
    assert workflow._Definition.must_from_class(CaseWorkflow).name == CASE_WORKFLOW
    assert workflow._Definition.must_from_class(MeetingWorkflow).name == MEETING_WORKFLOW


def test_an_unknown_template_lists_the_events() -> None:
    result = CliRunner().invoke(app, ["case", "template", "bogus"])
    assert result.exit_code == 2 and "legal_aid_decision" in result.output


async def test_case_show_lists_the_events_that_fit_now(env: WorkflowEnvironment, workers: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    await settle(env.client, number)  # the in-process workers' log lines would mix into the CLI's stdout
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    shown = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number, "--json"])
    now = json.loads(shown.stdout)["events_now"]
    assert "legal_aid_decision" in now and "mediation_agreement" not in now and "arbitration_award" not in now
    table = await asyncio.to_thread(CliRunner().invoke, app, ["case", "show", number])
    assert "现在可以发送的事件" in table.output
    assert f"weiquan case event {number} legal_aid_decision --file legal_aid_decision.json" in table.output
