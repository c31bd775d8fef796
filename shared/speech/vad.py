"""Voice activity detection with WebRTC's VAD: cheap (microseconds a frame), no model files.

``has_speech`` guards STT against transcribing silence; ``Endpointer`` ends a hands-free
utterance after a configurable stretch of silence, or, given a turn model, when the model hears
a finished turn (``shared.speech.turn_taking``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import webrtcvad

from shared.speech.turn_taking import TurnPolicy, TurnScorer

FRAME_MS = 30


def _frames(pcm: bytes, sample_rate: int) -> list[bytes]:
    size = sample_rate * FRAME_MS // 1000 * 2
    return [pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)]


def speech_ms(pcm: np.ndarray, sample_rate: int = 16_000, aggressiveness: int = 2) -> int:
    vad = webrtcvad.Vad(aggressiveness)
    data = np.asarray(pcm, dtype="<i2").tobytes()
    return sum(FRAME_MS for f in _frames(data, sample_rate) if vad.is_speech(f, sample_rate))


MIN_SPEECH_MS = 150  # less voiced audio than this is not an utterance


def has_speech(
    pcm: np.ndarray, sample_rate: int = 16_000, min_speech_ms: int = MIN_SPEECH_MS
) -> bool:
    return speech_ms(pcm, sample_rate) >= min_speech_ms


@dataclass
class EndpointEvent:
    kind: str  # "speech_started" | "pause" | "speech_ended"
    audio: bytes = b""  # the utterance (with pre-roll), on speech_ended
    speech_end_offset_ms: int = 0  # where speech stopped, from the stream's start


@dataclass
class Endpointer:
    """Feed PCM as it arrives; get speech_started / speech_ended events.

    Speech starts after ``start_ms`` of voiced frames; it ends after ``silence_ms`` of unvoiced
    frames. ``preroll_ms`` of audio before the start is kept so the first word is not clipped.

    With a ``turn_model``, ``policy`` decides instead: the model is asked at short silences and
    the utterance ends when it hears a complete turn, or at the policy's ceiling
    (``dictating`` raises it). ``silence_ms`` is then unused.
    """

    sample_rate: int = 16_000
    silence_ms: int = 300
    pause_ms: int = 90  # a "pause" event this far into a silence: a cue to start work early
    start_ms: int = 90
    preroll_ms: int = 300
    aggressiveness: int = 2
    turn_model: TurnScorer | None = None
    policy: TurnPolicy = field(default_factory=TurnPolicy)
    dictating: bool = False  # a slot is being dictated: hold longer (the agent may set it)
    # Dictating, a model sure the turn is over waits this long for the words heard at the
    # pause (``words_heard``), which may say more is coming (0: it does not wait).
    words_wait_ms: int = 0
    model_ms: list[float] = field(default_factory=list)  # inference times, for benchmarks
    _asked: bool = False
    _vad: webrtcvad.Vad = field(init=False)
    _pending: bytes = b""
    _preroll: list[bytes] = field(default_factory=list)
    _utterance: list[bytes] = field(default_factory=list)
    _voiced_run: int = 0
    _silent_run: int = 0
    _in_speech: bool = False
    _position_ms: int = 0
    _last_voiced_end_ms: int = 0
    _paused: bool = False
    _sure_at_ms: int | None = None  # silence at which a sure model's end waits for the words
    _words: str | None = None  # what the words of this pause said: "finished" / "unfinished"

    def __post_init__(self) -> None:
        if self.sample_rate not in (8000, 16000, 32000, 48000):
            raise ValueError("VAD needs 8, 16, 32 or 48 kHz audio")
        self._vad = webrtcvad.Vad(self.aggressiveness)

    @property
    def position_ms(self) -> int:
        return self._position_ms

    @property
    def last_voiced_ms(self) -> int:
        """Where the last voiced frame of the current speech ended (the silence after it
        excluded), from the stream's start."""
        return self._last_voiced_end_ms

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def utterance_bytes(self) -> int:
        return sum(len(b) for b in self._utterance)

    def push(self, pcm: bytes) -> list[EndpointEvent]:
        events: list[EndpointEvent] = []
        data = self._pending + pcm
        size = self.sample_rate * FRAME_MS // 1000 * 2
        usable = len(data) - len(data) % size
        self._pending = data[usable:]
        for start in range(0, usable, size):
            frame = data[start : start + size]
            self._position_ms += FRAME_MS
            voiced = self._vad.is_speech(frame, self.sample_rate)
            if not self._in_speech:
                self._preroll.append(frame)
                self._preroll = self._preroll[-max(1, self.preroll_ms // FRAME_MS) :]
                self._voiced_run = self._voiced_run + 1 if voiced else 0
                if self._voiced_run * FRAME_MS >= self.start_ms:
                    self._in_speech = True
                    self._utterance = list(self._preroll)
                    self._preroll = []
                    self._silent_run = 0
                    self._last_voiced_end_ms = self._position_ms
                    events.append(EndpointEvent("speech_started"))
                continue
            self._utterance.append(frame)
            if voiced:
                self._silent_run = 0
                self._paused = False
                self._asked = False
                self._sure_at_ms = None
                self._words = None
                self._last_voiced_end_ms = self._position_ms
            else:
                self._silent_run += 1
                silent_ms = self._silent_run * FRAME_MS
                if silent_ms >= self.pause_ms and not self._paused and silent_ms < self._ceiling():
                    self._paused = True
                    events.append(
                        EndpointEvent("pause", b"".join(self._utterance), self._last_voiced_end_ms)
                    )
                if self._should_end(silent_ms):
                    events.append(self.end())
        return events

    def _ceiling(self) -> int:
        return self.policy.ceiling_ms(self.dictating) if self.turn_model else self.silence_ms

    def _should_end(self, silent_ms: int) -> bool:
        if self.turn_model is None:
            return silent_ms >= self.silence_ms
        probability = None
        if self.policy.should_ask(silent_ms, self._asked):
            self._asked = True
            # The speech up to its last voiced frame: trailing silence reads as "finished".
            spoken = self._utterance[: len(self._utterance) - self._silent_run]
            probability = self.turn_model.probability(b"".join(spoken), self.sample_rate)
            self.model_ms.append(self.turn_model.last_ms)
        if silent_ms >= self._ceiling() or self._words == "unfinished":
            return silent_ms >= self._ceiling()
        if self._sure_at_ms is not None:  # sure, and waiting for the words
            return self._words == "finished" or silent_ms - self._sure_at_ms >= self.words_wait_ms
        sure = self.policy.decide(silent_ms, probability, self.dictating)
        if sure and self.dictating and self.words_wait_ms > 0 and self._words is None:
            self._sure_at_ms = silent_ms
            return False
        return sure

    def words_heard(self, speech_end_ms: int, unfinished: bool) -> bool:
        """The words of the pause after the speech that stopped at ``speech_end_ms``: if they
        stop mid-slot the pause ends only at the dictation ceiling, else a sure model's end
        need wait no more. False if the caller spoke on since (the words are of a past pause)."""
        if not self._in_speech or self._silent_run == 0:
            return False
        if speech_end_ms != self._last_voiced_end_ms:
            return False
        self._words = "unfinished" if unfinished else "finished"
        if unfinished:
            self.dictating = True
        return True

    def end(self) -> EndpointEvent:
        """End the current utterance now (silence reached, or the caller said so)."""
        event = EndpointEvent("speech_ended", b"".join(self._utterance), self._last_voiced_end_ms)
        self._in_speech = False
        self._utterance = []
        self._voiced_run = 0
        self._silent_run = 0
        self._paused = False
        self._asked = False
        self._sure_at_ms = None
        self._words = None
        return event
