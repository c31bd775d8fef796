"""Send an event to a caller: publish on ``session-outbound`` for the relay holding the session."""

from __future__ import annotations

from shared import topics
from shared.bus import Bus
from shared.contracts import SessionOutbound
from shared.ws_protocol import OutboundClientEvent


def send_to_client(
    bus: Bus,
    session_id: str,
    turn_id: str,
    relay_id: str,
    event: OutboundClientEvent,
    key: str,
    draft: int | None = None,
) -> str:
    """``key`` names the event within the turn; the relay forwards each key once (``draft``:
    a draft reply's, held by the relay until the turn ends)."""
    return bus.publish(
        topics.SESSION_OUTBOUND,
        SessionOutbound(
            session_id=session_id,
            turn_id=turn_id,
            relay_id=relay_id,
            event=event,
            dedupe_key=f"{turn_id}:{key}",
            draft=draft,
        ),
        relay_id=relay_id,
    )
