"""Cloud Function ``crm``: patients, cases, meetings and notes over HTTP (OpenAPI at
/openapi.json), in SuiteCRM 8 when configured, else the built-in CRM in PostgreSQL."""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.crm.app import build_app
from functions.crm.backends import crm_backend
from functions.crm.settings import crm_settings
from shared import log
from shared.db import Database
from shared.http_service import ServedApp
from shared.service_auth import caller_check

settings = crm_settings()
log.configure("crm", settings.project_id, settings.log_level)
token = settings.crm_token.get_secret_value() if settings.crm_token else None
# Built once per instance: the backend (its connection pool or its SuiteCRM token) and the app.
app = build_app(
    crm_backend(lambda: Database(settings)),
    caller_check(settings.is_local, token, settings.crm_audience, settings.allowed_callers()),
    settings.phone_region,
)


@functions_framework.aio.http
async def handle_crm_request(request: Request) -> Response:
    return ServedApp(app)
