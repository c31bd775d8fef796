"""A small client for the relay's WebSocket protocol, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class RelayClient:
    def __init__(self, ws: ClientConnection):
        self.ws = ws

    @classmethod
    async def open(cls, url: str) -> RelayClient:
        return cls(await connect(url, max_size=None, open_timeout=10))

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def recv(self, timeout: float = 15.0) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), timeout)))

    async def recv_until(self, *types: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Frames up to and including the first of the given types."""
        got = []
        while True:
            frame = await self.recv(timeout)
            got.append(frame)
            if frame["type"] in types:
                return got

    async def authenticate(self, pin: str) -> dict[str, Any]:
        await self.send({"type": "authenticate", "pin": pin})
        return await self.recv()

    async def say(self, text: str) -> list[dict[str, Any]]:
        await self.send({"type": "text", "text": text})
        return await self.recv_until("agent_final", "error")

    async def close(self) -> None:
        await self.ws.close()
