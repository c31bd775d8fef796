"""The real tools server (functions/tools) on a loopback port in a thread, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from functions.tools.app import build_endpoint
from shared.bus import Bus
from shared.db import Database
from shared.settings import AgentSettings, ToolsSettings
from tests.asgi_server import serving

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
    with serving(app) as base:
        yield RunningTools(f"{base}/mcp", settings)
