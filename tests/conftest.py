"""Shared fixtures: a real Temporal test server (time-skipping), a registry, in-process workers."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.rules import Settings, load_settings
from domain.signing import ensure_dev_keys
from registry.store import Registry, make_engine
from starters.directory import seed_demo_directory
from starters.search_attributes import ensure_search_attributes
from workers.binaries import binary
from tests.helpers import settle
from workers.build import build_workers
from workers.connect import data_converter
from workers.settings import WorkerSettings


def pytest_configure(config: pytest.Config) -> None:
    """Every worker the tests start, in process or as a subprocess, runs workflow code in the
    sandbox: a non-deterministic call fails the suite (production runs without it, for speed)."""
    os.environ["WEIQUAN_WORKFLOW_SANDBOX"] = "true"
    # A home of the suite's own: a `weiquan up` run in the checkout leaves its payload key in
    # .weiquan/, which every process started there would otherwise use.
    os.environ["WEIQUAN_HOME"] = tempfile.mkdtemp(prefix="weiquan-home-")
    # Every unit's signing key, once per session, in that home: cases refuse unsigned events, and
    # starters.cases.send_event signs with these (workers started as subprocesses read them too).
    ensure_dev_keys()


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server with the search attributes registered; sealed when WEIQUAN_CODEC_KEYS
    is set, so the whole suite can run with payload encryption on. A module that skips months
    starts one of its own (module scope), leaving the other tests' dates alone."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=data_converter()
    ) as env:
        await ensure_search_attributes(env.client)
        env.sleep = sleep_through_timeouts(env)  # type: ignore[method-assign]
        yield env


def sleep_through_timeouts(env: WorkflowEnvironment) -> Callable[[timedelta | float], Awaitable[None]]:
    """``env.sleep`` that goes on when the test server answers a long skip with "Timeout expired"
    under load (seen once, in CI's parallel shifted-date runs): it skips again for what is left."""
    skip = env.sleep

    async def sleep(duration: timedelta | float) -> None:
        until = await env.get_current_time() + (duration if isinstance(duration, timedelta)
                                                else timedelta(seconds=duration))
        for attempt in range(3):
            left = until - await env.get_current_time()
            if left <= timedelta(0):
                return
            try:
                return await skip(left)
            except RPCError as err:
                if "Timeout expired" not in str(err) or attempt == 2:
                    raise

    return sleep


@pytest_asyncio.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (well under a second to start): its clock and its
    time-skipping lock are global, so sharing one lets a test's leftovers stall the next test."""
    async with time_skipping_server() as env:
        yield env


@pytest.fixture(autouse=True)
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's documents (notices, minutes) in its own folder, never the checkout's .weiquan/."""
    root = tmp_path / "documents"
    monkeypatch.setenv("WEIQUAN_DOCUMENTS", str(root))
    return root


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    reg = Registry(make_engine(f"sqlite:///{tmp_path}/registry.db"))
    reg.create_all()
    seed_demo_directory(reg)
    return reg


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@asynccontextmanager
async def running_workers(client: Client, registry: Registry, settings: Settings,
                          queues: tuple[str, ...] | None = None, prefix: str | None = None,
                          tuning: WorkerSettings | None = None) -> AsyncIterator[str]:
    """All workers on fresh task queues (or ``prefix``'s); yields the queue prefix to start cases with."""
    prefix = prefix or f"t{uuid.uuid4().hex[:10]}"
    kwargs = {"queues": queues} if queues else {}
    async with AsyncExitStack() as stack:
        for worker in build_workers(client, registry, settings, prefix=prefix, tuning=tuning, **kwargs):
            await stack.enter_async_context(worker)
        yield prefix


@pytest_asyncio.fixture
async def workers(env: WorkflowEnvironment, registry: Registry, settings: Settings) -> AsyncIterator[str]:
    async with running_workers(env.client, registry, settings) as prefix:
        yield prefix
        await terminate_open_cases(env.client, registry)


async def terminate_open_cases(client: Client, registry: Registry) -> None:
    """End the test's cases and meetings while its workers still run, each once it is idle (see
    tests.helpers.settle): a workflow left running would keep firing timers with no worker."""
    open_ids = [c.case_number for c in registry.cases(limit=100_000) if c.closed_at is None]
    open_ids += [m.meeting_id for m in registry.meetings(open_only=True)]
    for workflow_id in open_ids:
        try:
            await settle(client, workflow_id)
            await client.get_workflow_handle(workflow_id).terminate("test finished")
        except Exception:
            pass



@pytest.fixture(scope="session")
def pg_url() -> str:
    """A real PostgreSQL 15 started by tests/run.sh (WEIQUAN_TEST_PG_URL). Required in CI."""
    url = os.environ.get("WEIQUAN_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("WEIQUAN_TEST_PG_URL is not set: run the tests through tests/run.sh")
        pytest.skip("no PostgreSQL: run through tests/run.sh")
    return url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A database of its own on the test PostgreSQL server, dropped afterwards."""
    name = f"wq_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_registry(pg_url: str) -> Registry:
    """A registry on PostgreSQL, emptied for each test."""
    from sqlmodel import SQLModel

    engine = make_engine(pg_url)
    SQLModel.metadata.drop_all(engine)
    reg = Registry(engine)
    reg.create_all()
    seed_demo_directory(reg)
    return reg


@pytest.fixture(params=["sqlite", "postgresql"])
def any_registry(request: pytest.FixtureRequest) -> Registry:
    """The same test on SQLite and on the real PostgreSQL."""
    return request.getfixturevalue("registry" if request.param == "sqlite" else "pg_registry")
