"""The HTTP side the fake LLM servers (anthropic_server, openai_server, gemini_server) share:
reading the key a request carries, a vendor's JSON error with its request id, answering a
scripted ``Fail`` or ``Hang`` turn, server-sent event framing and the words a turn speaks.
Serving (start, stop, the request record, timing) is ``llm_script.ScriptedLLM``'s.

    turn = await scripted(self, request, failed=lambda s: error(s), hung=lambda: error(500))
    if isinstance(turn, Response):
        return turn          # the scripted failure, in the vendor's shape
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.llm_script import Drop, Fail, Hang, ScriptedLLM, Text, Turn


def bearer(request: Request) -> str | None:
    """The key of ``Authorization: Bearer <key>`` (None without one)."""
    value = request.headers.get("authorization", "")
    return value.removeprefix("Bearer ").strip() if value.startswith("Bearer ") else None


def request_id(hex_chars: int = 32) -> str:
    return "req_" + uuid.uuid4().hex[:hex_chars]


def json_error(
    body: dict[str, Any], status: int, *, id_header: str | None = None, id_chars: int = 32
) -> JSONResponse:
    """A vendor's error body with ``status``, and a fresh request id in ``id_header``."""
    headers = {id_header: request_id(id_chars)} if id_header else None
    return JSONResponse(body, status, headers=headers)


async def scripted(
    fake: ScriptedLLM,
    request: Request,
    *,
    failed: Callable[[int], Response],
    hung: Callable[[], Response],
) -> Turn | Response:
    """The next turn of the script; for a ``Fail`` the vendor's error with its status, for a
    ``Hang`` no answer until the client goes away or the server stops (then ``hung()``)."""
    turn = fake.next_turn()
    if isinstance(turn, Fail):
        return failed(turn.status)
    if isinstance(turn, Hang):
        await fake.hang(request)
        return hung()
    return turn


def said(turn: Turn) -> str:
    """The words a turn answers with ("" for a tool call)."""
    return turn.text if isinstance(turn, Text | Drop) else ""


def drop_after(turn: Turn) -> int | None:
    """After how many tokens a ``Drop`` turn cuts the connection (None: it does not)."""
    return turn.after if isinstance(turn, Drop) else None


def sse(payload: dict[str, Any], *, event: str | None = None, newline: str = "\n") -> bytes:
    """One server-sent event: ``event:`` (when named) and ``data:`` lines, then a blank line."""
    head = f"event: {event}{newline}" if event else ""
    return f"{head}data: {json.dumps(payload)}{newline}{newline}".encode()
