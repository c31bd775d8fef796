"""A deadline per turn: when nothing comes back for a turn in time, the caller is told.

A function can die mid-turn; Pub/Sub redelivers, a new instance picks the turn up, and usually
the answer follows. But the caller must never sit in silence: if no sign of progress arrives
within the timeout, the turn fails aloud (``turn_failed``) and is cancelled, so a late answer
cannot talk over the next turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class TurnWatch:
    def __init__(self, timeout: float, on_timeout: Callable[[str], Coroutine[Any, Any, None]]):
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, turn_id: str) -> None:
        self.done(turn_id)
        loop = asyncio.get_running_loop()
        self.timers[turn_id] = loop.call_later(self.timeout, self._expire, turn_id)

    def progress(self, turn_id: str) -> None:
        """Something came back for the turn: it gets a fresh timeout."""
        if turn_id in self.timers:
            self.start(turn_id)

    def done(self, turn_id: str) -> None:
        timer = self.timers.pop(turn_id, None)
        if timer is not None:
            timer.cancel()

    def stop(self) -> None:
        for turn_id in list(self.timers):
            self.done(turn_id)

    def _expire(self, turn_id: str) -> None:
        self.timers.pop(turn_id, None)
        task = asyncio.get_running_loop().create_task(self.on_timeout(turn_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
