from __future__ import annotations

import pytest
from google.api_core.exceptions import Conflict
from pydantic import ValidationError

from shared.session_store import Session, SessionStore
from shared.turn_record import KeptSpeculation, StageSpan, TurnRecord

pytestmark = pytest.mark.integration


def _session(sid: str = "s1", user: str = "u1") -> Session:
    return Session(
        id=sid, user_id=user, user_name="Ada", channel="web", relay_id="r1", status="active"
    )


def test_session_round_trip_and_create_is_not_an_overwrite(store: SessionStore) -> None:
    store.create_session(_session())
    got = store.get_session("s1")
    assert got is not None and got.user_id == "u1" and got.relay_id == "r1"
    with pytest.raises(Conflict):
        store.create_session(_session(user="intruder"))
    store.update_session("s1", status="closed", tts_provider="piper")
    got = store.get_session("s1")
    assert got is not None and got.status == "closed" and got.tts_provider == "piper"
    assert store.get_session("missing") is None


def test_turn_timings_accumulate_per_stage(store: SessionStore) -> None:
    store.create_session(_session())
    store.start_turn("s1", "t1", source="text", received_at=100.0, text="hello")
    store.record_stage("s1", "t1", "relay_published", 100.0, 100.02)
    store.record_stage("s1", "t1", "agent", 100.05, 100.2)
    turn = store.get_turn("s1", "t1")
    assert turn is not None
    assert set(turn.timings) == {"received", "relay_published", "agent"}
    assert turn.timings["agent"] == StageSpan(started_at=100.05, ended_at=100.2)
    assert turn.typed_text == "hello" and turn.source == "text"
    with pytest.raises(ValueError):
        store.record_stage("s1", "t1", "bad.stage", 1, 2)


def test_cancellation_mark(store: SessionStore) -> None:
    store.create_session(_session())
    store.start_turn("s1", "t1", source="text", received_at=1.0)
    assert not store.is_cancelled("s1", "t1")
    store.mark_cancelled("s1", "t1")
    assert store.is_cancelled("s1", "t1")
    assert not store.is_cancelled("s1", "other")


def test_memory_is_kept_per_session_and_user(store: SessionStore) -> None:
    store.save_memory("s1", "u1", [{"type": "human", "data": {"content": "hi"}}])
    assert store.load_memory("s1", "u1")[0]["data"]["content"] == "hi"
    assert store.load_memory("s1", "u2") == []
    assert store.load_memory("s2", "u1") == []


def test_stages_write_their_own_fields_of_the_typed_turn_without_overwriting(
    store: SessionStore,
) -> None:
    """stt, agent_turn and tts each merge what they set; a typo or a wrong type fails at the
    writer, before anything reaches Firestore."""
    store.create_session(_session())
    store.start_turn("s1", "t1", source="voice", received_at=5.0)
    kept = KeptSpeculation(samples=16000, text="add a todo", provider="whisper")
    store.update_turn("s1", "t1", TurnRecord(speculation=kept))
    store.update_turn("s1", "t1", TurnRecord(stt_done=True, transcript="add a todo"))
    store.update_turn("s1", "t1", TurnRecord(status="answered", agent_done=True, reply="Done."))
    store.sentence_spoken("s1", "t1", 0, "tts_first_audio", StageSpan(started_at=6, ended_at=7))
    store.sentence_spoken("s1", "t1", 0, "tts_first_audio", StageSpan(started_at=6, ended_at=7))
    turn = store.get_turn("s1", "t1")
    assert turn is not None
    assert (turn.source, turn.speculation, turn.transcript) == ("voice", kept, "add a todo")
    assert (turn.status, turn.reply, turn.tts_sentences_done) == ("answered", "Done.", [0])
    assert set(turn.timings) == {"received", "tts_first_audio"}
    with pytest.raises(ValidationError):
        TurnRecord(status="done")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        TurnRecord(speculation={"samples": -1, "text": "", "provider": "x"})  # type: ignore[arg-type]
