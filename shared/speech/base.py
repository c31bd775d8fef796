"""One small base per provider kind, and the fallback that walks a chain of them.

A vendor module implements ``transcribe`` or ``synthesize``; the registry builds providers by
name; ``FallbackSTT`` / ``FallbackTTS`` move to the next provider on error or timeout and report
it, so the monitor can say which provider answered and why another did not.
"""

from __future__ import annotations

import concurrent.futures
import io
import logging
import wave
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

log = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P")
SAMPLE_RATE = 16_000  # every STT provider receives 16 kHz mono s16 PCM


class ProviderError(RuntimeError):
    """A provider could not do its job (bad key, network, timeout, bad response)."""


@dataclass(frozen=True)
class Transcript:
    text: str
    provider: str
    no_speech: bool = False  # the audio held no speech: the text is empty on purpose


@dataclass(frozen=True)
class SpeechAudio:
    data: bytes  # a complete, playable file (WAV) the client can decode directly
    mime_type: str
    sample_rate: int
    duration_ms: int
    provider: str


class SpeechToText(ABC):
    name: str = "stt"

    @abstractmethod
    def transcribe(
        self, pcm: np.ndarray, language: str = "en", hints: Sequence[str] = ()
    ) -> Transcript:
        """Transcribe 16 kHz mono int16 PCM; ``hints`` are words the caller may say (names) that
        a provider may use to bias recognition, or ignore."""

    def warm_up(self) -> None:  # noqa: B027 - optional hook, most providers need nothing
        """Load models or open connections before the first caller waits for them."""


class TextToSpeech(ABC):
    name: str = "tts"

    @abstractmethod
    def synthesize(self, text: str) -> SpeechAudio:
        """Speak one sentence."""

    def warm_up(self) -> None:  # noqa: B027 - optional hook
        """Load models before the first caller waits for them."""


def wav_bytes(pcm: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
    return buffer.getvalue()


@dataclass
class FallbackReport:
    provider: str = ""
    failures: list[str] = field(default_factory=list)  # "name: reason" for each provider skipped


_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="provider")


def _call_with_timeout(fn: Callable[[], T], timeout: float) -> T:
    future = _pool.submit(fn)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError as exc:
        future.cancel()
        raise ProviderError(f"timed out after {timeout:.1f}s") from exc


def run_chain(
    providers: Sequence[P], call: Callable[[P], T], timeout: float, report: FallbackReport
) -> T:
    """Try each provider in turn; the first answer wins. Raises when all of them fail."""
    last: Exception | None = None
    for provider in providers:
        name = getattr(provider, "name", type(provider).__name__)
        try:
            result = _call_with_timeout(lambda p=provider: call(p), timeout)  # type: ignore[misc]
        except Exception as exc:
            reason = f"{name}: {type(exc).__name__}: {exc}"[:300]
            log.warning("provider failed; falling back", extra={"provider": name, "reason": reason})
            report.failures.append(reason)
            last = exc
            continue
        report.provider = name
        return result
    raise ProviderError("every provider failed: " + "; ".join(report.failures)) from last
