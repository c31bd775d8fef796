"""A local server that speaks the Gemini Developer API as the ``google-genai`` SDK calls it
(``Client(api_key=..., http_options=HttpOptions(base_url=<this server>))``, api version v1beta).

- ``POST /v1beta/models/{model}:streamGenerateContent?alt=sse``: SSE ``data:`` events, each a
  ``GenerateContentResponse`` (``candidates[0].content.parts`` with ``text``, or one
  ``functionCall`` part for a ``ToolCall`` turn; the last carries ``finishReason``).
- ``POST /v1beta/models/{model}:generateContent``: one ``GenerateContentResponse``.
- ``GET /v1beta/models``: the key check.

Auth is ``x-goog-api-key`` (or ``?key=``). A wrong key gets what Google really answers: HTTP 400
``INVALID_ARGUMENT`` with reason ``API_KEY_INVALID`` (``bad_key_status=401`` answers 401
``UNAUTHENTICATED`` instead). See ``llm_script`` for the turns, timing and failure modes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.fakes.llm_script import DroppedConnection, ScriptedLLM, ToolCall, Turn, tokens
from tests.fakes.vendor_http import drop_after, json_error, said, scripted, sse

_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED"}
_STATUS |= {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def error(status: int, message: str, reason: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS.get(status, "UNKNOWN"),
    }
    if reason:
        info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}
        body["details"] = [{**info, "domain": "googleapis.com"}]
    return json_error({"error": body}, status)


def bad_key(status: int) -> JSONResponse:
    if status == 400:
        return error(400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID")
    return error(status, "Request had invalid authentication credentials.")


def _key(request: Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.query_params.get("key")


@dataclass
class FakeGemini(ScriptedLLM):
    bad_key_status: int = 400

    def app(self) -> ASGIApp:
        return Starlette(
            routes=[
                Route("/v1beta/models", self._models, methods=["GET"]),
                Route("/v1beta/models/{rest:path}", self._generate, methods=["POST"]),
            ]
        )

    async def _models(self, request: Request) -> Response:
        if not (await self.record(request, _key(request))).authorized:
            return bad_key(self.bad_key_status)
        model = {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash"}
        model["supportedGenerationMethods"] = ["generateContent", "countTokens"]
        return JSONResponse({"models": [model]})

    async def _generate(self, request: Request) -> Response:
        seen = await self.record(request, _key(request))
        if not seen.authorized:
            return bad_key(self.bad_key_status)
        model, _, method = request.path_params["rest"].partition(":")
        turn = await scripted(
            self,
            request,
            failed=lambda status: error(
                status, "An internal error has occurred." if status >= 500 else "Quota exceeded."
            ),
            hung=lambda: error(500, "hung"),
        )
        if isinstance(turn, Response):
            return turn
        if method == "streamGenerateContent":
            return StreamingResponse(self._stream(turn, model), media_type="text/event-stream")
        if method != "generateContent":
            return error(404, f"method {method} not found")
        await self.first_token()
        return JSONResponse(_response(_parts(turn), model, "STOP"))

    async def _stream(self, turn: Turn, model: str) -> AsyncIterator[bytes]:
        await self.first_token()
        if isinstance(turn, ToolCall):
            yield _data(_response(_parts(turn), model, "STOP"))
            self.sent_last_token()
            return
        pieces, drop = tokens(said(turn)), drop_after(turn)
        for i, token in enumerate(pieces):
            if drop is not None and i >= drop:
                raise DroppedConnection("gemini fake: dropped mid-stream")
            if i:
                await self.between_tokens()
            finish = "STOP" if i == len(pieces) - 1 else None
            yield _data(_response([{"text": token}], model, finish))
        self.sent_last_token()


def _parts(turn: Turn) -> list[dict[str, Any]]:
    if isinstance(turn, ToolCall):
        call: dict[str, Any] = {"name": turn.name, "args": turn.args}
        if turn.id:
            call["id"] = turn.id
        return [{"functionCall": call}]
    return [{"text": said(turn)}]


def _response(parts: list[dict[str, Any]], model: str, finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    usage = {"promptTokenCount": 25, "candidatesTokenCount": 12, "totalTokenCount": 37}
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": model.removeprefix("models/"),
        "responseId": uuid.uuid4().hex[:20],
    }


def _data(payload: dict[str, Any]) -> bytes:
    return sse(payload, newline="\r\n")
