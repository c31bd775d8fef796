"""The monitor's Firestore collections, read for operators: hours of counters, pages of turns
and of executed tool calls, one turn. Blocking client calls: the routes run them in threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from functions.operator.windows import Window, decode_cursor, encode_cursor
from shared.monitoring import layout

# Query parameter -> the field it filters on in monitor_turns.
TURN_FILTERS = {
    "provider": "providers.agent_turn.provider",
    "domain": "domain",
    "user": "user_id",
    "status": "status",
    "channel": "channel",
}
CALL_FILTERS = {"tool": "name", "outcome": "outcome"}


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class MonitorReads:
    client: firestore.Client
    prefix: str = ""

    def collection(self, name: str) -> Any:
        return self.client.collection(f"{self.prefix}{name}")

    def stats_docs(self, window: Window) -> list[dict[str, Any]]:
        """The hours of the window that have counters, oldest first."""
        refs = [self.collection(layout.STATS).document(hour) for hour in window.hours()]
        docs = {snap.id: snap.to_dict() or {} for snap in self.client.get_all(refs) if snap.exists}
        return [docs[hour] for hour in window.hours() if hour in docs]

    def turn(self, turn_id: str) -> dict[str, Any] | None:
        snap = self.collection(layout.TURNS).document(layout.field_key(turn_id)).get()
        return snap.to_dict() if snap.exists else None

    def turns(
        self, window: Window, filters: dict[str, str], limit: int, cursor: str | None
    ) -> Page:
        return self._page(layout.TURNS, "updated_at", TURN_FILTERS, window, filters, limit, cursor)

    def executions(
        self, window: Window, filters: dict[str, str], limit: int, cursor: str | None
    ) -> Page:
        return self._page(layout.TOOL_CALLS, "at", CALL_FILTERS, window, filters, limit, cursor)

    def turns_after(self, at: float, limit: int) -> list[dict[str, Any]]:
        """Turns changed after ``at``, oldest change first (a live feed catching up)."""
        query = (
            self.collection(layout.TURNS)
            .where(filter=FieldFilter("updated_at", ">", at))
            .order_by("updated_at")
            .limit(limit)
        )
        return [snap.to_dict() or {} for snap in query.stream()]

    def _page(
        self,
        name: str,
        time_field: str,
        known: dict[str, str],
        window: Window,
        filters: dict[str, str],
        limit: int,
        cursor: str | None,
    ) -> Page:
        """Newest first. The cursor is the last item's (time, document id): the next page
        starts strictly after it, so items sharing a time are neither repeated nor skipped."""
        query = self.collection(name)
        for param, value in filters.items():
            query = query.where(filter=FieldFilter(known[param], "==", value))
        query = query.where(filter=FieldFilter(time_field, ">=", window.since)).where(
            filter=FieldFilter(time_field, "<", window.until)
        )
        query = query.order_by(time_field, direction=firestore.Query.DESCENDING).order_by(
            "__name__", direction=firestore.Query.DESCENDING
        )
        after = decode_cursor(cursor)
        if after is not None:
            at, key = after
            query = query.start_after(
                {time_field: at, "__name__": self.collection(name).document(key)}
            )
        snaps = list(query.limit(limit + 1).stream())
        items = [snap.to_dict() or {} for snap in snaps[:limit]]
        more = len(snaps) > limit
        last = snaps[limit - 1] if more else None
        next_cursor = encode_cursor(last.get(time_field), last.id) if last is not None else None
        return Page(items, next_cursor)
