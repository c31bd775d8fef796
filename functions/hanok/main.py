"""Cloud Function ``hanok``: Hanok Table's reservations over HTTP (OpenAPI at /openapi.json),
its MCP server at /mcp, the guest status page and the Twilio webhooks."""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.hanok.app import build_service
from functions.hanok.settings import hanok_settings
from shared import log
from shared.bus import Bus
from shared.db import Database

settings = hanok_settings()
log.configure("hanok", settings.project_id, settings.log_level)
# Built once per instance: the rules, the database pool, the Pub/Sub client, the apps.
service = build_service(settings, Database(settings), Bus(settings.project_id))


@functions_framework.aio.http
async def handle_hanok_request(request: Request) -> Response:
    return await service.respond(request)
