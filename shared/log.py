"""Structured JSON logs in the shape Cloud Logging reads from stdout.

Each line carries ``severity``, ``message``, the trace (``logging.googleapis.com/trace``) and
labels for the service, session and turn, so one turn can be followed across every service.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from shared.tracing import TraceContext, current_trace

_labels: ContextVar[dict[str, str] | None] = ContextVar("log_labels", default=None)
_service = "convonet"
_project = "demo-convonet"

# Attributes every LogRecord has; anything else passed via `extra=` goes into the JSON payload.
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# Keys whose values never reach a log line, wherever they appear.
_REDACTED_KEYS = frozenset({"pin", "password", "token", "api_key", "authorization", "secret"})


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "[redacted]" if str(k).lower() in _REDACTED_KEYS else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


class CloudLoggingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname if record.levelname != "WARN" else "WARNING",
            "message": record.getMessage(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "logger": record.name,
        }
        trace = current_trace.get()
        if trace is not None:
            entry["logging.googleapis.com/trace"] = f"projects/{_project}/traces/{trace.trace_id}"
            entry["logging.googleapis.com/spanId"] = trace.span_id
            entry["logging.googleapis.com/trace_sampled"] = trace.sampled
        entry["logging.googleapis.com/labels"] = {"service": _service, **(_labels.get() or {})}
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = "[redacted]" if key.lower() in _REDACTED_KEYS else _redact(value)
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(service: str, project_id: str = "demo-convonet", level: str = "INFO") -> None:
    """Send every log record to stdout as one JSON line. Safe to call more than once."""
    global _service, _project
    _service, _project = service, project_id
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(CloudLoggingFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # mcp logs every request it processes at INFO; our own line per tool call says more.
    for noisy in ("google", "urllib3", "grpc", "websockets", "httpx", "asyncio", "mcp"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


@contextmanager
def log_context(trace: TraceContext | None = None, **labels: str | None) -> Iterator[None]:
    """Attach a trace and labels (session_id, turn_id...) to every log line in this block."""
    merged = {**(_labels.get() or {}), **{k: v for k, v in labels.items() if v}}
    label_token = _labels.set(merged)
    trace_token = current_trace.set(trace) if trace is not None else None
    try:
        yield
    finally:
        _labels.reset(label_token)
        if trace_token is not None:
            current_trace.reset(trace_token)
