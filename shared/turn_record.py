"""The Firestore document of one turn (``sessions/{session}/turns/{turn}``), as one typed model.

Four deployables write parts of it (the relay opens it, stt adds the transcript, agent_turn the
reply, tts the sentences spoken) and three read it. Each writes a ``TurnRecord`` holding only the
fields it sets; the store merges it (``model_dump(exclude_unset=True)``), so stages never
overwrite each other's fields. Reading validates the whole document, so a field written with the
wrong name or type fails where it is written, not three services later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TurnSource = Literal["voice", "text", "api", "session_start"]
TurnStatus = Literal["transcribed", "no_speech", "rejected", "answered", "timed_out", "failed"]
# A draft reply's run: preparing it; prepared (its audio is with the relay); holding (it reached a
# tool call that changes something, and waits to run the turn for real once committed);
# abandoned (it failed or waited too long: a commit arriving later runs the turn itself); or
# taken (the committed turn's own handler is running it).
DraftState = Literal["running", "answered", "holding", "abandoned", "taken"]


class StageSpan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    started_at: float
    ended_at: float


class KeptSpeculation(BaseModel):
    """A speculative snapshot's transcript, kept for the final utterance to reuse."""

    model_config = ConfigDict(extra="forbid")
    samples: int = Field(ge=0)  # how much audio (16 kHz samples) the transcript covers
    text: str
    provider: str
    draft: int | None = None  # the snapshot's draft id, if a draft reply was asked for


class DraftRun(BaseModel):
    """The draft reply prepared on a snapshot (agent_turn), one per turn: the newest wins."""

    model_config = ConfigDict(extra="forbid")
    draft: int = Field(ge=0)
    state: DraftState


class TurnRecord(BaseModel):
    # Documents written before a field was retired still read; a write cannot add an unknown
    # field (see ``for_write``).
    model_config = ConfigDict(extra="ignore")

    # opened by the relay (or agent_turn's HTTP API)
    source: TurnSource | None = None
    created_at: float | None = None
    expires_at: datetime | None = None
    typed_text: str | None = None
    metadata: dict[str, Any] | None = None
    timings: dict[str, StageSpan] = Field(default_factory=dict)
    # stt
    speculation: KeptSpeculation | None = None
    stt_done: bool = False
    stt_provider: str | None = None
    transcript: str | None = None
    error: str | None = None
    # the snapshot the turn ended on (stt, and agent_turn as it takes the draft's reply)
    committed_draft: int | None = None
    # agent_turn
    status: TurnStatus | None = None
    agent_done: bool = False
    reply: str | None = None
    domain: str | None = None
    answered_by: str | None = None
    transfer: dict[str, Any] | None = None
    agent_stages_ms: dict[str, float] = Field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    reply_pieces: list[str] = Field(default_factory=list)  # as spoken: index = chunk_index
    draft_run: DraftRun | None = None
    # tts
    tts_sentences_done: list[int] = Field(default_factory=list)
    # the relay, when the caller cancels, barges in or the turn times out
    cancelled: bool = False
    cancelled_at: float | None = None
    # how many of the reply's pieces had begun to play when it was cut off: memory keeps those
    heard_pieces: int | None = Field(default=None, ge=0)

    def moved_past(self, draft: int) -> bool:
        """The turn ended on other speech than snapshot ``draft``, or a later snapshot's draft
        replaced it (drafts are where the speech stopped: a later one's is larger)."""
        newer = self.draft_run is not None and self.draft_run.draft > draft
        return newer or (self.stt_done and self.committed_draft != draft)

    def for_write(self) -> dict[str, Any]:
        """The fields this record sets, as Firestore takes them (merged into the document)."""
        return self.model_dump(exclude_unset=True, mode="python")


def spans(timings: dict[str, tuple[float, float]]) -> dict[str, StageSpan]:
    """``{stage: (started, ended)}`` as the document's ``timings`` map."""
    return {stage: StageSpan(started_at=a, ended_at=b) for stage, (a, b) in timings.items()}
