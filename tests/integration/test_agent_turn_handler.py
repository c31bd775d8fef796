"""agent_turn against the real emulators and PostgreSQL: effects, outputs, redelivery."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from shared import identity, productivity, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import VoiceTranscript
from shared.db import Database
from shared.handlers.agent_turn import AgentTurnHandler
from shared.log import log_context
from shared.session_store import Session, SessionStore
from shared.tracing import TraceContext

pytestmark = pytest.mark.integration
PEPPER = b"test-pepper"


@pytest.fixture
def user(db: Database) -> identity.User:
    return identity.create_user(db, "Ada", "555123", PEPPER)


@pytest.fixture
def session(store: SessionStore, user: identity.User) -> Session:
    s = Session(
        id="sess1",
        user_id=user.id,
        user_name="Ada",
        channel="web",
        relay_id="relayA",
        status="active",
    )
    store.create_session(s)
    return s


@pytest.fixture
def handler(bus: Bus, store: SessionStore, db: Database) -> AgentTurnHandler:
    return AgentTurnHandler(bus, store, db, today=date(2026, 11, 25))


def _inbound(
    session: Session, turn: str, text: str, trace: TraceContext | None = None
) -> InboundMessage:
    msg = VoiceTranscript(
        session_id=session.id,
        turn_id=turn,
        user_id=session.user_id,
        text=text,
        received_at=time.time(),
    )
    attrs = {"session_id": session.id, "turn_id": turn}
    if trace:
        attrs["traceparent"] = trace.traceparent
    return InboundMessage(msg.model_dump_json().encode(), attrs, message_id=f"m-{turn}")


def test_a_typed_turn_adds_the_todo_and_answers(handler, session, store, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound, replies, monitor = (
        tap(topics.SESSION_OUTBOUND),
        tap(topics.AGENT_REPLY),
        tap(topics.MONITOR_EVENTS),
    )
    trace = TraceContext.new()
    handler.handle(_inbound(session, "t1", "add a todo to buy milk on Friday", trace))

    [todo] = productivity.list_todos(db, session.user_id)
    assert todo.title == "buy milk" and todo.due_date == date(2026, 11, 27)
    [out] = outbound.pull()
    assert out.attributes["relay_id"] == "relayA"
    assert TraceContext.parse(out.attributes["traceparent"]).trace_id == trace.trace_id  # type: ignore[union-attr]
    body = json.loads(out.data)
    assert body["event"]["type"] == "agent_final" and "buy milk" in body["event"]["text"]
    pieces = [json.loads(m.data) for m in replies.pull(expect=2)]
    assert [p["text"] for p in pieces] == [
        "Okay,",
        "I added buy milk to your todo list for Friday, November 27.",
    ]
    assert [(p["sentence_index"], p["is_final"]) for p in pieces] == [(0, False), (1, True)]
    [event] = monitor.pull()
    record = json.loads(event.data)
    assert record["kind"] == "turn_completed" and record["tool_calls"][0]["name"] == "add_todo"
    turn = store.get_turn(session.id, "t1")
    assert (
        turn is not None
        and turn["agent_done"]
        and {"agent", "agent_first_sentence"} <= set(turn["timings"])
    )


def test_redelivery_does_not_add_the_todo_twice(handler, session, store, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    message = _inbound(session, "t2", "add a todo to buy milk")
    handler.handle(message)
    handler.handle(message)  # redelivered after success
    store.update_turn(
        session.id, "t2", agent_done=False
    )  # as if the first run died before marking done
    handler.handle(message)
    assert [t.title for t in productivity.list_todos(db, session.user_id)] == ["buy milk"]
    events = outbound.drain(1.5)
    # The re-run after the "crash" republishes with the same dedupe key, which the relay drops.
    assert {json.loads(m.data)["dedupe_key"] for m in events} == {"t2:agent_final"}


def test_memory_carries_the_conversation_to_the_next_turn(handler, session, store) -> None:  # type: ignore[no-untyped-def]
    handler.handle(_inbound(session, "t3", "add a todo to call mum"))
    handler.handle(_inbound(session, "t4", "what are my todos"))
    memory = store.load_memory(session.id, session.user_id)
    humans = [m["data"]["content"] for m in memory if m["type"] == "human"]
    assert humans == ["add a todo to call mum", "what are my todos"]
    assert "call mum" in store.get_turn(session.id, "t4")["reply"]  # type: ignore[index]


def test_cancelled_turn_is_not_answered(handler, session, store, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    store.start_turn(session.id, "t5", source="text", received_at=time.time())
    store.mark_cancelled(session.id, "t5")
    handler.handle(_inbound(session, "t5", "add a todo to buy milk"))
    assert productivity.list_todos(db, session.user_id) == []
    assert outbound.drain(1.0) == []


def test_transcript_for_another_users_session_is_dropped(handler, session, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    intruder = identity.create_user(db, "Eve", "999000", PEPPER)
    msg = VoiceTranscript(
        session_id=session.id,
        turn_id="t6",
        user_id=intruder.id,
        text="what are my todos",
        received_at=time.time(),
    )
    handler.handle(InboundMessage(msg.model_dump_json().encode(), {}, "m6"))
    assert outbound.drain(1.0) == []


def test_unparseable_message_is_dead_lettered_not_raised(handler, tap) -> None:  # type: ignore[no-untyped-def]
    dead = tap(topics.dead_letter_topic(topics.VOICE_TRANSCRIPT))
    handler.handle(
        InboundMessage(b'{"type": "voice_transcript", "text": 5}', {"session_id": "x"}, "bad-1")
    )
    [message] = dead.pull()
    assert "not a valid VoiceTranscript" in message.attributes["dead_letter_reason"]


def test_tool_failure_tells_the_caller(handler, session, db, tap, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database unavailable")

    monkeypatch.setattr(productivity, "list_todos", broken)
    outbound = tap(topics.SESSION_OUTBOUND)
    with log_context(TraceContext.new()):
        handler.handle(_inbound(session, "t7", "what are my todos"))
    [out] = outbound.pull()
    event = json.loads(out.data)["event"]
    assert event["type"] == "agent_final" and "couldn't" in event["text"].lower()
