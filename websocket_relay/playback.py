"""What the caller is hearing: the turn whose reply audio went out last, and until when it plays.

Speech that starts while a reply is still playing is a barge-in over that reply. The state
takes plain values (a turn id, the audio as base64, the time now) and returns decisions; the
connection acts on them (cancels the turn, tells the caller).
"""

from __future__ import annotations

import base64
from collections import OrderedDict

_WAV_HEADER_BYTES = 44


def wav_seconds(data_b64: str) -> float:
    """How long a base64 WAV chunk plays, read from its header (0 when it is not a WAV)."""
    head = data_b64[:64]
    header = base64.b64decode(head + "=" * (-len(head) % 4))
    if len(header) < _WAV_HEADER_BYTES or header[:4] != b"RIFF":
        return 0.0
    byte_rate = int.from_bytes(header[28:32], "little") or 1
    return max(0.0, (len(data_b64) * 3 / 4 - _WAV_HEADER_BYTES) / byte_rate)


class Playback:
    def __init__(self, replies_remembered: int = 16) -> None:
        self.turn: str | None = None  # the turn whose reply the caller is hearing
        self.until = 0.0  # when the audio sent so far ends (chunks play one after another)
        self.replies_remembered = replies_remembered
        self._replies: OrderedDict[str, str] = OrderedDict()  # turn -> its reply's text
        self._starts: list[float] = []  # when each chunk of ``turn`` begins to play

    def audio_sent(self, turn_id: str, data_b64: str, now: float) -> None:
        """A chunk of ``turn_id``'s reply went out at ``now``: it plays after what is queued
        (a turn that was cancelled queues nothing: its ``until`` was reset)."""
        if self.turn is None:
            self.until = 0.0
        if self.turn != turn_id:
            self._starts = []
        self.turn = turn_id
        self._starts.append(max(self.until, now))
        self.until = self._starts[-1] + wav_seconds(data_b64)

    def pieces_begun(self, turn_id: str, at: float) -> int | None:
        """How many of ``turn_id``'s audio chunks had begun to play at ``at`` (None: it is
        not the reply the caller is hearing). Chunks play in order, one piece each."""
        if self.turn != turn_id:
            return None
        return sum(start <= at for start in self._starts)

    def barge_in(self, now: float) -> str | None:
        """The caller started speaking at ``now``: the turn it talks over, if a reply is
        playing (None otherwise)."""
        if self.turn and now < self.until:
            return self.turn
        return None

    def cancelled(self, turn_id: str) -> None:
        """``turn_id`` was cancelled: it is no longer what the caller is hearing, and its audio
        stops (the client drops it), so nothing plays any more."""
        if self.turn == turn_id:
            self.turn = None
            self.until = 0.0

    def replied(self, turn_id: str, text: str) -> None:
        """``agent_final``: the text of ``turn_id``'s reply (to tell its echo from speech)."""
        self._replies[turn_id] = text
        while len(self._replies) > self.replies_remembered:
            self._replies.popitem(last=False)

    def reply_text(self, turn_id: str) -> str:
        return self._replies.get(turn_id, "")
