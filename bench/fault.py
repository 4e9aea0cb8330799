"""Fault test: N cases walk the paths of tests/paths on the real dev server (persistent SQLite
file, per-workflow time skipping) while worker processes are killed with SIGKILL at random moments
and restarted. Once each, mid-run: the server is stopped and started again, killed with SIGKILL and
started again, and (registry on PostgreSQL) the database is stopped for 30 s and started again. At
the end every case must be where its path says, and the registry must hold each event, ledger row,
notice and work item its history asked for exactly once (tests/proof.py). A case whose workflow
task keeps failing and whose history no longer replays is stuck: a problem, with the replay error.

    python -m bench.fault --cases 200            # prints a summary, writes bench/results/fault.json
    python -m bench.fault --cases 6 --seed 7     # one path of each family (tests/test_fault.py)
    python -m bench.fault --cases 6 --paths major_group_meeting,evidence_request_lapsed   # only these
    python -m bench.fault --cases 40 --db-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import zip_longest
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.testing import TimeSkipper, TimeSkippingConfig

from bench.cluster import Cluster, finish, quiet_client_retries
from bench.postgres import LocalPostgres
from domain.calendar import SHANGHAI
from domain.models import CaseIntake
from registry.store import Registry
from starters.cases import open_case, task_attempts
from tests import factories
from tests.paths import BY_NAME, FAMILIES, CasePath, meeting_id, walk
from tests.proof import expected_writes, replay_error, verify
from workflows.case import CaseWorkflow

RESULTS = Path(__file__).parent / "results"
STUCK_AFTER = 5  # attempts of one workflow task before the driver looks for a replay error


@dataclass
class Outcome:
    number: str
    outcome: str | None = None  # the closing outcome, for a path that ends closed
    stuck: str | None = None  # why the case cannot move on (a replay error), if it cannot
    failed: str | None = None  # why driving the case failed (a refusal that lasted, a timeout)
    refused: list[str] = field(default_factory=list)  # refusals the driver got past by trying again
    seconds: float = 0  # how long the case took


@dataclass
class Run:
    cases: int
    seed: int
    paths: Sequence[str] = ()  # names of the paths to walk (tests/paths); empty: all
    workers: int = 2
    # Seconds between kills. At 1–3 s a worker on 2 cores spent most of the run starting up again
    # (replaying its cases into an empty cache): a 200-case run took 11 minutes alone and over an
    # hour beside another; 3–6 s still kills a worker about 50 times per 100 cases.
    kill_every: tuple[float, float] = (3.0, 6.0)
    down_for: tuple[float, float] = (0.2, 1.5)  # seconds a killed worker stays down
    crash_after_write: float = 0.01  # chance a worker dies between a registry commit and its reply
    concurrency: int = 50  # cases driven at once
    timeout: float = 600  # per case
    db_url: str | None = None
    db_outage: float = 30.0  # seconds the database is stopped mid-run (PostgreSQL only; 0: never)
    home: Path | None = None
    done: int = 0
    outage: dict[str, Any] | None = None  # what happened during the database outage
    log: list[str] = field(default_factory=list)


class Driver:
    """Drives cases through a client that survives the server restart (it is replaced)."""

    def __init__(self, cluster: Cluster, client: Client) -> None:
        self.cluster = cluster
        self.use(client)

    def use(self, client: Client) -> None:
        self.skipper = TimeSkipper(client, config=TimeSkippingConfig(enabled=False))
        self.client = self.skipper.client

    async def retry(self, fn: Any, seconds: float) -> Any:
        deadline = time.monotonic() + seconds
        while True:
            try:
                return await fn()
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def now(self, number: str) -> datetime:
        """The time on this case's own clock (fast-forwarded by skip)."""
        return await self.retry(lambda: self.skipper.get_current_time(self.client.get_workflow_handle(number)), 120)

    async def skip(self, number: str, delta: timedelta) -> None:
        """Fast-forward this case's own clock; after a lost reply, only by what is left."""
        handle = self.client.get_workflow_handle(number)
        target = await self.retry(lambda: self.skipper.get_current_time(handle), 120) + delta
        while True:
            try:
                now = await self.skipper.get_current_time(handle)
                if now >= target - timedelta(seconds=1):
                    return
                await asyncio.wait_for(self.skipper.fast_forward(handle, target - now), timeout=60)
                return
            except Exception:
                await asyncio.sleep(0.5)

    async def case(self, path: CasePath, today: date, timeout: float, index: int) -> Outcome:
        """Walk one case (the run's ``index``-th) to its path's end, unless it gets stuck on the way
        (then: why)."""
        data = factories.intake(**path.intake)
        # A path that fixes its amount would give each walk of it the same intake, so the same case
        # number (one case): the employer's phone, which no path looks at, keeps them apart.
        data["employer"] = {**data["employer"], "contact_phone": f"0791-{88000000 + index}"}
        intake = CaseIntake.from_input(data, today)
        number = (await self.retry(lambda: open_case(self.client, intake), 120))[0]
        walking = asyncio.ensure_future(self.drive(number, path, today, timeout))
        watching = asyncio.ensure_future(self.stuck(number))
        await asyncio.wait({walking, watching}, return_when=asyncio.FIRST_COMPLETED)
        await cancelled(walking, watching)  # the other one ends here, while the server still answers
        if not walking.cancelled() and walking.exception() is None:
            return walking.result()
        if not watching.cancelled():
            return Outcome(number, stuck=watching.result())
        err = walking.exception()  # one case's failure is a finding of the run, not its end
        return Outcome(number, failed=f"{type(err).__name__}: {err}")

    async def drive(self, number: str, path: CasePath, today: date, timeout: float) -> Outcome:
        refused = await walk(self.client, number, path, self.skip, self.now, today=today, patient=True,
                             seconds=timeout)
        if path.stage != "closed":
            return Outcome(number, refused=refused)
        handle = self.client.get_workflow_handle_for(CaseWorkflow.run, number)
        result = await self.retry(lambda: asyncio.wait_for(handle.result(), timeout=30), timeout)
        return Outcome(number, outcome=result.outcome, refused=refused)

    async def stuck(self, number: str) -> str:
        """Returns once a workflow task of the case keeps failing, or a query fails on replay (a case
        waiting on a long timer runs no task, only queries), and its history no longer replays on
        today's code: the reason. Kills time a task out now and then, never this often in a row."""
        handle = self.client.get_workflow_handle(number)
        looks = 0
        while True:
            await asyncio.sleep(5)
            looks += 1
            try:
                # The query only once a minute: it costs a worker a replay when the case is not cached.
                stuck = (await task_attempts(handle) >= STUCK_AFTER
                         or (looks % 12 == 0 and await query_fails_on_replay(handle)))
                if stuck and (error := await replay_error(await handle.fetch_history())):
                    return error
            except Exception:  # the server restarting: look again
                continue


async def cancelled(*tasks: asyncio.Future[Any]) -> None:
    """Cancel the tasks and wait until they have ended, cancelling again any that went on: Python
    3.11's ``asyncio.wait_for`` can swallow a cancellation that arrives as its inner call finishes
    (seed 13 hung on a watcher that did)."""
    while pending := [t for t in tasks if not t.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=1)


async def query_fails_on_replay(handle: WorkflowHandle[Any, Any]) -> bool:
    try:
        await asyncio.wait_for(handle.query("state"), timeout=10)
    except WorkflowQueryFailedError as err:
        return "Nondeterminism" in str(err)
    except Exception:  # the server restarting, no worker up now: not a finding
        pass
    return False


async def chaos(run: Run, cluster: Cluster, rng: random.Random, stop: asyncio.Event) -> None:
    """Kill a random worker (-9), leave it down a moment, start it again; repeat until stopped."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=rng.uniform(*run.kill_every))
            return
        except TimeoutError:
            pass
        slot = rng.randrange(run.workers)
        cluster.kill_worker(slot)
        await asyncio.sleep(rng.uniform(*run.down_for))
        cluster.start_worker(slot)


async def supervise(cluster: Cluster, stop: asyncio.Event) -> None:
    """What systemd would do: start again a worker that died by itself."""
    while not stop.is_set():
        cluster.revive_dead()
        await asyncio.sleep(0.3)


async def one_off_faults(run: Run, cluster: Cluster, driver: Driver, postgres: LocalPostgres | None) -> None:
    """Each once enough cases have finished: the server stopped and started again (a fifth), the
    database away for ``run.db_outage`` seconds (two fifths), the server killed with SIGKILL and
    started again (three fifths)."""
    async def after(share: float) -> None:
        while run.done < max(1, round(run.cases * share)):
            await asyncio.sleep(0.2)

    await after(0.2)
    run.log.append(f"server stopped and started again after {run.done} cases")
    driver.use(await cluster.restart_server())
    if postgres:
        await after(0.4)
        done, starts, failures = run.done, cluster.kills, cluster.failures
        down = await postgres.away_for(run.db_outage)
        run.outage = {"after_cases": done, "down_seconds": round(down, 1),
                      "worker_starts": cluster.kills - starts, "worker_failures": cluster.failures - failures}
        run.log.append(f"database stopped after {done} cases, started again {down:.1f} s later")
    await after(0.6)
    run.log.append(f"server killed (-9) and started again after {run.done} cases")
    driver.use(await cluster.restart_server(kill=True))


def chosen(names: Sequence[str], cases: int, rng: random.Random) -> list[CasePath]:
    """``cases`` paths among ``names`` (all when empty), taken in turns from each family of tracks
    (in a shuffled order within each), so that as many cases as there are families walk one path of
    each; then shuffled."""
    if unknown := [n for n in names if n not in BY_NAME]:
        raise ValueError(f"没有这些路径 / unknown paths: {', '.join(unknown)}")
    wanted = set(names or BY_NAME)
    families = [rng.sample(kept, len(kept)) for family in FAMILIES.values()
                if (kept := [p for p in family if p.name in wanted])]
    turns = [path for turn in zip_longest(*families) for path in turn if path is not None]
    paths = [turns[i % len(turns)] for i in range(cases)]
    rng.shuffle(paths)
    return paths


async def main(run: Run) -> dict[str, Any]:
    quiet_client_retries()
    rng = random.Random(run.seed)
    home = run.home or Path(tempfile.mkdtemp(prefix="weiquan-fault-"))
    cluster = Cluster(home, db_url=run.db_url, worker_command=(sys.executable, "-m", "bench.crashy", "worker"),
                      worker_env={"WEIQUAN_CRASH_AFTER_WRITE": str(run.crash_after_write)})
    try:
        return await faults(run, cluster, rng)
    finally:
        cluster.close()


async def faults(run: Run, cluster: Cluster, rng: random.Random) -> dict[str, Any]:
    paths = chosen(run.paths, run.cases, rng)
    postgres = LocalPostgres.of(run.db_url) if run.db_url and run.db_outage > 0 else None
    client = await cluster.start_server()
    registry = cluster.registry()
    cluster.start_workers(run.workers)
    driver = Driver(cluster, client)
    today = datetime.now(SHANGHAI).date()
    stop = asyncio.Event()
    gate = asyncio.Semaphore(run.concurrency)

    async def one(index: int, path: CasePath) -> Outcome:
        async with gate:
            began = time.monotonic()
            result = await driver.case(path, today, run.timeout, index)
            result.seconds = round(time.monotonic() - began, 1)
        run.done += 1
        return result

    started = time.monotonic()
    background = [asyncio.create_task(chaos(run, cluster, rng, stop)), asyncio.create_task(supervise(cluster, stop))]
    once = asyncio.create_task(one_off_faults(run, cluster, driver, postgres))
    try:
        results = await asyncio.gather(*(one(i, p) for i, p in enumerate(paths)))
        await once  # a fault due after the last case still happens, before the check reads the registry
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        once.cancel()
        await asyncio.gather(*background, once, return_exceptions=True)
    cluster.revive_dead()
    problems, totals, rows = await check(driver.client, registry, results, paths, cluster.home)
    return {
        "cases": run.cases, "seed": run.seed, "paths": sorted({p.name for p in paths}),
        "registry": "postgresql" if run.db_url else "sqlite",
        "seconds": round(elapsed, 1), "cases_per_second": round(run.cases / elapsed, 2),
        "worker_processes": run.workers, "worker_kills": cluster.kills,
        "crashes_after_write": cluster.crashes - cluster.failures,
        "worker_restarts": cluster.kills + cluster.crashes, "worker_failures": cluster.failures,
        "server_restarts": cluster.server_restarts,
        "server_kills": cluster.server_kills, "db_outage": run.outage,
        "slowest_cases": [f"{r.number} ({p.name}): {r.seconds} s" for r, p in
                          sorted(zip(results, paths), key=lambda rp: -rp[0].seconds)[:3]],
        **totals, "registry_rows": rows, "problems": problems, "log": run.log, "home": str(cluster.home),
    }


async def check(client: Client, registry: Registry, results: list[Outcome], paths: list[CasePath],
                keep: Path) -> tuple[dict[str, list[str]], dict[str, Any], dict[str, int]]:
    """Each case against its path and its own history (tests/proof.py), and the totals. The history
    of a case with a problem or a failed task is kept in ``keep`` (the run's home) as evidence."""
    problems: dict[str, list[str]] = {}
    totals: dict[str, Any] = dict.fromkeys(("activities", "activity_retries", "workflow_task_timeouts",
                                            "workflow_task_failures", "history_events"), 0)
    totals["engine_task_failures"] = []  # failed by the engine and retried: reported, not a problem (tests/proof.py)
    totals["refused_then_accepted"] = [f"{r.number}: {line}" for r in results for line in r.refused]
    rows = dict.fromkeys(("events", "notices", "ledger", "work_items"), 0)
    for result, path in zip(results, paths, strict=True):
        number, name = result.number, f"{result.number} ({path.name})"
        history = await client.get_workflow_handle(number).fetch_history()
        meeting = await client.get_workflow_handle(meeting_id(number)).fetch_history() if path.meeting else None
        writes = expected_writes(history)
        totals["activities"] += writes.activities
        totals["history_events"] += len(history.events) + (len(meeting.events) if meeting else 0)
        totals["activity_retries"] += writes.retries
        totals["workflow_task_timeouts"] += writes.task_timeouts
        totals["workflow_task_failures"] += len(writes.failures)
        totals["engine_task_failures"] += [f"{number}: {f}" for f in writes.failures if not f.ours]
        if result.stuck:
            problems[name] = [f"stuck: {result.stuck}"]
        elif result.failed:
            problems[name] = [f"driving it failed: {result.failed}"]
        elif found := verify(registry, number, path, history, result.outcome, meeting=meeting,
                                    under_faults=True):
            problems[name] = found
        if name in problems or result.stuck or writes.failures:
            (keep / f"history-{number}.json").write_text(history.to_json(), encoding="utf-8")
        rows["events"] += len(registry.events(number))
        rows["notices"] += len(registry.notifications(number))
        rows["ledger"] += len(registry.deadlines(number))
        rows["work_items"] += len(registry.work_items(case_number=number))
    return problems, totals, rows


def report(result: dict[str, Any]) -> str:
    lines = [f"fault test: {result['cases']} cases over {len(result['paths'])} paths, registry {result['registry']}",
             f"  {result['seconds']} s, {result['cases_per_second']} cases/s",
             f"  slowest: {', '.join(result['slowest_cases'])}",
             f"  worker kills (-9) {result['worker_kills']}, crashes right after a registry write "
             f"{result['crashes_after_write']}, other worker deaths "
             f"{result['worker_failures']}, worker restarts {result['worker_restarts']}, "
             f"server stopped and started {result['server_restarts']}, killed (-9) and started "
             f"{result['server_kills']}",
             f"  {outage(result)}",
             f"  activities {result['activities']}, activity retries {result['activity_retries']}, "
             f"workflow task timeouts {result['workflow_task_timeouts']}, "
             f"workflow task failures {result['workflow_task_failures']}",
             *(f"  {line}" for line in result["engine_task_failures"]),
             *(f"  refused, then accepted when sent again: {line}" for line in result["refused_then_accepted"]),
             f"  registry rows {result['registry_rows']}",
             "  every case at its expected stage, every write exactly once"
             if not result["problems"]
             else f"  PROBLEMS in {len(result['problems'])} cases: "
             + json.dumps(result["problems"], ensure_ascii=False, indent=2)]
    return "\n".join(lines)


def outage(result: dict[str, Any]) -> str:
    if not (down := result["db_outage"]):
        return "database outage: none" + (" (SQLite registry)" if result["registry"] == "sqlite" else "")
    return (f"database outage: PostgreSQL stopped after {down['after_cases']} cases, started again "
            f"{down['down_seconds']} s later; meanwhile {down['worker_starts']} worker starts, "
            f"{down['worker_failures']} worker deaths other than the planted crash")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--paths", help="walk only these paths of tests/paths (names, comma-separated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--db-url", help="registry URL (default: SQLite beside the server's file)")
    parser.add_argument("--db-outage", type=float, default=30.0,
                        help="seconds the PostgreSQL registry is stopped mid-run (0: never)")
    parser.add_argument("--crash-after-write", type=float, default=0.01,
                        help="chance a worker dies right after a registry write commits")
    parser.add_argument("--json", type=Path, default=RESULTS / "fault.json")
    args = parser.parse_args()
    names = [n.strip() for n in args.paths.split(",")] if args.paths else []
    if unknown := [n for n in names if n not in BY_NAME]:
        parser.error(f"没有这些路径 / unknown paths: {', '.join(unknown)}")
    result = asyncio.run(main(Run(cases=args.cases, seed=args.seed, paths=names, workers=args.workers,
                                 db_url=args.db_url, db_outage=args.db_outage,
                                 crash_after_write=args.crash_after_write)))
    finish(result, report(result), args.json, failed=bool(result["problems"]))


if __name__ == "__main__":
    cli()
