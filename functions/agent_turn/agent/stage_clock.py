"""Where one agent turn's time went, from LangChain's callbacks (the graph is not touched):

- ``route``: inside the graph's ``route`` node (chain runs tagged ``langgraph_node=route``);
- ``model``: inside chat-model calls (chat model start → llm end or error);
- ``tools``: inside tool calls (tool start → end or error);
- ``publish``: inside handing pieces on (the first piece's publish is waited for);
- ``first_piece``: the turn's start → the first piece handed on (a filler counts: it is what
  the caller hears first);
- ``total``: the turn's start → ``stage_ms()``.

Each of route, model and tools is busy time: while at least one run of its kind is open, so
runs inside runs or side by side (parallel tool calls) are counted once. All milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from functions.agent_turn.agent.speaker import Emit

ROUTE_NODE = "route"


@dataclass
class _Busy:
    open: int = 0
    since: float = 0.0
    seconds: float = 0.0


class StageClock(BaseCallbackHandler):
    # Called on the turn's event loop as the event happens (not later, from a thread pool,
    # as LangChain runs other synchronous handlers), so the times are the events' own.
    run_inline = True

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.started = clock()
        self.first_piece_at: float | None = None
        self._busy = {stage: _Busy() for stage in ("route", "model", "tools", "publish")}
        self._runs: dict[UUID, str] = {}
        self._lock = threading.Lock()  # a synchronous node's callbacks may come from a thread

    # ---- the graph's events --------------------------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any],
        inputs: dict[str, Any],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if (metadata or {}).get("langgraph_node") == ROUTE_NODE:
            self._open("route", run_id)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id)

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self._open("model", run_id)

    def on_llm_start(
        self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self._open("model", run_id)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id)

    def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self._open("tools", run_id)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id)

    # ---- the pieces ----------------------------------------------------------------------------

    def timed(self, emit: Emit) -> Emit:
        """``emit``, noting when the first piece was handed on and the time spent in it."""

        def timed_emit(piece: str, final: bool) -> None:
            with self._lock:
                if self.first_piece_at is None:
                    self.first_piece_at = self.clock()
                self._start("publish")
            try:
                emit(piece, final)
            finally:
                with self._lock:
                    self._stop("publish")

        return timed_emit

    # ---- the result ----------------------------------------------------------------------------

    def stage_ms(self) -> dict[str, float]:
        """The breakdown so far; a run still open (cut off at the deadline) counts until now."""
        with self._lock:
            now = self.clock()
            ms = {
                stage: _ms(busy.seconds + (now - busy.since if busy.open else 0.0))
                for stage, busy in self._busy.items()
            }
            if self.first_piece_at is not None:
                ms["first_piece"] = _ms(self.first_piece_at - self.started)
            ms["total"] = _ms(now - self.started)
        return ms

    def _open(self, stage: str, run_id: UUID) -> None:
        with self._lock:
            if run_id not in self._runs:
                self._runs[run_id] = stage
                self._start(stage)

    def _close(self, run_id: UUID) -> None:
        with self._lock:
            stage = self._runs.pop(run_id, None)
            if stage is not None:
                self._stop(stage)

    def _start(self, stage: str) -> None:
        busy = self._busy[stage]
        if not busy.open:
            busy.since = self.clock()
        busy.open += 1

    def _stop(self, stage: str) -> None:
        busy = self._busy[stage]
        busy.open -= 1
        if not busy.open:
            busy.seconds += self.clock() - busy.since


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
