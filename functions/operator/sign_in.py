"""The sign-in routes: credentials -> a session cookie, with a budget of failed attempts per
name and per source address (shared.sign_in_budget, in PostgreSQL, shared by every instance)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from functions.operator.auth import (
    SESSION_COOKIE,
    SessionTokens,
    SignInRefused,
    SignInRequest,
    Verifier,
)
from shared import sign_in_budget
from shared.db import Database
from shared.http_service import error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInPolicy:
    limit: int
    window_seconds: int
    secure_cookie: bool


def client_address(request: Request) -> str:
    """The caller's address: the first X-Forwarded-For hop (Google's front end sets it)."""
    forwarded = request.headers.get("x-forwarded-for", "")
    first = forwarded.split(",")[0].strip()
    return first or (request.client.host if request.client else "unknown")


def _scope(kind: str, value: str) -> str:
    return f"operator-{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def sign_in_routes(
    verifier: Verifier, tokens: SessionTokens, db: Database, policy: SignInPolicy
) -> APIRouter:
    router = APIRouter(prefix="/operator/api", tags=["sign-in"])

    def budgets(request: Request, body: SignInRequest) -> list[sign_in_budget.Budget]:
        who = body.username or "id-token"
        return [
            sign_in_budget.Budget(_scope("name", who), policy.limit, policy.window_seconds),
            sign_in_budget.Budget(
                _scope("source", client_address(request)), policy.limit * 3, policy.window_seconds
            ),
        ]

    @router.post("/sign-in", summary="Sign in; sets the __session cookie")
    async def sign_in(request: Request, body: SignInRequest) -> Response:
        reservation = await asyncio.to_thread(sign_in_budget.reserve, db, budgets(request, body))
        if not reservation.granted:
            assert reservation.refused_by is not None
            seconds = str(reservation.refused_by.window_seconds)
            refused = error(429, "too_many_attempts", "Too many failed sign-ins; wait a while.")
            refused.headers["Retry-After"] = seconds
            return refused
        try:
            operator = await verifier.sign_in(body)
        except SignInRefused as refused_by:
            log.info("operator sign-in refused", extra={"event": refused_by.code})
            return error(refused_by.status, refused_by.code, refused_by.message)
        assert reservation.attempt_id is not None
        await asyncio.to_thread(sign_in_budget.release, db, reservation.attempt_id)
        log.info("operator signed in", extra={"event": "operator_sign_in", "role": operator.role})
        response = JSONResponse({"operator": operator.model_dump()})
        set_session(response, tokens.session(operator), tokens.session_seconds, policy)
        return response

    @router.post("/sign-out", status_code=204, summary="Sign out; clears the cookie")
    async def sign_out() -> Response:
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=policy.secure_cookie)
        return response

    return router


def set_session(response: Response, token: str, seconds: int, policy: SignInPolicy) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=seconds,
        path="/",
        httponly=True,
        secure=policy.secure_cookie,
        samesite="strict",
    )
