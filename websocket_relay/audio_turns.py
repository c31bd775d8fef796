"""The audio side of a caller's connection: recordings, hands-free capture, barge-in, and the
``voice-utterance`` messages they become."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import TYPE_CHECKING

from shared import audio_store, topics
from shared.contracts import AudioPayload, VoiceUtterance
from shared.log import log_context
from shared.session_store import Session
from shared.tracing import TraceContext
from shared.ws_protocol import (
    AudioChunk,
    AudioFrame,
    ClientFrame,
    EndUtterance,
    ProcessingStart,
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

if TYPE_CHECKING:
    from websocket_relay.connection import ClientConnection

log = logging.getLogger(__name__)


class AudioTurns:
    """A signed-in connection's audio input: at most one recording or capture at a time."""

    def __init__(self, conn: ClientConnection):
        self.conn = conn
        self.recording: BatchRecording | None = None
        self.streaming: StreamingCapture | None = None

    def reset(self) -> None:
        self.recording = None
        self.streaming = None

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
            for kind, utterance in self.streaming.add(frame.sequence, frame.data_b64):
                await self.on_endpoint(kind, utterance)
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
            await self.publish_speculation(speculation)

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
            await self.publish_utterance(recording.finish())
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
            barged = self.conn.playback.barge_in(time.time())
            if barged is not None:
                await self.conn.cancel_turn(barged)
                await self.conn.send(Status(message="barge_in", turn_id=barged))
            await self.conn.send(Status(message="speech_started"))
        elif kind == "pause" and utterance is not None:
            await self.publish_speculation(utterance)
        elif utterance is not None:
            await self.conn.send(Status(message="speech_ended", turn_id=utterance.turn_id))
            await self.publish_utterance(utterance)

    async def publish_utterance(self, utterance: Utterance) -> None:
        assert self.conn.session is not None
        if not self.conn.turn_rate.admit():
            raise AudioInputError("rate_limited", self.conn.turn_rate_message())
        session = self.conn.session
        stopped = time.time()
        with log_context(TraceContext.new(), session_id=session.id, turn_id=utterance.turn_id):
            message = self._utterance_message(
                session, utterance, await self._audio_payload(utterance)
            )
            publish_started = time.time()
            # The turn document and the bus message go out together: STT takes far longer
            # than the write, and the write touches no field STT sets.
            await asyncio.gather(
                asyncio.to_thread(
                    self.conn.svc.store.start_turn,
                    session.id,
                    utterance.turn_id,
                    source="voice",
                    received_at=utterance.started_at,
                ),
                asyncio.to_thread(self.conn.svc.bus.publish, topics.VOICE_UTTERANCE, message),
            )
            published = time.time()
            self.conn.open_turn(utterance.turn_id)
            self.conn.first_audio.input_ended(utterance.turn_id, utterance.ended_at, "spoken")
            await self.conn.send(ProcessingStart(turn_id=utterance.turn_id))
            log.info(
                "utterance published",
                extra={"bytes": len(utterance.data), "mode": utterance.mode},
            )
            self.conn.record_stage(
                utterance.turn_id, "audio_received", utterance.started_at, stopped
            )
            self.conn.record_stage(
                utterance.turn_id, "utterance_published", publish_started, published
            )

    async def publish_speculation(self, utterance: Utterance) -> None:
        """At a pause, let STT start before the end of speech is certain (no reply yet)."""
        assert self.conn.session is not None
        if len(utterance.data) > self.conn.svc.settings.inline_audio_limit:
            return  # long utterances are not worth a second upload
        message = self._utterance_message(
            self.conn.session, utterance, await self._audio_payload(utterance), speculative=True
        )
        await asyncio.to_thread(self.conn.svc.bus.publish, topics.VOICE_UTTERANCE, message)

    @staticmethod
    def _utterance_message(
        session: Session, utterance: Utterance, payload: AudioPayload, speculative: bool = False
    ) -> VoiceUtterance:
        return VoiceUtterance(
            session_id=session.id,
            turn_id=utterance.turn_id,
            user_id=session.user_id,
            audio=payload,
            stt_provider=session.stt_provider,
            stt_mode=utterance.mode,  # type: ignore[arg-type]
            language=utterance.language,
            ended_at=utterance.ended_at,
            speculative=speculative,
        )

    async def _audio_payload(self, utterance: Utterance) -> AudioPayload:
        assert self.conn.session is not None
        s = self.conn.svc.settings
        if len(utterance.data) <= s.inline_audio_limit:
            return AudioPayload(
                mime_type=utterance.mime_type,
                sample_rate=utterance.sample_rate,
                data_b64=base64.b64encode(utterance.data).decode(),
            )
        uri = await asyncio.to_thread(
            audio_store.put,
            s.project_id,
            s.audio_bucket,
            audio_store.utterance_prefix(self.conn.session.id) + utterance.turn_id,
            utterance.data,
            utterance.mime_type,
        )
        return AudioPayload(
            mime_type=utterance.mime_type, sample_rate=utterance.sample_rate, gcs_uri=uri
        )
