"""`weiquan`: the staff's command line. Chinese by default (`--lang en`), `--json` for scripts.

Every command finds Temporal the Temporal way (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, temporal.toml
profiles), defaulting to localhost:7233; the registry is WEIQUAN_DATABASE_URL (SQLite by default).
One module per command group; starters/cli/reach.py is how every command reaches Temporal and the
registry (and how their failures end it), starters/output.py how every command speaks.
"""

from __future__ import annotations

import atexit
import os
import sys

import typer

from starters.cli import calendar, cases, db, liaison, meetings, report, system
from starters.cli import events as _events  # noqa: F401 - adds case event, events and template to case_app

app = typer.Typer(help="劳动者维权联动案件编排 · labor-rights linkage case orchestration",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(cases.case_app, name="case")
app.add_typer(calendar.calendar_app, name="calendar")
app.add_typer(liaison.liaison_app, name="liaison")
app.add_typer(db.db_app, name="db")
app.add_typer(meetings.meeting_app, name="meeting")
app.add_typer(system.keys_app, name="keys")
for top_level in (liaison.system, report.report_app, system.system_app):
    app.add_typer(top_level)


def main() -> None:
    """The `weiquan` entry point. Temporal's Rust core keeps runtime threads that outlive the command
    and may release Python objects while the interpreter finalizes, which aborts the process
    (exit 134, "PyGILState_Release") after work that succeeded (temporalio/sdk-python#300). So once
    the command is done, its output is flushed and exit handlers run, and the process ends without
    finalizing the interpreter."""
    code = 0
    try:
        app()
    except SystemExit as done:
        if isinstance(done.code, str):  # a message instead of a code: print it, as Python would
            print(done.code, file=sys.stderr)
        code = done.code if isinstance(done.code, int) else (1 if done.code else 0)
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said
                pass
    os._exit(code)
