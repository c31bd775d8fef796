"""The operator API's FastAPI app: sign-in, the agent monitor, tool execution, the mortgage
dashboard and the live feed, every route but sign-in behind an operator session."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.responses import Response

from functions.operator.auth import (
    SESSION_COOKIE,
    TICKET_SECONDS,
    Operator,
    SessionTokens,
    Verifier,
)
from functions.operator.live import LiveTurns, feed
from functions.operator.mortgage import mortgage_routes
from functions.operator.reads import MonitorReads
from functions.operator.sign_in import SignInPolicy, sign_in_routes
from functions.operator.stats import agent_stats, tool_stats
from functions.operator.views import execution_view, turn_view
from functions.operator.windows import BadQuery, Window
from shared.db import Database
from shared.http_service import error, install_error_handlers

Limit = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=500)]


class NotSignedIn(Exception):
    """No valid operator session (401)."""


@dataclass(frozen=True)
class OperatorParts:
    reads: MonitorReads
    live: LiveTurns
    db: Database
    verifier: Verifier
    tokens: SessionTokens
    policy: SignInPolicy
    live_url: str = ""  # the feed's base URL as browsers reach it ("" = the request's origin)
    allowed_origins: frozenset[str] = frozenset()
    feed_seconds: float = 3000.0  # under the function's timeout; the browser reconnects


def operator_dependency(parts: OperatorParts) -> Callable[[Request], Any]:
    async def current_operator(request: Request) -> Operator:
        """The session cookie, else a bearer session token or Firebase ID token. Kept on the
        request for the route (``_signed_in_operator``)."""
        operator = None
        if cookie := request.cookies.get(SESSION_COOKIE):
            operator = parts.tokens.read_session(cookie)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if operator is None and scheme.lower() == "bearer" and token:
            operator = parts.tokens.read_session(token) or await parts.verifier.bearer(token)
        if operator is None:
            raise NotSignedIn
        request.state.operator = operator
        return operator

    return current_operator


def build_app(parts: OperatorParts) -> FastAPI:
    app = FastAPI(
        title="Convonet operator API",
        version="1",
        description="What the operator pages read: every turn, tool call and stage timing, the "
        "mortgage applications, and a live feed of turns. Operator sign-in required.",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(_: Request, __: NotSignedIn) -> JSONResponse:
        return error(401, "sign_in_required", "Sign in as an operator first.")

    @app.exception_handler(BadQuery)
    async def bad_query(_: Request, exc: BadQuery) -> JSONResponse:
        return error(400, "invalid_request", str(exc))

    signed_in = [Depends(operator_dependency(parts))]
    app.include_router(sign_in_routes(parts.verifier, parts.tokens, parts.db, parts.policy))
    app.include_router(_session_routes(), dependencies=signed_in)
    app.include_router(_monitor_routes(parts), dependencies=signed_in)
    app.include_router(_tool_routes(parts), dependencies=signed_in)
    app.include_router(mortgage_routes(parts.db), dependencies=signed_in)
    app.include_router(_live_routes(parts))

    @app.get("/operator/api/openapi.json", include_in_schema=False)
    async def openapi_through_hosting() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _session_routes() -> APIRouter:
    router = APIRouter(prefix="/operator/api", tags=["sign-in"])

    @router.get("/me", summary="The signed-in operator")
    async def me(operator: Annotated[Operator, Depends(_signed_in_operator)]) -> Operator:
        return operator

    return router


async def _signed_in_operator(request: Request) -> Operator:
    operator: Operator | None = getattr(request.state, "operator", None)
    if operator is None:
        raise NotSignedIn
    return operator


def _filters(**given: str | None) -> dict[str, str]:
    return {name: value for name, value in given.items() if value}


def _monitor_routes(parts: OperatorParts) -> APIRouter:
    router = APIRouter(prefix="/agent-monitor/api", tags=["agent monitor"])
    reads = parts.reads

    @router.get("/stats", summary="Turns, tool calls and stage latencies over a window")
    async def stats(since: Text = None, until: Text = None) -> dict[str, Any]:
        window = Window.of(since, until)
        return agent_stats(window, await asyncio.to_thread(reads.stats_docs, window))

    @router.get("/interactions", summary="Turns, newest activity first, filtered and paged")
    async def interactions(
        operator: Annotated[Operator, Depends(_signed_in_operator)],
        limit: Limit = 50,
        cursor: Cursor = None,
        since: Text = None,
        until: Text = None,
        provider: Text = None,
        domain: Text = None,
        user: Text = None,
        status: Text = None,
        channel: Text = None,
    ) -> dict[str, Any]:
        window = Window.of(since, until)
        filters = _filters(
            provider=provider, domain=domain, user=user, status=status, channel=channel
        )
        page = await asyncio.to_thread(reads.turns, window, filters, limit, cursor)
        return {
            "interactions": [turn_view(doc, operator.role) for doc in page.items],
            "next_cursor": page.next_cursor,
        }

    @router.get("/interactions/{turn_id}", summary="One turn", response_model=None)
    async def interaction(
        turn_id: str, operator: Annotated[Operator, Depends(_signed_in_operator)]
    ) -> dict[str, Any] | JSONResponse:
        doc = await asyncio.to_thread(reads.turn, turn_id)
        if doc is None:
            return error(404, "not_found", "No such turn.")
        return turn_view(doc, operator.role)

    @router.post("/live-ticket", summary="A short-lived URL of the live feed")
    async def live_ticket(
        request: Request, operator: Annotated[Operator, Depends(_signed_in_operator)]
    ) -> dict[str, Any]:
        base = parts.live_url.rstrip("/") or str(request.base_url).rstrip("/")
        query = urlencode({"ticket": parts.tokens.ticket(operator)})
        return {"url": f"{base}/agent-monitor/api/live?{query}", "expires_in": TICKET_SECONDS}

    return router


def _tool_routes(parts: OperatorParts) -> APIRouter:
    router = APIRouter(prefix="/tool-execution/api", tags=["tool execution"])
    reads = parts.reads

    @router.get("/stats", summary="Calls per tool: ok, failed, timed out")
    async def stats(since: Text = None, until: Text = None) -> dict[str, Any]:
        window = Window.of(since, until)
        return tool_stats(window, await asyncio.to_thread(reads.stats_docs, window))

    @router.get("/executions", summary="Executed tool calls, newest first")
    async def executions(
        operator: Annotated[Operator, Depends(_signed_in_operator)],
        limit: Limit = 50,
        cursor: Cursor = None,
        since: Text = None,
        until: Text = None,
        tool: Text = None,
        outcome: Annotated[str | None, Query(pattern="^(ok|failed|timeout)$")] = None,
    ) -> dict[str, Any]:
        window = Window.of(since, until)
        filters = _filters(tool=tool, outcome=outcome)
        page = await asyncio.to_thread(reads.executions, window, filters, limit, cursor)
        return {
            "executions": [execution_view(doc, operator.role) for doc in page.items],
            "next_cursor": page.next_cursor,
        }

    return router


def _live_routes(parts: OperatorParts) -> APIRouter:
    router = APIRouter(prefix="/agent-monitor/api", tags=["agent monitor"])

    @router.get(
        "/live",
        summary="Server-Sent Events: each turn as its record changes",
        response_class=StreamingResponse,
    )
    async def live(
        request: Request, ticket: Annotated[str, Query(max_length=2000)] = ""
    ) -> Response:
        origin = request.headers.get("origin", "")
        cors = {"Access-Control-Allow-Origin": origin} if origin in parts.allowed_origins else {}
        operator = parts.tokens.read_ticket(ticket) if ticket else None
        if operator is None and (cookie := request.cookies.get(SESSION_COOKIE)):
            operator = parts.tokens.read_session(cookie)
        if operator is None:
            refused = error(401, "sign_in_required", "The live feed needs a fresh ticket.")
            refused.headers.update(cors)
            return refused
        stream = feed(
            parts.live, operator, request.headers.get("last-event-id"), parts.feed_seconds
        )
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", **cors}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    return router
