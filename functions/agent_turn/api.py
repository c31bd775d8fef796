"""agent_turn's HTTP API (OpenAPI at /openapi.json): a turn asked directly, and each user's
choice of language model, speech recogniser and voice.

    POST /agent/process                      a turn: {prompt, user_id, session_id, ...}
    GET  /api/{llm,stt,tts}-providers        id, name, available
    GET  /api/{llm,stt,tts}-provider         the user's saved choice (?user_id=)
    POST /api/{llm,stt,tts}-provider         save it: {user_id, provider}

Every route but /healthz needs an authenticated caller (401 otherwise). Errors are JSON with a
machine-readable code (shared/http_service.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from functions.agent_turn.choices import (
    KINDS,
    ChoiceRefused,
    Choices,
    Kind,
    ProviderInfo,
    SavedChoice,
)
from functions.agent_turn.direct import (
    DirectTurns,
    ProcessRequest,
    ProcessResponse,
    SessionOfAnotherUser,
)
from shared.contracts import Id
from shared.http_service import error, install_error_handlers, require_caller
from shared.service_auth import CallerCheck

ERRORS = {
    400: {"description": "invalid_request, unknown_provider"},
    401: {"description": "unauthenticated"},
    403: {"description": "session_of_another_user"},
    409: {"description": "provider_unavailable: not configured in this deployment"},
}
_NAMES = {"llm": "language model", "stt": "speech recogniser", "tts": "voice"}


class ChoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Id
    provider: str


def _turn_routes(turns: DirectTurns) -> APIRouter:
    router = APIRouter(tags=["agent"])

    @router.post("/agent/process", response_model=ProcessResponse)
    async def process(
        body: ProcessRequest,
        idempotency_key: str | None = Header(default=None, max_length=200),
    ) -> ProcessResponse | JSONResponse:
        """One turn through the agent: the reply, the transfer request if the user asked for a
        person, and how long it took. With an ``Idempotency-Key`` a retry gets the same answer
        and runs nothing twice."""
        try:
            return await asyncio.to_thread(turns.process, body, idempotency_key)
        except SessionOfAnotherUser:
            return error(403, "session_of_another_user", "that session belongs to another user")

    return router


def _choice_routes(choices: Choices, kind: Kind) -> APIRouter:
    router = APIRouter(tags=["providers"])
    what = _NAMES[kind]

    @router.get(f"/api/{kind}-providers", response_model=list[ProviderInfo], summary=f"{what}s")
    async def providers() -> list[ProviderInfo]:
        return choices.providers(kind)

    @router.get(f"/api/{kind}-provider", response_model=SavedChoice, summary=f"saved {what}")
    async def saved(user_id: Annotated[Id, Query()]) -> SavedChoice:
        return await asyncio.to_thread(choices.saved, user_id, kind)

    @router.post(f"/api/{kind}-provider", response_model=SavedChoice, summary=f"save {what}")
    async def save(body: ChoiceRequest) -> SavedChoice | JSONResponse:
        try:
            return await asyncio.to_thread(choices.save, body.user_id, kind, body.provider)
        except ChoiceRefused as refused:
            return error(
                400 if refused.code == "unknown_provider" else 409, refused.code, str(refused)
            )

    return router


def build_app(turns: DirectTurns, choices: Choices, check: CallerCheck) -> FastAPI:
    app = FastAPI(
        title="Convonet agent",
        version="1",
        description="Turns through the agent over HTTP, and each user's choice of providers.",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    guarded: Callable[[Request], str] = require_caller(check)
    app.include_router(_turn_routes(turns), dependencies=[Depends(guarded)], responses=ERRORS)  # type: ignore[arg-type]
    for kind in KINDS:
        app.include_router(
            _choice_routes(choices, kind),
            dependencies=[Depends(guarded)],
            responses=ERRORS,  # type: ignore[arg-type]
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
