"""One event -> Firestore in one transaction, applied exactly once.

monitor_seen/{event_id}          the event was applied (a redelivery finds it and does nothing)
monitor_seen/turn_{turn_id}      the turn's final status was counted (several services report it)
monitor_seen/call_{call_id}      an executed tool call was counted (a replayed call reports again)
monitor_events/{event_id}        the event as published, less secrets
monitor_turns/{turn_id}          the turn's record (records.TurnRecord), merged
monitor_tool_calls/{call_id}     an executed call (records.ExecutedCall), for the tool page
monitor_stats/{YYYYMMDDHH}       the hour's counters (aggregates), incremented

(shared/monitoring/layout.py names them.)

Counters cannot be made idempotent by overwriting, so the markers are read and created in the
same transaction as the increments: either all of one event's writes land or none do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.cloud import firestore

from functions.monitor.aggregates import stats_update
from functions.monitor.records import Status, executed_call, status_of, stored_event, turn_record
from functions.monitor.settings import expires_at
from shared.contracts import MonitorEvent, ToolCallRecord
from shared.monitoring import layout
from shared.monitoring.layout import bucket_of, field_key, hour_start


@dataclass(frozen=True)
class MonitorStore:
    client: firestore.Client
    prefix: str = ""
    retention_days: int = 30

    def collection(self, name: str) -> Any:
        return self.client.collection(f"{self.prefix}{name}")

    def apply(self, event_id: str, event: MonitorEvent) -> bool:
        """Record ``event`` unless it was already; True when it was applied now."""
        applied: bool = firestore.transactional(self._apply)(
            self.client.transaction(), event_id, event
        )
        return applied

    def _markers(self, event_id: str, event: MonitorEvent) -> dict[str, Any]:
        seen = self.collection(layout.SEEN)
        markers = {"event": seen.document(field_key(event_id))}
        if status_of(event):
            markers["turn"] = seen.document(field_key(f"turn_{event.turn_id}"))
        if event.kind == "tool_call":
            for call in event.tool_calls:
                markers[f"call:{call.call_id}"] = seen.document(field_key(f"call_{call.call_id}"))
        return markers

    def _apply(self, transaction: Any, event_id: str, event: MonitorEvent) -> bool:
        markers = self._markers(event_id, event)
        snapshots = self.client.get_all(list(markers.values()), transaction=transaction)
        existing = {snap.reference.path for snap in snapshots if snap.exists}
        if markers["event"].path in existing:
            return False
        turn_marker = markers.get("turn")
        status = status_of(event) if turn_marker and turn_marker.path not in existing else None
        new_calls = self._new_calls(event, markers, existing)
        expires = expires_at(event.at, self.retention_days)
        for ref in markers.values():
            if ref.path not in existing:
                transaction.create(ref, {"at": event.at, "expires_at": expires})
        self._write(transaction, event_id, event, status, new_calls, expires)
        return True

    @staticmethod
    def _new_calls(
        event: MonitorEvent, markers: dict[str, Any], existing: set[str]
    ) -> list[ToolCallRecord]:
        if event.kind != "tool_call":
            return []
        # One per call id: a call listed twice in one event is still one call.
        calls = {c.call_id: c for c in event.tool_calls}
        return [c for key, c in calls.items() if markers[f"call:{key}"].path not in existing]

    def _write(
        self,
        transaction: Any,
        event_id: str,
        event: MonitorEvent,
        status: Status | None,
        new_calls: list[ToolCallRecord],
        expires: datetime,
    ) -> None:
        bucket = bucket_of(event.at)
        record = turn_record(
            event, counted_status=status, bucket=bucket, new_executions=new_calls, expires=expires
        )
        transaction.set(
            self.collection(layout.EVENTS).document(field_key(event_id)),
            stored_event(event, expires),
        )
        transaction.set(
            self.collection(layout.TURNS).document(event.turn_id),
            record.merge_fields(),
            merge=True,
        )
        for call in new_calls:
            transaction.set(
                self.collection(layout.TOOL_CALLS).document(field_key(call.call_id)),
                executed_call(event, call, expires).model_dump(mode="python"),
            )
        # An hour's counters outlive its last event: they expire with the end of the hour.
        hour_end = hour_start(bucket).timestamp() + 3600
        stats_expires = expires_at(hour_end, self.retention_days)
        stats = {**stats_update(event, status, new_calls), "expires_at": stats_expires}
        transaction.set(self.collection(layout.STATS).document(bucket), stats, merge=True)
