"""Structured JSON logs: Cloud Logging fields, trace correlation, labels and redaction."""

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from shared import log as logsetup
from shared.log import CloudLoggingFormatter, log_context
from shared.tracing import TraceContext, current_trace

pytestmark = pytest.mark.unit

TRACE = TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", True)
LABELS = "logging.googleapis.com/labels"


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def last(self) -> dict[str, Any]:
        return self.lines()[-1]


@pytest.fixture
def logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[logging.Logger, Captured]]:
    monkeypatch.setattr(logsetup, "_service", "agent_turn")
    monkeypatch.setattr(logsetup, "_project", "demo-proj")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter())
    lg = logging.getLogger("convonet.test.log")
    lg.handlers[:] = [handler]
    lg.setLevel(logging.DEBUG)
    lg.propagate = False
    try:
        yield lg, Captured(stream)
    finally:
        lg.handlers.clear()


def test_basic_fields(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    lg.warning("hello %s", "world")
    entry = out.last()
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "hello world"
    assert entry["logger"] == "convonet.test.log"
    assert entry["time"].endswith("Z") and "T" in entry["time"]
    assert entry[LABELS] == {"service": "agent_turn"}
    assert "logging.googleapis.com/trace" not in entry


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (logging.DEBUG, "DEBUG"),
        (logging.INFO, "INFO"),
        (logging.WARNING, "WARNING"),
        (logging.ERROR, "ERROR"),
        (logging.CRITICAL, "CRITICAL"),
    ],
)
def test_severity(logger: tuple[logging.Logger, Captured], level: int, severity: str) -> None:
    lg, out = logger
    lg.log(level, "x")
    assert out.last()["severity"] == severity


def test_trace_and_labels_inside_log_context(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    with log_context(TRACE, session_id="s-1", turn_id="t-1"):
        lg.info("in turn")
    entry = out.last()
    assert entry["logging.googleapis.com/trace"] == f"projects/demo-proj/traces/{TRACE.trace_id}"
    assert entry["logging.googleapis.com/spanId"] == TRACE.span_id
    assert entry["logging.googleapis.com/trace_sampled"] is True
    assert entry[LABELS] == {"service": "agent_turn", "session_id": "s-1", "turn_id": "t-1"}


def test_log_context_is_restored_and_nests(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    with log_context(TRACE, session_id="s-1"):
        with log_context(turn_id="t-2", user_id=None):
            lg.info("inner")
            assert current_trace.get() == TRACE
        lg.info("outer")
    lg.info("after")
    inner, outer, after = out.lines()
    assert inner[LABELS] == {"service": "agent_turn", "session_id": "s-1", "turn_id": "t-2"}
    assert "user_id" not in inner[LABELS]
    assert outer[LABELS] == {"service": "agent_turn", "session_id": "s-1"}
    assert after[LABELS] == {"service": "agent_turn"}
    assert "logging.googleapis.com/trace" not in after
    assert current_trace.get() is None


def test_log_context_is_restored_after_an_exception() -> None:
    with pytest.raises(RuntimeError), log_context(TRACE, session_id="s-1"):
        raise RuntimeError("x")
    assert current_trace.get() is None
    assert logsetup._labels.get() in (None, {})


def test_extra_fields_are_included(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    lg.info("published", extra={"topic": "agent-reply", "attempt": 2, "ids": ["a", "b"]})
    entry = out.last()
    assert entry["topic"] == "agent-reply"
    assert entry["attempt"] == 2
    assert entry["ids"] == ["a", "b"]
    assert "args" not in entry and "msg" not in entry and "levelno" not in entry


def test_non_json_values_are_stringified(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    lg.info("x", extra={"obj": object()})
    assert out.last()["obj"].startswith("<object object")


def test_nested_secrets_are_redacted(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    lg.info(
        "signin",
        extra={
            "request": {
                "pin": "1234",
                "Password": "hunter2",
                "headers": {"Authorization": "Bearer abc"},
                "providers": [{"name": "x", "api_key": "sk-live"}, {"token": "t0k"}],
                "user": "ada",
            },
            "attempts": ({"secret": "s"},),
        },
    )
    entry = out.last()
    text = json.dumps(entry)
    for secret in ("1234", "hunter2", "Bearer abc", "sk-live", "t0k", '"s"'):
        assert secret not in text
    assert entry["request"]["pin"] == "[redacted]"
    assert entry["request"]["Password"] == "[redacted]"
    assert entry["request"]["headers"]["Authorization"] == "[redacted]"
    assert entry["request"]["providers"][0] == {"name": "x", "api_key": "[redacted]"}
    assert entry["request"]["user"] == "ada"


@pytest.mark.parametrize("key", ["pin", "password", "api_key", "token", "secret", "authorization"])
def test_top_level_secret_extras_are_redacted(
    logger: tuple[logging.Logger, Captured], key: str
) -> None:
    lg, out = logger
    lg.info("x", extra={key: "very-secret-value"})
    entry = out.last()
    assert entry[key] == "[redacted]"
    assert "very-secret-value" not in json.dumps(entry)


def test_exception_stack_trace(logger: tuple[logging.Logger, Captured]) -> None:
    lg, out = logger
    try:
        raise ValueError("bad value")
    except ValueError:
        lg.exception("failed")
    entry = out.last()
    assert entry["severity"] == "ERROR"
    assert "ValueError: bad value" in entry["stack_trace"]


def test_configure_writes_json_lines_to_stdout(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", root.handlers[:])
    monkeypatch.setattr(logsetup, "_service", logsetup._service)
    monkeypatch.setattr(logsetup, "_project", logsetup._project)
    saved_level = root.level
    noisy = {name: logging.getLogger(name).level for name in ("google", "urllib3", "grpc")}
    try:
        logsetup.configure("monitor", "proj-x", "DEBUG")
        logsetup.configure("monitor", "proj-x", "DEBUG")  # safe twice: still one handler
        assert len(root.handlers) == 1
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        assert handler.stream is sys.stdout
        with log_context(TRACE, session_id="s-9"):
            logging.getLogger("convonet.configured").debug("configured")
        assert logging.getLogger("google").level == logging.WARNING
    finally:
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)
    entry = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert entry["message"] == "configured"
    assert entry[LABELS] == {"service": "monitor", "session_id": "s-9"}
    assert entry["logging.googleapis.com/trace"] == f"projects/proj-x/traces/{TRACE.trace_id}"
