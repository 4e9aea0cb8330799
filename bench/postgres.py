"""The registry's PostgreSQL stopped and started again: the fault test's database outage. It must
be a server on this machine that pg_ctl can control, as tests/postgres.sh starts one (as the
postgres user when we run as root). Where its data lives and what it was started with, the server
says itself (``data_directory``, ``postmaster.opts``), so the registry URL is all it takes.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from registry.store import make_engine


@dataclass(frozen=True)
class LocalPostgres:
    data: Path
    pg_ctl: Path
    options: list[str]  # the server's command line but for its binary and data directory

    @classmethod
    def of(cls, url: str) -> LocalPostgres:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                data = Path(conn.exec_driver_sql("SHOW data_directory").scalar_one())
        finally:
            engine.dispose()
        binary, *args = shlex.split((data / "postmaster.opts").read_text())
        options = [arg for i, arg in enumerate(args) if arg != "-D" and (i == 0 or args[i - 1] != "-D")]
        return cls(data, Path(binary).parent / "pg_ctl", options)

    def _pg_ctl(self, *args: str) -> None:
        command = shlex.join([str(self.pg_ctl), "-D", str(self.data), *args])
        argv = ["su", "postgres", "-s", "/bin/bash", "-c", command] if os.geteuid() == 0 else ["bash", "-c", command]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, new ones refused."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self._pg_ctl("-o", shlex.join(self.options), "-l", str(self.data / "restarted.log"), "-w", "start")

    async def away_for(self, seconds: float) -> float:
        """Stop the server, wait, start it again; returns how long it was down."""
        began = time.monotonic()
        await asyncio.to_thread(self.stop)
        try:
            await asyncio.sleep(seconds)
        finally:
            await asyncio.to_thread(self.start)
        return time.monotonic() - began
