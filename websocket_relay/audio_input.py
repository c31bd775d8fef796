"""A turn's audio as it arrives: push-to-talk chunks, or hands-free frames cut by VAD.

Pure state, no I/O: the connection feeds frames in and publishes what comes out. Every
problem raises ``AudioInputError`` with the code the client is sent.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from dataclasses import dataclass, field

import numpy as np

from shared.speech.base import wav_bytes
from shared.speech.formats import (
    AudioError,
    MimeType,
    check_declared_length,
    check_header,
    kind_of,
)
from shared.speech.turn_taking import TurnPolicy, TurnScorer
from shared.speech.vad import Endpointer, EndpointEvent

DEFAULT_MIME = "audio/webm;codecs=opus"
VAD_RATES = (8000, 16000, 32000, 48000)


class AudioInputError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Utterance:
    turn_id: str
    data: bytes
    mime_type: str
    sample_rate: int | None
    started_at: float
    ended_at: float  # when the caller stopped speaking (epoch seconds)
    mode: str  # batch | streaming
    speculative: bool = False
    language: str = "en"
    # hands-free: where the speech stopped, in ms into the stream (a snapshot's draft id)
    speech_end_ms: int | None = None


def b64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AudioInputError("bad_audio", "data_b64 is not valid base64") from exc


def pcm_to_wav(pcm: bytes, rate: int) -> bytes:
    return wav_bytes(np.frombuffer(pcm, dtype="<i2"), rate)


@dataclass
class Limits:
    max_bytes: int
    max_seconds: float
    min_bytes: int


@dataclass
class BatchRecording:
    """Push-to-talk: ``audio_chunk`` frames in sequence, ended by ``stop_recording``."""

    limits: Limits
    mime_type: str = DEFAULT_MIME
    sample_rate: int | None = None
    language: str = "en"
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: float = field(default_factory=time.time)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    speculate_every: float = 0.0  # seconds between speculative snapshots; 0 turns them off
    speculate_max_bytes: int = 0
    _last_speculation: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        _check_type(self.mime_type, self.sample_rate)

    def add(self, sequence: int, data_b64: str, mime_type: str | None) -> None:
        expected = len(self.chunks)
        if sequence != expected:
            raise AudioInputError(
                "chunk_out_of_order", f"audio_chunk {sequence} arrived; expected {expected}"
            )
        data = b64(data_b64)
        if sequence == 0:
            if mime_type:
                _check_type(mime_type, self.sample_rate)
                self.mime_type = mime_type
            try:
                check_header(data, self.mime_type)
            except AudioError as exc:
                raise AudioInputError(exc.code, str(exc)) from exc
            self._check_declared_length(data)  # a WAV header says it from the first chunk
        self.size += len(data)
        if self.size > self.limits.max_bytes:
            raise AudioInputError(
                "utterance_too_large",
                f"utterance over {self.limits.max_bytes // (1024 * 1024)} MiB; recording dropped",
            )
        if time.time() - self.started_at > self.limits.max_seconds + 5:
            raise AudioInputError(
                "utterance_too_long", f"recordings are limited to {self.limits.max_seconds:.0f} s"
            )
        self.chunks.append(data)

    def speculation(self) -> Utterance | None:
        """The audio so far, for STT to work on while the caller is still holding the button.

        Offered at most every ``speculate_every`` seconds, and only while small: STT keeps the
        result if the audio ends in a pause, and the final utterance reuses it.
        """
        now = time.time()
        if (
            not self.speculate_every
            or len(self.chunks) < 2
            or now - self._last_speculation < self.speculate_every
            or self.size > self.speculate_max_bytes
        ):
            return None
        self._last_speculation = now
        data = b"".join(self.chunks)
        if self._declares_too_long(data):
            return None  # stop_recording will refuse it; STT need not see it meanwhile
        return Utterance(
            self.turn_id,
            data,
            self.mime_type,
            self.sample_rate,
            self.started_at,
            now,
            "batch",
            speculative=True,
            language=self.language,
        )

    def finish(self) -> Utterance:
        data = b"".join(self.chunks)
        if not data:
            raise AudioInputError("empty_utterance", "the recording holds no audio")
        if len(data) < self.limits.min_bytes:
            raise AudioInputError(
                "utterance_too_short",
                f"the recording ({len(data)} bytes) is too short to hold speech",
            )
        rate = self.sample_rate or int(MimeType.parse(self.mime_type).params.get("rate", "0") or 0)
        if kind_of(self.mime_type) == "pcm" and rate:
            seconds = len(data) / 2 / rate
            if seconds > self.limits.max_seconds:
                raise AudioInputError(
                    "utterance_too_long", f"utterance of {seconds:.0f} s is over the limit"
                )
        self._check_declared_length(data)  # an Ogg file says it on its last page
        now = time.time()
        return Utterance(
            self.turn_id,
            data,
            self.mime_type,
            self.sample_rate,
            self.started_at,
            now,
            "batch",
            language=self.language,
        )

    def _check_declared_length(self, data: bytes) -> None:
        """Refuse a container whose headers already say it is longer than the limit."""
        if kind_of(self.mime_type) != "container":
            return
        try:
            check_declared_length(data, self.limits.max_seconds)
        except AudioError as exc:
            raise AudioInputError(exc.code, str(exc)) from exc

    def _declares_too_long(self, data: bytes) -> bool:
        try:
            self._check_declared_length(data)
        except AudioInputError:
            return True
        return False


def _check_type(mime_type: str, sample_rate: int | None) -> None:
    try:
        kind = kind_of(mime_type)
    except AudioError as exc:
        raise AudioInputError(exc.code, str(exc)) from exc
    rate = sample_rate or MimeType.parse(mime_type).params.get("rate")
    if kind in ("pcm", "mulaw") and not rate:
        raise AudioInputError("bad_audio", f"{mime_type} needs a sample_rate")


@dataclass
class StreamingCapture:
    """Hands-free: 16-bit PCM ``audio_frame``s; server-side VAD finds where speech ends.

    With a ``turn_model`` the end of a turn is decided by ``turn_policy`` (the model asked at
    short silences) instead of a fixed ``silence_ms``.
    """

    limits: Limits
    sample_rate: int
    silence_ms: int
    aggressiveness: int
    language: str = "en"
    turn_model: TurnScorer | None = None
    turn_policy: TurnPolicy | None = None
    words_wait_ms: int = 0  # dictating, how long a sure model waits for a pause's words
    next_sequence: int = 0
    turn_id: str | None = None
    speech_started_at: float = 0.0
    endpointer: Endpointer = field(init=False)

    def __post_init__(self) -> None:
        if self.sample_rate not in VAD_RATES:
            raise AudioInputError(
                "bad_audio", f"hands-free audio must be 16-bit PCM at one of {VAD_RATES} Hz"
            )
        self.endpointer = Endpointer(
            sample_rate=self.sample_rate,
            silence_ms=self.silence_ms,
            aggressiveness=self.aggressiveness,
            turn_model=self.turn_model,
            policy=self.turn_policy or TurnPolicy(),
            words_wait_ms=self.words_wait_ms,
        )

    def add(self, sequence: int, data_b64: str) -> list[tuple[str, Utterance | None]]:
        """Feed one frame; returns ("speech_started", None) / ("speech_ended", utterance)."""
        if sequence != self.next_sequence:
            raise AudioInputError(
                "chunk_out_of_order",
                f"audio_frame {sequence} arrived; expected {self.next_sequence}",
            )
        self.next_sequence += 1
        pcm = b64(data_b64)
        if len(pcm) % 2:
            raise AudioInputError("bad_audio", "audio_frame must hold 16-bit PCM (even byte count)")
        out: list[tuple[str, Utterance | None]] = []
        for event in self.endpointer.push(pcm):
            out.append(self._on_event(event))
        max_bytes = int(self.limits.max_seconds * self.sample_rate * 2)
        if self.endpointer.in_speech and self.endpointer.utterance_bytes() > max_bytes:
            out.append(self._on_event(self.endpointer.end()))  # cut an endless utterance
        return out

    def hold_for_slot(self) -> None:
        """A slot is being dictated: the utterance under way, or else the next, waits longer
        for its end (the turn policy's dictation ceiling and threshold)."""
        self.endpointer.dictating = True

    def words_at_pause(self, turn_id: str, speech_end_ms: int, unfinished: bool) -> bool:
        """stt's words for the pause of ``turn_id`` after the speech that stopped at
        ``speech_end_ms``: ``unfinished`` ones hold the turn open to the dictation ceiling.
        Whether they were of the pause still under way."""
        if turn_id != self.turn_id:
            return False
        return self.endpointer.words_heard(speech_end_ms, unfinished)

    def end_now(self) -> Utterance | None:
        """The caller said the utterance is over (``end_utterance`` or ``stop_recording``)."""
        if not self.endpointer.in_speech:
            return None
        return self._on_event(self.endpointer.end())[1]

    def _on_event(self, event: EndpointEvent) -> tuple[str, Utterance | None]:
        if event.kind == "speech_started":
            self.turn_id = uuid.uuid4().hex
            self.speech_started_at = time.time()
            return ("speech_started", None)
        assert self.turn_id is not None
        if event.kind == "pause":
            # Speech may be over: let STT start now; the final utterance reuses its work.
            return ("pause", self._utterance(event, speculative=True))
        utterance = self._utterance(event, speculative=False)
        self.turn_id = None
        self.endpointer.dictating = False  # held for this utterance only
        return ("speech_ended", utterance)

    def _utterance(self, event: EndpointEvent, speculative: bool) -> Utterance:
        assert self.turn_id is not None
        # Speech ended `trailing` ms ago: the silence the endpointer waited through.
        trailing = self.endpointer.position_ms - event.speech_end_offset_ms
        ended_at = time.time() - trailing / 1000
        return Utterance(
            self.turn_id,
            pcm_to_wav(event.audio, self.sample_rate),
            "audio/wav",
            self.sample_rate,
            self.speech_started_at,
            ended_at,
            "streaming",
            speculative,
            self.language,
            event.speech_end_offset_ms,
        )
