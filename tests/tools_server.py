"""The real tools server (functions/tools) on a loopback port in a thread, for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from functions.tools.app import build_endpoint
from local.services import free_port
from shared.bus import Bus
from shared.db import Database
from shared.settings import AgentSettings, ToolsSettings

TOKEN = "test-tools-credential"


@dataclass(frozen=True)
class RunningTools:
    url: str  # the MCP endpoint
    settings: ToolsSettings

    def agent_settings(self, base: AgentSettings) -> AgentSettings:
        """agent_turn's settings pointed at this server."""
        return base.model_copy(update={"tools_url": self.url})


@contextmanager
def running_tools_server(settings: ToolsSettings, db: Database, bus: Bus) -> Iterator[RunningTools]:
    endpoint = build_endpoint(settings, db, bus)

    async def respond(request: Request) -> Response:
        return await endpoint.respond(request)

    app = Starlette(routes=[Route("/{path:path}", respond, methods=["GET", "POST", "DELETE"])])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="tools-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the tools server did not start")
        time.sleep(0.02)
    try:
        yield RunningTools(f"http://127.0.0.1:{port}/mcp", settings)
    finally:
        server.should_exit = True
        thread.join(10)
