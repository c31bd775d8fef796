"""Who a turn is for, handed to the tools by the graph's config, never by the model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")


class TurnContext:
    """The turn's user and session, and a counter that gives each tool call a stable request
    key: the same turn, tool and ordinal give the same key, so a redelivered turn's calls are
    recognised by the tools server and write nothing twice."""

    def __init__(
        self,
        user_id: str,
        turn_id: str,
        session_id: str,
        traceparent: str | None = None,
        draft: bool = False,
    ):
        """``draft``: a reply prepared before the caller's turn ended, in which no tool that
        changes anything may run (the graph stops at one: ``WriteHeld``)."""
        self.user_id = user_id
        self.turn_id = turn_id
        self.session_id = session_id
        self.traceparent = traceparent
        self.draft = draft
        self._calls: Counter[str] = Counter()

    def request_key(self, tool_name: str) -> str:
        self._calls[tool_name] += 1
        return f"{self.turn_id}:{tool_name}:{self._calls[tool_name]}"


class WriteHeld(Exception):
    """A draft reply reached a tool call that changes something: it stops there, and the
    committed turn runs it for real."""


# Set for the task that runs a turn; the tool calls' tasks inherit it.
turn_in_progress: ContextVar[TurnContext | None] = ContextVar("turn_in_progress", default=None)


def current_turn(runtime: Any = None) -> TurnContext:
    """The turn a tool call belongs to: from the LangGraph tool runtime's config when the graph
    passes one, else from the running turn's context."""
    config = getattr(runtime, "config", None) or {}
    ctx = (config.get("configurable") or {}).get("turn_context") or turn_in_progress.get()
    if not isinstance(ctx, TurnContext):
        raise RuntimeError("a tool was called without a turn context")
    return ctx


async def within_turn(turn: TurnContext, work: Awaitable[T]) -> T:
    """Await ``work`` with ``turn`` as the turn in progress."""
    turn_in_progress.set(turn)  # this coroutine runs as its own task: the setting stays here
    return await work
