"""The fault test (bench/fault.py) at CI size: one case of each family of paths while worker
processes are killed with SIGKILL (and now and then die right after a registry commit), the server
is stopped and started again once and killed with SIGKILL and started again once; with the
registry on PostgreSQL the database is also stopped for a while. Every case ends where its path
says, every registry write happens exactly once, no case is stuck, and no workflow task fails in
our workflow code (tests/proof.py tells those from the engine's own, which are printed and retried).

`python -m bench.fault --cases 200` is the full run; `--db-url` (or WEIQUAN_FAULT_DB_URL here) puts
the registry on PostgreSQL; WEIQUAN_FAULT_CASES sets the number of cases.
"""

from __future__ import annotations

import os
import random

from bench.fault import Run, chosen, main, report
from tests.paths import FAMILIES, PATHS


async def test_cases_survive_killed_workers_servers_and_databases() -> None:
    assert {p.name for p in PATHS} == {p.name for family in FAMILIES.values() for p in family}, \
        "a family of paths is missing from tests.paths.FAMILIES"
    db_url = os.environ.get("WEIQUAN_FAULT_DB_URL")
    result = await main(Run(cases=int(os.environ.get("WEIQUAN_FAULT_CASES", len(FAMILIES))), seed=7,
                            db_url=db_url, db_outage=10.0, kill_every=(2.0, 4.0), crash_after_write=0.02))
    print(report(result))
    assert result["problems"] == {}
    walked = set(result["paths"])
    assert all(walked & {p.name for p in family} for family in FAMILIES.values())
    assert result["worker_kills"] >= 1 and result["worker_restarts"] >= 2
    assert result["worker_failures"] == 0  # no worker died but by SIGKILL or the planted crash
    assert result["server_restarts"] == 1 and result["server_kills"] == 1
    assert (result["db_outage"] is not None) == bool(db_url)


def test_a_case_per_family_walks_one_path_of_each() -> None:
    paths = chosen((), len(FAMILIES), random.Random(7))
    assert sorted(next(f for f, family in FAMILIES.items() if p in family) for p in paths) == sorted(FAMILIES)
    assert {p.name for p in chosen(("arbitration_refused", "year_long_mediation"), 4, random.Random(1))} == {
        "arbitration_refused", "year_long_mediation"}
