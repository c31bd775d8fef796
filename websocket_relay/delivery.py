"""Which ``session-outbound`` events reach the caller, and what each says about its turn.

Pure state: every event is forwarded once (redeliveries share a ``dedupe_key``), never for a
turn that was cancelled; an answer ends the turn's watch, any other sign of progress restarts
it. The connection acts on what this returns.
"""

from __future__ import annotations

from typing import Literal

from shared.contracts import SessionOutbound
from shared.ws_protocol import AgentFinal, AudioOut, Error, Status, TranscriptFinal
from websocket_relay.limits import RecentIds

WatchSignal = Literal["answered", "progress"]


class Delivery:
    def __init__(self, keys_remembered: int = 2000, turns_remembered: int = 256):
        self.seen = RecentIds(keys_remembered)
        self.cancelled = RecentIds(turns_remembered)

    def admit(self, outbound: SessionOutbound) -> bool:
        """True the first time an event of a live turn arrives (it is then remembered)."""
        if outbound.dedupe_key in self.seen or outbound.turn_id in self.cancelled:
            return False
        self.seen.add(outbound.dedupe_key)
        return True

    def cancel(self, turn_id: str) -> None:
        self.cancelled.add(turn_id)


def watch_signal(event: object) -> WatchSignal | None:
    """What ``event`` means for its turn's answer deadline (None: nothing)."""
    if isinstance(event, AgentFinal | Error) or (
        isinstance(event, Status) and event.message == "no_speech"
    ):
        return "answered"
    if isinstance(event, TranscriptFinal | Status | AudioOut):
        return "progress"
    return None
