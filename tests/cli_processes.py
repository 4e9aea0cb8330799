"""Many `weiquan` commands, each in a process of its own, without paying Python's start-up for each.

`python -m tests.cli_processes` loads the CLI once (no Temporal runtime or thread is started by
that) and then, for each command it is sent, forks a watcher that forks the command's process and
reports how that process ended. The command's process runs the real entry point
(starters.cli.main) from its own start to its own end, interpreter finalization included — where
the abort of issue 17 happened — so an exit code here is the one a clerk's shell would see; only
the imports were done before the fork. Single-threaded all along, so forking is safe.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _serve() -> None:
    """Read one JSON request per line on stdin; write {"id", "code", "out", "err"} per finished one."""
    # Loaded once, before any fork: the CLI and what its commands load when they run.
    for module in ("starters.cli", "starters.cases", "starters.meetings", "starters.group", "starters.gateway_client",
                   "registry.calendar_revisions", "workers.connect"):
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the watchers are reaped by the system
    results = sys.stdout.buffer
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _watch(request, results.fileno())


def _watch(request: dict[str, Any], results: int) -> None:
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.environ.update(request["env"])
        sys.argv = ["weiquan", *request["args"]]
        from starters.cli import main

        sys.exit(main())  # as the `weiquan` script does (main ends the process itself)
    _, status = os.waitpid(pid, 0)
    said = []
    for file in (out, err):
        file.seek(0)
        said.append(file.read().decode(errors="replace"))
    answer = {"id": request["id"], "code": os.waitstatus_to_exitcode(status), "out": said[0], "err": said[1]}
    os.write(results, (json.dumps(answer) + "\n").encode())
    os._exit(0)


class CliProcesses:
    """The fork server, from a test: ``await run(*args, env=…)`` is (exit code, stdout, stderr)."""

    def __init__(self) -> None:
        self._server: asyncio.subprocess.Process | None = None
        self._waiting: dict[int, asyncio.Future[tuple[int, str, str]]] = {}
        self._next = 0
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CliProcesses:
        self._server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.cli_processes", cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2**24)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None and self._server.stdin is not None and self._reader is not None
        self._server.stdin.close()
        await self._server.wait()
        self._reader.cancel()

    async def run(self, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
        assert self._server is not None and self._server.stdin is not None
        self._next += 1
        answer = self._waiting[self._next] = asyncio.get_running_loop().create_future()
        self._server.stdin.write((json.dumps({"id": self._next, "args": list(args), "env": env}) + "\n").encode())
        await self._server.stdin.drain()
        return await answer

    async def _read(self) -> None:
        assert self._server is not None and self._server.stdout is not None
        async for line in self._server.stdout:
            done = json.loads(line)
            self._waiting.pop(done["id"]).set_result((done["code"], done["out"], done["err"]))


if __name__ == "__main__":
    _serve()
