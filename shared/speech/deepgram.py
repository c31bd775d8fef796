"""Deepgram speech providers: prerecorded Nova-3 transcription and Aura-2 synthesis (SDK v7).

``DeepgramSTT`` sends one utterance as a WAV file to ``POST /v1/listen``; ``DeepgramTTS`` asks
``POST /v1/speak`` for raw 24 kHz linear16 and wraps it as a WAV the client can play. Both
validate the key with one authenticated call in ``warm_up`` (``GET /v1/projects``), so a wrong
key stops the service at start instead of failing a caller mid-sentence.

Every failure becomes a ``ProviderError`` carrying the HTTP status and a short reason, never the
key, so the fallback chain can move on and the monitor can say why. The SDK is imported when a
provider is built, so this module imports cleanly where ``deepgram-sdk`` is not installed.
"""

from __future__ import annotations

import io
import logging
import wave
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.speech.base import (
    SAMPLE_RATE,
    ProviderError,
    SpeechAudio,
    SpeechToText,
    TextToSpeech,
    Transcript,
    wav_bytes,
)

log = logging.getLogger(__name__)

NAME = "deepgram"
STT_MODEL = "nova-3"
TTS_MODEL = "aura-2-thalia-en"
TTS_SAMPLE_RATE = 24_000
DEFAULT_TIMEOUT = 10.0
# Retries are the fallback chain's job: a caller is waiting, and the SDK's own backoff starts at
# one second and doubles.
DEFAULT_MAX_RETRIES = 0
_MESSAGE_LIMIT = 240


def _load_sdk() -> Any:
    try:
        import deepgram
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ProviderError(
            "the Deepgram provider needs deepgram-sdk 7 or newer (pip install 'deepgram-sdk>=7')"
        ) from exc
    return deepgram


def _environment(sdk: Any, base_url: str | None) -> Any:
    """The SDK's environment: production, or every REST call sent to ``base_url``."""
    if not base_url:
        return sdk.DeepgramClientEnvironment.PRODUCTION
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        ws = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        ws = "ws://" + base.removeprefix("http://")
    else:
        raise ProviderError(f"Deepgram base URL must start with http:// or https://: {base_url!r}")
    return sdk.DeepgramClientEnvironment(base=base, production=ws, agent=ws, agent_rest=base)


def _body_reason(body: Any) -> str:
    """The human part of a Deepgram error body (``err_msg`` on listen/speak, ``message`` on
    management endpoints), or the body itself when it is not the usual JSON."""
    if isinstance(body, dict):
        for key in ("err_msg", "message", "reason", "details", "err_code", "category"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return str(body or "").strip()


class _Connection:
    """One SDK client shared by the calls of a provider, and the translation of its errors."""

    def __init__(self, api_key: str, base_url: str | None, timeout: float, max_retries: int):
        if not api_key or not api_key.strip():
            raise ProviderError("DEEPGRAM_API_KEY is not set")
        if timeout <= 0:
            raise ProviderError("Deepgram timeout must be positive")
        self._secret = api_key.strip()
        self.timeout = timeout
        self.sdk = _load_sdk()
        self.client: Any = self.sdk.DeepgramClient(
            api_key=self._secret,
            environment=_environment(self.sdk, base_url),
            timeout=timeout,
            max_retries=max_retries,
        )

    def error(self, operation: str, exc: BaseException) -> ProviderError:
        """A ``ProviderError`` naming the status and a short reason; the key is never in it."""
        import httpx  # the SDK's transport, so present whenever the SDK is

        status = getattr(exc, "status_code", None)
        if isinstance(status, int):
            reason = _body_reason(getattr(exc, "body", None))
            if type(exc).__name__ == "ParsingError":
                message = f"Deepgram {operation} failed: unexpected response shape (HTTP {status})"
            else:
                message = f"Deepgram {operation} failed: HTTP {status}"
                if status in (401, 403):
                    message += " (the API key was refused; check DEEPGRAM_API_KEY)"
                if reason:
                    message += f": {reason}"
        elif isinstance(exc, httpx.TimeoutException):
            message = f"Deepgram {operation} timed out after {self.timeout:g}s"
        else:
            message = f"Deepgram {operation} failed: {type(exc).__name__}: {exc}"
        return ProviderError(self._scrub(message))

    def _scrub(self, message: str) -> str:
        if len(self._secret) >= 4:
            message = message.replace(self._secret, "***")
        if len(message) > _MESSAGE_LIMIT:
            message = message[: _MESSAGE_LIMIT - 3] + "..."
        return message

    def validate_key(self) -> None:
        """One authenticated call; a refused key raises, anything else only warns (the chain
        falls back while Deepgram is unreachable, and the key is checked again by real calls)."""
        try:
            self.client.manage.v1.projects.list()
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if status in (401, 403):
                reason = _body_reason(getattr(exc, "body", None)) or "refused"
                raise ProviderError(
                    self._scrub(
                        f"Deepgram refused DEEPGRAM_API_KEY (HTTP {status}: {reason}); "
                        "set a valid key or choose another speech provider"
                    )
                ) from None
            log.warning(
                "could not validate the Deepgram key at start",
                extra={"provider": NAME, "reason": str(self.error("key check", exc))},
            )


class _DeepgramProvider:
    """What both Deepgram providers share: one client, and the key checked at start."""

    name = NAME

    def __init__(
        self,
        api_key: str,
        base_url: str | None,
        model: str,
        timeout: float,
        *,
        max_retries: int,
    ) -> None:
        self.model = model
        self._conn = _Connection(api_key, base_url, timeout, max_retries)

    def warm_up(self) -> None:
        self._conn.validate_key()


class DeepgramSTT(_DeepgramProvider, SpeechToText):
    """Prerecorded transcription of one utterance with Nova-3 and smart formatting."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        model: str = STT_MODEL,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        super().__init__(api_key, base_url, model, timeout, max_retries=max_retries)

    def transcribe(
        self, pcm: np.ndarray, language: str = "en", hints: Sequence[str] = ()
    ) -> Transcript:
        del hints  # not sent yet: keyterm prompting is not wired to the SDK call
        samples = np.asarray(pcm)
        if samples.size == 0:
            return Transcript("", NAME, no_speech=True)
        audio = wav_bytes(samples.astype(np.int16, copy=False), SAMPLE_RATE)
        try:
            response = self._conn.client.listen.v1.media.transcribe_file(
                request=audio,
                model=self.model,
                smart_format=True,
                language=language or None,
            )
        except Exception as exc:
            raise self._conn.error("transcription", exc) from None
        text = _transcript_text(response)
        if not text.strip():
            return Transcript("", NAME, no_speech=True)
        return Transcript(text.strip(), NAME)


def _transcript_text(response: Any) -> str:
    results = getattr(response, "results", None)
    if results is None:
        raise ProviderError("Deepgram transcription failed: the response held no results")
    channels = getattr(results, "channels", None) or []
    if not channels:
        return ""
    alternatives = getattr(channels[0], "alternatives", None) or []
    if not alternatives:
        return ""
    transcript = getattr(alternatives[0], "transcript", None)
    return transcript if isinstance(transcript, str) else ""


class DeepgramTTS(_DeepgramProvider, TextToSpeech):
    """Aura-2 synthesis as 24 kHz mono linear16, returned as a complete WAV."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        model: str = TTS_MODEL,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        super().__init__(api_key, base_url, model, timeout, max_retries=max_retries)

    def synthesize(self, text: str) -> SpeechAudio:
        if not text.strip():
            raise ProviderError("Deepgram synthesis failed: there is no text to speak")
        try:
            chunks = self._conn.client.speak.v1.audio.generate(
                text=text,
                model=self.model,
                encoding="linear16",
                sample_rate=TTS_SAMPLE_RATE,
                container="none",
            )
            pcm = b"".join(chunks)
        except Exception as exc:
            raise self._conn.error("synthesis", exc) from None
        pcm = _raw_pcm(pcm)
        frames = len(pcm) // 2
        data = wav_bytes(np.frombuffer(pcm, dtype="<i2"), TTS_SAMPLE_RATE)
        duration_ms = round(frames * 1000 / TTS_SAMPLE_RATE)
        return SpeechAudio(data, "audio/wav", TTS_SAMPLE_RATE, duration_ms, NAME)


def _raw_pcm(audio: bytes) -> bytes:
    """Check the raw linear16 body; unwrap it if the service sent a WAV despite container=none."""
    if audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(audio), "rb") as w:
                shape = (w.getnchannels(), w.getsampwidth(), w.getframerate())
                audio = w.readframes(w.getnframes())
        except (wave.Error, EOFError) as exc:
            raise ProviderError(f"Deepgram synthesis returned a broken WAV: {exc}") from None
        if shape != (1, 2, TTS_SAMPLE_RATE):
            raise ProviderError(f"Deepgram synthesis returned an unexpected WAV format {shape}")
    if not audio:
        raise ProviderError("Deepgram synthesis returned no audio")
    if len(audio) % 2:
        raise ProviderError(
            f"Deepgram synthesis returned {len(audio)} bytes, not whole 16-bit samples"
        )
    return audio
