"""The tools the agent calls, loaded over MCP from every configured server: the tools server and
Hanok Table (mcp_connection.configured_servers).

One session per server and instance, all on one background event loop, reused by every turn: a
call costs one HTTP request on a kept-alive connection, to the server that listed the tool.

A server out of reach does not take the others' tools away: the turn gets the tools of the
servers that answered, and the missing one is tried again, in the background, on each later
``tools()`` call; its tools join the turn after it answers. Only when no server at all can be
reached does ``tools()`` wait for the attempts and then raise ``ToolsUnavailable``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from langchain_core.tools import BaseTool

from functions.agent_turn.agent.mcp_connection import (
    CONNECT_TIMEOUT_SECONDS,
    McpConnection,
    configured_servers,
)
from shared.settings import AgentSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


class ToolsUnavailable(RuntimeError):
    """No MCP server can be reached now."""


class McpToolbox:
    """Owns the event loop thread, one connection per MCP server and the tools loaded."""

    def __init__(self, settings: AgentSettings):
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="mcp", daemon=True)
        self._thread.start()
        self.connections = [
            McpConnection(server, settings, self.loop) for server in configured_servers(settings)
        ]
        self._lock = threading.Lock()
        self._merged_from: tuple[list[BaseTool], ...] = ()
        self._merged: list[BaseTool] = []

    def connection(self, name: str) -> McpConnection:
        [found] = [c for c in self.connections if c.server.name == name]
        return found

    def tools(self) -> list[BaseTool]:
        """The tools of every server reachable now: the same list object until that changes.
        Raises ToolsUnavailable when none is; the next call tries again (an instance never
        dies of it)."""
        with self._lock:
            attempts = {c: c.connect() for c in self.connections if c.tools() is None}
            if len(attempts) == len(self.connections):  # nothing to answer with yet: wait
                concurrent.futures.wait(attempts.values(), CONNECT_TIMEOUT_SECONDS * 2)
                for connection, attempt in attempts.items():
                    if not attempt.done():
                        connection.abandon()
            loaded = tuple(t for t in (c.tools() for c in self.connections) if t is not None)
            if not loaded:
                urls = ", ".join(c.url for c in self.connections)
                raise ToolsUnavailable(f"no MCP server can be reached ({urls})")
            return self._merge(loaded)

    def _merge(self, loaded: tuple[list[BaseTool], ...]) -> list[BaseTool]:
        unchanged = len(loaded) == len(self._merged_from) and all(
            a is b for a, b in zip(loaded, self._merged_from, strict=True)
        )
        if not unchanged:
            self._merged_from, self._merged = loaded, _first_of_each_name(loaded)
        return self._merged

    def run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run a coroutine on the toolbox's loop from any thread and wait for its result."""
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        try:
            for connection in self.connections:
                connection.close()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)


def _first_of_each_name(loaded: tuple[list[BaseTool], ...]) -> list[BaseTool]:
    """One tool per name: a server earlier in the list wins (a model must not see two)."""
    tools: dict[str, BaseTool] = {}
    for listed in loaded:
        for tool in listed:
            if tool.name in tools:
                log.warning(
                    "two MCP servers list the same tool; the first one's is used",
                    extra={"event": "tool_name_clash", "tool": tool.name},
                )
                continue
            tools[tool.name] = tool
    return list(tools.values())
