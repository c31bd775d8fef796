"""One MCP server's connection (streamable HTTP): its session, held open in one task on the
toolbox's event loop, and the tools it listed. A call of one of those tools goes to this session,
carrying in its ``_meta`` the turn's user, session and a request key signed with the shared caller
key (shared/tool_caller.py): the server acts for that user only, whatever the model's arguments
say.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import httpx
from langchain_core.tools import BaseTool
from langchain_mcp_adapters.interceptors import MCPToolCallRequest, MCPToolCallResult
from langchain_mcp_adapters.tools import load_mcp_tools
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from functions.agent_turn.agent.turn_context import TurnContext, current_turn
from shared import tool_caller
from shared.service_auth import IdentityTokenAuth
from shared.settings import AgentSettings

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class McpServer:
    name: str  # for the logs: "tools", "hanok"
    url: str  # the MCP endpoint
    token: SecretStr | None  # local and test: the bearer credential; production: identity tokens


def configured_servers(settings: AgentSettings) -> list[McpServer]:
    """Every MCP server the agent loads tools from, in order of precedence."""
    return [
        McpServer("tools", settings.tools_url, settings.tools_token),
        McpServer("hanok", settings.hanok_url, settings.hanok_token),
    ]


def http_client(server: McpServer, settings: AgentSettings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(settings.tool_timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS)
    if settings.is_local:
        assert server.token is not None  # the settings refuse local mode without one
        headers = {"Authorization": f"Bearer {server.token.get_secret_value()}"}
        return httpx.AsyncClient(headers=headers, timeout=timeout)
    audience = server.url.removesuffix("/mcp")
    return httpx.AsyncClient(auth=IdentityTokenAuth(audience), timeout=timeout)


def signed_caller(turn: TurnContext, tool_name: str, caller_key: bytes) -> str:
    caller = tool_caller.new_caller(
        user_id=turn.user_id,
        session_id=turn.session_id,
        turn_id=turn.turn_id,
        request_key=turn.request_key(tool_name),
        traceparent=turn.traceparent,
    )
    return tool_caller.sign(caller, caller_key)


class McpConnection:
    """Connects on demand, in the background; ``tools()`` says whether it is up."""

    def __init__(self, server: McpServer, settings: AgentSettings, loop: asyncio.AbstractEventLoop):
        self.server = server
        self.url = server.url
        self.settings = settings
        self.loop = loop
        self.caller_key = settings.caller_key_bytes()
        self.call_timeout = timedelta(seconds=settings.tool_timeout_seconds)
        self.session: ClientSession | None = None
        self._ready: concurrent.futures.Future[list[BaseTool]] | None = None
        self._held: concurrent.futures.Future[None] | None = None
        self._stop: asyncio.Event | None = None

    def tools(self) -> list[BaseTool] | None:
        """The server's tools while its connection is up, else None. A failed attempt, or a
        connection that ended, is forgotten here: the next ``connect()`` starts afresh."""
        ready, held = self._ready, self._held
        if ready is None or held is None or not ready.done():
            return None
        if ready.exception() is None and not held.done():
            return ready.result()
        self._ready = self._held = None
        return None

    def connect(self) -> concurrent.futures.Future[list[BaseTool]]:
        """Start connecting unless connected or under way; the future of the tools."""
        if self._ready is None:
            self._ready = concurrent.futures.Future()
            self._stop = asyncio.Event()  # bound to the loop when first awaited there
            # The connection lives in one task from start to close: anyio's scopes must be left
            # in the task that entered them.
            work = self._hold(self._ready, self._stop)
            self._held = asyncio.run_coroutine_threadsafe(work, self.loop)
        return self._ready

    def abandon(self) -> None:
        """Give up an attempt that did not finish in time."""
        if self._held is not None:
            self._held.cancel()
        self._ready = self._held = None

    async def _hold(
        self, ready: concurrent.futures.Future[list[BaseTool]], stop: asyncio.Event
    ) -> None:
        try:
            async with AsyncExitStack() as stack:
                ready.set_result(await self._open(stack))
                await stop.wait()
        except BaseException as exc:
            if not ready.done():
                log.warning(
                    "MCP server not reachable",
                    extra={"event": "tools_unreachable", "server": self.server.name},
                )
                ready.set_exception(exc)
            raise

    async def _open(self, stack: AsyncExitStack) -> list[BaseTool]:
        client = await stack.enter_async_context(http_client(self.server, self.settings))
        read, write, _ = await stack.enter_async_context(
            streamable_http_client(self.url, http_client=client)
        )
        # A server that takes the connection but never answers fails the attempt in time.
        answer_within = timedelta(seconds=CONNECT_TIMEOUT_SECONDS)
        self.session = await stack.enter_async_context(ClientSession(read, write, answer_within))
        await self.session.initialize()
        tools = await load_mcp_tools(self.session, tool_interceptors=[self._signed_call])
        log.info(
            "tools loaded over MCP",
            extra={"event": "tools_loaded", "server": self.server.name, "count": len(tools)},
        )
        return tools

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
            meta={tool_caller.META_KEY: signed_caller(turn, request.name, self.caller_key)},
        )

    def close(self) -> None:
        """Close the session (best effort: the loop stops regardless)."""
        held, stop = self._held, self._stop
        if held is None or stop is None:
            return
        self.loop.call_soon_threadsafe(stop.set)
        try:
            held.result(5)
        except (Exception, concurrent.futures.CancelledError):  # noqa: S110 - best effort
            pass
