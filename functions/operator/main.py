"""Cloud Function ``operator``: the operator API (OpenAPI at /openapi.json), reached through
Firebase Hosting's rewrites, and its live feed at the function's own URL."""

from __future__ import annotations

import functions_framework.aio
from google.cloud import firestore
from starlette.requests import Request
from starlette.responses import Response

from functions.operator.app import build_app
from functions.operator.parts import operator_parts
from functions.operator.settings import operator_settings
from shared import log
from shared.db import Database
from shared.http_service import ServedApp

settings = operator_settings()
log.configure("operator", settings.project_id, settings.log_level)
# Built once per instance: the verifier, the Firestore client and its listener, the pool.
app = build_app(
    operator_parts(settings, firestore.Client(project=settings.project_id), Database(settings))
)


@functions_framework.aio.http
async def handle_operator_request(request: Request) -> Response:
    return ServedApp(app)
