"""Opening a caller's session: the sign-in, the session document, the greeting's request, and
the caller's choice of providers. Plain values in, plain values out; the connection sends."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from shared import identity
from shared.contracts import VoiceTranscript
from shared.session_store import Session, SessionStore
from shared.ws_protocol import Authenticate, VoiceProviders
from websocket_relay.auth import PinAuthenticator, SignIn

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Opened:
    """A sign-in's outcome: the new session, or the error to send (and whether it counts as
    a wrong PIN on this connection)."""

    session: Session | None
    code: str = ""
    message: str = ""
    wrong_pin: bool = False


def new_session(
    user: identity.User, frame: Authenticate, saved: dict[str, Any], relay_id: str
) -> Session:
    return Session(
        id=uuid.uuid4().hex,
        user_id=user.id,
        user_name=user.display_name,
        channel="web",
        relay_id=relay_id,
        status="active",
        stt_provider=frame.stt_provider or saved.get("stt_provider"),
        tts_provider=frame.tts_provider or saved.get("tts_provider"),
        # The language model: only a choice made for this session; without one the agent
        # reads the user's saved choice at each turn (it may change mid-session).
        llm_provider=frame.llm_provider,
    )


async def open_session(
    auth: PinAuthenticator,
    store: SessionStore,
    relay_id: str,
    frame: Authenticate,
    source: str,
    failures: int,
) -> Opened:
    attempt = SignIn(pin=frame.pin, source=source, account=frame.account)
    result = await auth.authenticate(attempt, failures)
    if result.user is None:
        return Opened(None, result.code, result.message, result.wrong_pin)
    saved = await asyncio.to_thread(store.get_user_prefs, result.user.id)
    session = new_session(result.user, frame, saved, relay_id)
    await asyncio.to_thread(store.create_session, session)
    return Opened(session)


def greeting_request(session: Session, now: float | None = None) -> VoiceTranscript:
    """Tells the agent the session began: it greets the caller (every spoken word is the
    agent side's)."""
    return VoiceTranscript(
        session_id=session.id,
        turn_id=f"greeting-{session.id}",
        user_id=session.user_id,
        source="session_start",
        received_at=time.time() if now is None else now,
    )


def provider_changes(frame: VoiceProviders) -> dict[str, str]:
    chosen = (
        ("stt_provider", frame.stt_provider),
        ("tts_provider", frame.tts_provider),
        ("llm_provider", frame.llm_provider),
    )
    return {k: v for k, v in chosen if v}


def clean_text(text: str, limit: int) -> str | None:
    """A typed turn's text without control characters, or None when blank or too long."""
    cleaned = _CONTROL_CHARS.sub("", text).strip()
    return cleaned if cleaned and len(cleaned) <= limit else None
