"""Draft replies: audio prepared on a snapshot of the caller's speech before their turn ended.

At a pause the relay offers the snapshot (``VoiceUtterance.draft``: where the speech stopped);
stt, agent_turn and tts prepare a reply on it and send its transcript and audio marked with that
draft. The relay holds them. When the turn ends with no speech after the snapshot, the draft is the
turn's reply: what is held goes out at once, and what comes later goes straight through. When
the caller spoke on, the draft is dropped, and the turn's own run answers. Only the newest
snapshot of a turn can be committed.

Pure state: values in, the envelopes to send out; the connection sends them.
"""

from __future__ import annotations

from collections import OrderedDict

from shared.contracts import SessionOutbound

_NONE = -1  # a turn that ended on no draft


class DraftReplies:
    def __init__(self, turns_remembered: int = 32, held_max: int = 64):
        self.turns_remembered = turns_remembered
        self.held_max = held_max  # envelopes held for one draft (a reply is a few pieces)
        self._offered: OrderedDict[str, int] = OrderedDict()  # turn -> newest draft offered
        self._held: dict[str, list[SessionOutbound]] = {}
        self._ended: OrderedDict[str, int] = OrderedDict()  # turn -> draft it ended on

    def offered(self, turn_id: str, draft: int) -> None:
        """A snapshot of ``turn_id`` was offered as ``draft``: an older draft's audio is void."""
        if self._offered.get(turn_id) != draft:
            self._held.pop(turn_id, None)
        self._offered[turn_id] = draft
        self._offered.move_to_end(turn_id)
        self._forget_old(self._offered)

    def arrived(self, outbound: SessionOutbound) -> list[SessionOutbound]:
        """A draft's envelope arrived: what to send now (it, once its draft is the turn's)."""
        turn, draft = outbound.turn_id, outbound.draft
        if turn in self._ended:
            return [outbound] if self._ended[turn] == draft else []
        if self._offered.get(turn) != draft:
            return []  # a snapshot the caller spoke past, or one this relay never offered
        held = self._held.setdefault(turn, [])
        if len(held) < self.held_max:
            held.append(outbound)
        return []

    def turn_ended(self, turn_id: str, speech_end_ms: int | None) -> int | None:
        """The turn ended, its speech stopping at ``speech_end_ms``: the draft it commits (the
        newest offered, if the speech stopped where that snapshot's did), else None."""
        offered = self._offered.pop(turn_id, None)
        committed = offered if offered is not None and offered == speech_end_ms else None
        self._ended[turn_id] = _NONE if committed is None else committed
        self._forget_old(self._ended)
        if committed is None:
            self._held.pop(turn_id, None)
        return committed

    def release(self, turn_id: str) -> list[SessionOutbound]:
        """The held envelopes of the draft ``turn_id`` committed, once: the caller's words
        first, then the reply in arrival order."""
        if self._ended.get(turn_id, _NONE) == _NONE:
            return []
        held = self._held.pop(turn_id, [])
        return sorted(held, key=lambda o: o.event.type != "transcript_final")  # stable

    def cancelled(self, turn_id: str) -> None:
        """The turn was cancelled: nothing of any draft of it goes out."""
        self._offered.pop(turn_id, None)
        self._held.pop(turn_id, None)
        self._ended[turn_id] = _NONE
        self._forget_old(self._ended)

    def _forget_old(self, turns: OrderedDict[str, int]) -> None:
        while len(turns) > self.turns_remembered:
            old, _ = turns.popitem(last=False)
            if old not in self._offered:
                self._held.pop(old, None)
