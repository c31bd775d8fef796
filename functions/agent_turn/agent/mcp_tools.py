"""The tools the agent calls, loaded from the tools server over MCP (streamable HTTP).

One MCP session per instance, on one background event loop, reused by every turn: a call costs
one HTTP request on a kept-alive connection. Each call carries, in its ``_meta``, the turn's
user, session and a request key signed with the shared caller key (shared/tool_caller.py): the
server acts for that user only, whatever the model's arguments say.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from langchain_core.tools import BaseTool
from langchain_mcp_adapters.interceptors import MCPToolCallRequest, MCPToolCallResult
from langchain_mcp_adapters.tools import load_mcp_tools
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from functions.agent_turn.agent.turn_context import TurnContext, current_turn
from shared import tool_caller
from shared.service_auth import IdentityTokenAuth
from shared.settings import AgentSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
CONNECT_TIMEOUT_SECONDS = 10.0


class ToolsUnavailable(RuntimeError):
    """The tools server cannot be reached now."""


def http_client(settings: AgentSettings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(settings.tool_timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS)
    if settings.is_local:
        assert settings.tools_token is not None  # the settings refuse local mode without one
        headers = {"Authorization": f"Bearer {settings.tools_token.get_secret_value()}"}
        return httpx.AsyncClient(headers=headers, timeout=timeout)
    audience = settings.tools_url.removesuffix("/mcp")
    return httpx.AsyncClient(auth=IdentityTokenAuth(audience), timeout=timeout)


class McpToolbox:
    """Owns the event loop thread, the MCP session and the tools loaded from it."""

    def __init__(self, settings: AgentSettings):
        self.settings = settings
        self.url = settings.tools_url
        self.caller_key = settings.caller_key_bytes()
        self.call_timeout = timedelta(seconds=settings.tool_timeout_seconds)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="mcp", daemon=True)
        self._thread.start()
        self.session: ClientSession | None = None
        self._tools: list[BaseTool] | None = None
        self._connecting = threading.Lock()
        self._held: concurrent.futures.Future[None] | None = None
        self._stop: asyncio.Event | None = None

    def tools(self) -> list[BaseTool]:
        """The tools, connecting first if need be. Raises ToolsUnavailable when the tools server
        cannot be reached; the next call tries again (an instance never dies of it)."""
        with self._connecting:
            if self._tools is None:
                self._tools = self._connect()
            return self._tools

    def _connect(self) -> list[BaseTool]:
        ready: concurrent.futures.Future[list[BaseTool]] = concurrent.futures.Future()
        # The connection lives in one task from start to close: anyio's scopes must be left
        # in the task that entered them.
        held = asyncio.run_coroutine_threadsafe(self._hold_connection(ready), self.loop)
        try:
            tools = ready.result(CONNECT_TIMEOUT_SECONDS * 2)
        except Exception as exc:
            held.cancel()
            log.warning("tools server not reachable", extra={"event": "tools_unreachable"})
            raise ToolsUnavailable(f"the tools server at {self.url} cannot be reached") from exc
        self._held = held
        return tools

    def run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run a coroutine on the toolbox's loop from any thread and wait for its result."""
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    async def _hold_connection(self, ready: concurrent.futures.Future[list[BaseTool]]) -> None:
        self._stop = asyncio.Event()
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(http_client(self.settings))
                read, write, _ = await stack.enter_async_context(
                    streamable_http_client(self.url, http_client=client)
                )
                self.session = await stack.enter_async_context(ClientSession(read, write))
                await self.session.initialize()
                tools = await load_mcp_tools(self.session, tool_interceptors=[self._signed_call])
                log.info(
                    "tools loaded over MCP", extra={"event": "tools_loaded", "count": len(tools)}
                )
                ready.set_result(tools)
                await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    async def _signed_call(
        self,
        request: MCPToolCallRequest,
        handler: Callable[[MCPToolCallRequest], Awaitable[MCPToolCallResult]],
    ) -> MCPToolCallResult:
        # Not handler(request): the adapter's own call cannot carry _meta; this one does.
        turn = current_turn(request.runtime)
        assert self.session is not None
        return await self.session.call_tool(
            request.name,
            request.args,
            read_timeout_seconds=self.call_timeout,
            meta={tool_caller.META_KEY: self.signed_caller(turn, request.name)},
        )

    def signed_caller(self, turn: TurnContext, tool_name: str) -> str:
        caller = tool_caller.new_caller(
            user_id=turn.user_id,
            session_id=turn.session_id,
            turn_id=turn.turn_id,
            request_key=turn.request_key(tool_name),
            traceparent=turn.traceparent,
        )
        return tool_caller.sign(caller, self.caller_key)

    def close(self) -> None:
        try:
            if self._stop is not None:
                self.loop.call_soon_threadsafe(self._stop.set)
            if self._held is not None:
                self._held.result(5)
        except Exception:  # noqa: S110 - closing is best effort; the loop stops regardless
            pass
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
