"""A year of one city's labour disputes on one machine (issue 18). Cases arrive by a calendar and walk
every track of the path table (tests/paths) on the embedded dev server (persistent SQLite file,
per-workflow time skipping, two worker processes); then a bare baseline with the same activities,
events and timers per case (bench/bare.py) takes the same arrivals on the same server. Not part of
`make test`.

    python -m bench.year                  # 1 % of a year: 200 disputes, about 10 minutes on 2 cores
    python -m bench.year --full           # the whole year: 20,000 disputes
    python -m bench.year --share 0.05 --mix mediation=0.5,arbitration=0.3,inspection=0.2

Arrivals. ``--disputes`` a year (20,000: a city the size of Nanchang as issue 18 sizes it; an
assumption, not a published count) are spread over the days of ``--year`` by weight: a working day
1, a weekend or 调休 rest day ``--rest-day`` (0.3: the 12345 hotline and online intake take
complaints while the desks are shut), a public holiday ``--holiday`` (0.1), each times ``--winter``
(1.6) from 15 November to the eve of Spring Festival, when the yearly winter campaign against wage
arrears (根治欠薪冬季专项行动) and workers going home for the festival bring the complaints in.
``--share`` of the year is run: that many arrival days drawn by those weights. Each day's cases are
opened together (the morning's queue at the desks), the next day's once fewer than
``--concurrency`` cases are open. Each case walks a path of one family of tracks drawn by ``--mix``
(default ``MIX`` below: mediation first, as the plan's 调解优先 asks; assumed, no split is
published), then uniformly within the family.

The dev server starts a workflow at the real now, so a case's own dates (its deadlines, its
calendar) start today whatever its arrival day; the arrival calendar decides the order, the bursts
and the mix. The bare baseline is the case workflow's shape only: a meeting's own workflow (group
cases) has none, which flatters bare.

Printed and written (JSON, bench/results/year.json): cases/s, ours against bare on the same
arrivals (ours include the driver's own waits: it polls each case's state between steps and
fast-forwards its clock, where bare sends at once); CPU seconds per case of each process, bare's
total over ours (the figure a noisy machine does not move); history events and database bytes per case; the
ledger's deadline outcomes per rule, with the check that every case ended where its path says with
each write exactly once (tests/proof.py); the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

import chinese_calendar

from bench.bare import shape
from bench.cluster import Cluster, finish, quiet_client_retries
from bench.fault import Driver, Outcome, check
from bench.run import bare_case, cpu_now
from domain.calendar import SHANGHAI, WorkCalendar
from domain.statutory_holidays import spring_festival, statutory_holidays
from registry.store import Registry
from tests.paths import FAMILIES, FAMILY_OF, CasePath

RESULTS = Path(__file__).parent / "results"
MIX = {"mediation": 0.40, "arbitration": 0.22, "inspection": 0.12, "confirmation": 0.08, "edges": 0.10,
       "payment_order": 0.05, "coordination": 0.03}
Arrival = tuple[date, CasePath]


@dataclass
class Year:
    disputes: int = 20_000
    share: float = 0.01
    year: int = 2026
    rest_day: float = 0.3
    holiday: float = 0.1
    winter: float = 1.6
    mix: dict[str, float] = field(default_factory=lambda: dict(MIX))
    concurrency: int = 50
    workers: int = 2
    seed: int = 1
    timeout: float = 900  # per case
    db_url: str | None = None


# ---- the calendar of arrivals -------------------------------------------------------------------


def public_holiday(day: date) -> bool:
    """A day of a named holiday break (the State Council's notice), or of the regulation's own days
    for a year the package has no notice for."""
    try:
        return chinese_calendar.get_holiday_detail(day)[1] is not None
    except NotImplementedError:
        return day in statutory_holidays(day.year)


def in_winter_campaign(day: date) -> bool:
    return day >= date(day.year, 11, 15) or day < spring_festival(day.year)


def day_weight(day: date, year: Year, calendar: WorkCalendar) -> float:
    if calendar.is_workday(day)[0]:
        weight = 1.0
    else:
        weight = year.holiday if public_holiday(day) else year.rest_day
    return weight * (year.winter if in_winter_campaign(day) else 1.0)


def arrivals(year: Year, rng: random.Random) -> list[Arrival]:
    """The run's disputes in arrival order: (day, path)."""
    if unknown := set(year.mix) - set(FAMILIES):
        raise ValueError(f"没有这些路径族 / unknown families: {', '.join(sorted(unknown))}")
    calendar = WorkCalendar()
    first = date(year.year, 1, 1)
    days = [first + timedelta(days=k) for k in range((date(year.year + 1, 1, 1) - first).days)]
    count = max(1, round(year.disputes * year.share))
    picked = sorted(rng.choices(days, weights=[day_weight(d, year, calendar) for d in days], k=count))
    families = list(year.mix)
    drawn = rng.choices(families, weights=[year.mix[f] for f in families], k=count)
    return [(day, rng.choice(FAMILIES[family])) for day, family in zip(picked, drawn, strict=True)]


async def by_day(arrived: list[Arrival], concurrency: int, one: Callable[[int, CasePath], Awaitable[Any]]) -> list[Any]:
    """Open each day's cases together, the next day's once fewer than ``concurrency`` are open."""
    tasks: list[asyncio.Task[Any]] = []
    running: set[asyncio.Task[Any]] = set()
    for _, batch in groupby(enumerate(arrived), key=lambda item: item[1][0]):
        while len(running) >= concurrency:
            _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for index, (_, path) in batch:
            task = asyncio.create_task(one(index, path))
            tasks.append(task)
            running.add(task)
    return await asyncio.gather(*tasks)


# ---- measuring -----------------------------------------------------------------------------------


def file_bytes(*files: Path) -> int:
    return sum(f.stat().st_size for f in files if f.exists())


def server_bytes(home: Path) -> int:
    return file_bytes(home / "temporal.db", home / "temporal.db-wal")


def registry_bytes(registry: Registry) -> int:
    """The registry's size: its SQLite file and WAL, or PostgreSQL's size of the database."""
    url = registry.engine.url
    if url.get_backend_name() == "sqlite":
        return file_bytes(Path(str(url.database)), Path(f"{url.database}-wal"))
    with registry.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())


def spent(before: dict[str, float], after: dict[str, float], cases: int, processes: list[str]) -> dict[str, float]:
    """CPU seconds per case of the named processes between two readings, and their total."""
    per = {name: round((after[name] - before[name]) / cases, 4) for name in processes}
    return {**per, "total": round(sum(per.values()), 4)}


def deadline_outcomes(registry: Any, numbers: list[str]) -> dict[str, dict[str, int]]:
    """The ledger at the end: per rule, how many clocks stand in each state."""
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for number in numbers:
        for row in registry.deadlines(number):
            by_rule[row.rule_id][row.state] += 1
    return {rule: dict(states) for rule, states in sorted(by_rule.items())}


# ---- the run -------------------------------------------------------------------------------------


async def main(year: Year) -> dict[str, Any]:
    quiet_client_retries()
    rng = random.Random(year.seed)
    arrived = arrivals(year, rng)
    home = Path(tempfile.mkdtemp(prefix="weiquan-year-"))
    cluster = Cluster(home, db_url=year.db_url)
    bare_worker = Cluster(home, port=0, worker_command=(sys.executable, "-m", "bench.bare"))
    try:
        client = await cluster.start_server()
        bare_worker.port = cluster.port
        registry = cluster.registry()
        cluster.start_workers(year.workers)
        bare_worker.start_worker(year.workers)
        driver = Driver(cluster, client)
        today = datetime.now(SHANGHAI).date()
        pids = {"server": cluster.server.pid, **{f"worker_{s}": p.pid for s, p in cluster.workers.items()},
                "bare_worker": bare_worker.workers[year.workers].pid}
        ours = [*(f"worker_{s}" for s in cluster.workers), "server", "driver"]
        paths = [path for _, path in arrived]

        print(f"ours: {len(arrived)} disputes …", file=sys.stderr)
        began, cpu, disk, reg = time.monotonic(), cpu_now(pids), server_bytes(home), registry_bytes(registry)
        results: list[Outcome] = await by_day(arrived, year.concurrency,
                                              lambda i, p: driver.case(p, today, year.timeout, i))
        ours_s, ours_cpu = time.monotonic() - began, cpu_now(pids)
        ours_disk, ours_reg = server_bytes(home) - disk, registry_bytes(registry) - reg

        print("checking every case against its path …", file=sys.stderr)
        problems, totals, rows = await check(client, registry, results, paths, home)
        first = {}
        for result, path in zip(results, paths, strict=True):
            first.setdefault(path.name, result.number)
        shapes = {name: shape(await client.get_workflow_handle(number).fetch_history())
                  for name, number in first.items()}

        print("bare: the same arrivals …", file=sys.stderr)
        began, cpu_bare, disk = time.monotonic(), cpu_now(pids), server_bytes(home)
        await by_day(arrived, year.concurrency, lambda i, p: bare_case(client, i, shapes[p.name][0], "year",
                                                                       shapes[p.name][1]))
        bare_s, bare_cpu = time.monotonic() - began, cpu_now(pids)
        bare_disk = server_bytes(home) - disk
    finally:
        bare_worker.stop_workers()
        cluster.close()
    n = len(arrived)
    months = Counter(day.strftime("%Y-%m") for day, _ in arrived)
    families = {name: sum(FAMILY_OF[p.name] == name for p in paths) for name in FAMILIES}
    seconds = defaultdict(list)
    for result, path in zip(results, paths, strict=True):
        seconds[FAMILY_OF[path.name]].append(result.seconds)
    timers = sum(sum(map(sum, shapes[p.name][1])) for p in paths)
    return {
        "disputes_a_year": year.disputes, "share": year.share, "year": year.year, "cases": n,
        "weights": {"rest_day": year.rest_day, "holiday": year.holiday, "winter": year.winter},
        "mix": year.mix, "seed": year.seed, "concurrency": year.concurrency, "workers": year.workers,
        "registry": "postgresql" if year.db_url else "sqlite",
        "arrivals_by_month": dict(sorted(months.items())), "cases_by_family": families,
        "median_case_seconds_by_family": {k: round(statistics.median(v), 1) for k, v in sorted(seconds.items())},
        "paths": sorted({p.name for p in paths}),
        "ours_s": round(ours_s, 1), "bare_s": round(bare_s, 1),
        "ours_per_s": round(n / ours_s, 2), "bare_per_s": round(n / bare_s, 2), "ratio": round(bare_s / ours_s, 3),
        "cpu_per_case": (cpu_per_case := {"ours": spent(cpu, ours_cpu, n, ours),
                                          "bare": spent(cpu_bare, bare_cpu, n, ["bare_worker", "server", "driver"])}),
        "cpu_ratio": round(cpu_per_case["bare"]["total"] / cpu_per_case["ours"]["total"], 3),
        "activities_per_case": round(totals["activities"] / n, 1), "timers_per_case": round(timers / n, 1),
        "history_events_per_case": round(totals["history_events"] / n, 1),
        "server_bytes_per_case": {"ours": round(ours_disk / n), "bare": round(bare_disk / n)},
        "registry_bytes_per_case": round(ours_reg / n), "registry_rows": rows,
        "deadline_outcomes": deadline_outcomes(registry, [r.number for r in results]),
        "workflow_task_failures": totals["workflow_task_failures"],
        "engine_task_failures": totals["engine_task_failures"],
        "refused_then_accepted": totals["refused_then_accepted"],
        "problems": problems, "wall_s": round(ours_s + bare_s, 1), "home": str(home),
    }


def report(r: dict[str, Any]) -> str:
    cpu = r["cpu_per_case"]
    by_process = lambda who: ", ".join(f"{k} {v:.3f}" for k, v in cpu[who].items() if k != "total")  # noqa: E731
    lines = [
        f"a year of disputes: {r['cases']} of {r['disputes_a_year']:,} ({r['share']:.0%}) over {len(r['paths'])} "
        f"paths, year {r['year']}, registry {r['registry']}, {r['workers']} workers, concurrency {r['concurrency']}",
        "  arrivals by month: " + ", ".join(f"{m[5:]}: {c}" for m, c in r["arrivals_by_month"].items()),
        "  cases by family: " + ", ".join(f"{k} {v}" for k, v in r["cases_by_family"].items()),
        f"  ours {r['ours_per_s']} cases/s ({r['ours_s']} s), bare {r['bare_per_s']}/s ({r['bare_s']} s): "
        f"ratio {r['ratio']:.2f}",
        f"  CPU s per case: ours {cpu['ours']['total']:.3f} ({by_process('ours')}); "
        f"bare {cpu['bare']['total']:.3f} ({by_process('bare')}): ratio {r['cpu_ratio']:.2f}",
        f"  per case: {r['activities_per_case']} activities, {r['timers_per_case']} timers, "
        f"{r['history_events_per_case']} history events; server database {r['server_bytes_per_case']['ours']:,} "
        f"bytes (bare {r['server_bytes_per_case']['bare']:,}), registry {r['registry_bytes_per_case']:,} bytes",
        "  deadline outcomes: " + "; ".join(f"{rule} " + ", ".join(f"{s} {n}" for s, n in states.items())
                                            for rule, states in r["deadline_outcomes"].items()),
        f"  wall time {r['wall_s']} s",
        "  every case where its path says, every write exactly once" if not r["problems"]
        else f"  PROBLEMS in {len(r['problems'])} cases: " + json.dumps(r["problems"], ensure_ascii=False, indent=2),
    ]
    return "\n".join(lines)


def mix(text: str) -> dict[str, float]:
    try:
        pairs = [item.split("=") for item in text.split(",")]
        return {name.strip(): float(weight) for name, weight in pairs}
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"--mix wants family=weight,…: {err}") from err


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Year()
    parser.add_argument("--disputes", type=int, default=defaults.disputes, help="disputes a year")
    parser.add_argument("--share", type=float, default=defaults.share, help="share of the year to run")
    parser.add_argument("--full", action="store_true", help="the whole year (--share 1)")
    parser.add_argument("--year", type=int, default=defaults.year)
    parser.add_argument("--rest-day", type=float, default=defaults.rest_day,
                        help="arrivals on a rest day, × a working day")
    parser.add_argument("--holiday", type=float, default=defaults.holiday, help="on a public holiday, × a working day")
    parser.add_argument("--winter", type=float, default=defaults.winter,
                        help="× from 15 November to the eve of Spring Festival")
    parser.add_argument("--mix", type=mix, default=defaults.mix, help="family=weight,… (tests/paths FAMILIES)")
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--workers", type=int, default=defaults.workers, help="worker processes")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--db-url", help="registry URL (default: SQLite beside the server's file)")
    parser.add_argument("--json", type=Path, default=RESULTS / "year.json")
    args = parser.parse_args()
    if unknown := set(args.mix) - set(FAMILIES):
        parser.error(f"没有这些路径族 / unknown families: {', '.join(sorted(unknown))}; known: {', '.join(FAMILIES)}")
    year = Year(disputes=args.disputes, share=1.0 if args.full else args.share, year=args.year, rest_day=args.rest_day,
                holiday=args.holiday, winter=args.winter, mix=args.mix, concurrency=args.concurrency,
                workers=args.workers, seed=args.seed, db_url=args.db_url)
    result = asyncio.run(main(year))
    finish(result, report(result), args.json, failed=bool(result["problems"]))


if __name__ == "__main__":
    cli()
