"""How a command reaches the rest of the system — the Temporal server and the registry database —
and where their failures end it: a sentence and an exit code, as starters/failures.py words them,
never a traceback. Every command connects through here."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from starters.failures import NO_SERVER, NotSent, explain
from starters.output import Out, default_lang

if TYPE_CHECKING:  # loaded by the commands that use them: a command starts in what it needs
    from temporalio.client import Client

    from registry.store import Registry

T = TypeVar("T")


def guarded(work: Callable[[], T], o: Out | None = None) -> T:
    """``work()``; what goes wrong outside the CLI ends the command as starters/failures.py explains
    it, and anything it does not recognise is a bug and shows as one."""
    try:
        return work()
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as err:
        failure = explain(err)
        if failure is None:
            raise
        (o or Out(default_lang())).fail(failure.zh, failure.en, failure.code)


def run(coro: Coroutine[Any, Any, T], o: Out | None = None) -> T:
    """Run a command's async part."""
    return guarded(lambda: asyncio.run(coro), o)


async def connected(timeout: float | None = None) -> Client:
    """The Temporal client, found the Temporal way (workers/connect.py); raises when it cannot."""
    from workers.connect import connect

    return await asyncio.wait_for(connect(), timeout)


async def client(o: Out, *, sending: bool = False) -> Client:
    """The Temporal client, or the command ends: bad payload keys (2), no server (4; ``sending``:
    an event's command, which then says that the event was not sent)."""
    try:
        return await connected()
    except Exception as err:
        failure = explain(err) or NO_SERVER
        if sending and failure is NO_SERVER:
            failure = explain(NotSent()) or failure
        o.fail(failure.zh, failure.en, failure.code)


async def or_none(fetch: Callable[[Client], Awaitable[T]], wait: float = 10) -> T | None:
    """What ``fetch`` reads from Temporal, or None when it cannot (no server, no such workflow, no
    answer within ``wait`` seconds): the command then shows the registry's record instead."""
    try:
        return await asyncio.wait_for(fetch(await connected(5)), wait)
    except Exception:
        return None


async def tell(connection: Client, ids: list[str], signal: str, *args: Any) -> int:
    """Send ``signal`` to each workflow in ``ids`` (cases, meetings); returns how many took it (one
    that closed meanwhile is not found and not counted)."""
    from temporalio.service import RPCError, RPCStatusCode

    async def one(workflow_id: str) -> bool:
        try:
            await connection.get_workflow_handle(workflow_id).signal(signal, *args)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    return sum(await asyncio.gather(*(one(workflow_id) for workflow_id in ids)))


def registry(o: Out | None = None) -> Registry:
    """The registry, its schema upgraded (a CLI command may be the first to open it)."""
    from registry.store import Registry

    def opened() -> Registry:
        reg = Registry()
        reg.upgrade()
        return reg

    return guarded(opened, o)
