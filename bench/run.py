"""Benchmark: what the case system costs compared with bare Temporal, side by side on one dev server
(persistent SQLite file, WAL), workers as separate processes, registry on SQLite.

    make bench                       # = python -m bench.run ; table on stdout, JSON in bench/results/
    python -m bench.run --cases 100 --group-csv /work/shared/data/group-case-1000.csv

Figures (goal in brackets):
- full-case throughput (happy path to closure) ÷ a bare workflow with the same activities and
  events (no-op bodies) at the same concurrency, the median of the rounds' ratios (each round of
  ours against the bare round beside it) with their spread  [≥ 0.85]
- CPU seconds per case of each process (server, case worker, bare worker, this driver; /proc), the
  bare workflow's total ÷ ours: what a noisy machine does not move  [≥ 0.85]
- starting a 1,000-worker group dispute through the CLI (`weiquan case start-group`) ÷ bare
  start_workflow of as many workflows at the same concurrency  [≥ 0.9]
- event round trip p50/p95 (an event to a case and its answer) ÷ the same on a bare workflow  [≤ 1.5]
- wall time of a year-long case on the time-skipping server; history events of the longest path
  [≤ 1,000]; case-worker memory with 1,000 open cases
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from bench.bare import QUEUE, BareIdle, BareWorkflow, shape
from bench.cluster import Cluster, cpu_s, finish, quiet_client_retries, rss_mb
from domain.calendar import SHANGHAI
from domain.models import CaseIntake
from domain.rules import load_settings
from registry.store import Registry, make_engine
from starters.cases import EventRefused, open_case, poll, send_event
from starters.directory import seed_demo_directory
from starters.group import read_rows
from starters.search_attributes import ensure_search_attributes
from tests import factories
from tests.conftest import running_workers
from tests.paths import HAPPY, PATHS, Send, walk
from workers.binaries import binary
from workers.connect import data_converter
from workflows.case import CaseWorkflow

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "group-intake.json"


def today() -> Any:
    return datetime.now(SHANGHAI).date()


async def until_accepted(call: Callable[[], Awaitable[Any]], refused: tuple[type[BaseException], ...]) -> Any:
    """Send an event until the case is ready for it (refused as not now before)."""
    while True:
        try:
            return await call()
        except refused:
            await asyncio.sleep(0.1)


async def timed_batch(count: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def run(i: int) -> None:
        async with gate:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(run(i) for i in range(count)))
    return time.perf_counter() - started


# ---- 1. full case vs bare workflow ---------------------------------------------------------------


async def full_case(client: Client, i: int) -> None:
    intake = CaseIntake.from_input(factories.intake(), today())
    number, _ = await open_case(client, intake)
    for k, step in enumerate(HAPPY.steps):
        assert isinstance(step, Send)
        payload = step.payload(f"{number}:{k}", today())
        await until_accepted(lambda p=payload, s=step: send_event(client, number, s.event, p), (EventRefused,))
    await client.get_workflow_handle_for(CaseWorkflow.run, number).result()


async def bare_send(handle: Any, signal: Any, n: int) -> bool:
    """starters.cases.send_event's protocol on a bare workflow: read the answer, signal, read again
    until it grew; True when applied."""
    def read() -> Any:
        return handle.query("answer", n, result_type=tuple[int, bool] | None)
    before = await read()
    await handle.signal(signal, n)
    tried = before[0] if before else 0
    return (await poll(read, lambda a: a[0] > tried))[1]


async def bare_case(client: Client, i: int, plan: list[int], tag: str,
                    timers: list[list[int]] | None = None) -> None:
    handle = await client.start_workflow(BareWorkflow.run, args=[plan, timers], id=f"bare-{tag}-{i}",
                                         task_queue=QUEUE)
    for n in range(1, len(plan)):
        while not await bare_send(handle, BareWorkflow.step, n):  # refused as early: sent again, as the case's driver does
            await asyncio.sleep(0.1)
    await handle.result()


def cpu_now(processes: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by this driver and by each process of the run."""
    return {"driver": time.process_time(), **{name: cpu_s(pid) for name, pid in processes.items()}}


async def measured(cases: int, concurrency: int, one: Callable[[int], Awaitable[Any]],
                   processes: dict[str, int]) -> tuple[float, dict[str, float]]:
    """Cases per second of a batch, and the CPU seconds per case each process spent on it."""
    before = cpu_now(processes)
    seconds = await timed_batch(cases, concurrency, one)
    after = cpu_now(processes)
    spent = {name: (after[name] - before[name]) / cases for name in after}
    return cases / seconds, {**spent, "total": sum(spent.values())}


async def throughput(client: Client, cases: int, concurrency: int, rounds: int,
                     processes: dict[str, int]) -> dict[str, Any]:
    number, _ = await open_case(client, CaseIntake.from_input(factories.intake(), today()))
    await walk(client, number, HAPPY, lambda *_: asyncio.sleep(0), lambda _: asyncio.sleep(0, datetime.now(UTC)),
               today=today())
    history = await client.get_workflow_handle(number).fetch_history()
    plan = shape(history)[0]  # activities and events only: the figures of the runs before timers
    await bare_case(client, 0, plan, "warm")
    full, bare, full_cpu, bare_cpu = [], [], [], []
    for r in range(rounds):  # alternate, so both see the same server state
        rate, cpu = await measured(cases, concurrency, lambda i: full_case(client, i), processes)
        full.append(rate)
        full_cpu.append(cpu)
        rate, cpu = await measured(cases, concurrency, lambda i, r=r: bare_case(client, i, plan, f"{r}"), processes)
        bare.append(rate)
        bare_cpu.append(cpu)
    ratios = [f / b for f, b in zip(full, bare, strict=True)]  # each round against the bare round beside it
    cpu_ratios = [b["total"] / f["total"] for f, b in zip(full_cpu, bare_cpu, strict=True)]

    def per_case(rounds_cpu: list[dict[str, float]]) -> dict[str, float]:
        return {name: round(statistics.median(c[name] for c in rounds_cpu), 4) for name in rounds_cpu[0]}

    return {"cases": cases, "concurrency": concurrency, "rounds": rounds, "activities_per_case": sum(plan),
            "events_per_case": len(plan) - 1, "history_events": len(history.events), "plan": plan,
            "full_cases_per_s": round(statistics.median(full), 2), "bare_per_s": round(statistics.median(bare), 2),
            "ratio": round(statistics.median(ratios), 3), "ratio_spread": [round(min(ratios), 3), round(max(ratios), 3)],
            "all_ratios": [round(x, 3) for x in ratios], "all_full": [round(x, 2) for x in full],
            "all_bare": [round(x, 2) for x in bare],
            # CPU seconds per case (median over rounds); the ratio is bare's total over ours, so that
            # like the throughput ratio it is 1 when a case costs what a bare workflow costs.
            "cpu_per_case": {"ours": per_case(full_cpu), "bare": per_case(bare_cpu)},
            "cpu_ratio": round(statistics.median(cpu_ratios), 3),
            "cpu_ratio_spread": [round(min(cpu_ratios), 3), round(max(cpu_ratios), 3)]}


# ---- 2. group start through the CLI vs bare start_workflow ---------------------------------------


def cli_start_group(csv: Path, concurrency: int) -> tuple[float, Any]:
    from starters.cli import app

    started = time.perf_counter()
    result = CliRunner().invoke(app, ["case", "start-group", "--csv", str(csv), "--intake", str(TEMPLATE),
                                      "--consent", "--concurrency", str(concurrency), "--json"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return elapsed, json.loads(result.stdout)


async def bare_starts(client: Client, count: int, concurrency: int) -> float:
    return await timed_batch(count, concurrency, lambda i: client.start_workflow(
        BareIdle.run, id=f"bare-start-{i}", task_queue="bench.nobody"))


# ---- 3. event round trips --------------------------------------------------------------------------


async def round_trips(client: Client, numbers: list[str], samples: int) -> dict[str, Any]:
    idle = await client.start_workflow(BareIdle.run, id="bare-idle", task_queue=QUEUE)
    await idle.execute_update(BareIdle.ping, 0)
    ours, bare, bare_update = [], [], []
    for i, number in enumerate(numbers[:samples]):
        payload = {"event_id": f"rtt-{i}", "actor": {"unit": "legal_aid", "person": "法援中心"}, "granted": True,
                   "lawyer": {"name": "李律师"}}
        started = time.perf_counter()
        await send_event(client, number, "legal_aid_decision", payload)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        await bare_send(idle, BareIdle.event, i)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        await idle.execute_update(BareIdle.ping, i)
        bare_update.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)  # one at a time: latency, not throughput
    await idle.signal(BareIdle.stop)

    def pct(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    # "bare": the same protocol (signal, answer query) on a bare workflow; "bare_update": one update
    # that returns at once, what the case's answer would cost if updates could be trusted.
    p = {f"{who}_p{q}_ms": round(pct(values, q), 1)
         for who, values in (("case", ours), ("bare", bare), ("bare_update", bare_update)) for q in (50, 95)}
    return {"samples": len(ours), **p, "ratio_p50": round(p["case_p50_ms"] / p["bare_p50_ms"], 2),
            "ratio_p95": round(p["case_p95_ms"] / p["bare_p95_ms"], 2),
            "ratio_to_update_p50": round(p["case_p50_ms"] / p["bare_update_p50_ms"], 2)}


# ---- 4. time-skipping server: a year-long case, history length of every path ------------------------


async def time_skipping(home: Path) -> dict[str, Any]:
    registry = Registry(make_engine(f"sqlite:///{home}/ts-registry.db"))
    registry.create_all()
    seed_demo_directory(registry)
    events: dict[str, int] = {}
    year = 0.0
    for path in PATHS:  # a fresh server per path: its clock and time-skipping lock are global
        async with await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=binary("temporal-test-server"), data_converter=data_converter()) as env:
            await ensure_search_attributes(env.client)
            async with running_workers(env.client, registry, load_settings()) as prefix:
                intake = CaseIntake.from_input(factories.intake(**path.intake), today())
                started = time.perf_counter()
                number, _ = await open_case(env.client, intake, prefix=prefix)
                await walk(env.client, number, path, lambda _, d: env.sleep(d), lambda _: env.get_current_time(),
                           today=today())
                await env.client.get_workflow_handle(number).result()
                if path.name == "year_long_mediation":
                    year = time.perf_counter() - started
                events[path.name] = len((await env.client.get_workflow_handle(number).fetch_history()).events)
    longest = max(events, key=lambda k: events[k])
    return {"year_long_case_s": round(year, 2), "history_events": events, "longest_path": longest,
            "longest_path_events": events[longest]}


# ---- the run -------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> dict[str, Any]:
    quiet_client_retries()
    home = Path(tempfile.mkdtemp(prefix="weiquan-bench-"))
    cluster = Cluster(home)
    bare_worker = Cluster(home, port=0, worker_command=(sys.executable, "-m", "bench.bare"))
    try:
        client = await cluster.start_server()
        bare_worker.port = cluster.port
        cluster.registry()
        cluster.start_worker(0)
        bare_worker.start_worker(1)
        result: dict[str, Any] = {"server": "temporal server start-dev (SQLite file, WAL)", "registry": "sqlite"}
        print("1/4 throughput …", file=sys.stderr)
        processes = {"server": cluster.server.pid, "case_worker": cluster.workers[0].pid,
                     "bare_worker": bare_worker.workers[1].pid}
        result["throughput"] = await throughput(client, args.cases, args.concurrency, args.rounds, processes)

        print("2/4 group start …", file=sys.stderr)
        cluster.stop_workers()  # starting only: nobody runs the cases yet
        count = len(read_rows(args.group_csv))
        cli_s, started = await asyncio.to_thread(cli_start_group, args.group_csv, args.group_concurrency)
        bare_s = await bare_starts(client, count, args.group_concurrency)
        result["group_start"] = {"workers": count, "opened": started["opened"], "concurrency": args.group_concurrency,
                                 "cli_s": round(cli_s, 2), "cli_per_s": round(count / cli_s, 1),
                                 "bare_s": round(bare_s, 2), "bare_per_s": round(count / bare_s, 1),
                                 "ratio": round(bare_s / cli_s, 3)}

        print("3/4 memory with the group's cases open, event round trips …", file=sys.stderr)
        cluster.start_worker(0)
        await asyncio.sleep(3)
        base = rss_mb(cluster.workers[0].pid)
        registry = Registry(make_engine(cluster.registry_url))
        deadline = time.monotonic() + 600
        while len(at_review := registry.cases(stage="legal_aid_review", limit=10**6)) + len(
                registry.cases(stage="mediation", limit=10**6)) < count and time.monotonic() < deadline:
            await asyncio.sleep(1)
        await asyncio.sleep(2)
        result["memory"] = {"open_cases": count, "worker_rss_mb_idle": round(base, 1),
                            "worker_rss_mb": round(rss_mb(cluster.workers[0].pid), 1)}
        result["memory"]["kb_per_open_case"] = round((result["memory"]["worker_rss_mb"] - base) * 1024 / count, 1)
        numbers = [c.case_number for c in at_review]
        result["updates"] = await round_trips(client, numbers, args.samples)

        print("4/4 time-skipping server …", file=sys.stderr)
        result["time_skipping"] = await time_skipping(home)
    finally:
        bare_worker.stop_workers()
        cluster.close()
    return result


def table(r: dict[str, Any]) -> str:
    t, g, u, m, ts = r["throughput"], r["group_start"], r["updates"], r["memory"], r["time_skipping"]
    cpu = t["cpu_per_case"]
    rows = [
        (f"Full-case throughput, happy path to closure (median of {t['rounds']} rounds; "
         f"{t['ratio_spread'][0]:.2f}–{t['ratio_spread'][1]:.2f})", f"{t['full_cases_per_s']} cases/s",
         f"bare: {t['bare_per_s']}/s ({t['activities_per_case']} no-op activities, {t['events_per_case']} events)",
         f"{t['ratio']:.2f}", "≥ 0.85"),
        (f"CPU per case, all processes (median of {t['rounds']})", f"{cpu['ours']['total']:.3f} s",
         f"bare: {cpu['bare']['total']:.3f} s", f"{t['cpu_ratio']:.2f}", "≥ 0.85"),
        (f"Group dispute start via CLI ({g['workers']} workers)", f"{g['cli_per_s']} cases/s ({g['cli_s']} s)",
         f"bare start_workflow: {g['bare_per_s']}/s ({g['bare_s']} s)", f"{g['ratio']:.2f}", "≥ 0.9"),
        ("Event round trip p50", f"{u['case_p50_ms']} ms",
         f"bare: {u['bare_p50_ms']} ms (one update: {u['bare_update_p50_ms']} ms)",
         f"{u['ratio_p50']:.2f}", "≤ 1.5"),
        ("Event round trip p95", f"{u['case_p95_ms']} ms", f"bare: {u['bare_p95_ms']} ms",
         f"{u['ratio_p95']:.2f}", "≤ 1.5"),
        ("Year-long case, time-skipping server", f"{ts['year_long_case_s']} s wall", "", "", ""),
        (f"History events, longest path ({ts['longest_path']})", str(ts["longest_path_events"]), "", "", "≤ 1,000"),
        (f"Case-worker memory, {m['open_cases']} open cases", f"{m['worker_rss_mb']} MB RSS",
         f"idle {m['worker_rss_mb_idle']} MB; {m['kb_per_open_case']} KB per case", "", ""),
    ]
    head = ("Measure", "Ours", "Bare Temporal", "Ratio", "Goal")
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(5)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    by_process = ("CPU seconds per case by process (median over rounds): "
                  + ", ".join(f"{name} {cpu['ours'][name]:.3f}" for name in cpu["ours"] if name != "total")
                  + "; bare: " + ", ".join(f"{name} {cpu['bare'][name]:.3f}" for name in cpu["bare"] if name != "total"))
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows),
                      "", by_process])


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100, help="cases per throughput round")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds (ours, then bare, in turns)")
    parser.add_argument("--group-csv", type=Path, default=factories.shared_file("group-case-1000.csv"))
    parser.add_argument("--group-concurrency", type=int, default=64)
    parser.add_argument("--samples", type=int, default=200, help="event round trips")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench.json")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    finish(result, table(result), args.json)


if __name__ == "__main__":
    cli()
