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
    client: RelayClient,
    data: bytes,
    mime_type: str,
    chunk_bytes: int = 16000,
    real_time_seconds: float | None = None,
) -> None:
    """Push-to-talk: start_recording, then the file in audio_chunk frames (no stop_recording).

    With ``real_time_seconds`` the file goes out as a browser's MediaRecorder sends it: one
    chunk every 250 ms while the caller speaks, the last one as the button is released.
    """
    import base64
    import math
    import time

    await client.send({"type": "start_recording", "stt_mode": "batch", "mime_type": mime_type})
    slice_s = 0.25
    if real_time_seconds and mime_type.startswith("audio/webm"):
        offsets = webm_time_offsets(data, slice_s)
    else:
        size = chunk_bytes
        if real_time_seconds:
            size = math.ceil(len(data) / max(1, math.ceil(real_time_seconds / slice_s)))
        offsets = list(range(0, len(data), size))
    t0 = time.monotonic()
    for sequence, start in enumerate(offsets):
        if real_time_seconds:
            delay = t0 + (sequence + 1) * slice_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        end = offsets[sequence + 1] if sequence + 1 < len(offsets) else len(data)
        chunk = base64.b64encode(data[start:end]).decode()
        await client.send({"type": "audio_chunk", "sequence": sequence, "data_b64": chunk})


def webm_time_offsets(data: bytes, slice_s: float) -> list[int]:
    """Byte offsets that cut a WebM file into slices of `slice_s` seconds of audio, as a
    MediaRecorder with that timeslice would hand them over (Opus is variable-rate: equal byte
    slices would not be equal time slices)."""
    import io

    import av

    offsets, boundary = [0], slice_s
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        for packet in container.demux(stream):
            if packet.pts is None or packet.pos is None:
                continue
            if float(packet.pts * stream.time_base) >= boundary:
                offsets.append(int(packet.pos))
                boundary += slice_s
    return sorted(set(offsets))


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
