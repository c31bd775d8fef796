"""Speech over a playing reply: hold the reply, then decide whether it was an interruption.

When the caller starts speaking while a reply plays, the relay holds the reply's further audio
(a *candidate* interruption) and the page ducks what it already has. Then:

- the speech goes on past ``ceiling_ms``: an interruption (the reply is cancelled);
- it ends sooner: its words are checked (``stt`` transcribes the burst); a backchannel, noise or
  the reply's own words heard back resume the reply (the held audio goes out), anything else
  is an interruption, and the burst becomes the caller's next turn;
- no words come back within ``check_timeout_s``: speech of ``long_enough_ms`` or more is an
  interruption, shorter speech resumes the reply.

Pure state: times and audio positions are passed in, decisions are returned; the audio side
(audio_turns.py) acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from websocket_relay.backchannel import Verdict, interrupts

Decision = Literal["interrupt", "resume"]


@dataclass(frozen=True)
class BargePolicy:
    ceiling_ms: int = 800  # speech over the reply longer than this interrupts it
    check_timeout_s: float = 0.6  # how long the burst's words may take to come back
    long_enough_ms: int = 450  # without words: speech this long interrupts


@dataclass
class Candidate:
    turn: str  # the reply being held
    started_ms: int  # the caller's audio position when speech started
    started_at: float  # wall time of the same moment
    burst: str | None = None  # the caller's utterance, once it ended
    utterance: Any = None  # held until decided: it becomes a turn on an interruption
    spoken_ms: int = 0
    check_deadline: float | None = None
    held: list[Any] = field(default_factory=list)


class BargeIn:
    def __init__(self, policy: BargePolicy | None = None):
        self.policy = policy or BargePolicy()
        self.candidate: Candidate | None = None

    @property
    def active(self) -> bool:
        return self.candidate is not None

    @property
    def burst_open(self) -> bool:
        """A candidate whose speech has not ended yet."""
        return self.candidate is not None and self.candidate.burst is None

    def speech_started(self, turn: str | None, position_ms: int, now: float) -> bool:
        """Speech began; ``turn`` is the reply playing (None: nothing). True: hold it."""
        if turn is None or self.candidate is not None:
            return False
        self.candidate = Candidate(turn, position_ms, now)
        return True

    def hold(self, event: Any) -> bool:
        """An audio chunk is about to go out: True if it is the held reply's (kept for now)."""
        c = self.candidate
        if c is None or getattr(event, "turn_id", None) != c.turn:
            return False
        c.held.append(event)
        return True

    def speech_goes_on(self, position_ms: int) -> Decision | None:
        """The caller is still speaking at ``position_ms``: past the ceiling it interrupts."""
        c = self.candidate
        if c is None or c.burst is not None:
            return None
        if position_ms - c.started_ms >= self.policy.ceiling_ms:
            return "interrupt"
        return None

    def speech_ended(self, burst: str, utterance: Any, spoken_ms: int, now: float) -> float:
        """The burst ended before the ceiling: its words are to be checked by the deadline
        returned."""
        assert self.candidate is not None
        c = self.candidate
        c.burst, c.utterance, c.spoken_ms = burst, utterance, spoken_ms
        c.check_deadline = now + self.policy.check_timeout_s
        return c.check_deadline

    def checked(self, burst: str, verdict: Verdict) -> Decision | None:
        """The burst's words came back (None: not the burst being decided)."""
        c = self.candidate
        if c is None or c.burst != burst:
            return None
        return "interrupt" if interrupts(verdict) else "resume"

    def timed_out(self, burst: str, now: float) -> Decision | None:
        c = self.candidate
        if c is None or c.burst != burst or c.check_deadline is None or now < c.check_deadline:
            return None
        return "interrupt" if c.spoken_ms >= self.policy.long_enough_ms else "resume"

    def finish(self) -> Candidate | None:
        """The decision was acted on: the candidate (its held audio and utterance) is over."""
        c, self.candidate = self.candidate, None
        return c

    def reply_cancelled(self, turn: str) -> Candidate | None:
        """The held reply was cancelled otherwise (cancel, timeout): nothing is held for it."""
        if self.candidate is not None and self.candidate.turn == turn:
            c = self.finish()
            assert c is not None
            c.held.clear()
            return c
        return None
