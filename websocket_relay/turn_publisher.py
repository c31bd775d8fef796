"""Publishing a typed turn: the turn document is started, then ``voice-transcript`` goes out.

The connection decides whether a turn may start and tells the caller afterwards; this only
writes and publishes, and returns the times the connection reports.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared import topics
from shared.bus import Bus
from shared.contracts import VoiceTranscript
from shared.session_store import Session, SessionStore


@dataclass(frozen=True)
class PublishedTurn:
    turn_id: str
    received_at: float  # when the text arrived: the input's end, for the first-audio stage
    publish_started: float
    published_at: float

    @property
    def publish_ms(self) -> float:
        return round((self.published_at - self.publish_started) * 1000, 1)


async def publish_typed_turn(
    store: SessionStore,
    bus: Bus,
    session: Session,
    turn_id: str,
    text: str,
    clock: Callable[[], float] = time.time,
) -> PublishedTurn:
    received_at = clock()
    await asyncio.to_thread(
        store.start_turn,
        session.id,
        turn_id,
        source="text",
        received_at=received_at,
        text=text,
    )
    message = VoiceTranscript(
        session_id=session.id,
        turn_id=turn_id,
        user_id=session.user_id,
        text=text,
        source="text",
        received_at=received_at,
    )
    publish_started = clock()
    await asyncio.to_thread(bus.publish, topics.VOICE_TRANSCRIPT, message)
    return PublishedTurn(turn_id, received_at, publish_started, clock())
