"""Wiring: which workflows and activities run on which task queue."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkerDeploymentConfig, WorkflowRunner
from temporalio.worker._workflow_instance import _WorkflowLogicFlag
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.arbitration import AgreementReviewDesk, ArbitrationDesk
from activities.case_file import CaseFile
from activities.court_liaison import LegalAidCourtDesk
from activities.inspection import InspectionDesk
from activities.legal_aid import LegalAidDesk
from activities.meeting_file import MeetingFile
from activities.signing import UnitSigner, load_sender_policy
from activities.union import UnionDesk
from domain.models import Agency
from domain.rules import Settings
from registry.store import Registry
from workers.queues import ALL, DEFAULT_PREFIX, queue
from workers.registry_gate import RegistryGate
from workers.settings import WorkerSettings, load_worker_settings
from workflows.case import CaseWorkflow
from workflows.meeting import MeetingWorkflow

WORKFLOWS = [CaseWorkflow, MeetingWorkflow]

# Our domain types are immutable values; passing them through the sandbox keeps one class identity.
# The signature check (domain.signing, run in workflow code) is deterministic; its libraries are
# native and must be imported once, outside the sandbox (a re-import inside aborts the process).
RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "pydantic", "pydantic_core", "domain", "cryptography", "_cffi_backend", "rfc8785", "gmssl")
)


def runner(tuning: WorkerSettings) -> WorkflowRunner:
    """The sandbox where the settings ask for it (tests, replay); else workflow code runs as is."""
    return RUNNER if tuning.workflow_sandbox else UnsandboxedWorkflowRunner()


def deployment(tuning: WorkerSettings) -> WorkerDeploymentConfig | None:
    """The Worker Deployment Version the workers poll as, if versioning is configured. Cases run for
    months, longer than any build: they auto-upgrade to each new current build, so a change to
    what a workflow does still needs ``workflow.patched`` (docs/proof.md)."""
    if tuning.deployment_name is None or tuning.build_id is None:
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(deployment_name=tuning.deployment_name, build_id=tuning.build_id),
        use_worker_versioning=True, default_versioning_behavior=VersioningBehavior.AUTO_UPGRADE)


def one_batch_per_activation(worker: Worker) -> Worker:
    """Every job of an activation is applied before any workflow code runs, so a signal's event is
    taken after the coroutines the same task's activity and timer results wake (docs/proof.md,
    "Open", seed 10). A worker that has just started may be handed a task's results in one
    activation and its signal in the next; a replay hands them over together. In the SDK's default
    order (signals, then the rest, each run on its own) the event's commands then come first on
    replay only, and the case is stuck. With one batch both orders give the same commands.

    The SDK's own flag for this (``PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH``, to be on by
    default in a later release) is recorded in each history where it was used and followed on
    replay, so histories written without it replay as before. It is set through a private method,
    so ``temporalio`` is pinned; ``tests/test_activation_order.py`` fails if it moves."""
    worker._set_default_workflow_logic_flag(
        _WorkflowLogicFlag.PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH, enabled=True)
    return worker


def activities_for(name: str, registry: Registry, settings: Settings) -> list[object]:
    case_file = CaseFile(registry, settings)
    meeting_file = MeetingFile(registry)
    match name:
        case "case":
            return [case_file.assess_intake, case_file.register_case, case_file.record_change,
                    case_file.schedule_clock, case_file.measure_remaining, case_file.rederive_clocks,
                    case_file.send_notice,
                    meeting_file.record_meeting, meeting_file.write_minutes, load_sender_policy]
    return [*agency_activities(name, registry, settings), UnitSigner(Agency(name)).sign_event]


def agency_activities(name: str, registry: Registry, settings: Settings) -> list[object]:
    match name:
        case "legal_aid":
            legal_aid, court = LegalAidDesk(registry), LegalAidCourtDesk(registry)
            return [legal_aid.receive_referral, legal_aid.represent_in_arbitration,
                    court.assist_arbitral_review, court.assist_payment_order, court.advise_on_lawsuit,
                    court.represent_in_court, court.support_prosecution]
        case "union":
            union = UnionDesk(registry)
            return [union.organise_mediation, union.assist_judicial_confirmation]
        case "inspection":
            desk = InspectionDesk(registry, settings)
            return [desk.organise_mediation, desk.accept_complaint, desk.check_limitation, desk.refuse_in_writing,
                    desk.investigate, desk.serve_order, desk.assess_arrears, desk.serve_summons,
                    desk.transfer_to_police, desk.notify_employer_to_explain, desk.retrieve_evidence]
        case "arbitration":
            arbitration = ArbitrationDesk(registry, settings)
            return [arbitration.receive_application, arbitration.file_case, arbitration.collect_evidence,
                    arbitration.transfer_advance_execution, arbitration.classify_award,
                    arbitration.issue_one_time_notice, AgreementReviewDesk(registry).review_mediation_agreement]
    raise ValueError(f"unknown queue {name!r}; choose from {', '.join(ALL)}")


def build_workers(client: Client, registry: Registry, settings: Settings, *,
                  queues: Iterable[str] = ALL, prefix: str = DEFAULT_PREFIX,
                  executor: ThreadPoolExecutor | None = None,
                  tuning: WorkerSettings | None = None, gate: RegistryGate | None = None) -> list[Worker]:
    """One worker per queue; the case queue also runs the workflows. ``gate``: activities wait
    for the registry (workers.registry_gate)."""
    queues, tuning = list(queues), tuning or load_worker_settings()
    executor = executor or ThreadPoolExecutor(max_workers=tuning.threads(len(queues)), thread_name_prefix="activity")
    workers = []
    for name in queues:
        worker = Worker(
            client,
            task_queue=queue(name, prefix),
            workflows=WORKFLOWS if name == "case" else [],
            activities=activities_for(name, registry, settings),
            activity_executor=executor,
            workflow_runner=runner(tuning),
            max_concurrent_activities=tuning.max_concurrent_activities,
            max_concurrent_workflow_tasks=tuning.max_concurrent_workflow_tasks,
            max_cached_workflows=tuning.max_cached_workflows,
            # On SIGTERM, running activities get this long to finish before they are cancelled.
            graceful_shutdown_timeout=timedelta(seconds=tuning.graceful_shutdown_seconds),
            deployment_config=deployment(tuning),
            interceptors=[gate] if gate else [],
        )
        workers.append(one_batch_per_activation(worker) if name == "case" else worker)
    return workers
