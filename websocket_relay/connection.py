"""One caller's WebSocket: frame validation, sign-in, typed turns, cancel, outbound delivery."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from shared import audio_store, topics
from shared.bus import Bus
from shared.contracts import (
    AgentReply,
    AudioPayload,
    SessionOutbound,
    VoiceTranscript,
    VoiceUtterance,
)
from shared.log import log_context
from shared.session_store import Session, SessionStore
from shared.settings import RelaySettings
from shared.tracing import TraceContext
from shared.ws_protocol import (
    AudioChunk,
    AudioFrame,
    AudioOut,
    Authenticate,
    AuthOk,
    Cancel,
    ClientFrame,
    EndUtterance,
    Error,
    Heartbeat,
    HeartbeatAck,
    ProcessingStart,
    StartRecording,
    Status,
    StopRecording,
    Text,
    VoiceProviders,
)
from websocket_relay.audio_input import (
    AudioInputError,
    BatchRecording,
    Limits,
    StreamingCapture,
    Utterance,
)
from websocket_relay.auth import PinAuthenticator
from websocket_relay.frames import FrameError, parse_frame
from websocket_relay.outbound import OutboundRouter

log = logging.getLogger(__name__)
_SEEN_LIMIT = 2000


def _wav_seconds(data_b64: str) -> float:
    header = base64.b64decode(data_b64[:64] + "=" * (-len(data_b64[:64]) % 4))
    if len(header) < 44 or header[:4] != b"RIFF":
        return 0.0
    byte_rate = int.from_bytes(header[28:32], "little") or 1
    return max(0.0, (len(data_b64) * 3 / 4 - 44) / byte_rate)


@dataclass
class RelayServices:
    settings: RelaySettings
    bus: Bus
    store: SessionStore
    auth: PinAuthenticator
    router: OutboundRouter


class ClientConnection:
    def __init__(self, ws: ServerConnection, services: RelayServices, source: str):
        self.ws = ws
        self.svc = services
        self.source = source
        self.session: Session | None = None
        self.auth_failures = 0
        self.current_turn: str | None = None
        self.cancelled_turns: set[str] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._send_lock = asyncio.Lock()
        self.recording: BatchRecording | None = None
        self.streaming: StreamingCapture | None = None
        self.speaking_turn: str | None = None  # the turn whose reply the caller is hearing
        self.speaking_until = 0.0
        self._first_audio_sent: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # ---- main loop ----------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            async for raw in self.ws:
                try:
                    frame = parse_frame(raw, self.svc.settings.max_frame_bytes)
                    await self.dispatch(frame)
                except FrameError as bad:
                    await self.send(bad.error)
                except ConnectionClosed:
                    raise
                except Exception:
                    log.exception("frame handling failed")
                    await self.send(
                        Error(code="internal_error", message="internal error; try again")
                    )
        except ConnectionClosed:
            pass
        finally:
            await self.close()

    async def dispatch(self, frame: ClientFrame) -> None:
        if isinstance(frame, Heartbeat):
            await self.send(HeartbeatAck(server_time=time.time()))
            return
        if isinstance(frame, Authenticate):
            await self.on_authenticate(frame)
            return
        if self.session is None:
            await self.send(
                Error(
                    code="not_authenticated", message=f"send 'authenticate' before '{frame.type}'"
                )
            )
            return
        with log_context(session_id=self.session.id):
            if isinstance(frame, Text):
                await self.on_text(frame)
            elif isinstance(frame, Cancel):
                await self.on_cancel(frame)
            elif isinstance(frame, VoiceProviders):
                await self.on_voice_providers(frame)
            else:
                try:
                    await self.on_audio(frame)
                except AudioInputError as bad:
                    await self.send(
                        Error(code=bad.code, message=bad.message)  # type: ignore[arg-type]
                    )

    # ---- handlers -----------------------------------------------------------------------------
    async def on_authenticate(self, frame: Authenticate) -> None:
        if self.session is not None:
            await self.send(
                Error(code="already_authenticated", message="this connection is signed in")
            )
            return
        result = await self.svc.auth.authenticate(frame.pin, self.source, self.auth_failures)
        if result.user is None:
            self.auth_failures += int(result.wrong_pin)
            await self.send(Error(code=result.code, message=result.message))  # type: ignore[arg-type]
            return
        saved = await asyncio.to_thread(self.svc.store.get_user_prefs, result.user.id)
        session = Session(
            id=uuid.uuid4().hex,
            user_id=result.user.id,
            user_name=result.user.display_name,
            channel="web",
            relay_id=self.svc.settings.relay_id,
            status="active",
            stt_provider=frame.stt_provider or saved.get("stt_provider"),
            tts_provider=frame.tts_provider or saved.get("tts_provider"),
        )
        await asyncio.to_thread(self.svc.store.create_session, session)
        self.session = session
        self.svc.router.register(session.id, self)
        with log_context(session_id=session.id):
            log.info("signed in", extra={"user_id": session.user_id})
        await self.send(
            AuthOk(session_id=session.id, user_id=session.user_id, user_name=session.user_name)
        )
        self._spawn(self.greet(session))

    async def on_text(self, frame: Text) -> None:
        assert self.session is not None
        text = frame.text.strip()
        limit = self.svc.settings.max_text_chars
        if not text or len(text) > limit:
            await self.send(
                Error(code="invalid_message", message=f"text must be 1 to {limit} characters")
            )
            return
        turn_id = uuid.uuid4().hex
        received_at = time.time()
        trace = TraceContext.new()
        with log_context(trace, session_id=self.session.id, turn_id=turn_id):
            await asyncio.to_thread(
                self.svc.store.start_turn,
                self.session.id,
                turn_id,
                source="text",
                received_at=received_at,
                text=text,
            )
            message = VoiceTranscript(
                session_id=self.session.id,
                turn_id=turn_id,
                user_id=self.session.user_id,
                text=text,
                source="text",
                received_at=received_at,
            )
            publish_started = time.time()
            await asyncio.to_thread(self.svc.bus.publish, topics.VOICE_TRANSCRIPT, message)
            published_at = time.time()
            self.current_turn = turn_id
            await self.send(ProcessingStart(turn_id=turn_id))
            log.info(
                "text turn published",
                extra={"publish_ms": round((published_at - publish_started) * 1000, 1)},
            )
            await asyncio.to_thread(
                self.svc.store.record_stage,
                self.session.id,
                turn_id,
                "relay_publish",
                publish_started,
                published_at,
            )

    async def on_cancel(self, frame: Cancel) -> None:
        assert self.session is not None
        turn_id = frame.turn_id or self.current_turn
        if turn_id is None:
            await self.send(Status(message="nothing to cancel"))
            return
        await self.cancel_turn(turn_id)
        await self.send(Status(message="cancelled", turn_id=turn_id))

    async def cancel_turn(self, turn_id: str) -> None:
        assert self.session is not None
        self.cancelled_turns.add(turn_id)
        if self.speaking_turn == turn_id:
            self.speaking_turn = None
        await asyncio.to_thread(self.svc.store.mark_cancelled, self.session.id, turn_id)

    # ---- audio --------------------------------------------------------------------------------
    def _limits(self) -> Limits:
        s = self.svc.settings
        return Limits(s.max_utterance_bytes, s.max_utterance_seconds, s.min_utterance_bytes)

    async def on_audio(self, frame: ClientFrame) -> None:
        if isinstance(frame, StartRecording):
            if self.recording or self.streaming:
                raise AudioInputError("already_recording", "a recording is already in progress")
            if frame.stt_mode == "streaming":
                self.streaming = StreamingCapture(
                    self._limits(),
                    frame.sample_rate or 16000,
                    self.svc.settings.vad_silence_ms,
                    self.svc.settings.vad_aggressiveness,
                    frame.language,
                )
                await self.send(Status(message="listening"))
            else:
                self.recording = BatchRecording(
                    self._limits(),
                    frame.mime_type or "audio/webm;codecs=opus",
                    frame.sample_rate,
                    frame.language,
                    speculate_every=self.svc.settings.speculate_every_ms / 1000,
                    speculate_max_bytes=self.svc.settings.inline_audio_limit,
                )
                await self.send(Status(message="recording", turn_id=self.recording.turn_id))
        elif isinstance(frame, AudioChunk):
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
            await self.send(Status(message="stopped_listening"))
        else:
            raise AudioInputError("not_recording", "no recording in progress")

    async def on_endpoint(self, kind: str, utterance: Utterance | None) -> None:
        if kind == "speech_started":
            if self.speaking_turn and time.time() < self.speaking_until:
                barged = self.speaking_turn
                await self.cancel_turn(barged)
                await self.send(Status(message="barge_in", turn_id=barged))
            await self.send(Status(message="speech_started"))
        elif kind == "pause" and utterance is not None:
            await self.publish_speculation(utterance)
        elif utterance is not None:
            await self.send(Status(message="speech_ended", turn_id=utterance.turn_id))
            await self.publish_utterance(utterance)

    async def publish_utterance(self, utterance: Utterance) -> None:
        assert self.session is not None
        session = self.session
        stopped = time.time()
        with log_context(TraceContext.new(), session_id=session.id, turn_id=utterance.turn_id):
            payload = await self._audio_payload(session, utterance)
            message = VoiceUtterance(
                session_id=session.id,
                turn_id=utterance.turn_id,
                user_id=session.user_id,
                audio=payload,
                stt_provider=session.stt_provider,
                stt_mode=utterance.mode,  # type: ignore[arg-type]
                language=utterance.language,
                ended_at=utterance.ended_at,
            )
            publish_started = time.time()
            # The turn document and the bus message go out together: STT takes far longer
            # than the write, and the write touches no field STT sets.
            await asyncio.gather(
                asyncio.to_thread(
                    self.svc.store.start_turn,
                    session.id,
                    utterance.turn_id,
                    source="voice",
                    received_at=utterance.started_at,
                ),
                asyncio.to_thread(self.svc.bus.publish, topics.VOICE_UTTERANCE, message),
            )
            published = time.time()
            self.current_turn = utterance.turn_id
            await self.send(ProcessingStart(turn_id=utterance.turn_id))
            log.info(
                "utterance published",
                extra={"bytes": len(utterance.data), "mode": utterance.mode},
            )
            self._record_stage(utterance.turn_id, "audio_received", utterance.started_at, stopped)
            self._record_stage(utterance.turn_id, "utterance_published", publish_started, published)

    async def publish_speculation(self, utterance: Utterance) -> None:
        """At a pause, let STT start before the end of speech is certain (no reply yet)."""
        assert self.session is not None
        if len(utterance.data) > self.svc.settings.inline_audio_limit:
            return  # long utterances are not worth a second upload
        payload = await self._audio_payload(self.session, utterance)
        message = VoiceUtterance(
            session_id=self.session.id,
            turn_id=utterance.turn_id,
            user_id=self.session.user_id,
            audio=payload,
            stt_provider=self.session.stt_provider,
            stt_mode=utterance.mode,  # type: ignore[arg-type]
            language=utterance.language,
            ended_at=utterance.ended_at,
            speculative=True,
        )
        await asyncio.to_thread(self.svc.bus.publish, topics.VOICE_UTTERANCE, message)

    async def _audio_payload(self, session: Session, utterance: Utterance) -> AudioPayload:
        s = self.svc.settings
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
            f"utterances/{session.id}/{utterance.turn_id}",
            utterance.data,
            utterance.mime_type,
        )
        return AudioPayload(
            mime_type=utterance.mime_type, sample_rate=utterance.sample_rate, gcs_uri=uri
        )

    async def greet(self, session: Session) -> None:
        first = session.user_name.split()[0] if session.user_name else "there"
        reply = AgentReply(
            session_id=session.id,
            turn_id=f"greeting-{session.id}",
            sentence_index=0,
            text=f"Hello {first}, how can I help you today?",
            is_final=True,
            tts_provider=session.tts_provider,
            purpose="greeting",
        )
        try:
            await asyncio.to_thread(self.svc.bus.publish, topics.AGENT_REPLY, reply)
        except Exception:
            log.warning("greeting could not be requested", exc_info=True)

    def _record_stage(self, turn_id: str, stage: str, started: float, ended: float) -> None:
        assert self.session is not None
        store, session_id = self.svc.store, self.session.id
        self._spawn(
            asyncio.to_thread(store.record_stage, session_id, turn_id, stage, started, ended)
        )

    def _spawn(self, coro: Any) -> None:
        """Run bookkeeping off the caller's path; keep a reference so it is not collected."""

        async def guarded() -> None:
            try:
                await coro
            except Exception:
                log.warning("background task failed", exc_info=True)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def on_voice_providers(self, frame: VoiceProviders) -> None:
        assert self.session is not None
        changes = {
            k: v
            for k, v in (("stt_provider", frame.stt_provider), ("tts_provider", frame.tts_provider))
            if v
        }
        if changes:
            await asyncio.to_thread(self.svc.store.update_session, self.session.id, **changes)
            await asyncio.to_thread(self.svc.store.save_user_prefs, self.session.user_id, **changes)
            self.session = dataclasses.replace(self.session, **changes)
        await self.send(Status(message="voice providers updated"))

    # ---- outbound -----------------------------------------------------------------------------
    def deliver(self, outbound: SessionOutbound) -> None:
        """Called on the event loop by the router: forward once, never for a cancelled turn."""
        if outbound.dedupe_key in self._seen or outbound.turn_id in self.cancelled_turns:
            return
        self._seen[outbound.dedupe_key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        event = outbound.event
        if isinstance(event, AudioOut):
            self._note_playback(event)
        self._spawn(self.send(event))

    def _note_playback(self, event: AudioOut) -> None:
        """Track what the caller is hearing, so speech over it is a barge-in."""
        now = time.time()
        self.speaking_turn = event.turn_id
        self.speaking_until = max(self.speaking_until, now) + _wav_seconds(event.data_b64)
        if event.turn_id not in self._first_audio_sent:
            self._first_audio_sent.add(event.turn_id)
            self._record_stage(event.turn_id, "first_audio_sent", now, now)

    async def send(self, frame: Any) -> None:
        async with self._send_lock:
            try:
                await self.ws.send(frame.model_dump_json(exclude_none=True))
            except ConnectionClosed:
                pass

    async def close(self) -> None:
        self.recording = None
        self.streaming = None
        if self.session is None:
            return
        self.svc.router.unregister(self.session.id)
        try:
            await asyncio.to_thread(self.svc.store.update_session, self.session.id, status="closed")
        except Exception:
            log.warning("could not mark session closed", exc_info=True)
        self.session = None
