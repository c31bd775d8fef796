"""What a turn reads from Firestore before its graph runs, started together as the turn
arrives: its own document (done already? cancelled?), the conversation so far and the user's
saved choice of model. A turn then waits for the slowest read rather than for their sum. They
are read by the ids the message names; nothing read is used before the session is known to be
that user's."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from langchain_core.messages import BaseMessage

from functions.agent_turn.agent import memory
from shared.session_store import Session, SessionStore
from shared.turn_record import TurnRecord

# Firestore reads are network waits: a few threads serve every turn of the instance.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="turn-read")


class TurnReads:
    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        user_id: str,
        turn_id: str | None = None,
        *,
        wants_saved_model: bool = True,
    ):
        self._turn: Future[TurnRecord | None] | None = (
            _pool.submit(store.get_turn, session_id, turn_id) if turn_id else None
        )
        self._memory: Future[list[BaseMessage]] = _pool.submit(
            _heard_history, store, session_id, user_id
        )
        self._prefs: Future[dict[str, Any]] | None = (
            _pool.submit(store.get_user_prefs, user_id) if wants_saved_model else None
        )

    @classmethod
    def for_session(cls, store: SessionStore, session: Session, has_settings: bool) -> TurnReads:
        """A session that chose its model (or an agent without settings) needs no saved choice."""
        wants = has_settings and not session.llm_provider
        return cls(store, session.id, session.user_id, wants_saved_model=wants)

    def turn(self) -> TurnRecord:
        return (self._turn.result() if self._turn is not None else None) or TurnRecord()

    def history(self) -> list[BaseMessage]:
        return self._memory.result()

    def saved_model(self) -> str | None:
        """The user's saved choice of model, or None (none saved, or the session chose)."""
        if self._prefs is None:
            return None
        choice = self._prefs.result().get("llm_provider")
        return str(choice) if choice else None


def _heard_history(store: SessionStore, session_id: str, user_id: str) -> list[BaseMessage]:
    """The conversation so far, its last reply cut to what the caller heard if they cut in
    on it (the relay records how many pieces had begun to play)."""
    kept = store.load_memory_record(session_id, user_id)
    history = memory.from_store(kept.messages)
    if kept.last_turn_id is None:
        return history
    last = store.get_turn(session_id, kept.last_turn_id)
    if last is None or not last.cancelled or last.heard_pieces is None or not last.reply_pieces:
        return history
    return memory.cut_to_heard(history, last.reply_pieces, last.heard_pieces)
