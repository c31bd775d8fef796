"""Every tool call goes to ``monitor-events``: tool, arguments, result or error, duration, turn.

Published off the request path (one background thread per instance), so the monitor never
slows a tool call; a record that cannot be published is logged, and the call stands.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared import topics
from shared.bus import Bus
from shared.contracts import MonitorEvent, StageTiming, ToolCallRecord
from shared.mcp_server.dispatch import ToolOutcome
from shared.mcp_server.registry import to_json
from shared.tool_caller import ToolCaller

log = logging.getLogger(__name__)
SUMMARY_MAX_CHARS = 2000  # ToolCallRecord.result_summary


def monitor_event(
    caller: ToolCaller, arguments: Mapping[str, Any], outcome: ToolOutcome, service: str
) -> MonitorEvent:
    summary = to_json(outcome.result)
    record = ToolCallRecord(
        call_id=caller.request_key,
        name=outcome.name,
        arguments=dict(arguments),
        ok=outcome.ok,
        result_summary=summary[:SUMMARY_MAX_CHARS],
        started_at=outcome.started_at,
        ended_at=outcome.ended_at,
    )
    return MonitorEvent(
        session_id=caller.session_id,
        turn_id=caller.turn_id,
        service=service,
        kind="tool_call",
        user_id=caller.user_id,
        timings=[
            StageTiming(
                stage=f"tool:{outcome.name}",
                started_at=outcome.started_at,
                ended_at=outcome.ended_at,
            )
        ],
        tool_calls=[record],
        detail="replayed: a redelivered call got its stored result" if outcome.replayed else None,
        at=time.time(),
    )


class MonitorRecorder:
    def __init__(self, bus: Bus, service: str):
        self.bus = bus
        self.service = service  # the MCP server's deployable, as the monitor names it
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tool-monitor")

    def record(
        self, caller: ToolCaller, arguments: Mapping[str, Any], outcome: ToolOutcome
    ) -> None:
        event = monitor_event(caller, arguments, outcome, self.service)
        self._pool.submit(self._publish, event)

    def _publish(self, event: MonitorEvent) -> None:
        try:
            self.bus.publish(topics.MONITOR_EVENTS, event, ordered=False)
        except Exception:
            log.exception("tool call not recorded on the monitor", extra={"event": "monitor_lost"})

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for the records submitted so far (tests, and a clean stop)."""
        self._pool.submit(lambda: None).result(timeout=timeout)
