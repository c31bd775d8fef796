"""Providers by name, built once per instance, and the order a turn tries them in.

Order: the session's choice (from the client, or the user's saved choice), then the
deployment's default, then the offline provider, which needs no key and no network.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from shared.settings import SpeechSettings
from shared.speech.base import ProviderError, SpeechToText, TextToSpeech
from shared.ws_protocol import OFFLINE_STT, OFFLINE_TTS

log = logging.getLogger(__name__)
P = TypeVar("P")
STT_NAMES = ("whisper", "deepgram")
TTS_NAMES = ("piper", "deepgram")


class ProviderRegistry:
    def __init__(self, settings: SpeechSettings):
        self.settings = settings
        self._stt: dict[str, SpeechToText] = {}
        self._tts: dict[str, TextToSpeech] = {}
        self._lock = threading.Lock()

    # ---- construction -------------------------------------------------------------------------
    def _deepgram_args(self) -> dict[str, object]:
        key = self.settings.deepgram_api_key
        if key is None or not key.get_secret_value():
            raise ProviderError("deepgram: DEEPGRAM_API_KEY is not set")
        return {
            "api_key": key.get_secret_value(),
            "base_url": self.settings.deepgram_base_url,
            "timeout": self.settings.provider_timeout_seconds,
        }

    def _build_stt(self, name: str) -> SpeechToText:
        if name == "whisper":
            from shared.speech.whisper import WhisperSTT

            return WhisperSTT(
                threads=self.settings.whisper_threads,
                trim_encoder=self.settings.whisper_trim_encoder,
            )
        if name == "deepgram":
            from shared.speech.deepgram import DeepgramSTT

            return DeepgramSTT(**self._deepgram_args())  # type: ignore[arg-type]
        raise ProviderError(f"unknown STT provider {name!r}; known: {', '.join(STT_NAMES)}")

    def _build_tts(self, name: str) -> TextToSpeech:
        if name == "piper":
            from shared.speech.piper import PiperTTS

            return PiperTTS()
        if name == "deepgram":
            from shared.speech.deepgram import DeepgramTTS

            return DeepgramTTS(**self._deepgram_args())  # type: ignore[arg-type]
        raise ProviderError(f"unknown TTS provider {name!r}; known: {', '.join(TTS_NAMES)}")

    def stt(self, name: str) -> SpeechToText:
        with self._lock:
            if name not in self._stt:
                provider = self._build_stt(name)
                provider.warm_up()
                self._stt[name] = provider
            return self._stt[name]

    def tts(self, name: str) -> TextToSpeech:
        with self._lock:
            if name not in self._tts:
                provider = self._build_tts(name)
                provider.warm_up()
                self._tts[name] = provider
            return self._tts[name]

    def register_stt(self, provider: SpeechToText) -> None:
        """Use this instance for its name (tests and benchmarks inject providers this way)."""
        self._stt[provider.name] = provider

    def register_tts(self, provider: TextToSpeech) -> None:
        self._tts[provider.name] = provider

    def configured(self, name: str) -> bool:
        """The deployment has what the provider needs (Deepgram: a key; the offline ones need
        nothing). A configured provider can still fail to start or to answer."""
        if name in self._stt or name in self._tts:
            return True  # built already, or registered (tests and benchmarks)
        if name == "deepgram":
            key = self.settings.deepgram_api_key
            return key is not None and bool(key.get_secret_value())
        return True

    # ---- chains -------------------------------------------------------------------------------
    @staticmethod
    def order(preferred: str | None, default: str, offline: str) -> list[str]:
        names: list[str] = []
        for name in (preferred, default, offline):
            if name and name not in names:
                names.append(name)
        return names

    def stt_chain(self, preferred: str | None) -> tuple[list[SpeechToText], list[str]]:
        """Providers to try, and why any named one could not even be built."""
        return _chain(self.order(preferred, self.settings.stt_provider, OFFLINE_STT), self.stt)

    def tts_chain(self, preferred: str | None) -> tuple[list[TextToSpeech], list[str]]:
        return _chain(self.order(preferred, self.settings.tts_provider, OFFLINE_TTS), self.tts)

    def warm_stt(self) -> None:
        """Load the default and offline STT at instance start, not on the first call.

        Raises if one cannot start (a refused key, a missing model): better an instance that
        fails to start, loudly, than one that fails callers mid-call.
        """
        for name in self.order(None, self.settings.stt_provider, OFFLINE_STT):
            self.stt(name)

    def warm_tts(self) -> None:
        for name in self.order(None, self.settings.tts_provider, OFFLINE_TTS):
            self.tts(name)


def _chain(names: list[str], get: Callable[[str], P]) -> tuple[list[P], list[str]]:
    providers: list[P] = []
    skipped: list[str] = []
    for name in names:
        try:
            providers.append(get(name))
        except ProviderError as exc:
            skipped.append(f"{name}: {exc}")
            log.warning("provider unavailable", extra={"provider": name, "reason": str(exc)})
    return providers, skipped
