"""A turn asked over HTTP (``POST /agent/process``): the same graph, tools, memory, stored turn
and monitor record as a voice turn, with the reply returned instead of spoken.

The session is the caller's to name: a new id starts an ``api`` session for that user, an
existing one continues its conversation (any instance continues any session), and a session
of another user is refused. With an idempotency key a retried request gets the first answer
again and runs nothing twice.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions.agent_turn.handler import AgentTurnHandler
from functions.agent_turn.transfer import transfer_of
from functions.agent_turn.turn_records import Delivery
from shared.contracts import Id, VoiceTranscript
from shared.session_store import Session
from shared.turn_record import TurnRecord
from shared.ws_protocol import LlmProvider

Metadata = dict[str, str | int | float | bool | None]


class ProcessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=4000, description="what the user says")
    user_id: Id
    session_id: Id = Field(description="a new id starts a session; a known one continues it")
    reset_thread: bool = Field(default=False, description="forget the session's conversation")
    model: LlmProvider | None = Field(
        default=None, description="the language model for this turn (else the user's choice)"
    )
    metadata: Metadata | None = Field(
        default=None, max_length=20, description="kept with the turn, at most 20 entries"
    )


class ProcessResponse(BaseModel):
    response: str
    transfer: dict[str, Any] | None = Field(
        default=None, description="the transfer request, when the user asked for a person"
    )
    processing_time_ms: float
    session_id: str
    turn_id: str
    domain: str
    answered_by: str = Field(description="the provider that wrote the reply")
    replayed: bool = Field(default=False, description="the stored answer to a retried request")


class SessionOfAnotherUser(Exception):
    pass


class DirectTurns:
    def __init__(self, handler: AgentTurnHandler, relay_id: str = "api"):
        self.handler = handler
        self.store = handler.store
        self.relay_id = relay_id

    def process(self, request: ProcessRequest, idempotency_key: str | None) -> ProcessResponse:
        started = time.time()
        session = self._session(request)
        turn_id = _turn_id(request, idempotency_key)
        if replayed := self._replay(session, turn_id):
            return replayed
        if request.reset_thread:
            self.store.save_memory(session.id, session.user_id, [])
        message = self._start_turn(session, turn_id, request, started)
        chosen = replace(session, llm_provider=request.model) if request.model else session
        outcome = self.handler.run_agent(chosen, message, None)
        done = time.time()
        self.handler.record(session, message, outcome, Delivery(started, done, done, done))
        return ProcessResponse(
            response=outcome.reply,
            transfer=transfer_of(outcome),
            processing_time_ms=round((done - started) * 1000, 1),
            session_id=session.id,
            turn_id=turn_id,
            domain=outcome.domain,
            answered_by=outcome.answered.provider if outcome.answered else "rules",
        )

    def _session(self, request: ProcessRequest) -> Session:
        session = self.store.get_session(request.session_id)
        if session is not None:
            if session.user_id != request.user_id:
                raise SessionOfAnotherUser(request.session_id)
            return session
        session = Session(
            id=request.session_id,
            user_id=request.user_id,
            user_name="",
            channel="api",
            relay_id=self.relay_id,
            status="active",
        )
        try:
            self.store.create_session(session)
        except Exception:
            # Created by a request at the same moment: continue that one. Any other failure
            # (the store unreachable) is raised, not retried here.
            raced = self.store.get_session(request.session_id)
            if raced is None:
                raise
            if raced.user_id != request.user_id:
                raise SessionOfAnotherUser(request.session_id) from None
            return raced
        return session

    def _start_turn(
        self, session: Session, turn_id: str, request: ProcessRequest, started: float
    ) -> VoiceTranscript:
        self.store.start_turn(
            session.id, turn_id, source="api", received_at=started, text=request.prompt
        )
        if request.metadata:
            self.store.update_turn(session.id, turn_id, TurnRecord(metadata=request.metadata))
        return VoiceTranscript(
            session_id=session.id,
            turn_id=turn_id,
            user_id=session.user_id,
            text=request.prompt,
            source="text",
            received_at=started,
        )

    def _replay(self, session: Session, turn_id: str) -> ProcessResponse | None:
        turn = self.store.get_turn(session.id, turn_id) or TurnRecord()
        if not turn.agent_done:
            return None
        return ProcessResponse(
            response=turn.reply or "",
            transfer=turn.transfer,
            processing_time_ms=0.0,
            session_id=session.id,
            turn_id=turn_id,
            domain=turn.domain or "",
            answered_by=turn.answered_by or "",
            replayed=True,
        )


def _turn_id(request: ProcessRequest, idempotency_key: str | None) -> str:
    """A fresh id, or one derived from the key (per user and session, so keys never collide
    across users)."""
    if not idempotency_key:
        return uuid.uuid4().hex
    seed = f"{request.user_id}\0{request.session_id}\0{idempotency_key}".encode()
    return "api-" + hashlib.sha256(seed).hexdigest()[:40]
