"""One caller's WebSocket: frame validation, limits, the handlers of each frame, outbound
delivery. The pieces take values and return decisions: sign-in and the session in
session_open.py, which events reach the caller in delivery.py, the audio side in
audio_turns.py (barge-in's state in barge.py), what the caller is hearing in playback.py, and
the publishing of a typed turn in turn_publisher.py."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from shared import topics
from shared.bus import Bus
from shared.contracts import SessionOutbound
from shared.log import log_context
from shared.session_store import Session, SessionStore
from shared.settings import RelaySettings
from shared.tracing import TraceContext
from shared.ws_protocol import (
    AgentFinal,
    AudioOut,
    Authenticate,
    AuthOk,
    BargeCheck,
    Cancel,
    ClientFrame,
    Error,
    Heartbeat,
    HeartbeatAck,
    ProcessingStart,
    Status,
    Text,
    TranscriptFinal,
    VoiceProviders,
)
from websocket_relay import session_open
from websocket_relay.audio_input import AudioInputError
from websocket_relay.audio_turns import AudioTurns
from websocket_relay.auth import PinAuthenticator
from websocket_relay.background import Background
from websocket_relay.delivery import Delivery, watch_signal
from websocket_relay.drafts import DraftReplies
from websocket_relay.first_audio import FirstAudioReport
from websocket_relay.frames import FrameError, parse_frame
from websocket_relay.limits import RecentIds, TokenBucket, WindowCounter
from websocket_relay.outbound import OutboundRouter
from websocket_relay.playback import Playback
from websocket_relay.turn_publisher import publish_typed_turn
from websocket_relay.turn_watch import TurnWatch

log = logging.getLogger(__name__)
_SEEN_LIMIT = 2000
_TURNS_REMEMBERED = 256
NO_ANSWER = "Sorry, no answer came back in time. Please try that again."


@dataclass
class RelayServices:
    settings: RelaySettings
    bus: Bus
    store: SessionStore
    auth: PinAuthenticator
    router: OutboundRouter


class ClientConnection:
    def __init__(self, ws: ServerConnection, services: RelayServices, source: str):
        s = services.settings
        self.ws = ws
        self.svc = services
        self.source = source
        self.session: Session | None = None
        self.auth_failures = 0
        self.current_turn: str | None = None
        self.turns = RecentIds(_TURNS_REMEMBERED)  # turns this connection opened
        self.delivery = Delivery(_SEEN_LIMIT, _TURNS_REMEMBERED)
        self.drafts = DraftReplies()  # replies prepared before the turn ended, held till it does
        self._send_lock = asyncio.Lock()
        self.background = Background()
        self.audio = AudioTurns(self)
        self.playback = Playback()  # what the caller is hearing, so speech over it barges in
        self.first_audio = FirstAudioReport(services.bus, self.record_stage, _TURNS_REMEMBERED)
        self.frame_rate = TokenBucket(s.max_frames_per_second, s.frame_burst)
        self.dropped_frames = WindowCounter(s.frame_burst, 10.0)
        self.turn_rate = WindowCounter(s.max_turns_per_minute, 60.0)
        self.watch = TurnWatch(s.turn_answer_timeout_seconds, self.on_turn_timeout)
        self.closing = False

    @property
    def cancelled_turns(self) -> RecentIds:
        return self.delivery.cancelled

    @property
    def speaking_turn(self) -> str | None:
        """The turn whose reply the caller is hearing."""
        return self.playback.turn

    # ---- main loop ----------------------------------------------------------------------------
    async def run(self) -> None:
        self._spawn(self.close_unless_signed_in())
        try:
            async for raw in self.ws:
                if self.closing:
                    continue  # keep reading, so the closing handshake is not stuck behind frames
                if not self.frame_rate.take():
                    await self.on_frame_flood()
                    continue
                await self.handle_raw(raw)
        except ConnectionClosed:
            pass
        finally:
            await self.close()

    async def handle_raw(self, raw: str | bytes) -> None:
        try:
            frame = parse_frame(raw, self.svc.settings.max_frame_bytes)
            await self.dispatch(frame)
        except FrameError as bad:
            await self.send(bad.error)
        except ConnectionClosed:
            raise
        except Exception:
            log.exception("frame handling failed")
            await self.send(Error(code="internal_error", message="internal error; try again"))

    async def dispatch(self, frame: ClientFrame) -> None:
        if isinstance(frame, Heartbeat):
            await self.send(HeartbeatAck(server_time=time.time()))
        elif isinstance(frame, Authenticate):
            await self.on_authenticate(frame)
        elif self.session is None:
            needed = f"send 'authenticate' before '{frame.type}'"
            await self.send(Error(code="not_authenticated", message=needed))
        else:
            with log_context(session_id=self.session.id):
                await self.dispatch_signed_in(frame)

    async def dispatch_signed_in(self, frame: ClientFrame) -> None:
        if isinstance(frame, Text):
            await self.on_text(frame)
        elif isinstance(frame, Cancel):
            await self.on_cancel(frame)
        elif isinstance(frame, VoiceProviders):
            await self.on_voice_providers(frame)
        else:
            try:
                await self.audio.on_audio(frame)
            except AudioInputError as bad:
                await self.send(Error(code=bad.code, message=bad.message))  # type: ignore[arg-type]

    # ---- limits -------------------------------------------------------------------------------
    async def close_unless_signed_in(self) -> None:
        seconds = self.svc.settings.auth_timeout_seconds
        await asyncio.sleep(seconds)
        if self.session is None:
            late = f"not signed in within {seconds:.0f} s"
            await self.send(Error(code="auth_timeout", message=late))
            self.close_soon(CloseCode.POLICY_VIOLATION, "sign-in timeout")

    async def on_frame_flood(self) -> None:
        """A frame over the rate is dropped and answered; a sustained flood closes the socket."""
        if not self.dropped_frames.admit():
            log.warning("frame flood; closing", extra={"source": self.source})
            self.close_soon(CloseCode.POLICY_VIOLATION, "too many frames")
            return
        rate = self.svc.settings.max_frames_per_second
        too_many = f"too many frames: at most {rate:.0f} per second; this frame was dropped"
        await self.send(Error(code="rate_limited", message=too_many))

    def close_soon(self, code: CloseCode, reason: str) -> None:
        """Start the closing handshake; the read loop drains what is still in flight."""
        self.closing = True
        self._spawn(self.ws.close(code, reason))

    def turn_rate_message(self) -> str:
        return f"too many turns: at most {self.svc.settings.max_turns_per_minute} a minute"

    # ---- handlers -----------------------------------------------------------------------------
    async def on_authenticate(self, frame: Authenticate) -> None:
        if self.session is not None:
            signed_in = "this connection is signed in"
            await self.send(Error(code="already_authenticated", message=signed_in))
            return
        s = self.svc
        opened = await session_open.open_session(
            s.auth, s.store, s.settings.relay_id, frame, self.source, self.auth_failures
        )
        if opened.session is None:
            self.auth_failures += int(opened.wrong_pin)
            await self.send(Error(code=opened.code, message=opened.message))  # type: ignore[arg-type]
            return
        session = self.session = opened.session
        # Signed in: frames may now be as large as audio needs (checked as they inflate).
        self.ws.protocol.max_message_size = s.settings.max_message_bytes
        s.router.register(session.id, self)
        with log_context(session_id=session.id):
            log.info("signed in", extra={"user_id": session.user_id})
        # The greeting is asked for first: spawned after auth_ok, a caller who hung up at once
        # could cancel it before it began, and the session would start without it.
        self._spawn(self.greet(session))
        await self.send(
            AuthOk(session_id=session.id, user_id=session.user_id, user_name=session.user_name)
        )

    async def greet(self, session: Session) -> None:
        request = session_open.greeting_request(session)
        try:
            await asyncio.to_thread(self.svc.bus.publish, topics.VOICE_TRANSCRIPT, request)
        except Exception:
            log.warning("greeting could not be requested", exc_info=True)

    async def on_text(self, frame: Text) -> None:
        assert self.session is not None
        limit = self.svc.settings.max_text_chars
        text = session_open.clean_text(frame.text, limit)
        if text is None:
            bad = f"text must be 1 to {limit} characters"
            await self.send(Error(code="invalid_message", message=bad))
        elif not self.turn_rate.admit():
            await self.send(Error(code="rate_limited", message=self.turn_rate_message()))
        else:
            turn_id = uuid.uuid4().hex
            with log_context(TraceContext.new(), session_id=self.session.id, turn_id=turn_id):
                await self.publish_text_turn(self.session, turn_id, text)

    async def publish_text_turn(self, session: Session, turn_id: str, text: str) -> None:
        turn = await publish_typed_turn(self.svc.store, self.svc.bus, session, turn_id, text)
        self.open_turn(turn_id)
        self.first_audio.input_ended(turn_id, turn.received_at, "typed")
        await self.send(ProcessingStart(turn_id=turn_id))
        log.info("text turn published", extra={"publish_ms": turn.publish_ms})
        self.record_stage(turn_id, "relay_publish", turn.publish_started, turn.published_at)

    def open_turn(self, turn_id: str) -> None:
        """A turn was published: it can be cancelled, and it must get an answer in time."""
        self.turns.add(turn_id)
        self.current_turn = turn_id
        self.watch.start(turn_id)

    async def on_cancel(self, frame: Cancel) -> None:
        turn_id = frame.turn_id or self.current_turn
        if turn_id is None:
            await self.send(Status(message="nothing to cancel"))
        elif turn_id not in self.turns:
            unknown = "no such turn on this connection"
            await self.send(Error(code="unknown_turn", message=unknown))
        else:
            await self.cancel_turn(turn_id)
            await self.send(Status(message="cancelled", turn_id=turn_id))

    async def cancel_turn(self, turn_id: str, at: float | None = None) -> None:
        """Nothing more of ``turn_id`` reaches the caller; the turn records how much of its
        reply had begun to play by ``at`` (default: now), which is what memory keeps."""
        assert self.session is not None
        heard = self.playback.pieces_begun(turn_id, time.time() if at is None else at)
        self.delivery.cancel(turn_id)
        self.drafts.cancelled(turn_id)
        self.watch.done(turn_id)
        self.playback.cancelled(turn_id)
        self.audio.turn_cancelled(turn_id)
        await asyncio.to_thread(self.svc.store.mark_cancelled, self.session.id, turn_id, heard)

    async def on_turn_timeout(self, turn_id: str) -> None:
        if self.session is None or turn_id in self.delivery.cancelled:
            return
        log.warning("turn got no answer in time", extra={"turn_id": turn_id})
        try:
            await self.cancel_turn(turn_id)  # first: a late answer must not talk over the next turn
        except Exception:
            log.warning("could not mark the timed-out turn cancelled", exc_info=True)
        await self.send(Error(code="turn_failed", message=NO_ANSWER, turn_id=turn_id))

    async def on_voice_providers(self, frame: VoiceProviders) -> None:
        assert self.session is not None
        changes = session_open.provider_changes(frame)
        if changes:
            store = self.svc.store
            await asyncio.to_thread(store.update_session, self.session.id, **changes)
            await asyncio.to_thread(store.save_user_prefs, self.session.user_id, **changes)
            self.session = dataclasses.replace(self.session, **changes)
        await self.send(Status(message="voice providers updated"))

    # ---- outbound -----------------------------------------------------------------------------
    def deliver(self, outbound: SessionOutbound) -> None:
        """Called on the event loop by the router: forward once, never for a cancelled turn;
        a barge-in check's answer is the relay's own, and a held reply's audio waits."""
        if not self.delivery.admit(outbound):
            return
        if outbound.draft is not None:  # a draft reply's audio waits for the turn's end
            if isinstance(outbound.event, TranscriptFinal):  # the words heard at a pause
                self.audio.words_at_pause(outbound.turn_id, outbound.draft, outbound.event.text)
            for ready in self.drafts.arrived(outbound):
                self._route(ready)
            return
        self._route(outbound)

    def release_draft(self, turn_id: str) -> None:
        """The turn ended on its draft: the draft's audio held so far goes out now."""
        for ready in self.drafts.release(turn_id):
            self._route(ready)

    def _route(self, outbound: SessionOutbound) -> None:
        event = outbound.event
        signal = watch_signal(event)
        if signal == "answered":
            self.watch.done(outbound.turn_id)
        elif signal == "progress":
            self.watch.progress(outbound.turn_id)
        if isinstance(event, BargeCheck):
            self._spawn(self.audio.on_barge_check(event))
            return
        if isinstance(event, AgentFinal):
            self.playback.replied(event.turn_id, event.text)
            self.audio.reply_given(event.text)
        if isinstance(event, AudioOut) and self.audio.barge.hold(event):
            return
        self.forward(event)

    def forward(self, event: Any) -> None:
        if isinstance(event, AudioOut):
            self._note_playback(event)
        self._spawn(self.send(event))

    def _note_playback(self, event: AudioOut) -> None:
        """Track what the caller is hearing, so speech over it is a barge-in."""
        self.playback.audio_sent(event.turn_id, event.data_b64, time.time())
        if self.session is not None and (
            report := self.first_audio.audio_sent(self.session, event.turn_id)
        ):
            self.first_audio.publish_soon(report)

    def record_stage(self, turn_id: str, stage: str, started: float, ended: float) -> None:
        assert self.session is not None
        store, session_id = self.svc.store, self.session.id
        self._spawn(
            asyncio.to_thread(store.record_stage, session_id, turn_id, stage, started, ended)
        )

    def _spawn(self, coro: Any) -> None:
        self.background.spawn(coro)

    async def send(self, frame: Any) -> None:
        async with self._send_lock:
            try:
                await self.ws.send(frame.model_dump_json(exclude_none=True))
            except ConnectionClosed:
                pass

    async def close(self) -> None:
        self.audio.reset()
        self.watch.stop()
        self.background.cancel_all()
        if self.session is None:
            return
        self.svc.router.unregister(self.session.id)
        try:
            await asyncio.to_thread(self.svc.store.update_session, self.session.id, status="closed")
        except Exception:
            log.warning("could not mark session closed", exc_info=True)
        self.session = None
