"""``monitor_stats/{YYYYMMDDHH}``: hourly counters (UTC) kept up to date as events arrive, so
the dashboards never scan the events or turns.

Layout of one hour's document (every counter a ``firestore.Increment``)::

    turns.total, turns.status.<status>, turns.provider.<p>, turns.domain.<d>, turns.channel.<c>
    tool_calls.total, tool_calls.tool.<tool>.<ok|failed|timeout>
    fallbacks.<provider>
    latency.<stage>.count, latency.<stage>.sum_ms, latency.<stage>.buckets.b<NN>

``latency`` is the fixed-bucket histogram of shared/monitoring/histogram.py.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from google.cloud import firestore

from functions.monitor.records import Status, call_outcome
from shared.contracts import MonitorEvent, ToolCallRecord
from shared.monitoring.histogram import bucket_name
from shared.monitoring.layout import bucket_of, field_key

NONE = "none"  # the key for a turn with no provider, domain or channel reported
_NUMBERED_STAGE = re.compile(r"^(tts_sentence)_\d+$")


def stage_key(stage: str) -> str:
    """One histogram per kind of stage: every later tts sentence shares one."""
    return field_key(_NUMBERED_STAGE.sub(r"\1", stage))


def _inc() -> Any:
    return firestore.Increment(1)


def _turn_counters(event: MonitorEvent, status: Status) -> dict[str, Any]:
    return {
        "total": _inc(),
        "status": {status: _inc()},
        "provider": {field_key(event.provider or NONE): _inc()},
        "domain": {field_key(event.domain or NONE): _inc()},
        "channel": {field_key(event.channel or NONE): _inc()},
    }


def _tool_counters(calls: list[ToolCallRecord]) -> dict[str, Any]:
    counts = Counter((field_key(call.name), call_outcome(call)) for call in calls)
    tools: dict[str, dict[str, Any]] = {}
    for (tool, outcome), n in counts.items():
        tools.setdefault(tool, {})[outcome] = firestore.Increment(n)
    return {"total": firestore.Increment(len(calls)), "tool": tools}


def _latency(event: MonitorEvent) -> dict[str, Any]:
    latency: dict[str, Any] = {}
    for timing in event.timings:
        ms = max(0.0, (timing.ended_at - timing.started_at) * 1000)
        stage = latency.setdefault(stage_key(timing.stage), {"samples": []})
        stage["samples"].append(ms)
    return {
        key: {
            "count": firestore.Increment(len(s["samples"])),
            "sum_ms": firestore.Increment(round(sum(s["samples"]), 2)),
            "buckets": _histogram(s["samples"]),
        }
        for key, s in latency.items()
    }


def _histogram(samples: list[float]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for ms in samples:
        name = bucket_name(ms)
        counts[name] = counts.get(name, 0) + 1
    return {name: firestore.Increment(n) for name, n in counts.items()}


def stats_update(
    event: MonitorEvent, counted_status: Status | None, new_calls: list[ToolCallRecord]
) -> dict[str, Any]:
    """The counters this event adds to its hour (apply once per event: the caller's
    seen-marker guarantees it)."""
    update: dict[str, Any] = {"bucket": bucket_of(event.at), "events": _inc()}
    if counted_status:
        update["turns"] = _turn_counters(event, counted_status)
    if new_calls:
        update["tool_calls"] = _tool_counters(new_calls)
    if event.fallbacks:
        passed_over = Counter(field_key(f.provider) for f in event.fallbacks)
        update["fallbacks"] = {p: firestore.Increment(n) for p, n in passed_over.items()}
    if event.timings and not replay_only(event, new_calls):
        update["latency"] = _latency(event)
    return update


def replay_only(event: MonitorEvent, new_calls: list[ToolCallRecord]) -> bool:
    """A tool_call event for calls already counted: its timing is the replay's, not the call's."""
    return event.kind == "tool_call" and not new_calls
