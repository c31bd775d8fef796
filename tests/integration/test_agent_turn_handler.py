"""agent_turn against the real emulators and PostgreSQL: effects, outputs, redelivery."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pg8000
import pytest

from functions.agent_turn import handler as agent_turn
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.runner import AgentOutcome
from functions.agent_turn.agent.speaker import split_sentences
from functions.agent_turn.handler import AgentTurnHandler
from functions.tools.productivity.todos import todos_of
from local.services import free_port
from shared import identity, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import VoiceTranscript
from shared.db import Database
from shared.log import log_context
from shared.mcp_server.dispatch import Dispatcher
from shared.session_store import Session, SessionStore
from shared.tracing import TraceContext
from shared.turn_record import TurnRecord
from tests.integration.conftest import open_session

pytestmark = pytest.mark.integration
PEPPER = b"test-pepper"


@pytest.fixture
def user(db: Database) -> identity.User:
    return identity.create_user(db, "Ada", "555123", PEPPER)


@pytest.fixture
def session(store: SessionStore, user: identity.User) -> Session:
    return open_session(store, user.id, "sess1")


@pytest.fixture
def handler(bus: Bus, store: SessionStore, toolbox: McpToolbox) -> AgentTurnHandler:
    return AgentTurnHandler(bus, store, toolbox)


def _next(weekday: int) -> date:
    """The date the rules model means by a weekday's name: the next one after today (UTC)."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _seed_todo(db: Database, user_id: str, title: str, key: str) -> None:
    db.execute(
        "INSERT INTO productivity.todos (id, user_id, title, request_key)"
        " VALUES (:id, :user_id, :title, :key)",
        id=str(uuid.uuid4()),
        user_id=user_id,
        title=title,
        key=key,
    )


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

    [todo] = todos_of(db, session.user_id)
    assert todo.title == "buy milk" and todo.due_date == _next(4)
    [out] = outbound.pull()
    assert out.attributes["relay_id"] == "relayA"
    assert TraceContext.parse(out.attributes["traceparent"]).trace_id == trace.trace_id  # type: ignore[union-attr]
    body = json.loads(out.data)
    assert body["event"]["type"] == "agent_final" and "buy milk" in body["event"]["text"]
    pieces = [json.loads(m.data) for m in replies.pull(expect=2)]
    assert [p["text"] for p in pieces] == [
        "Okay,",
        f"I added buy milk to your todo list for Friday, {_next(4):%B} {_next(4).day}.",
    ]
    assert [(p["sentence_index"], p["is_final"]) for p in pieces] == [(0, False), (1, True)]
    records = {r["service"]: r for r in (json.loads(m.data) for m in monitor.pull(expect=2))}
    record = records["agent_turn"]
    assert record["kind"] == "turn_completed" and record["tool_calls"][0]["name"] == "add_todo"
    assert (record["provider"], record["model"], record["fallbacks"]) == (
        "rules",
        "convonet-rules",
        [],
    )
    assert (record["domain"], record["routed_by"], record["channel"]) == (
        "productivity",
        "rules",
        "web",
    )
    # The tools server recorded the same call, from its side, with the turn's id.
    executed = records["tools"]
    assert executed["kind"] == "tool_call" and executed["turn_id"] == "t1"
    assert executed["tool_calls"][0]["name"] == "add_todo" and executed["tool_calls"][0]["ok"]
    turn = store.get_turn(session.id, "t1")
    assert (
        turn is not None
        and turn.agent_done
        and {"agent", "agent_first_sentence"} <= set(turn.timings)
    )


def test_redelivery_does_not_add_the_todo_twice(handler, session, store, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    message = _inbound(session, "t2", "add a todo to buy milk")
    handler.handle(message)
    handler.handle(message)  # redelivered after success
    # as if the first run died before marking done
    store.update_turn(session.id, "t2", TurnRecord(agent_done=False))
    handler.handle(message)
    assert [t.title for t in todos_of(db, session.user_id)] == ["buy milk"]
    events = outbound.drain(1.5)
    # The re-run after the "crash" republishes with the same dedupe key, which the relay drops.
    assert {json.loads(m.data)["dedupe_key"] for m in events} == {"t2:agent_final"}


def test_memory_carries_the_conversation_to_the_next_turn(handler, session, store) -> None:  # type: ignore[no-untyped-def]
    handler.handle(_inbound(session, "t3", "add a todo to call mum"))
    handler.handle(_inbound(session, "t4", "what are my todos"))
    memory = store.load_memory(session.id, session.user_id)
    humans = [m["data"]["content"] for m in memory if m["type"] == "human"]
    assert humans == ["add a todo to call mum", "what are my todos"]
    assert "call mum" in store.get_turn(session.id, "t4").reply  # type: ignore[union-attr]


def test_a_reply_cut_off_is_remembered_as_far_as_the_caller_heard_it(  # type: ignore[no-untyped-def]
    handler, session, store, db, tap
) -> None:
    for title in ("wash the car", "call the bank", "water the plants"):
        _seed_todo(db, session.user_id, title, f"seed-{title}")
    replies = tap(topics.AGENT_REPLY)
    handler.handle(_inbound(session, "t1", "what is on my todo list"))
    pieces = [json.loads(m.data)["text"] for m in replies.pull(expect=3)]
    turn = store.get_turn(session.id, "t1")
    assert turn is not None and turn.reply_pieces == pieces and len(pieces) >= 3
    # The caller cut in while the second piece played (the relay counts the pieces begun).
    store.mark_cancelled(session.id, "t1", heard_pieces=2)

    handler.handle(_inbound(session, "t2", "thanks"))
    kept = store.load_memory_record(session.id, session.user_id)
    assert kept.last_turn_id == "t2"
    ais = [m for m in kept.messages if m["type"] == "ai" and not m["data"].get("tool_calls")]
    first_reply = ais[0]["data"]["content"]
    assert first_reply == f"{pieces[0]} {pieces[1]} [the caller cut in here]"
    assert pieces[2] not in first_reply


def test_cancelled_turn_is_not_answered(handler, session, store, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    store.start_turn(session.id, "t5", source="text", received_at=time.time())
    store.mark_cancelled(session.id, "t5")
    handler.handle(_inbound(session, "t5", "add a todo to buy milk"))
    assert todos_of(db, session.user_id) == []
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

    monkeypatch.setattr(Dispatcher, "user_zone", broken)
    outbound = tap(topics.SESSION_OUTBOUND)
    with log_context(TraceContext.new()):
        handler.handle(_inbound(session, "t7", "what are my todos"))
    [out] = outbound.pull()
    event = json.loads(out.data)["event"]
    assert event["type"] == "agent_final" and "couldn't" in event["text"].lower()


# ---- replies over a contract's limits, and failures after the session is known ---------------


def _by_index(messages: list[object]) -> list[dict[str, object]]:
    pieces = [json.loads(m.data) for m in messages]  # type: ignore[attr-defined]
    return sorted(pieces, key=lambda p: p["sentence_index"])  # type: ignore[no-any-return]


def _from_agent(messages: list[object]) -> list[dict[str, object]]:
    """agent_turn's monitor records (the tools server records each tool call too)."""
    records = [json.loads(m.data) for m in messages]  # type: ignore[attr-defined]
    return [r for r in records if r["service"] == "agent_turn"]


def _events(messages: list[object]) -> list[dict[str, object]]:
    return [json.loads(m.data)["event"] for m in messages]  # type: ignore[attr-defined]


def test_a_reply_over_the_monitor_limit_is_spoken_shown_stored_and_recorded(  # type: ignore[no-untyped-def]
    handler, session, store, db, tap, monkeypatch
) -> None:
    long_reply = "You have 20 todos: " + " ".join(
        f"Item {i:02d} " + "lorem " * 70 + "ends." for i in range(20)
    )

    def long_turn(*args: object, **kwargs: object) -> AgentOutcome:
        return AgentOutcome(long_reply, split_sentences(long_reply))

    monkeypatch.setattr(agent_turn, "run_turn", long_turn)
    outbound, replies, monitor = (
        tap(topics.SESSION_OUTBOUND),
        tap(topics.AGENT_REPLY),
        tap(topics.MONITOR_EVENTS),
    )
    handler.handle(_inbound(session, "t8", "what are my todos"))

    [final] = _events(outbound.pull())
    reply = str(final["text"])
    assert final["type"] == "agent_final" and reply.startswith("You have 20 todos:")
    assert len(reply) > 8000
    pieces = _by_index(replies.pull(expect=21))
    assert [p["sentence_index"] for p in pieces] == list(range(21))
    assert [p["is_final"] for p in pieces] == [False] * 20 + [True]
    assert " ".join(str(p["text"]) for p in pieces) == reply
    [record] = _from_agent(monitor.pull(expect=2))
    assert record["kind"] == "turn_completed"
    assert len(record["text_out"]) == 8000 and record["text_out"].endswith("…")
    assert reply.startswith(record["text_out"][:-1])
    turn = store.get_turn(session.id, "t8")
    assert turn is not None and turn.status == "answered" and turn.agent_done
    assert turn.reply.endswith("…") and reply.startswith(turn.reply[:-1])


def test_a_sentence_over_the_piece_limit_is_cut_into_valid_pieces(  # type: ignore[no-untyped-def]
    handler, session, store, tap, monkeypatch
) -> None:
    long_sentence = "This sentence " + "goes on and on " * 330 + "until it ends."
    words = long_sentence.split()

    def long_turn(*args: object, **kwargs: object) -> AgentOutcome:
        return AgentOutcome(long_sentence, split_sentences(long_sentence))

    monkeypatch.setattr(agent_turn, "run_turn", long_turn)
    outbound, replies = tap(topics.SESSION_OUTBOUND), tap(topics.AGENT_REPLY)
    handler.handle(_inbound(session, "t9", "tell me a long story"))

    [final] = _events(outbound.pull())
    assert final["type"] == "agent_final" and final["text"] == long_sentence
    pieces = _by_index(replies.pull(expect=3))
    assert len(pieces) == 3 and all(len(str(p["text"])) <= 2000 for p in pieces)
    assert [(p["sentence_index"], p["is_final"]) for p in pieces] == [
        (0, False),
        (1, False),
        (2, True),
    ]
    # Cut between words: every word is spoken, none is broken.
    assert " ".join(str(p["text"]) for p in pieces).split() == words
    assert store.get_turn(session.id, "t9").status == "answered"  # type: ignore[index]


def take_topic_down(
    handler: AgentTurnHandler, monkeypatch: pytest.MonkeyPatch, down: str, error: Exception
) -> None:
    """Publishing to ``down`` raises ``error``; every other topic works."""
    publish = handler.bus.publish

    def publish_unless_down(topic: str, message: object, **kwargs: object) -> str:
        if topic == down:
            raise error
        return publish(topic, message, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(handler.bus, "publish", publish_unless_down)


def test_a_reply_that_cannot_be_published_ends_in_turn_failed(  # type: ignore[no-untyped-def]
    handler, session, store, tap, monkeypatch
) -> None:
    take_topic_down(handler, monkeypatch, topics.AGENT_REPLY, TimeoutError("publish timed out"))
    outbound, monitor = tap(topics.SESSION_OUTBOUND), tap(topics.MONITOR_EVENTS)
    handler.handle(_inbound(session, "t10", "what are my todos"))  # acknowledged, not raised

    [error] = _events(outbound.pull())
    assert error == {
        "type": "error",
        "code": "turn_failed",
        "message": agent_turn.SORRY,
        "turn_id": "t10",
    }
    assert outbound.drain(1.0) == []  # no agent_final after the error
    turn = store.get_turn(session.id, "t10")
    assert turn is not None and turn.status == "failed" and turn.agent_done
    [record] = _from_agent(monitor.pull(expect=2))
    assert record["kind"] == "turn_failed" and "TimeoutError" in record["detail"]


def test_a_tools_server_out_of_reach_fails_the_turn_aloud(  # type: ignore[no-untyped-def]
    bus, store, session, agent_settings, tap
) -> None:
    unreachable = agent_settings.model_copy(
        update={"tools_url": f"http://127.0.0.1:{free_port()}/mcp"}
    )
    box = McpToolbox(unreachable)
    try:
        handler = AgentTurnHandler(bus, store, box)
        outbound = tap(topics.SESSION_OUTBOUND)
        handler.handle(_inbound(session, "t18", "what are my todos"))
        [error] = _events(outbound.pull())
        assert error["code"] == "turn_failed" and error["message"] == agent_turn.SORRY
    finally:
        box.close()


def test_speech_that_cannot_follow_the_answer_is_reported_as_not_spoken(  # type: ignore[no-untyped-def]
    handler, session, store, tap, monkeypatch
) -> None:
    def reply_topic_down(*args: object, **kwargs: object) -> str:
        raise TimeoutError("publish timed out")

    # The first piece is published and waited for; the rest are sent without waiting.
    monkeypatch.setattr(handler.bus, "finish_publish", reply_topic_down)
    outbound = tap(topics.SESSION_OUTBOUND)
    handler.handle(_inbound(session, "t17", "add a todo to buy milk"))

    bodies = [json.loads(m.data) for m in outbound.pull(expect=2)]
    events = {body["dedupe_key"]: body["event"] for body in bodies}
    assert events["t17:agent_final"]["text"] == "Okay, I added buy milk to your todo list."
    assert events["t17:error:speech"] == {
        "type": "error",
        "code": "tts_failed",
        "message": "the reply could not be spoken",
        "turn_id": "t17",
    }
    turn = store.get_turn(session.id, "t17")
    assert turn is not None and turn.status == "answered" and turn.agent_done


def test_a_graph_that_raises_ends_in_turn_failed(handler, session, store, tap) -> None:  # type: ignore[no-untyped-def]
    class BrokenGraph:
        def invoke(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("model unavailable")

    handler.graph = BrokenGraph()
    outbound = tap(topics.SESSION_OUTBOUND)
    handler.handle(_inbound(session, "t11", "what are my todos"))
    [error] = _events(outbound.pull())
    assert error["type"] == "error" and error["code"] == "turn_failed"
    assert store.get_turn(session.id, "t11").status == "failed"  # type: ignore[index]


def test_unreadable_memory_ends_in_turn_failed_not_silence(  # type: ignore[no-untyped-def]
    handler, session, store, tap
) -> None:
    store.save_memory(session.id, session.user_id, [{"type": "no-such-message", "data": {}}])
    outbound = tap(topics.SESSION_OUTBOUND)
    handler.handle(_inbound(session, "t12", "what are my todos"))
    [error] = _events(outbound.pull())
    assert error["type"] == "error" and error["code"] == "turn_failed"
    assert store.get_turn(session.id, "t12").agent_done is True  # type: ignore[index]


def test_a_failing_monitor_report_does_not_undo_the_answer(  # type: ignore[no-untyped-def]
    handler, session, store, tap, monkeypatch
) -> None:
    take_topic_down(
        handler, monkeypatch, topics.MONITOR_EVENTS, ConnectionError("monitor topic unavailable")
    )
    outbound = tap(topics.SESSION_OUTBOUND)
    handler.handle(_inbound(session, "t13", "add a todo to water the plants"))
    [final] = _events(outbound.pull())
    assert final["type"] == "agent_final" and "water the plants" in str(final["text"])
    assert outbound.drain(1.0) == []  # no turn_failed after the answer
    turn = store.get_turn(session.id, "t13")
    assert turn is not None and turn.status == "answered" and turn.agent_done
    humans = [m["data"]["content"] for m in store.load_memory(session.id, session.user_id)]
    assert "add a todo to water the plants" in humans


# ---- tool errors become honest sentences ------------------------------------------------------

RAW_ERROR_TEXT = ("Error", "DatabaseError", "mbutils", "Please fix your mistakes", "{")


def test_a_title_with_a_nul_is_saved_cleanly(handler, session, store, db, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    handler.handle(_inbound(session, "t14", "add a todo to buy\u0000 milk and\u0007 eggs"))
    [final] = _events(outbound.pull())
    reply = str(final["text"])
    assert reply == "Okay, I added buy milk and eggs to your todo list."
    assert not any(fragment in reply for fragment in RAW_ERROR_TEXT)
    assert [t.title for t in todos_of(db, session.user_id)] == ["buy milk and eggs"]


def test_a_title_too_long_to_store_is_refused_with_the_reason(  # type: ignore[no-untyped-def]
    handler, session, db, tap
) -> None:
    outbound = tap(topics.SESSION_OUTBOUND)
    handler.handle(_inbound(session, "t15", "add a todo to " + "remember this " * 40))
    [final] = _events(outbound.pull())
    assert final["text"] == (
        "Sorry, I couldn't do that: the todo's title is too long; it can have at most "
        "500 characters."
    )
    assert todos_of(db, session.user_id) == []


def test_a_database_error_is_an_honest_sentence_and_stays_out_of_memory(  # type: ignore[no-untyped-def]
    handler, session, store, tap, monkeypatch, caplog
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise pg8000.exceptions.DatabaseError(
            {"S": "ERROR", "C": "22021", "M": "invalid byte sequence", "F": "mbutils.c"}
        )

    monkeypatch.setattr(Dispatcher, "user_zone", broken)
    outbound = tap(topics.SESSION_OUTBOUND)
    with caplog.at_level(logging.ERROR):
        handler.handle(_inbound(session, "t16", "add a todo to buy milk"))
    [final] = _events(outbound.pull())
    reply = str(final["text"])
    assert reply == "Sorry, I couldn't save that todo just now. Please try again in a moment."
    memory = json.dumps(store.load_memory(session.id, session.user_id))
    assert not any(fragment in memory for fragment in ("DatabaseError", "mbutils", "22021"))
    # The detail is in the log, with the tool's name, for whoever looks into it.
    [logged] = [r for r in caplog.records if getattr(r, "event", None) == "tool_failed"]
    assert logged.tool == "add_todo"  # type: ignore[attr-defined]
    assert logged.exc_info and "mbutils.c" in logging.Formatter().formatException(logged.exc_info)
