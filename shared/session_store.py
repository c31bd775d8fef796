"""Session state in Firestore: sessions, their turns, stage timings, cancellation marks, memory.

Layout (every collection name takes the configured prefix, for test isolation):
  sessions/{session_id}                      user, channel, relay_id, providers, status
  sessions/{session_id}/turns/{turn_id}      transcript, reply, timings.{stage}, cancelled
  sessions/{session_id}/memory/{user_id}     the conversation so far, for that user only
Each turn is its own document, so concurrent stages never contend on one hot document; its
fields are one typed model, ``shared.turn_record.TurnRecord``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from google.cloud import firestore

from shared.turn_record import StageSpan, TurnRecord, TurnSource

T = TypeVar("T")
SESSION_TTL_SECONDS = 7 * 24 * 3600
_STAGE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Session:
    id: str
    user_id: str
    user_name: str
    channel: str
    relay_id: str
    status: str
    stt_provider: str | None = None
    tts_provider: str | None = None
    domain: str | None = None
    llm_provider: str | None = None  # the session's choice of model (agent_turn's llm package)


@dataclass(frozen=True)
class MemoryRecord:
    messages: list[dict[str, Any]]
    last_turn_id: str | None  # the turn whose reply is the last message


class SessionStore:
    def __init__(self, client: firestore.Client, prefix: str = ""):
        self.client = client
        self.prefix = prefix

    # ---- references -------------------------------------------------------------------------
    def _session(self, session_id: str) -> Any:
        return self.client.collection(f"{self.prefix}sessions").document(session_id)

    def _turn(self, session_id: str, turn_id: str) -> Any:
        return self._session(session_id).collection("turns").document(turn_id)

    # ---- sessions ---------------------------------------------------------------------------
    def create_session(self, session: Session) -> None:
        now = time.time()
        self._session(session.id).create(
            {
                "user_id": session.user_id,
                "user_name": session.user_name,
                "channel": session.channel,
                "relay_id": session.relay_id,
                "status": session.status,
                "stt_provider": session.stt_provider,
                "tts_provider": session.tts_provider,
                "domain": session.domain,
                "llm_provider": session.llm_provider,
                "created_at": now,
                "updated_at": now,
                "expires_at": _expiry(now),
            }
        )

    def get_session(self, session_id: str) -> Session | None:
        snap = self._session(session_id).get()
        if not snap.exists:
            return None
        d = snap.to_dict() or {}
        return Session(
            id=session_id,
            user_id=d["user_id"],
            user_name=d.get("user_name", ""),
            channel=d.get("channel", "web"),
            relay_id=d.get("relay_id", ""),
            status=d.get("status", "active"),
            stt_provider=d.get("stt_provider"),
            tts_provider=d.get("tts_provider"),
            domain=d.get("domain"),
            llm_provider=d.get("llm_provider"),
        )

    def update_session(self, session_id: str, **fields: Any) -> None:
        self._session(session_id).update({**fields, "updated_at": time.time()})

    # ---- turns ------------------------------------------------------------------------------
    def start_turn(
        self,
        session_id: str,
        turn_id: str,
        *,
        source: TurnSource,
        received_at: float,
        text: str | None = None,
    ) -> None:
        # Only fields no other stage writes: this may land after the stt stage's own update.
        opened = TurnRecord(
            source=source,
            created_at=received_at,
            expires_at=_expiry(received_at),
            timings={"received": StageSpan(started_at=received_at, ended_at=received_at)},
        )
        if text is not None:
            opened.typed_text = text
        self.update_turn(session_id, turn_id, opened)

    def get_turn(self, session_id: str, turn_id: str) -> TurnRecord | None:
        snap = self._turn(session_id, turn_id).get()
        return TurnRecord.model_validate(snap.to_dict() or {}) if snap.exists else None

    def record_stage(
        self, session_id: str, turn_id: str, stage: str, started_at: float, ended_at: float
    ) -> None:
        if not _STAGE.match(stage):
            raise ValueError(f"bad stage name {stage!r}")
        span = StageSpan(started_at=started_at, ended_at=ended_at)
        self.update_turn(session_id, turn_id, TurnRecord(timings={stage: span}))

    def update_turn(self, session_id: str, turn_id: str, update: TurnRecord) -> None:
        """Merge the fields ``update`` sets into the turn (its ``timings`` map stage by stage)."""
        self._turn(session_id, turn_id).set(update.for_write(), merge=True)

    def change_turn(
        self,
        session_id: str,
        turn_id: str,
        change: Callable[[TurnRecord], tuple[TurnRecord | None, T]],
    ) -> T:
        """Read the turn and merge what ``change`` returns for it, as one transaction (retried
        if another writer got in first, so ``change`` must be pure); returns ``change``'s answer.
        Two services racing to take the same decision about a turn see each other's choice."""
        ref = self._turn(session_id, turn_id)

        @firestore.transactional
        def run(tx: Any) -> T:
            snap = ref.get(transaction=tx)
            turn = TurnRecord.model_validate(snap.to_dict() or {}) if snap.exists else TurnRecord()
            update, answer = change(turn)
            if update is not None:
                tx.set(ref, update.for_write(), merge=True)
            return answer

        answer: T = run(self.client.transaction())
        return answer

    def sentence_spoken(
        self, session_id: str, turn_id: str, index: int, stage: str, span: StageSpan
    ) -> None:
        """tts spoke sentence ``index``: added to the set of spoken sentences, never a copy."""
        self._turn(session_id, turn_id).set(
            {
                "tts_sentences_done": firestore.ArrayUnion([index]),
                "timings": {stage: span.model_dump()},
            },
            merge=True,
        )

    def mark_cancelled(
        self, session_id: str, turn_id: str, heard_pieces: int | None = None
    ) -> None:
        """The turn was cancelled (``heard_pieces``: of its reply, how many pieces had begun to
        play; None when no reply was playing)."""
        cancelled = TurnRecord(cancelled=True, cancelled_at=time.time())
        if heard_pieces is not None:
            cancelled.heard_pieces = heard_pieces
        self.update_turn(session_id, turn_id, cancelled)

    def is_cancelled(self, session_id: str, turn_id: str) -> bool:
        turn = self.get_turn(session_id, turn_id)
        return bool(turn and turn.cancelled)

    # ---- per-user choices ---------------------------------------------------------------------
    def _prefs(self, user_id: str) -> Any:
        return self.client.collection(f"{self.prefix}user_prefs").document(user_id)

    def get_user_prefs(self, user_id: str) -> dict[str, Any]:
        snap = self._prefs(user_id).get()
        return (snap.to_dict() or {}) if snap.exists else {}

    def save_user_prefs(self, user_id: str, **prefs: Any) -> None:
        self._prefs(user_id).set({**prefs, "updated_at": time.time()}, merge=True)

    # ---- memory -----------------------------------------------------------------------------
    def load_memory(self, session_id: str, user_id: str) -> list[dict[str, Any]]:
        return self.load_memory_record(session_id, user_id).messages

    def load_memory_record(self, session_id: str, user_id: str) -> MemoryRecord:
        snap = self._session(session_id).collection("memory").document(user_id).get()
        if not snap.exists:
            return MemoryRecord([], None)
        doc = snap.to_dict() or {}
        return MemoryRecord(list(doc.get("messages", [])), doc.get("last_turn_id"))

    def save_memory(
        self,
        session_id: str,
        user_id: str,
        messages: list[dict[str, Any]],
        last_turn_id: str | None = None,
    ) -> None:
        """``last_turn_id``: the turn whose reply ends ``messages`` (cut to what the caller
        heard if that turn is cut off later)."""
        now = time.time()
        self._session(session_id).collection("memory").document(user_id).set(
            {
                "messages": messages,
                "last_turn_id": last_turn_id,
                "updated_at": now,
                "expires_at": _expiry(now),
            }
        )


def _expiry(now: float) -> Any:
    """Firestore TTL policies need a timestamp field; expire a week after the last write."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(now + SESSION_TTL_SECONDS, tz=UTC)
