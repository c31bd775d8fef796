"""A local server that speaks Anthropic's Messages API as the ``anthropic`` SDK calls it.

- ``POST /v1/messages``: with ``"stream": true`` an SSE stream (``message_start``,
  ``content_block_start``, ``ping``, ``content_block_delta`` with ``text_delta`` or
  ``input_json_delta``, ``content_block_stop``, ``message_delta``, ``message_stop``);
  without it one ``message`` object. A ``ToolCall`` turn answers a ``tool_use`` block.
- ``GET /v1/models``: the key check.

Auth is ``x-api-key`` or ``Authorization: Bearer`` (anthropic 2.x sends the key so); a
wrong key gets Anthropic's 401 ``authentication_error`` body. Errors use Anthropic's shape
``{"type": "error", "error": {"type": ..., "message": ...}}``. See
``llm_script`` for the turns, timing and failure modes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.fakes.llm_script import DroppedConnection, ScriptedLLM, ToolCall, Turn, fragments, tokens
from tests.fakes.vendor_http import bearer, drop_after, json_error, said, scripted, sse

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error(status: int, message: str) -> JSONResponse:
    body = {
        "type": "error",
        "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message},
    }
    return json_error(body, status, id_header="request-id", id_chars=24)


def _key(request: Request) -> str | None:
    """``x-api-key``, or ``Authorization: Bearer`` (what anthropic 2.x sends an API key as)."""
    key = bearer(request)
    return key if key is not None else request.headers.get("x-api-key")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return sse(data, event=event)


def _usage(output_tokens: int) -> dict[str, int]:
    return {"input_tokens": 25, "output_tokens": output_tokens}


class FakeAnthropic(ScriptedLLM):
    def app(self) -> ASGIApp:
        return Starlette(
            routes=[
                Route("/v1/messages", self._messages, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    async def _models(self, request: Request) -> Response:
        seen = await self.record(request, _key(request))
        if not seen.authorized:
            return error(401, "invalid x-api-key")
        model = {"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5"}
        model["created_at"] = "2025-10-01T00:00:00Z"
        return JSONResponse(
            {"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]}
        )

    async def _messages(self, request: Request) -> Response:
        seen = await self.record(request, _key(request))
        if not seen.authorized:
            return error(401, "invalid x-api-key")
        body = seen.body or {}
        turn = await scripted(
            self,
            request,
            failed=lambda status: error(
                status, "Internal server error" if status >= 500 else "Rate limited"
            ),
            hung=lambda: error(500, "hung"),
        )
        if isinstance(turn, Response):
            return turn
        model = str(body.get("model", "claude"))
        if body.get("stream"):
            return StreamingResponse(self._stream(turn, model), media_type="text/event-stream")
        await self.first_token()
        return JSONResponse(_message(turn, model))

    async def _stream(self, turn: Turn, model: str) -> AsyncIterator[bytes]:
        start = {**_message(turn, model), "content": [], "stop_reason": None, "usage": _usage(1)}
        yield _sse("message_start", {"type": "message_start", "message": start})
        await self.first_token()
        yield _sse("ping", {"type": "ping"})
        if isinstance(turn, ToolCall):
            async for event in self._tool_use(turn):
                yield event
            stop_reason, count = "tool_use", 10
        else:
            text = said(turn)
            async for event in self._text(text, drop_after(turn)):
                yield event
            stop_reason, count = "end_turn", len(tokens(text))
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        delta = {"stop_reason": stop_reason, "stop_sequence": None}
        yield _sse(
            "message_delta",
            {"type": "message_delta", "delta": delta, "usage": {"output_tokens": count}},
        )
        yield _sse("message_stop", {"type": "message_stop"})

    async def _text(self, text: str, drop_after: int | None) -> AsyncIterator[bytes]:
        block = {"type": "text", "text": ""}
        yield _sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": block},
        )
        for i, token in enumerate(tokens(text)):
            if drop_after is not None and i >= drop_after:
                raise DroppedConnection("anthropic fake: dropped mid-stream")
            if i:
                await self.between_tokens()
            delta = {"type": "text_delta", "text": token}
            yield _sse(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
        self.sent_last_token()

    async def _tool_use(self, turn: ToolCall) -> AsyncIterator[bytes]:
        block = {"type": "tool_use", "id": _tool_id(turn), "name": turn.name, "input": {}}
        yield _sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": block},
        )
        for i, part in enumerate(fragments(json.dumps(turn.args))):
            if i:
                await self.between_tokens()
            delta = {"type": "input_json_delta", "partial_json": part}
            yield _sse(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
        self.sent_last_token()


def _tool_id(turn: ToolCall) -> str:
    return turn.id or "toolu_" + uuid.uuid4().hex[:24]


def _message(turn: Turn, model: str) -> dict[str, Any]:
    if isinstance(turn, ToolCall):
        content: list[dict[str, Any]] = [
            {"type": "tool_use", "id": _tool_id(turn), "name": turn.name, "input": turn.args}
        ]
        stop_reason = "tool_use"
    else:
        content, stop_reason = [{"type": "text", "text": said(turn)}], "end_turn"
    return {
        "id": "msg_" + uuid.uuid4().hex[:24],
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": _usage(12),
    }
