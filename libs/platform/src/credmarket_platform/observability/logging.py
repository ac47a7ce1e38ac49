"""Structured logs: one JSON object per line, tagged with the service and correlation id.

The correlation id lives in a ``contextvars`` variable, so it follows a request (set by
the HTTP middleware) or an event (set by the consumer runner with
:func:`bind_correlation_id`) through every ``await`` without being passed around.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

correlation_id_var: ContextVar[str | None] = ContextVar("credmarket_correlation_id", default=None)
request_id_var: ContextVar[str | None] = ContextVar("credmarket_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "taskName", "service", "correlation_id", "request_id"}
)


@contextmanager
def bind_correlation_id(value: str | None) -> Iterator[None]:
    """Use ``value`` as the correlation id inside the block, then restore the previous one."""
    token = correlation_id_var.set(value)
    try:
        yield
    finally:
        correlation_id_var.reset(token)


@contextmanager
def bind_request_id(value: str | None) -> Iterator[None]:
    token = request_id_var.set(value)
    try:
        yield
    finally:
        request_id_var.reset(token)


class ContextFilter(logging.Filter):
    """Stamps each record with the service name and the ids of the current context."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = correlation_id_var.get()
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "service": getattr(record, "service", None),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        # default=str: a log call must never fail because an extra isn't JSON-native.
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)-7s %(name)s [%(service)s cid=%(correlation_id)s] %(message)s"
        )


def configure_logging(service: str, *, level: str = "INFO", json_lines: bool = True) -> None:
    """Route all stdlib logging (incl. uvicorn's) through one stderr handler.

    Idempotent: calling it again replaces the handler it installed before.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    handler.addFilter(ContextFilter(service))
    handler.set_name("credmarket")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "credmarket":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own handlers would print every line a second time, unformatted.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # Our middleware writes the access log, with ids; uvicorn's would be a duplicate.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
