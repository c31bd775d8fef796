"""Where the monitor's records live in Firestore, named once for the writer (functions/monitor)
and the reader (functions/operator). Every name takes the deployment's collection prefix.

monitor_seen/{marker}            exactly-once markers (functions/monitor/store.py)
monitor_events/{event_id}        each event as published, less secrets
monitor_turns/{turn_id}          one record per turn (functions/monitor/records.py)
monitor_tool_calls/{call_id}     one document per executed tool call
monitor_stats/{YYYYMMDDHH}       the hour's counters (functions/monitor/aggregates.py)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

SEEN = "monitor_seen"
EVENTS = "monitor_events"
TURNS = "monitor_turns"
TOOL_CALLS = "monitor_tool_calls"
STATS = "monitor_stats"
HOUR_FORMAT = "%Y%m%d%H"


def field_key(raw: str) -> str:
    """A Firestore map key or document id from any id (field paths treat dots and backticks
    specially)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", raw)[:200] or "_"


def bucket_of(at: float) -> str:
    """The ``monitor_stats`` hour (UTC) of a Unix time."""
    return datetime.fromtimestamp(at, UTC).strftime(HOUR_FORMAT)


def hour_start(bucket: str) -> datetime:
    return datetime.strptime(bucket, HOUR_FORMAT).replace(tzinfo=UTC)
