"""What the agent's tool node answers when a call fails before the tools server could answer.

The tools server answers every call it receives with JSON (shared/mcp_server/dispatch.py). What
is left here: arguments that do not fit the tool's schema on our side, and a call that could not
reach the server or timed out. The detail goes to the structured log; the model gets only what
could not be done, so exception text never reaches the caller or the conversation memory.
"""

from __future__ import annotations

import json
import logging
from typing import Literal

from langgraph.prebuilt.tool_node import ToolInvocationError

log = logging.getLogger(__name__)
FailureReason = Literal["invalid_arguments", "unavailable"]


def tool_error_result(error: Exception) -> str:
    if isinstance(error, ToolInvocationError):
        # The model's own arguments were wrong; it can read which and try again.
        log.warning(
            "tool called with invalid arguments",
            extra={"event": "tool_invalid_arguments", "tool": error.tool_name},
        )
        return _failed("invalid_arguments", error.message)
    log.error("tool failed", exc_info=error, extra={"event": "tool_failed"})
    return _failed(
        "unavailable",
        "the tool could not run because of a problem on our side; it may work if tried again later",
    )


def _failed(reason: FailureReason, error: str) -> str:
    return json.dumps({"ok": False, "reason": reason, "error": error})
