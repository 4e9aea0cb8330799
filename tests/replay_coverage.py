"""How much of workflows/ the recorded histories reach: replay each one under coverage.py.

    .venv/bin/python -m tests.replay_coverage [--fail-under 90] [--missing]

Every history under tests/histories/ (the paths' and the clock harness's) is replayed as
tests/test_replay.py does, but with the unsandboxed runner: the sandbox re-imports workflow modules
for each run, which coverage.py cannot attribute to the files on disk. Prints per-file and total
percent of workflows/ statements; exits 1 below ``--fail-under``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parents[1]
HISTORIES = ROOT / "tests" / "histories"


async def replay_all() -> list[str]:
    """Replay every history; returns the ones that failed (a failure is reported, not hidden)."""
    from temporalio.client import WorkflowHistory
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

    from tests.clock_harness import ClockHarness
    from tests.proof import data_converter
    from tests.record_clock_history import HISTORY, WORKFLOW_ID
    from tests.test_replay import load
    from workers.build import WORKFLOWS

    paths = Replayer(workflows=WORKFLOWS, workflow_runner=UnsandboxedWorkflowRunner(),
                     data_converter=data_converter())
    histories = [load(f) for f in sorted(HISTORIES.glob("*.json")) if f != HISTORY]
    failed = [h.workflow_id for h in histories
              if (await paths.replay_workflow(h, raise_on_replay_failure=False)).replay_failure]
    clocks = Replayer(workflows=[ClockHarness], workflow_runner=UnsandboxedWorkflowRunner(),
                      data_converter=pydantic_data_converter)  # as tests/record_clock_history.py records it
    harness = WorkflowHistory.from_json(WORKFLOW_ID, HISTORY.read_text(encoding="utf-8"))
    if (await clocks.replay_workflow(harness, raise_on_replay_failure=False)).replay_failure:
        failed.append(WORKFLOW_ID)
    print(f"replayed {len(histories) + 1} histories", file=sys.stderr)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-under", type=float, default=90.0, help="minimum total percent (default 90)")
    parser.add_argument("--missing", action="store_true", help="list each file's statements no history reaches")
    args = parser.parse_args()
    cov = coverage.Coverage(source=[str(ROOT / "workflows")], data_file=None)
    cov.start()  # before workflows/ is imported, so module-level statements count too
    try:
        failed = asyncio.run(replay_all())
    finally:
        cov.stop()
    total = cov.report(show_missing=args.missing, skip_empty=True)
    if failed:
        print(f"histories that did not replay: {failed}", file=sys.stderr)
        return 2
    if total < args.fail_under:
        print(f"workflows/ coverage {total:.1f}% is below {args.fail_under:.1f}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
