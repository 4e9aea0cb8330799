"""structlog set-up for workers and the CLI: JSON in production, readable in a terminal.

Logs never carry ID numbers or mobile phones: whatever a message quotes (a database error lists the
values it failed to write, a workflow logs a refused event), ID-number- and phone-shaped strings are
replaced before anything is written, in structlog's output and in the standard logging the SDK uses.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
                       r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def redact(text: str) -> str:
    return MOBILE.sub("[手机号]", ID_NUMBER.sub("[身份证号]", text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v) for v in value)
    return value


def redact_personal_data(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every string value, however deep, without ID numbers or phones."""
    return {key: _scrub(value) for key, value in event.items()}


class RedactingFilter(logging.Filter):
    """The same for standard logging (the Temporal SDK, workflow.logger, SQLAlchemy)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str | None = None) -> None:
    """WEIQUAN_LOG_FORMAT=json|console (default: console on a terminal, JSON otherwise)."""
    fmt = os.environ.get("WEIQUAN_LOG_FORMAT") or ("console" if sys.stderr.isatty() else "json")
    renderer = (structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json"
                else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    lvl = getattr(logging, (level or os.environ.get("WEIQUAN_LOG_LEVEL", "INFO")).upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=False),
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=lvl, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
