"""Draft replies in agent_turn, on the emulators with the real tools server: a draft runs only
tools that read, its pieces go out marked with the draft, and the turn is answered (memory,
``agent_final``) exactly once, only when the turn ends on the draft's snapshot."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.handler import AgentTurnHandler
from functions.tools.productivity.todos import todos_of
from shared import identity, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import VoiceTranscript
from shared.db import Database
from shared.session_store import Session, SessionStore
from shared.turn_record import TurnRecord
from tests.integration.conftest import open_session

pytestmark = pytest.mark.integration
DRAFT = 1520


@pytest.fixture
def session(store: SessionStore, db: Database) -> Session:
    user = identity.create_user(db, "Ada", "555123", b"test-pepper")
    return open_session(store, user.id)


@pytest.fixture
def handler(bus: Bus, store: SessionStore, toolbox: McpToolbox) -> AgentTurnHandler:
    return AgentTurnHandler(bus, store, toolbox)


def transcript(session: Session, text: str, **marks: int | None) -> InboundMessage:
    msg = VoiceTranscript(
        session_id=session.id,
        turn_id="t1",
        user_id=session.user_id,
        text=text,
        source="voice",
        received_at=time.time(),
        **marks,  # type: ignore[arg-type]
    )
    attrs = {"session_id": session.id, "turn_id": "t1"}
    return InboundMessage(msg.model_dump_json().encode(), attrs, message_id=f"m-{time.time_ns()}")


def in_background(handler: AgentTurnHandler, message: InboundMessage) -> threading.Thread:
    worker = threading.Thread(target=handler.handle, args=(message,), daemon=True)
    worker.start()
    return worker


def stt_commits(store: SessionStore, session: Session, draft: int | None) -> None:
    """What stt records as the final utterance is transcribed (``committed_draft``)."""
    record = TurnRecord(stt_done=True, transcript="...", status="transcribed")
    if draft is not None:
        record.committed_draft = draft
    store.update_turn(session.id, "t1", record)


def finals(outbound: Any) -> list[dict[str, Any]]:
    events = [json.loads(m.data) for m in outbound.pull(expect=1, timeout=4)]
    return [e["event"] for e in events if e["event"]["type"] == "agent_final"]


def test_a_draft_that_only_reads_is_the_turns_answer_once_the_turn_ends_on_it(
    handler: AgentTurnHandler, session: Session, store: SessionStore, tap: Any
) -> None:
    replies, outbound = tap(topics.AGENT_REPLY), tap(topics.SESSION_OUTBOUND)
    worker = in_background(handler, transcript(session, "what is on my todo list", draft=DRAFT))
    pieces = [json.loads(m.data) for m in replies.pull(expect=1)]
    assert pieces and all(p["draft"] == DRAFT for p in pieces)  # held by the relay
    assert outbound.pull(expect=1, timeout=1) == []  # no agent_final before the turn ends
    assert store.load_memory(session.id, session.user_id) == []

    stt_commits(store, session, DRAFT)
    handler.handle(transcript(session, "what is on my todo list", commits_draft=DRAFT))
    worker.join(10)
    assert not worker.is_alive()
    [final] = finals(outbound)
    assert final["turn_id"] == "t1"
    turn = store.get_turn(session.id, "t1")
    assert turn is not None and turn.agent_done and turn.status == "answered"
    memory = store.load_memory(session.id, session.user_id)
    assert memory[0]["type"] == "human" and memory[-1]["type"] == "ai"
    assert sum(m["type"] == "human" for m in memory) == 1  # the turn, kept once
    assert replies.pull(expect=1, timeout=1) == []  # the commit ran nothing again


def test_a_draft_that_would_write_holds_it_and_writes_once_the_turn_is_committed(
    handler: AgentTurnHandler, session: Session, store: SessionStore, db: Database, tap: Any
) -> None:
    replies, outbound = tap(topics.AGENT_REPLY), tap(topics.SESSION_OUTBOUND)
    text = "add a todo to buy milk"
    worker = in_background(handler, transcript(session, text, draft=DRAFT))
    assert replies.pull(expect=1, timeout=1.5) == []
    assert todos_of(db, session.user_id) == []  # held: the turn has not ended yet
    turn = store.get_turn(session.id, "t1")
    assert turn is not None and turn.draft_run is not None and turn.draft_run.state == "holding"

    stt_commits(store, session, DRAFT)
    handler.handle(transcript(session, text, commits_draft=DRAFT))  # the draft run has it
    worker.join(10)
    assert not worker.is_alive()
    [todo] = todos_of(db, session.user_id)
    assert todo.title == "buy milk"
    pieces = [json.loads(m.data) for m in replies.pull(expect=2)]
    assert pieces and all(p["draft"] is None for p in pieces)  # spoken as the turn's own
    assert len(finals(outbound)) == 1


def test_a_held_draft_the_caller_spoke_past_writes_nothing(
    handler: AgentTurnHandler, session: Session, store: SessionStore, db: Database, tap: Any
) -> None:
    worker = in_background(handler, transcript(session, "add a todo to buy", draft=DRAFT))
    time.sleep(0.5)
    stt_commits(store, session, None)
    worker.join(10)
    assert not worker.is_alive()
    assert todos_of(db, session.user_id) == []


def test_a_draft_the_caller_spoke_past_leaves_no_answer_and_no_memory(
    handler: AgentTurnHandler, session: Session, store: SessionStore, tap: Any
) -> None:
    outbound = tap(topics.SESSION_OUTBOUND)
    worker = in_background(handler, transcript(session, "what is on my", draft=DRAFT))
    time.sleep(0.5)
    stt_commits(store, session, None)  # the final transcript is of more speech
    handler.handle(transcript(session, "what is on my todo list"))
    worker.join(10)
    assert not worker.is_alive()
    assert len(finals(outbound)) == 1
    memory = store.load_memory(session.id, session.user_id)
    humans = [m for m in memory if m["type"] == "human"]
    assert [h["data"]["content"] for h in humans] == ["what is on my todo list"]
