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


def pcm_frames(pcm: bytes, frame_ms: int = 20, rate: int = 16000) -> list[bytes]:
    size = rate * frame_ms // 1000 * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


async def send_batch(
    client: RelayClient, data: bytes, mime_type: str, chunk_bytes: int = 16000
) -> None:
    """Push-to-talk: start_recording, the file in audio_chunk frames (no stop_recording)."""
    import base64

    await client.send({"type": "start_recording", "stt_mode": "batch", "mime_type": mime_type})
    for sequence, start in enumerate(range(0, len(data), chunk_bytes)):
        chunk = base64.b64encode(data[start : start + chunk_bytes]).decode()
        await client.send({"type": "audio_chunk", "sequence": sequence, "data_b64": chunk})


async def stream_pcm(
    client: RelayClient,
    pcm: bytes,
    *,
    start_sequence: int = 0,
    pace: float = 1.0,
    frame_ms: int = 20,
) -> int:
    """Hands-free: send 16 kHz PCM as audio_frame at `pace` x real time; returns next sequence."""
    import base64
    import time

    t0 = time.monotonic()
    sequence = start_sequence
    for i, frame in enumerate(pcm_frames(pcm, frame_ms)):
        await client.send(
            {
                "type": "audio_frame",
                "sequence": sequence,
                "data_b64": base64.b64encode(frame).decode(),
            }
        )
        sequence += 1
        if pace > 0:
            delay = t0 + (i + 1) * frame_ms / 1000 / pace - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
    return sequence
