"""A targeted reproduction of the seed-8 stuck case (docs/proof.md, "Open: a case stuck on a replay
error around a signal"): a signal that reaches the server while a worker holds the retry of a failed
workflow task.

`python -m bench.signal_race [--tries N]` on the embedded dev server (the binary `weiquan up` runs).
Each try starts a workflow whose first workflow task fails (the retry is a transient task, written to
history only when it completes), sends a signal while the worker is inside that retry, and then reads
the history back: where the signal was written, whether the completed task answered it (the
signal's handler upserts a memo: a command), whether a later task delivered it, and whether the
history replays. Prints one line per try and the count of histories that cannot replay.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from workers.binaries import binary

QUEUE = "signal-race"
RUNS: dict[str, int] = {}  # workflow id → how many times its run began in this process
INSIDE: dict[str, threading.Event] = {}  # set while the retry task's code runs
HOW = {"mode": "failure"}  # how the first task ends: it fails, or it times out (the seed-8 case)


@workflow.defn(sandboxed=False)
class Racer:
    def __init__(self) -> None:
        self.hits: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        wid = workflow.info().workflow_id
        if not workflow.unsafe.is_replaying() and wid in RUNS:
            RUNS[wid] += 1
            if RUNS[wid] == 1:  # the next try is a transient task
                if HOW["mode"] == "failure":
                    raise RuntimeError("the first workflow task fails")
                time.sleep(1.5)  # past the 1 s task timeout, under the SDK's 2 s deadlock limit
            if RUNS[wid] == 2:
                INSIDE[wid].set()
                time.sleep(0.5)  # hold the retry task while the signal arrives
        await workflow.wait_condition(lambda: "stop" in self.hits)
        return self.hits

    @workflow.signal
    def hit(self, name: str) -> None:
        self.hits.append(name)
        workflow.upsert_memo({"hits": len(self.hits)})  # a command: the task that took it shows it


async def one(client: Client) -> tuple[str, bool]:
    wid = f"race-{uuid.uuid4().hex[:8]}"
    RUNS[wid], INSIDE[wid] = 0, threading.Event()
    handle = await client.start_workflow(Racer.run, id=wid, task_queue=QUEUE, task_timeout=timedelta(seconds=1))
    await asyncio.to_thread(INSIDE[wid].wait, 30)
    await handle.signal(Racer.hit, "during-retry")
    await asyncio.sleep(2)
    await handle.signal(Racer.hit, "stop")
    try:
        result = await asyncio.wait_for(handle.result(), 10)
    except TimeoutError:
        result = None
    history = await handle.fetch_history()
    kinds = [(e.event_id, EventType.Name(e.event_type).removeprefix("EVENT_TYPE_")) for e in history.events]
    order = " ".join(f"{i}:{k.replace('WORKFLOW_TASK_', 'WT_').replace('WORKFLOW_EXECUTION_', '')}"
                     for i, k in kinds)
    try:
        await Replayer(workflows=[Racer]).replay_workflow(history)
        replays = True
    except Exception as err:  # noqa: BLE001 - any replay failure is the finding
        replays = False
        order += f"  REPLAY FAILS: {str(err)[:160]}"
    return f"{wid} result={result} {order}", replays


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--first-task", choices=["failure", "timeout"], default="failure")
    args = parser.parse_args()
    HOW["mode"] = args.first_task
    async with await WorkflowEnvironment.start_local(dev_server_existing_path=binary("temporal"), ui=False,
                                                     dev_server_log_level="error") as env:
        async with Worker(env.client, task_queue=QUEUE, workflows=[Racer]):
            failed = 0
            for _ in range(args.tries):
                line, replays = await one(env.client)
                failed += not replays
                print(line, flush=True)
    print(f"{failed} of {args.tries} histories do not replay")


if __name__ == "__main__":
    asyncio.run(main())
