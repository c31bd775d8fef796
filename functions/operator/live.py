"""The live feed: one Firestore listener on ``monitor_turns`` per instance, fanned out to every
open Server-Sent Events stream.

The listener watches turns changed since it started. A listen target keeps every matching
document in memory, so the listener is started again from the newest change it saw every
``rebase_seconds``; and it stops when its last stream closes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from google.cloud.firestore_v1.base_query import FieldFilter

from functions.operator.auth import Operator
from functions.operator.reads import MonitorReads
from functions.operator.views import turn_view
from functions.operator.windows import BadQuery, decode_cursor, encode_cursor
from shared.monitoring import layout

log = logging.getLogger(__name__)
QUEUE_LIMIT = 1000
CATCH_UP_LIMIT = 200
Turn = dict[str, Any]


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue[Turn | None] = asyncio.Queue(QUEUE_LIMIT)

    def offer(self, turn: Turn | None) -> None:
        """From the listener's thread. A stream too far behind is ended (None): its browser
        reconnects with Last-Event-ID and catches up from the store."""

        def put() -> None:
            try:
                self.queue.put_nowait(turn)
            except asyncio.QueueFull:
                self.queue.get_nowait()
                self.queue.put_nowait(None)

        self.loop.call_soon_threadsafe(put)


class LiveTurns:
    def __init__(
        self,
        reads: MonitorReads,
        clock: Callable[[], float] = time.time,
        rebase_seconds: float = 900.0,
    ):
        self.reads = reads
        self.clock = clock
        self.rebase_seconds = rebase_seconds
        self._lock = threading.Lock()
        self._subscribers: set[_Subscriber] = set()
        self._watch: Any = None
        self._watch_started = 0.0
        self._newest = 0.0

    def subscribe(self) -> _Subscriber:
        subscriber = _Subscriber(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(subscriber)
            if self._watch is None:
                self._start(self.clock())
        return subscriber

    def unsubscribe(self, subscriber: _Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)
            if not self._subscribers and self._watch is not None:
                self._watch.unsubscribe()
                self._watch = None

    def _start(self, since: float) -> None:
        query = self.reads.collection(layout.TURNS).where(
            filter=FieldFilter("updated_at", ">=", since)
        )
        self._watch_started = self.clock()
        self._watch = query.on_snapshot(self._on_snapshot)

    def _on_snapshot(self, _docs: Any, changes: Any, _read_time: Any) -> None:
        turns = [c.document.to_dict() for c in changes if c.type.name in ("ADDED", "MODIFIED")]
        with self._lock:
            subscribers = list(self._subscribers)
            for turn in turns:
                self._newest = max(self._newest, float(turn.get("updated_at") or 0))
        for turn in turns:
            for subscriber in subscribers:
                subscriber.offer(turn)
        if self.clock() - self._watch_started > self.rebase_seconds:
            threading.Thread(target=self._rebase, daemon=True).start()

    def _rebase(self) -> None:
        with self._lock:
            old = self._watch
            if old is None or self.clock() - self._watch_started <= self.rebase_seconds:
                return
            self._start(self._newest)
        old.unsubscribe()


def _resume_point(last_event_id: str | None) -> tuple[float, str] | None:
    """Where a reconnecting browser left off; an id this feed did not give is ignored."""
    try:
        return decode_cursor(last_event_id)
    except BadQuery:
        return None


def sse(event: str, data: str, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


async def feed(
    live: LiveTurns,
    operator: Operator,
    last_event_id: str | None,
    max_seconds: float,
    ping_seconds: float = 15.0,
) -> AsyncIterator[str]:
    """The stream of one browser: what changed after its Last-Event-ID, then every change as
    it lands, a ping when quiet, until ``max_seconds`` (the browser then reconnects)."""

    def event(doc: Turn) -> str:
        view = turn_view(doc, operator.role)
        cursor = encode_cursor(float(doc.get("updated_at") or 0), str(doc.get("turn_id", "")))
        return sse("turn", json.dumps(view, default=str, separators=(",", ":")), cursor)

    subscriber = live.subscribe()
    try:
        yield ": connected\n\n"
        resume = _resume_point(last_event_id)
        if resume is not None:
            for missed in await asyncio.to_thread(
                live.reads.turns_after, resume[0], CATCH_UP_LIMIT
            ):
                yield event(missed)
        deadline = time.monotonic() + max_seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                doc = await asyncio.wait_for(subscriber.queue.get(), min(ping_seconds, left))
            except TimeoutError:
                yield ": ping\n\n"
                continue
            if doc is None:
                return
            yield event(doc)
    finally:
        live.unsubscribe(subscriber)
