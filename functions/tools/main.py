"""Cloud Function ``tools``: the MCP server (streamable HTTP at /mcp) with every domain's tools."""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.tools.app import build_endpoint
from shared import log
from shared.bus import Bus
from shared.db import Database
from shared.settings import tools_settings

settings = tools_settings()
log.configure("tools", settings.project_id, settings.log_level)
# Built once per instance: the tool catalog, the database pool and the Pub/Sub client.
endpoint = build_endpoint(settings, Database(settings), Bus(settings.project_id))


@functions_framework.aio.http
async def handle_tools_request(request: Request) -> Response:
    return await endpoint.respond(request)
