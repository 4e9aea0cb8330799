"""Identifiers are checked where they enter: a case or a meeting started under an id that is not
ours does not run, and no document path leaves the documents folder, whatever id or name it is
built from."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.documents import document_path
from domain.meetings import MeetingRequest
from domain.models import CaseIntake
from tests import factories
from tests.helpers import TODAY
from workers.queues import queue
from workflows.case import CaseWorkflow
from workflows.meeting import MeetingWorkflow

TRAVERSAL = "../../../../elsewhere/TRAVERSAL"


@pytest.mark.parametrize("owner, name", [
    (TRAVERSAL, "minutes.md"), ("NC360113-Z7R3RLMA/..", "x.txt"), ("NC360113-Z7R3RLMA", "../../x.txt"),
    ("NC360113-Z7R3RLMA", "/etc/passwd"), ("MTG-20261202-ABCDEF", ".."), ("nc360113-z7r3rlma", "x.txt"),
])
def test_document_paths_stay_under_their_root(owner: str, name: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        document_path(owner, name)
    assert refused.value.type == "UnsafePath" and refused.value.non_retryable


def test_a_real_case_and_meeting_get_their_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIQUAN_DOCUMENTS", str(tmp_path))
    assert document_path("NC360113-Z7R3RLMA", "one-time-notice.txt") == \
        (tmp_path / "NC360113-Z7R3RLMA" / "one-time-notice.txt").resolve()
    assert document_path("MTG-20261202-ABCDEF", "minutes.md").parent.name == "MTG-20261202-ABCDEF"
    assert document_path("MTG-NC360113-Z7R3RLMA-1", "minutes.md").parent.name == "MTG-NC360113-Z7R3RLMA-1"


@pytest.mark.parametrize("kind", ["meeting", "case"])
async def test_a_workflow_under_a_foreign_id_does_not_run(env: WorkflowEnvironment, workers: str, kind: str,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = tmp_path / "a" / "b" / "c" / "d" / "documents"  # the traversal would land inside tmp_path
    monkeypatch.setenv("WEIQUAN_DOCUMENTS", str(documents))
    if kind == "meeting":
        request = MeetingRequest(convened_by="union", person="权益部", topic="欠薪隐患会商")  # type: ignore[arg-type]
        run, arg = MeetingWorkflow.run, request
    else:
        run, arg = CaseWorkflow.run, CaseIntake.from_input(factories.intake(), TODAY)  # type: ignore[assignment]
    handle = await env.client.start_workflow(run, arg, id=TRAVERSAL, task_queue=queue("case", workers))  # type: ignore[arg-type]
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, ApplicationError) and failed.value.cause.type == "InvalidId"
    assert not (tmp_path / "a").exists()  # nothing written, inside the folder or beside it
