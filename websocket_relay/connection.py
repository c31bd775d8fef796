"""One caller's WebSocket: frame validation, sign-in, typed turns, cancel, outbound delivery."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from shared import topics
from shared.bus import Bus
from shared.contracts import SessionOutbound, VoiceTranscript
from shared.log import log_context
from shared.session_store import Session, SessionStore
from shared.settings import RelaySettings
from shared.tracing import TraceContext
from shared.ws_protocol import (
    Authenticate,
    AuthOk,
    Cancel,
    ClientFrame,
    Error,
    Heartbeat,
    HeartbeatAck,
    ProcessingStart,
    Status,
    Text,
    VoiceProviders,
)
from websocket_relay.auth import PinAuthenticator
from websocket_relay.frames import FrameError, parse_frame
from websocket_relay.outbound import OutboundRouter

log = logging.getLogger(__name__)
_SEEN_LIMIT = 2000


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
                await self.send(
                    Error(
                        code="voice_unavailable",
                        message=f"'{frame.type}' is valid, but this relay does not take audio yet;"
                        " send 'text' turns",
                    )
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
        session = Session(
            id=uuid.uuid4().hex,
            user_id=result.user.id,
            user_name=result.user.display_name,
            channel="web",
            relay_id=self.svc.settings.relay_id,
            status="active",
            stt_provider=frame.stt_provider,
            tts_provider=frame.tts_provider,
        )
        await asyncio.to_thread(self.svc.store.create_session, session)
        self.session = session
        self.svc.router.register(session.id, self)
        with log_context(session_id=session.id):
            log.info("signed in", extra={"user_id": session.user_id})
        await self.send(
            AuthOk(session_id=session.id, user_id=session.user_id, user_name=session.user_name)
        )

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
        self.cancelled_turns.add(turn_id)
        await asyncio.to_thread(self.svc.store.mark_cancelled, self.session.id, turn_id)
        await self.send(Status(message=f"cancelled turn {turn_id}"))

    async def on_voice_providers(self, frame: VoiceProviders) -> None:
        assert self.session is not None
        changes = {
            k: v
            for k, v in (("stt_provider", frame.stt_provider), ("tts_provider", frame.tts_provider))
            if v
        }
        if changes:
            await asyncio.to_thread(self.svc.store.update_session, self.session.id, **changes)
        await self.send(Status(message="voice providers updated"))

    # ---- outbound -----------------------------------------------------------------------------
    def deliver(self, outbound: SessionOutbound) -> None:
        """Called on the event loop by the router: forward once, never for a cancelled turn."""
        if outbound.dedupe_key in self._seen or outbound.turn_id in self.cancelled_turns:
            return
        self._seen[outbound.dedupe_key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        asyncio.get_running_loop().create_task(self.send(outbound.event))

    async def send(self, frame: Any) -> None:
        async with self._send_lock:
            try:
                await self.ws.send(frame.model_dump_json(exclude_none=True))
            except ConnectionClosed:
                pass

    async def close(self) -> None:
        if self.session is None:
            return
        self.svc.router.unregister(self.session.id)
        try:
            await asyncio.to_thread(self.svc.store.update_session, self.session.id, status="closed")
        except Exception:
            log.warning("could not mark session closed", exc_info=True)
        self.session = None
