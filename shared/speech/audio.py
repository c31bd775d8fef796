"""Decode what callers send (WebM/Opus, WAV, raw PCM, 8 kHz mu-law) into 16 kHz mono int16 PCM.

Errors carry a code the client is told, so bad audio gets a precise answer instead of a crash.
"""

from __future__ import annotations

import io

import av
import numpy as np

from shared.speech.base import SAMPLE_RATE
from shared.speech.formats import (
    DECLARED_SLACK_SECONDS,
    AudioError,
    MimeType,
    check_declared_length,
    check_header,
    kind_of,
)

__all__ = ["AudioError", "MimeType", "check_header", "decode", "kind_of", "resample"]


def _mulaw_table() -> np.ndarray:
    # ITU-T G.711 mu-law expansion, bit-exact with audioop.ulaw2lin.
    codes = ~np.arange(256, dtype=np.uint8)
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = ((mantissa.astype(np.int32) << 3) + 0x84) << exponent
    values = np.where(sign != 0, 0x84 - magnitude, magnitude - 0x84)
    return values.astype(np.int16)


MULAW_TO_PCM = _mulaw_table()


def resample(pcm: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    if rate == target or pcm.size == 0:
        return pcm.astype(np.int16, copy=False)
    frame = av.AudioFrame.from_ndarray(
        pcm.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
    )
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=target)
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, np.int16)


def _too_long(max_seconds: float, declared: float | None = None) -> AudioError:
    said = f"the audio declares {declared:.0f} s; " if declared is not None else ""
    return AudioError("utterance_too_long", f"{said}utterances are limited to {max_seconds:.0f} s")


def _container_seconds(container: av.container.InputContainer) -> float | None:
    """The length the container or its audio stream declares, when it declares one."""
    declared = []
    if container.duration is not None and container.duration > 0:
        declared.append(container.duration / av.time_base)
    stream = container.streams.audio[0]
    if stream.duration is not None and stream.duration > 0 and stream.time_base is not None:
        declared.append(float(stream.duration * stream.time_base))
    return max(declared, default=None)


def _decode_up_to(container: av.container.InputContainer, max_seconds: float) -> list[np.ndarray]:
    """The first audio stream as 16 kHz mono pieces, given up on as soon as it runs past the
    limit: a few MiB of compressed silence can hold hours, and the memory must not follow."""
    max_samples = int(max_seconds * SAMPLE_RATE)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    parts: list[np.ndarray] = []
    samples = 0
    for frame in container.decode(audio=0):
        for out in resampler.resample(frame):
            parts.append(out.to_ndarray().reshape(-1))
            samples += parts[-1].size
        if samples > max_samples:
            raise _too_long(max_seconds)
    parts.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    return parts


def _decode_container(data: bytes, max_seconds: float) -> np.ndarray:
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioError("audio_decode_failed", "the file has no audio stream")
            declared = _container_seconds(container)
            if declared is not None and declared > max_seconds + DECLARED_SLACK_SECONDS:
                raise _too_long(max_seconds, declared)
            parts = _decode_up_to(container, max_seconds)
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, IndexError) as exc:
        raise AudioError("audio_decode_failed", f"the audio could not be decoded: {exc}") from exc
    if not parts:
        raise AudioError("audio_decode_failed", "the audio holds no samples")
    return np.concatenate(parts).astype(np.int16)


def decode(
    data: bytes, mime_type: str | None, sample_rate: int | None = None, max_seconds: float = 60.0
) -> np.ndarray:
    """Return 16 kHz mono int16 PCM; raise AudioError with a client-facing code."""
    if not data:
        raise AudioError("empty_utterance", "the utterance holds no audio")
    kind = kind_of(mime_type)
    mime = MimeType.parse(mime_type)
    if kind == "container":
        check_header(data, mime_type)
        check_declared_length(data, max_seconds)  # before FFmpeg sees a byte of it
        pcm = _decode_container(data, max_seconds)
    else:
        rate = (
            sample_rate
            or int(mime.params.get("rate", "0") or 0)
            or (8000 if kind == "mulaw" else 0)
        )
        if not 8000 <= rate <= 48000:
            raise AudioError("bad_audio", "raw audio needs its sample rate (8000 to 48000 Hz)")
        if kind == "pcm":
            if len(data) % 2:
                raise AudioError("bad_audio", "16-bit PCM must have an even number of bytes")
            raw = np.frombuffer(data, dtype="<i2")
        else:
            raw = MULAW_TO_PCM[np.frombuffer(data, dtype=np.uint8)]
        if raw.size / rate > max_seconds:
            raise _too_long(max_seconds)
        pcm = resample(raw, rate)
    seconds = pcm.size / SAMPLE_RATE
    if seconds > max_seconds:
        raise AudioError(
            "utterance_too_long",
            f"utterance of {seconds:.0f} s is over the {max_seconds:.0f} s limit",
        )
    if seconds < 0.1:
        raise AudioError(
            "utterance_too_short",
            f"utterance of {seconds * 1000:.0f} ms is too short to hold speech",
        )
    return pcm
