"""Work a connection runs off the caller's path (stage records, sends, timers): each task is
kept until it ends, its failure is logged, and all of them are cancelled when the caller goes."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` on the running loop; keep a reference so it is not collected."""

        async def guarded() -> None:
            try:
                await coro
            except Exception:
                log.warning("background task failed", exc_info=True)

        def finished(task: asyncio.Task[None]) -> None:
            self.tasks.discard(task)
            # Cancelled before it began (the connection closed first): close the work it never
            # started, so Python does not warn that it was never awaited.
            if inspect.iscoroutine(coro) and inspect.getcoroutinestate(coro) == "CORO_CREATED":
                coro.close()

        task = asyncio.get_running_loop().create_task(guarded())
        self.tasks.add(task)
        task.add_done_callback(finished)

    def cancel_all(self) -> None:
        for task in list(self.tasks):
            task.cancel()
