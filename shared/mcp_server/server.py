"""The MCP server over streamable HTTP, stateless: each POST is one JSON-RPC exchange, so any
instance answers any call and no session needs affinity.

Order of checks for a request: the caller's credential (else 401, nothing runs), then, for a
tool call, the signed caller in ``_meta`` (else an error result, nothing runs), then the
arguments against the tool's schema.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

import anyio
import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.models import InitializationOptions
from mcp.server.streamable_http import StreamableHTTPServerTransport
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from shared import tool_caller
from shared.log import log_context
from shared.mcp_server.dispatch import Dispatcher, failed
from shared.mcp_server.recording import MonitorRecorder
from shared.mcp_server.registry import to_json
from shared.service_auth import CallerCheck
from shared.tool_caller import DOMAIN_META, InvalidCaller
from shared.tracing import TraceContext

log = logging.getLogger(__name__)
SERVER_VERSION = "1"
MCP_PATH = "/mcp"


def _result(result: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=to_json(result))],
        isError=not result.get("ok"),
    )


def listing(dispatcher: Dispatcher) -> list[types.Tool]:
    return [
        types.Tool(
            name=spec.name,
            description=spec.description,
            inputSchema=spec.input_schema(),
            annotations=types.ToolAnnotations(
                readOnlyHint=spec.read_only, idempotentHint=True, openWorldHint=False
            ),
            # The agent routes a turn to one domain's tools: each tool says which it is.
            _meta={DOMAIN_META: spec.domain},
        )
        for spec in dispatcher.specs.values()
    ]


class ToolCalls:
    """Runs one ``tools/call``: the signed caller checked, the tool run off the event loop
    under the turn's trace, the call recorded for the monitor."""

    def __init__(self, dispatcher: Dispatcher, recorder: MonitorRecorder, caller_key: bytes):
        self.dispatcher = dispatcher
        self.recorder = recorder
        self.caller_key = caller_key

    async def call(
        self, name: str, arguments: dict[str, Any], meta: dict[str, Any]
    ) -> types.CallToolResult:
        try:
            caller = tool_caller.verify(meta.get(tool_caller.META_KEY), self.caller_key)
        except InvalidCaller as exc:
            log.warning("tool call without a valid caller", extra={"event": "tool_caller_refused"})
            return _result(failed("refused", f"the call was not run: {exc}"))
        trace = TraceContext.parse(caller.traceparent)
        with log_context(trace.child() if trace else None, turn_id=caller.turn_id):
            outcome = await anyio.to_thread.run_sync(
                contextvars.copy_context().run, self.dispatcher.invoke, name, arguments, caller
            )
            self.recorder.record(caller, arguments, outcome)
            log.info(
                "tool call",
                extra={
                    "event": "tool_call",
                    "tool": name,
                    "ok": outcome.ok,
                    "tool_ms": outcome.duration_ms,
                },
            )
        return _result(outcome.result)


def build_mcp_server(
    name: str, dispatcher: Dispatcher, recorder: MonitorRecorder, caller_key: bytes
) -> Server[Any, Any]:
    # A version given here spares the SDK a package-metadata read on every (stateless) request.
    server: Server[Any, Any] = Server(name, version=SERVER_VERSION)
    listed = listing(dispatcher)
    calls = ToolCalls(dispatcher, recorder, caller_key)

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        return listed

    # Arguments are validated by each tool's own model, whose errors say what to fix.
    @server.call_tool(validate_input=False)  # type: ignore[untyped-decorator]
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        meta = server.request_context.meta
        return await calls.call(name, arguments, (meta.model_extra or {}) if meta else {})

    return server


class ToolEndpoint:
    """The HTTP face: authenticate, then hand the request to a fresh stateless transport."""

    def __init__(self, server: Server[Any, Any], check: CallerCheck):
        self.server = server
        self.check = check
        self.options = server.create_initialization_options()

    async def respond(self, request: Request) -> Response:
        if request.url.path.rstrip("/") in ("", "/healthz", "/health"):
            return JSONResponse({"status": "ok", "server": self.server.name})
        if request.url.path.rstrip("/") != MCP_PATH:
            return JSONResponse({"error": "not_found", "message": "the MCP endpoint is /mcp"}, 404)
        if self.check.principal(request.headers.get("authorization")) is None:
            return JSONResponse(
                {"error": "unauthenticated", "message": "a valid bearer credential is required"},
                status_code=401,
                headers={"WWW-Authenticate": f'Bearer realm="{self.server.name}"'},
            )
        return _Exchange(self.server, self.options, request)


class _Exchange(Response):
    """A response that is the MCP transport itself, writing to the client as it answers."""

    def __init__(self, server: Server[Any, Any], options: InitializationOptions, request: Request):
        super().__init__()
        self.mcp = server
        self.options = options
        self.request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = StreamableHTTPServerTransport(
            mcp_session_id=None, is_json_response_enabled=True
        )
        async with anyio.create_task_group() as group:

            async def serve(*, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
                async with transport.connect() as (read, write):
                    task_status.started()
                    await self.mcp.run(read, write, self.options, stateless=True)

            await group.start(serve)
            try:
                await transport.handle_request(scope, self.request.receive, send)
            finally:
                await transport.terminate()
