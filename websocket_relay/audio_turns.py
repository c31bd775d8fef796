"""The audio side of a caller's connection: recordings, hands-free capture, dictation, barge-in.
Whether speech over a reply interrupts it is decided by barge.py (the state) and backchannel.py
(the words); this acts on its decisions. utterance_out.py publishes what the caller said."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from shared.speech.dictation import asks_for_slot, ends_unfinished
from shared.speech.turn_end import shared_model_or_none
from shared.speech.turn_taking import TurnPolicy
from shared.ws_protocol import (
    AudioChunk,
    AudioFrame,
    BargeCheck,
    ClientFrame,
    EndUtterance,
    StartRecording,
    Status,
    StopRecording,
)
from websocket_relay.audio_input import (
    AudioInputError,
    BatchRecording,
    Limits,
    StreamingCapture,
    Utterance,
)
from websocket_relay.backchannel import classify
from websocket_relay.barge import BargeIn, Decision
from websocket_relay.utterance_out import UtteranceOut

if TYPE_CHECKING:
    from websocket_relay.connection import ClientConnection

log = logging.getLogger(__name__)


class AudioTurns:
    """A signed-in connection's audio input: at most one recording or capture at a time."""

    def __init__(self, conn: ClientConnection):
        self.conn = conn
        self.recording: BatchRecording | None = None
        self.streaming: StreamingCapture | None = None
        self.barge = BargeIn()
        self.out = UtteranceOut(conn)
        self._check_timer: asyncio.TimerHandle | None = None

    def reset(self) -> None:
        self.recording = None
        self.streaming = None
        self.barge.finish()
        self._stop_check_timer()

    def _limits(self) -> Limits:
        s = self.conn.svc.settings
        return Limits(s.max_utterance_bytes, s.max_utterance_seconds, s.min_utterance_bytes)

    async def on_audio(self, frame: ClientFrame) -> None:
        if isinstance(frame, StartRecording):
            await self.on_start_recording(frame)
        elif isinstance(frame, AudioChunk):
            await self.on_audio_chunk(frame)
        elif isinstance(frame, StopRecording):
            await self.on_stop_recording()
        elif isinstance(frame, AudioFrame):
            if self.streaming is None:
                raise AudioInputError(
                    "not_recording", "send start_recording with stt_mode streaming first"
                )
            capture = self.streaming
            if capture.turn_model is None:
                events = capture.add(frame.sequence, frame.data_b64)
            else:  # the turn model may run on this frame (~60-100 ms on 2 cores): off the loop
                events = await asyncio.to_thread(capture.add, frame.sequence, frame.data_b64)
            for kind, utterance in events:
                await self.on_endpoint(kind, utterance)
            await self._speech_goes_on()
        elif isinstance(frame, EndUtterance):
            await self.on_end_utterance()

    async def on_start_recording(self, frame: StartRecording) -> None:
        if self.recording or self.streaming:
            raise AudioInputError("already_recording", "a recording is already in progress")
        s = self.conn.svc.settings
        if frame.stt_mode == "streaming":
            self.streaming = StreamingCapture(
                self._limits(),
                frame.sample_rate or 16000,
                s.vad_silence_ms,
                s.vad_aggressiveness,
                frame.language,
                turn_model=await asyncio.to_thread(shared_model_or_none) if s.turn_model else None,
                turn_policy=TurnPolicy(
                    s.turn_min_silence_ms,
                    s.turn_max_silence_ms,
                    s.turn_threshold,
                    dictation_max_silence_ms=s.turn_dictation_max_silence_ms,
                ),
                # the words of a pause come with its draft reply
                words_wait_ms=s.turn_words_wait_ms if s.draft_replies else 0,
            )
            await self.conn.send(Status(message="listening"))
            return
        self.recording = BatchRecording(
            self._limits(),
            frame.mime_type or "audio/webm;codecs=opus",
            frame.sample_rate,
            frame.language,
            speculate_every=s.speculate_every_ms / 1000,
            speculate_max_bytes=s.inline_audio_limit,
        )
        self.conn.turns.add(self.recording.turn_id)
        await self.conn.send(Status(message="recording", turn_id=self.recording.turn_id))

    async def on_audio_chunk(self, frame: AudioChunk) -> None:
        if self.recording is None:
            raise AudioInputError(
                "not_recording",
                "send start_recording (stt_mode batch) before audio_chunk"
                + ("; hands-free mode takes audio_frame" if self.streaming else ""),
            )
        try:
            self.recording.add(frame.sequence, frame.data_b64, frame.mime_type)
        except AudioInputError as bad:
            if bad.code != "chunk_out_of_order":  # a bad header or size drops the recording
                self.recording = None
            raise
        speculation = self.recording.speculation()
        if speculation is not None:
            await self.out.speculation(speculation)

    async def on_end_utterance(self) -> None:
        if self.recording is not None:
            await self.on_stop_recording()
            return
        utterance = self.streaming.end_now() if self.streaming else None
        if utterance is None:
            raise AudioInputError("empty_utterance", "no speech in progress to end")
        await self.on_endpoint("speech_ended", utterance)

    async def on_stop_recording(self) -> None:
        if self.recording is not None:
            recording, self.recording = self.recording, None
            await self.out.turn(recording.finish())
        elif self.streaming is not None:
            capture, self.streaming = self.streaming, None
            utterance = capture.end_now()
            if utterance is not None:
                await self.on_endpoint("speech_ended", utterance)
            await self.conn.send(Status(message="stopped_listening"))
        else:
            raise AudioInputError("not_recording", "no recording in progress")

    async def on_endpoint(self, kind: str, utterance: Utterance | None) -> None:
        if kind == "speech_started":
            await self._speech_started()
        elif kind == "pause" and utterance is not None:
            if not self.barge.burst_open:  # a burst over a reply gets its own, primed, check
                await self.out.speculation(utterance)
        elif utterance is not None and self.barge.burst_open:
            await self._check_burst(utterance)
        elif utterance is not None:
            await self._utterance_ended(utterance)

    async def _utterance_ended(self, utterance: Utterance) -> None:
        await self.conn.send(Status(message="speech_ended", turn_id=utterance.turn_id))
        committed = self.conn.drafts.turn_ended(utterance.turn_id, utterance.speech_end_ms)
        await self.out.turn(utterance, draft=committed)
        if committed is not None:
            self.conn.release_draft(utterance.turn_id)

    # ---- dictation ----------------------------------------------------------------------------
    def reply_given(self, text: str) -> None:
        """A reply reached the caller: if it asks for a slot, their answer is held longer."""
        if self.streaming is not None and asks_for_slot(text):
            self.streaming.hold_for_slot()

    def words_at_pause(self, turn_id: str, speech_end_ms: int, text: str) -> None:
        """stt heard ``text`` at the pause of ``turn_id`` after the speech that stopped at
        ``speech_end_ms``: if it stops mid-slot or mid-phrase, the turn is held open."""
        if self.streaming is None:
            return
        unfinished = ends_unfinished(text, self.streaming.endpointer.dictating)
        if self.streaming.words_at_pause(turn_id, speech_end_ms, unfinished) and unfinished:
            log.info("turn held open: the words so far stop mid-phrase")

    # ---- barge-in -----------------------------------------------------------------------------
    def _position_ms(self) -> int:
        return self.streaming.endpointer.position_ms if self.streaming else 0

    async def _speech_started(self) -> None:
        """Speech over a playing reply holds it (a candidate interruption) until decided."""
        playing = self.conn.playback.barge_in(time.time())
        if self.barge.speech_started(playing, self._position_ms(), time.time()):
            await self.conn.send(Status(message="maybe_interrupt", turn_id=playing))
        await self.conn.send(Status(message="speech_started"))

    async def _speech_goes_on(self) -> None:
        """Voiced speech past the ceiling interrupts; the silence the endpointer waits through
        before ending the burst does not count ("okay" and a pause is still a backchannel)."""
        endpointer = self.streaming.endpointer if self.streaming else None
        if endpointer is None or not endpointer.in_speech:
            return
        if self.barge.speech_goes_on(endpointer.last_voiced_ms) == "interrupt":
            await self._decide("interrupt")

    async def _check_burst(self, utterance: Utterance) -> None:
        """The burst ended before the ceiling: ask stt for its words, within a bound."""
        spoken_ms = int(max(0.0, utterance.ended_at - utterance.started_at) * 1000)
        deadline = self.barge.speech_ended(utterance.turn_id, utterance, spoken_ms, time.time())
        loop = asyncio.get_running_loop()
        self._stop_check_timer()
        self._check_timer = loop.call_at(
            loop.time() + max(0.0, deadline - time.time()),
            lambda: self.conn._spawn(self._check_timed_out(utterance.turn_id)),
        )
        try:
            await self.out.barge_check(utterance)
        except Exception:
            log.warning("barge-in check could not be published", exc_info=True)

    async def on_barge_check(self, event: BargeCheck) -> None:
        c = self.barge.candidate
        verdict = classify(event.text, self.conn.playback.reply_text(c.turn) if c else "")
        decision = self.barge.checked(event.turn_id, verdict)
        log.info("barge-in checked", extra={"verdict": verdict, "decision": decision})
        if decision is not None:
            await self._decide(decision)

    async def _check_timed_out(self, burst: str) -> None:
        decision = self.barge.timed_out(burst, time.time())
        if decision is not None:
            log.info("barge-in check timed out", extra={"decision": decision})
            await self._decide(decision)

    async def _decide(self, decision: Decision) -> None:
        self._stop_check_timer()
        c = self.barge.finish()
        if c is None:
            return
        if decision == "resume":
            for event in c.held:
                self.conn.forward(event)
            await self.conn.send(Status(message="resume", turn_id=c.turn))
            return
        await self.conn.cancel_turn(c.turn, at=c.started_at)  # heard: what began before speech
        await self.conn.send(Status(message="barge_in", turn_id=c.turn))
        if c.utterance is not None:
            await self._utterance_ended(c.utterance)  # the burst is the caller's next turn

    def turn_cancelled(self, turn_id: str) -> None:
        """A reply was cancelled: if it was held, stop holding it (an ended burst still becomes
        a turn)."""
        c = self.barge.reply_cancelled(turn_id)
        if c is not None:
            self._stop_check_timer()
            if c.utterance is not None:
                self.conn._spawn(self._utterance_ended(c.utterance))

    def _stop_check_timer(self) -> None:
        if self._check_timer is not None:
            self._check_timer.cancel()
            self._check_timer = None
