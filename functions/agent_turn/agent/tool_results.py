"""What a tool answers: JSON the model reads, honest when the tool could not do its job.

The model (a cloud LLM, or the rules model, which speaks the result to the caller) reads every
result. Three kinds of failure, told apart by ``reason``:

- ``refused``: the request cannot be done as asked; ``error`` says why, in plain words the
  caller may hear ("the todo needs a title").
- ``invalid_arguments``: the model called the tool wrongly; ``error`` says what to fix.
- ``unavailable``: something broke on our side (a database error, a bug). The full detail goes
  to the structured log; the model gets only what could not be done, so exception text never
  reaches the caller or the conversation memory.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from langgraph.prebuilt.tool_node import ToolInvocationError

log = logging.getLogger(__name__)
ToolFunction = TypeVar("ToolFunction", bound=Callable[..., str])
FailureReason = Literal["refused", "invalid_arguments", "unavailable"]


def succeeded(**result: Any) -> str:
    return json.dumps({"ok": True, **result})


def refused(error: str) -> str:
    return _failed("refused", error)


def unavailable(what_failed: str) -> str:
    return _failed(
        "unavailable",
        f"{what_failed} because of a problem on our side; it may work if tried again later",
    )


def reports_failures(what_failed: str) -> Callable[[ToolFunction], ToolFunction]:
    """Decorate a tool function (under ``@tool``) so an exception escaping it is logged with
    its detail and answered as ``unavailable``: ``what_failed`` ("the todo could not be saved")
    is all the model learns."""

    def decorate(function: ToolFunction) -> ToolFunction:
        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> str:
            try:
                return function(*args, **kwargs)
            except Exception:
                log.exception(
                    "tool failed", extra={"event": "tool_failed", "tool": function.__name__}
                )
                return unavailable(what_failed)

        return guarded  # type: ignore[return-value]

    return decorate


def tool_error_result(error: Exception) -> str:
    """The tool node's answer when a call fails outside the tool's own handling: arguments that
    do not fit the tool's schema, or a tool that raised."""
    if isinstance(error, ToolInvocationError):
        # The model's own arguments were wrong; it can read which and try again.
        log.warning(
            "tool called with invalid arguments",
            extra={"event": "tool_invalid_arguments", "tool": error.tool_name},
        )
        return _failed("invalid_arguments", error.message)
    log.error("tool failed", exc_info=error, extra={"event": "tool_failed"})
    return unavailable("the tool could not run")


def _failed(reason: FailureReason, error: str) -> str:
    return json.dumps({"ok": False, "reason": reason, "error": error})
