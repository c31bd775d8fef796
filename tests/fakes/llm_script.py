"""What the fake LLM servers (anthropic_server, openai_server, gemini_server) share: the
script of turns a test queues, token timing, failure modes and the record of requests.

    fake = FakeOpenAI(api_key="k", turns=[ToolCall("add", {"a": 1}), Text("Done, it is 3.")])
    with fake.serve() as base_url: ...

Each request pops the next turn (an empty queue answers ``Text("OK.")``):

- ``Text(text)`` / ``ToolCall(name, args)``: a normal answer, streamed token by token when the
  request asks to stream (``timing``: ``first_token`` seconds, then ``tokens_per_second``).
- ``Fail(status)``: the vendor's error body with that status (500, 429, 503...).
- ``Hang()``: never answers (until the client goes away or the server stops).
- ``Drop(text, after)``: streams ``after`` tokens of ``text``, then cuts the connection.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp

from tests.asgi_server import serving


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any]
    id: str = ""


@dataclass(frozen=True)
class Fail:
    status: int = 500


@dataclass(frozen=True)
class Hang:
    pass


@dataclass(frozen=True)
class Drop:
    text: str
    after: int = 2


Turn = Text | ToolCall | Fail | Hang | Drop


@dataclass(frozen=True)
class Timing:
    first_token: float = 0.3
    tokens_per_second: float = 50.0

    @property
    def gap(self) -> float:
        return 1.0 / self.tokens_per_second if self.tokens_per_second > 0 else 0.0


FAST = Timing(0.0, 0.0)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names; credentials are never recorded
    body: dict[str, Any] | None
    authorized: bool


class DroppedConnection(Exception):
    """Raised inside a streaming body: the server cuts the connection mid-answer."""


def tokens(text: str) -> list[str]:
    """Word-sized tokens that join back to ``text``."""
    return re.findall(r"\s*\S+", text) or [text]


def fragments(raw: str, size: int = 8) -> list[str]:
    return [raw[i : i + size] for i in range(0, len(raw), size)] or [""]


_SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key"}


@dataclass
class ScriptedLLM:
    api_key: str
    turns: Iterable[Turn] = ()
    timing: Timing = field(default_factory=Timing)
    requests: list[RecordedRequest] = field(default_factory=list)
    last_token_at: float = 0.0  # time.monotonic() when the latest stream's last token was sent

    def __post_init__(self) -> None:
        self.queue: deque[Turn] = deque(self.turns)
        self.stopped = threading.Event()

    def app(self) -> ASGIApp:  # each vendor's fake builds its routes
        raise NotImplementedError

    @contextmanager
    def serve(self) -> Iterator[str]:
        self.stopped.clear()
        try:
            with serving(self.app()) as base_url:
                yield base_url
        finally:
            self.stopped.set()

    def script(self, *turns: Turn) -> None:
        self.queue.extend(turns)

    def next_turn(self) -> Turn:
        return self.queue.popleft() if self.queue else Text("OK.")

    async def record(self, request: Request, key: str | None) -> RecordedRequest:
        raw = await request.body()
        body = await request.json() if raw else None
        headers = {k: v for k, v in request.headers.items() if k not in _SECRET_HEADERS}
        query = {k: v for k, v in request.query_params.items() if k != "key"}
        seen = RecordedRequest(
            request.method, request.url.path, query, headers, body, key == self.api_key
        )
        self.requests.append(seen)
        return seen

    def requests_to(self, suffix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(suffix) and r.authorized]

    async def hang(self, request: Request) -> None:
        while not self.stopped.is_set() and not await request.is_disconnected():
            await asyncio.sleep(0.05)

    async def first_token(self) -> None:
        if self.timing.first_token:
            await asyncio.sleep(self.timing.first_token)

    async def between_tokens(self) -> None:
        if self.timing.gap:
            await asyncio.sleep(self.timing.gap)

    def sent_last_token(self) -> None:
        self.last_token_at = time.monotonic()
