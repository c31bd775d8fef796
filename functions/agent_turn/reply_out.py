"""The reply's speech going out while the agent still works: each piece the speaker hands on is
published to ``agent-reply`` at once (the first one starts synthesis), indexed in order, a
piece too long for one message cut between words, ``is_final`` on the last."""

from __future__ import annotations

import logging
import time

from shared import topics
from shared.bus import Bus
from shared.contracts import AgentReply, VoiceTranscript
from shared.handlers.text_limits import cut_to_fit, declared_max_length
from shared.session_store import Session

log = logging.getLogger(__name__)
PIECE_MAX_CHARS = declared_max_length(AgentReply, "text")


class ReplyPublisher:
    """The first piece is published and waited for: if it cannot go out the error is raised
    (the turn fails aloud). Later pieces are sent in order without waiting, so neither the
    agent nor ``agent_final`` waits on them; ``settle`` waits for them after the answer, and
    if one failed ``speech_lost`` says so (the answer stands as text, and the caller is told
    it could not all be spoken)."""

    def __init__(
        self, bus: Bus, session: Session, message: VoiceTranscript, draft: int | None = None
    ):
        """``draft``: the pieces are a draft reply's, held by the relay until the turn ends."""
        self.bus = bus
        self.session = session
        self.message = message
        self.draft = draft
        self.next_index = 0
        self.texts: list[str] = []  # what was published, by sentence_index
        self.first_sent_at: float | None = None
        self.last_sent_at: float | None = None
        self.speech_lost = False
        self._pending: list[tuple[object, AgentReply]] = []

    def __call__(self, text: str, final: bool) -> None:
        parts = cut_to_fit(text, PIECE_MAX_CHARS)
        for i, part in enumerate(parts):
            if self.speech_lost:
                return
            try:
                self._publish(part, final and i == len(parts) - 1)
            except Exception:
                if self.first_sent_at is None:
                    raise
                log.exception("a reply piece was not published; the rest is text only")
                self.speech_lost = True

    def all_at_once(self, sentences: list[str]) -> None:
        """A reply that did not stream: its pieces now, the last one final."""
        pieces = sentences or [""]
        for i, text in enumerate(pieces):
            self(text, i == len(pieces) - 1)

    def _publish(self, text: str, final: bool) -> None:
        piece = AgentReply(
            session_id=self.session.id,
            turn_id=self.message.turn_id,
            sentence_index=self.next_index,
            text=text,
            is_final=final,
            tts_provider=self.session.tts_provider,
            draft=self.draft,
        )
        if self.first_sent_at is None:
            self.bus.publish(topics.AGENT_REPLY, piece)
        else:
            self._pending.append((self.bus.start_publish(topics.AGENT_REPLY, piece), piece))
        self.next_index += 1
        self.texts.append(text)
        self.last_sent_at = time.time()
        if self.first_sent_at is None:
            self.first_sent_at = self.last_sent_at

    def settle(self) -> None:
        """Wait for the pieces sent without waiting; a failed one marks the speech lost."""
        for pending, piece in self._pending:
            try:
                self.bus.finish_publish(topics.AGENT_REPLY, pending, piece)
            except Exception:
                log.exception("a reply piece was not published; the rest is text only")
                self.speech_lost = True
        self._pending = []

    @property
    def finished(self) -> bool:
        return self.last_sent_at is not None
