"""What a case's start costs the server beyond a bare start: 1,000 starts each way on a fresh dev
server, nobody polling — bare, bare with one search attribute, bare with the case's six (how
`open_case` started cases before v1, docs/proof.md), and our own start (`open_case`:
intake payload, summary and details; the case sets its search attributes from its first task).

    python -m bench.start_cost      # seconds per 1,000 starts, two rounds
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from temporalio.common import SearchAttributePair, TypedSearchAttributes

from bench.bare import BareIdle
from bench.cluster import Cluster, quiet_client_retries
from bench.run import TEMPLATE, timed_batch
from domain import visibility as sa
from starters.group import group_intakes, read_rows, start_group
from tests import factories

COUNT, CONCURRENCY = 1000, 64
CASE_ATTRIBUTES = [SearchAttributePair(sa.CASE_STAGE, "intake"), SearchAttributePair(sa.DISTRICT, "360113"),
                   SearchAttributePair(sa.CHANNEL, "union"), SearchAttributePair(sa.RESPONSIBLE_AGENCY, "union"),
                   SearchAttributePair(sa.WORKER_COUNT, 1), SearchAttributePair(sa.AMOUNT_CLAIMED, 1.0)]


async def main() -> None:
    quiet_client_retries()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="weiquan-start-cost-")))
    client = await cluster.start_server()
    rows = read_rows(factories.shared_file("group-case-1000.csv"))
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    try:
        for r in range(2):
            def bare(tag: str, attributes: list[SearchAttributePair]) -> object:
                return lambda i: client.start_workflow(BareIdle.run, id=f"{tag}-{r}-{i}", task_queue="bench.nobody",
                                                       search_attributes=TypedSearchAttributes(attributes))
            timings = {
                "bare": await timed_batch(COUNT, CONCURRENCY, bare("bare", [])),
                "bare + 1 attribute": await timed_batch(COUNT, CONCURRENCY, bare("one", CASE_ATTRIBUTES[1:2])),
                "bare + the case's 6": await timed_batch(COUNT, CONCURRENCY, bare("six", CASE_ATTRIBUTES)),
            }
            intakes, _ = group_intakes(template, [{**row, "name": f"{row['name']}{r}"} for row in rows],
                                       date.today(), consent=True)
            started = time.perf_counter()
            await start_group(client, intakes, concurrency=CONCURRENCY)
            timings["our start (open_case)"] = time.perf_counter() - started
            print(f"round {r + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    finally:
        cluster.close()


if __name__ == "__main__":
    asyncio.run(main())
