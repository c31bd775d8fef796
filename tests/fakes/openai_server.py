"""A local server that speaks OpenAI's Chat Completions API as the ``openai`` SDK calls it
(and so as any OpenAI-compatible server does: vLLM, Ollama, llama.cpp).

- ``POST /v1/chat/completions``: with ``"stream": true`` SSE ``chat.completion.chunk``s (a
  role delta, content deltas or ``tool_calls`` deltas carrying index, id, function name and
  argument fragments, a ``finish_reason`` chunk, a usage chunk when
  ``stream_options.include_usage``), then ``data: [DONE]``; without it one
  ``chat.completion``.
- ``GET /v1/models``: the key check.

Auth is ``Authorization: Bearer <key>``; a wrong key gets OpenAI's 401 ``invalid_api_key``
body. See ``llm_script`` for the turns, timing and failure modes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.fakes.llm_script import (
    Drop,
    DroppedConnection,
    ScriptedLLM,
    Text,
    ToolCall,
    Turn,
    fragments,
    tokens,
)
from tests.fakes.vendor_http import bearer, json_error, scripted, sse

_ERRORS = {
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
}


def error(status: int) -> JSONResponse:
    kind, code, message = _ERRORS.get(status, ("server_error", None, "Server error."))
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return json_error(body, status, id_header="x-request-id")


def _usage(completion: int) -> dict[str, int]:
    return {"prompt_tokens": 25, "completion_tokens": completion, "total_tokens": 25 + completion}


class FakeOpenAI(ScriptedLLM):
    def app(self) -> ASGIApp:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._completions, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    async def _models(self, request: Request) -> Response:
        if not (await self.record(request, bearer(request))).authorized:
            return error(401)
        model = {
            "id": "gpt-4.1-mini",
            "object": "model",
            "created": 1700000000,
            "owned_by": "openai",
        }
        return JSONResponse({"object": "list", "data": [model]})

    async def _completions(self, request: Request) -> Response:
        seen = await self.record(request, bearer(request))
        if not seen.authorized:
            return error(401)
        body = seen.body or {}
        turn = await scripted(self, request, failed=error, hung=lambda: error(500))
        if isinstance(turn, Response):
            return turn
        model = str(body.get("model", "gpt"))
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(
                self._stream(turn, model, usage), media_type="text/event-stream"
            )
        await self.first_token()
        return JSONResponse(_completion(turn, model))

    async def _stream(self, turn: Turn, model: str, usage: bool) -> AsyncIterator[bytes]:
        chunk = _Chunker(model)
        await self.first_token()
        yield chunk.delta({"role": "assistant", "content": ""})
        if isinstance(turn, ToolCall):
            async for event in self._tool_call(chunk, turn):
                yield event
            finish, count = "tool_calls", 10
        else:
            text = turn.text if isinstance(turn, Text | Drop) else ""
            async for event in self._text(
                chunk, text, turn.after if isinstance(turn, Drop) else None
            ):
                yield event
            finish, count = "stop", len(tokens(text))
        yield chunk.delta({}, finish)
        if usage:
            yield chunk.usage(count)
        yield b"data: [DONE]\n\n"

    async def _text(
        self, chunk: _Chunker, text: str, drop_after: int | None
    ) -> AsyncIterator[bytes]:
        for i, token in enumerate(tokens(text)):
            if drop_after is not None and i >= drop_after:
                raise DroppedConnection("openai fake: dropped mid-stream")
            if i:
                await self.between_tokens()
            yield chunk.delta({"content": token})
        self.sent_last_token()

    async def _tool_call(self, chunk: _Chunker, turn: ToolCall) -> AsyncIterator[bytes]:
        head = {"index": 0, "id": _call_id(turn), "type": "function"}
        yield chunk.delta(
            {"tool_calls": [{**head, "function": {"name": turn.name, "arguments": ""}}]}
        )
        for part in fragments(json.dumps(turn.args)):
            await self.between_tokens()
            yield chunk.delta({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
        self.sent_last_token()


class _Chunker:
    def __init__(self, model: str):
        self.base = {
            "id": "chatcmpl-" + uuid.uuid4().hex[:24],
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
        }

    def delta(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _data({**self.base, "choices": [choice]})

    def usage(self, completion: int) -> bytes:
        return _data({**self.base, "choices": [], "usage": _usage(completion)})


def _data(payload: dict[str, Any]) -> bytes:
    return sse(payload)


def _call_id(turn: ToolCall) -> str:
    return turn.id or "call_" + uuid.uuid4().hex[:24]


def _completion(turn: Turn, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if isinstance(turn, ToolCall):
        function = {"name": turn.name, "arguments": json.dumps(turn.args)}
        message["tool_calls"] = [{"id": _call_id(turn), "type": "function", "function": function}]
        finish = "tool_calls"
    else:
        message["content"] = turn.text if isinstance(turn, Text | Drop) else ""
        finish = "stop"
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": _usage(12),
    }
