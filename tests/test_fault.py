"""The fault test (bench/fault.py) at CI size: a dozen cases over every path while worker processes
are killed with SIGKILL (and now and then die right after a registry commit) and the server
restarts once; every case ends where its path says, every registry write happens exactly once, and
no workflow task fails in our workflow code (tests/proof.py tells those from the engine's own,
which are printed and retried).

`python -m bench.fault --cases 200` is the full run; `--db-url` (or WEIQUAN_FAULT_DB_URL here) puts
the registry on PostgreSQL.
"""

from __future__ import annotations

import os

from bench.fault import Run, main, report


async def test_cases_survive_killed_workers_and_a_server_restart() -> None:
    result = await main(Run(cases=int(os.environ.get("WEIQUAN_FAULT_CASES", "12")), seed=7,
                            db_url=os.environ.get("WEIQUAN_FAULT_DB_URL"), kill_every=(2.0, 4.0),
                            crash_after_write=0.02))
    print(report(result))
    assert result["problems"] == {}
    assert result["worker_kills"] >= 1 and result["worker_restarts"] >= 2 and result["server_restarts"] == 1
