"""Open-case capacity (issue 18): open N cases (generated parties, valid check characters) and leave
them waiting on one embedded dev server, a share of them overdue; then time what supervisors ask:
the Web UI's queries through the visibility API, `weiquan case list` (in process) and the
registry's own queries, and measure the worker's memory with its bounded workflow cache and the
databases' size. Not part of `make test`.

    python -m bench.open_cases                         # 100,000 cases
    python -m bench.open_cases --cases 10000 --cache 1000 --samples 20

Two cases in three are opened with the workers' consent to legal aid; a case the centre takes
waits for its same-day review, the others in mediation (SPEC). ``--overdue`` of the reviews are
left to lapse: those cases' clocks are fast-forwarded two days (per-workflow time
skipping). Every query is run ``--samples`` times; p50 and p95 in ms. Goal: p95 ≤ 1 s for each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from temporalio.client import Client
from temporalio.testing import TimeSkipper, TimeSkippingConfig
from typer.testing import CliRunner

from bench.cluster import Cluster, finish, quiet_client_retries, rss_mb
from bench.run import timed_batch
from bench.year import registry_bytes, server_bytes
from domain import visibility
from domain.calendar import SHANGHAI
from domain.districts import DISTRICTS
from domain.identity import credit_check_char, id_check_char
from domain.models import CaseIntake
from registry.store import Registry
from registry.tables import CaseRecord
from starters.cases import open_case
from tests import factories

RESULTS = Path(__file__).parent / "results"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力永健春林海波"


@dataclass
class Capacity:
    cases: int = 100_000
    overdue: float = 0.01  # share of the reviews left to lapse
    cache: int = 1000  # the worker's max_cached_workflows
    workers: int = 1
    concurrency: int = 64  # starts at once
    samples: int = 20
    seed: int = 1
    db_url: str | None = None


# ---- generated parties -----------------------------------------------------------------------------


def id_number(rng: random.Random, district: str) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    first17 = f"{district}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def credit_code(rng: random.Random, district: str) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    first17 = f"91{district}{body}"
    return first17 + credit_check_char(first17)


def party_intake(i: int, rng: random.Random, today: date) -> CaseIntake:
    """The i-th generated case: a district in turn, one to three workers, consent to legal aid in
    two cases of three."""
    district = list(DISTRICTS)[i % len(DISTRICTS)]
    claimants = [{"name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                  "id_number": id_number(rng, district), "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                  "migrant_worker": rng.random() < 0.6, "consents_to_legal_aid": i % 3 != 2}
                 for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    data = factories.intake(amount=f"{rng.randrange(3000, 80000)}.00")
    data.update(district=district, claimants=claimants,
                employer={"name": f"南昌市{DISTRICTS[district]}某劳务有限公司{i}",
                          "credit_code": credit_code(rng, district), "contact_name": "王经理",
                          "contact_phone": f"0791-{rng.randrange(10**7, 10**8)}"})
    return CaseIntake.from_input(data, today)


# ---- timing ------------------------------------------------------------------------------------------


async def timed(samples: int, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """p50 and p95 in ms of ``samples`` calls one after another, and what the last one returned."""
    took, value = [], None
    for _ in range(samples):
        started = time.perf_counter()
        value = await call()
        took.append(time.perf_counter() - started)
    p95 = statistics.quantiles(took, n=20)[18] if len(took) > 1 else took[0]
    return {"p50_ms": round(statistics.median(took) * 1000, 1), "p95_ms": round(p95 * 1000, 1), "result": value}


def running(query: str) -> str:
    return f'WorkflowType="{visibility.CASE_WORKFLOW}" AND ExecutionStatus="Running" AND {query}'


async def first_page(client: Client, query: str) -> int:
    """The Web UI's list: the first page of 100 matching workflows."""
    count = 0
    async for _ in client.list_workflows(query, page_size=100, limit=100):
        count += 1
    return count


def cli_rows(*args: str) -> int:
    from starters.cli import app

    result = CliRunner().invoke(app, ["case", "list", *args, "--json"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return len(json.loads(result.stdout))


def per_district(registry: Registry) -> dict[str, int]:
    with registry.session() as s:
        return dict(s.exec(select(CaseRecord.district, func.count()).group_by(CaseRecord.district)).all())


def registered(registry: Registry) -> int:
    with registry.session() as s:
        return int(s.exec(select(func.count()).select_from(CaseRecord)).one())


async def queries(client: Client, registry: Registry, samples: int, before: datetime) -> dict[str, Any]:
    stage_agency = running('CaseStage="legal_aid_review" AND ResponsibleAgency="legal_aid"')
    overdue, soon = running("Overdue=true"), running(f'NextDeadline < "{before.isoformat()}"')

    async def count(query: str) -> int:
        return (await client.count_workflows(query)).count

    async def districts() -> dict[str, int]:
        return {code: await count(running(f'District="{code}"')) for code in DISTRICTS}

    def thread(fn: Callable[..., Any], *args: Any) -> Callable[[], Awaitable[Any]]:
        return lambda: asyncio.to_thread(fn, *args)

    plan: dict[str, Callable[[], Awaitable[Any]]] = {
        "visibility: list by stage and agency": lambda: first_page(client, stage_agency),
        "visibility: count by stage and agency": lambda: count(stage_agency),
        "visibility: list overdue": lambda: first_page(client, overdue),
        "visibility: count overdue": lambda: count(overdue),
        "visibility: list next deadline before a date": lambda: first_page(client, soon),
        "visibility: count per district (one count each)": districts,
        "weiquan case list --stage legal_aid_review --agency legal_aid": thread(
            cli_rows, "--stage", "legal_aid_review", "--agency", "legal_aid"),
        "weiquan case list --overdue": thread(cli_rows, "--overdue"),
        "weiquan case list --district 360113": thread(cli_rows, "--district", "360113"),
        "registry: cases by stage and agency": thread(lambda: len(registry.cases(stage="legal_aid_review",
                                                                                agency="legal_aid"))),
        "registry: overdue cases": thread(lambda: len(registry.cases(overdue=True))),
        "registry: count per district": thread(per_district, registry),
    }
    return {name: await timed(samples, call) for name, call in plan.items()}


# ---- the run -------------------------------------------------------------------------------------


async def settled(client: Client, registry: Registry, count: int, seconds: float = 7200) -> float:
    """Wait until every case is in the registry and filterable by stage in visibility."""
    started = told = time.monotonic()
    while time.monotonic() - started < seconds:
        rows = registered(registry)
        seen = (await client.count_workflows(running('CaseStage IS NOT NULL'))).count
        if rows >= count and seen >= count:
            return time.monotonic() - started
        if time.monotonic() - told > 60:  # a long run says how far it is
            print(f"  {time.monotonic() - started:.0f} s: {rows} in the registry, {seen} in visibility",
                  file=sys.stderr)
            told = time.monotonic()
        await asyncio.sleep(5)
    raise TimeoutError(f"after {seconds} s only {rows} cases in the registry, {seen} in visibility")


async def main(run: Capacity) -> dict[str, Any]:
    quiet_client_retries()
    rng = random.Random(run.seed)
    home = Path(tempfile.mkdtemp(prefix="weiquan-open-"))
    cluster = Cluster(home, db_url=run.db_url, worker_env={"WEIQUAN_MAX_CACHED_WORKFLOWS": str(run.cache)})
    try:
        client = await cluster.start_server()
        registry = cluster.registry()
        os.environ["WEIQUAN_DATABASE_URL"] = cluster.registry_url  # for `weiquan case list`
        cluster.start_workers(run.workers)
        today = datetime.now(SHANGHAI).date()
        skipper = TimeSkipper(client, config=TimeSkippingConfig(enabled=False))
        intakes = [party_intake(i, rng, today) for i in range(run.cases)]
        print(f"opening {run.cases} cases …", file=sys.stderr)

        opening_s = await timed_batch(run.cases, run.concurrency, lambda i: open_case(skipper.client, intakes[i]))
        print("waiting until every case waits …", file=sys.stderr)
        settling_s = await settled(client, registry, run.cases)
        reviews = [r.case_number for r in registry.cases(stage="legal_aid_review", limit=run.cases)]
        lapsing = reviews[:round(len(reviews) * run.overdue)]
        print(f"letting {len(lapsing)} reviews lapse …", file=sys.stderr)
        await timed_batch(len(lapsing), 16, lambda i: skipper.fast_forward(client.get_workflow_handle(lapsing[i]),
                                                                           timedelta(days=2)))
        deadline = time.monotonic() + 600
        while len(registry.cases(overdue=True, limit=run.cases)) < len(lapsing) and time.monotonic() < deadline:
            await asyncio.sleep(2)
        await asyncio.sleep(5)  # the last attribute upserts reach visibility
        stages = {stage: (await client.count_workflows(running(f'CaseStage="{stage}"'))).count
                  for stage in ("legal_aid_review", "mediation")}
        print("timing the queries …", file=sys.stderr)
        timings = await queries(client, registry, run.samples, datetime.now(SHANGHAI) + timedelta(days=3))
        memory = [round(rss_mb(p.pid), 1) for p in cluster.workers.values()]
        result = {
            "cases": run.cases, "cache": run.cache, "workers": run.workers, "overdue_asked": len(lapsing),
            "registry": "postgresql" if run.db_url else "sqlite", "visibility": "dev server (SQLite)",
            "opening_s": round(opening_s, 1), "opened_per_s": round(run.cases / opening_s, 1),
            "settling_s": round(settling_s, 1), "open_by_stage": stages,
            "overdue_in_registry": len(registry.cases(overdue=True, limit=run.cases)),
            "queries": {name: {k: v for k, v in t.items() if k != "result"} | {"answer": str(t["result"])[:80]}
                        for name, t in timings.items()},
            "worker_rss_mb": memory, "server_db_mb": round(server_bytes(home) / 2**20, 1),
            "registry_db_mb": round(registry_bytes(registry) / 2**20, 1), "home": str(home),
        }
    finally:
        cluster.close()
    return result


def report(r: dict[str, Any]) -> str:
    width = max(map(len, r["queries"]))
    lines = [f"{r['cases']:,} open cases ({r['open_by_stage']}), {r['overdue_in_registry']} overdue; "
             f"opened at {r['opened_per_s']}/s in {r['opening_s']} s, all waiting {r['settling_s']} s later",
             f"  {'query'.ljust(width)}  p50 ms   p95 ms   answer",
             *(f"  {name.ljust(width)}  {t['p50_ms']:>7}  {t['p95_ms']:>7}   {t['answer']}"
               for name, t in r["queries"].items()),
             f"  worker RSS {r['worker_rss_mb']} MB (cache {r['cache']} workflows); server database "
             f"{r['server_db_mb']} MB, registry {r['registry_db_mb']} MB ({r['registry']})",
             "  every query p95 ≤ 1 s" if all(t["p95_ms"] <= 1000 for t in r["queries"].values())
             else "  OVER 1 s p95: " + ", ".join(n for n, t in r["queries"].items() if t["p95_ms"] > 1000)]
    return "\n".join(lines)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Capacity()
    parser.add_argument("--cases", type=int, default=defaults.cases)
    parser.add_argument("--overdue", type=float, default=defaults.overdue, help="share of the reviews left to lapse")
    parser.add_argument("--cache", type=int, default=defaults.cache, help="the worker's max_cached_workflows")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency, help="starts at once")
    parser.add_argument("--samples", type=int, default=defaults.samples, help="runs of each query")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--db-url", help="registry URL (default: SQLite beside the server's file)")
    parser.add_argument("--json", type=Path, default=RESULTS / "open_cases.json")
    args = parser.parse_args()
    result = asyncio.run(main(Capacity(cases=args.cases, overdue=args.overdue, cache=args.cache, workers=args.workers,
                                       concurrency=args.concurrency, samples=args.samples, seed=args.seed,
                                       db_url=args.db_url)))
    finish(result, report(result), args.json)


if __name__ == "__main__":
    cli()
