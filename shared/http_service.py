"""What our internal HTTP services (the CRM; Hanok Table next) share: callers authenticated
before any route runs, every error a JSON body with a machine-readable code, and the app served
by the functions framework as Cloud Functions serves it.

Error bodies: ``{"error": "<code>", "message": "<for people>", "detail": [...]?}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.service_auth import CallerCheck

log = logging.getLogger(__name__)
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
}


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "message": message, **extra}, status, headers=headers)


def require_caller(check: CallerCheck) -> Callable[[Request], str]:
    """A dependency: the authenticated caller's identity, else 401 before the route runs."""

    def caller(request: Request) -> str:
        principal = check.principal(request.headers.get("authorization"))
        if principal is None:
            raise HTTPException(401, "a valid bearer credential is required")
        return principal

    return caller


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
            for e in exc.errors()
        ]
        return error(
            400, "invalid_request", "the request does not fit the route's schema", detail=detail
        )

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.error("request failed", exc_info=exc, extra={"event": "request_failed"})
        return error(500, "internal", "the request failed on our side; it may work if tried again")


class ServedApp(Response):
    """The response a functions-framework HTTP function returns to hand the whole request to an
    ASGI app (its routing, validation, OpenAPI)."""

    def __init__(self, app: ASGIApp):
        super().__init__()
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
