"""``monitor-events`` -> Firestore collections the operator dashboards read.

monitor_events/{message_id}   every event as published (idempotent: keyed by message id)
monitor_turns/{turn_id}       one summary per turn, merged from every stage's events: the
                              agent's view of its tool calls (tool_calls) and, from the tools
                              server, each executed call with its duration (tool_executions)
"""

from __future__ import annotations

import hashlib
import logging
import re

from google.cloud import firestore

from shared import topics
from shared.bus import Bus, InboundMessage, InvalidMessage, parse
from shared.contracts import MonitorEvent

log = logging.getLogger(__name__)


def _field_key(raw: str) -> str:
    """A Firestore map key from any id (field paths treat dots and backticks specially)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", raw)[:200]


class MonitorHandler:
    def __init__(self, bus: Bus, client: firestore.Client, prefix: str = ""):
        self.bus = bus
        self.client = client
        self.prefix = prefix

    def handle(self, inbound: InboundMessage) -> None:
        try:
            event = parse(MonitorEvent, inbound)
        except InvalidMessage as exc:
            self.bus.dead_letter(topics.MONITOR_EVENTS, inbound, str(exc))
            return
        event_id = inbound.message_id or hashlib.sha256(inbound.data).hexdigest()[:32]
        record = event.model_dump(mode="json")
        self.client.collection(f"{self.prefix}monitor_events").document(event_id).set(record)
        summary: dict[str, object] = {
            "turn_id": event.turn_id,
            "session_id": event.session_id,
            "updated_at": event.at,
            "stages": {event.service: event.kind},
            "timings": {
                t.stage: {
                    "started_at": t.started_at,
                    "ended_at": t.ended_at,
                    "ms": round((t.ended_at - t.started_at) * 1000, 1),
                }
                for t in event.timings
            },
        }
        if event.user_id:
            summary["user_id"] = event.user_id
        if event.kind == "tool_call":
            # One entry per executed call, keyed by its request key: the calls of one turn
            # arrive as separate events and merge side by side; a redelivery overwrites itself.
            summary["tool_executions"] = {
                _field_key(c.call_id): {
                    **c.model_dump(mode="json"),
                    "duration_ms": round((c.ended_at - c.started_at) * 1000, 2),
                    "replayed": bool(event.detail),
                }
                for c in event.tool_calls
            }
        elif event.tool_calls:
            summary["tool_calls"] = [c.model_dump(mode="json") for c in event.tool_calls]
        if event.text_in:
            summary["text_in"] = event.text_in
        if event.text_out:
            summary["text_out"] = event.text_out
        doc = self.client.collection(f"{self.prefix}monitor_turns").document(event.turn_id)
        # One write; merge folds each service's stages and timings into the turn's maps.
        doc.set(summary, merge=True)
