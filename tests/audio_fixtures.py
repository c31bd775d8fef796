"""Audio built by FFmpeg for tests: long silence that compresses to almost nothing."""

from __future__ import annotations

import io
from functools import cache

import av
import numpy as np


class Pipe(io.RawIOBase):
    """A sink that cannot seek, as a live recorder writes: muxers leave the duration out."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


@cache
def silence(
    fmt: str, codec: str, seconds: float, rate: int = 16000, seekable: bool = True
) -> bytes:
    """``seconds`` of digital silence encoded by FFmpeg: compressed, hours fit in a few MiB."""
    sink: io.BytesIO | Pipe = io.BytesIO() if seekable else Pipe()
    frame_samples = 960 if codec == "libopus" else 16384
    with av.open(sink, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        total = int(seconds * rate)
        for start in range(0, total, frame_samples):
            zeros = np.zeros((1, min(frame_samples, total - start)), np.int16)
            frame = av.AudioFrame.from_ndarray(zeros, format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return bytes(sink.getvalue() if isinstance(sink, io.BytesIO) else sink.data)
