"""The real Hanok Table function (API, status page, webhooks, MCP) on a loopback port in a
thread, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from functions.hanok.app import build_service
from functions.hanok.settings import HanokSettings
from shared.bus import Bus
from shared.db import Database
from tests.asgi_server import serving

METHODS = ["GET", "POST", "PATCH", "DELETE"]


@contextmanager
def running_hanok_server(settings: HanokSettings, db: Database, bus: Bus) -> Iterator[str]:
    """Yields the server's base URL (its MCP endpoint is base + /mcp)."""
    service = build_service(settings, db, bus)

    async def respond(request: Request) -> Response:
        return await service.respond(request)

    app = Starlette(routes=[Route("/{path:path}", respond, methods=METHODS)])
    with serving(app) as base:
        yield base
