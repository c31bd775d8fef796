"""Draft replies at the relay: audio prepared on a pause's snapshot is held until the turn ends,
sent the moment it ends on that snapshot, and dropped when the caller spoke on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared import topics
from shared.contracts import SessionOutbound, VoiceUtterance
from shared.ws_protocol import TranscriptFinal
from tests.unit.test_relay_turns import Publisher, connection, reply_audio, settle
from websocket_relay.audio_input import Utterance
from websocket_relay.connection import ClientConnection
from websocket_relay.drafts import DraftReplies

pytestmark = pytest.mark.unit
TURN = "t-1"


def draft_audio(index: int, draft: int, turn_id: str = TURN) -> SessionOutbound:
    plain = reply_audio(turn_id, index, 0.2)
    return plain.model_copy(
        update={"draft": draft, "dedupe_key": f"{turn_id}:draft:{draft}:audio:{index}"}
    )


def spoken(speech_end_ms: int, *, speculative: bool) -> Utterance:
    return Utterance(
        TURN,
        b"RIFF" + b"\x00" * 4000,
        "audio/wav",
        16_000,
        100.0,
        101.5,
        "streaming",
        speculative,
        speech_end_ms=speech_end_ms,
    )


def utterances(publisher: Publisher) -> list[VoiceUtterance]:
    path = f"projects/demo/topics/{topics.VOICE_UTTERANCE}"
    return [
        VoiceUtterance.model_validate_json(data)
        for p, data, _, _ in publisher.published
        if p == path
    ]


def audio_chunks(ws: Any) -> list[int]:
    return [f["chunk_index"] for f in ws.sent if f["type"] == "audio_chunk"]


async def speak(conn: ClientConnection, pause_at: int, ended_at: int) -> None:
    """A pause at ``pause_at`` ms (its snapshot offered as a draft), then the turn's end with
    the speech stopping at ``ended_at`` ms."""
    await conn.audio.on_endpoint("pause", spoken(pause_at, speculative=True))
    conn.deliver(draft_audio(0, pause_at))
    conn.deliver(draft_audio(1, pause_at))
    await settle()
    assert audio_chunks(conn.ws) == []  # held while the turn is open
    await conn.audio.on_endpoint("speech_ended", spoken(ended_at, speculative=False))
    await settle()


def test_a_turn_that_ends_on_its_snapshot_sends_the_held_draft_at_once() -> None:
    async def go() -> tuple[Any, Publisher]:
        conn, ws, publisher, _ = connection()
        await speak(conn, pause_at=1500, ended_at=1500)
        conn.deliver(draft_audio(2, 1500))  # a later piece of the same draft goes straight out
        await settle()
        conn.watch.stop()
        return ws, publisher

    ws, publisher = asyncio.run(go())
    assert audio_chunks(ws) == [0, 1, 2]
    kinds = [f["type"] for f in ws.sent]
    assert kinds.index("processing_start") < kinds.index("audio_chunk")
    snapshot, final = utterances(publisher)
    assert snapshot.speculative and snapshot.draft == 1500
    assert not final.speculative and final.draft == 1500  # stt: the snapshot's words stand


def draft_transcript(draft: int, text: str = "what is on my list") -> SessionOutbound:
    return SessionOutbound(
        session_id="s-1",
        turn_id=TURN,
        relay_id="relay-1",
        event=TranscriptFinal(turn_id=TURN, text=text),
        dedupe_key=f"{TURN}:draft:{draft}:transcript_final",
        draft=draft,
    )


def test_a_committed_draft_tells_the_caller_its_words_before_its_audio() -> None:
    drafts = DraftReplies()
    drafts.offered(TURN, 1500)
    audio, words = draft_audio(0, 1500), draft_transcript(1500)
    drafts.arrived(audio)  # the audio got in first: the words still go first
    drafts.arrived(words)
    drafts.turn_ended(TURN, 1500)
    assert drafts.release(TURN) == [words, audio]


def test_a_dropped_draft_never_shows_its_words() -> None:
    drafts = DraftReplies()
    drafts.offered(TURN, 1500)
    drafts.arrived(draft_transcript(1500, "what is on"))
    assert drafts.turn_ended(TURN, 2300) is None  # the caller spoke on
    assert drafts.release(TURN) == []
    assert drafts.arrived(draft_transcript(1500, "what is on")) == []


def test_speech_after_the_snapshot_drops_its_draft_and_the_turn_runs_for_itself() -> None:
    async def go() -> tuple[Any, Publisher]:
        conn, ws, publisher, _ = connection()
        await speak(conn, pause_at=1500, ended_at=2400)
        conn.deliver(draft_audio(2, 1500))  # late audio of the dropped draft
        conn.deliver(reply_audio(TURN, 0, 0.2))  # the turn's own reply
        await settle()
        conn.watch.stop()
        return ws, publisher

    ws, publisher = asyncio.run(go())
    assert audio_chunks(ws) == [0]  # only the turn's own reply, once
    assert utterances(publisher)[-1].draft is None


def test_only_the_newest_snapshot_of_a_turn_can_be_its_draft() -> None:
    drafts = DraftReplies()
    drafts.offered(TURN, 900)
    assert drafts.arrived(draft_audio(0, 900)) == []
    drafts.offered(TURN, 1500)  # the caller spoke on, then paused again
    assert drafts.arrived(draft_audio(0, 900)) == []
    held = draft_audio(0, 1500)
    assert drafts.arrived(held) == []
    assert drafts.turn_ended(TURN, 1500) == 1500
    assert drafts.release(TURN) == [held]
    assert drafts.release(TURN) == []  # once
    assert drafts.arrived(draft_audio(1, 900)) == []  # the older draft stays void


def test_a_draft_nobody_offered_or_of_a_cancelled_turn_never_goes_out() -> None:
    drafts = DraftReplies()
    assert drafts.arrived(draft_audio(0, 700)) == []
    assert drafts.turn_ended(TURN, 700) is None  # never offered here: not committed
    assert drafts.release(TURN) == []

    drafts.offered("t-2", 800)
    drafts.arrived(draft_audio(0, 800, "t-2"))
    drafts.cancelled("t-2")
    assert drafts.turn_ended("t-2", 800) is None
    assert drafts.release("t-2") == []
    assert drafts.arrived(draft_audio(1, 800, "t-2")) == []


def test_memory_per_connection_is_bounded() -> None:
    drafts = DraftReplies(turns_remembered=4, held_max=3)
    for i in range(50):
        drafts.offered(f"t-{i}", 100)
        for piece in range(10):
            drafts.arrived(draft_audio(piece, 100, f"t-{i}"))
    assert len(drafts._offered) == 4 and len(drafts._held) <= 4
    assert all(len(held) <= 3 for held in drafts._held.values())


def test_with_draft_replies_off_the_snapshot_asks_for_no_draft() -> None:
    async def go() -> Publisher:
        conn, _, publisher, _ = connection()
        conn.svc.settings = conn.svc.settings.model_copy(update={"draft_replies": False})
        await conn.audio.on_endpoint("pause", spoken(1500, speculative=True))
        await conn.audio.on_endpoint("speech_ended", spoken(1500, speculative=False))
        await settle()
        conn.watch.stop()
        return publisher

    snapshot, final = utterances(asyncio.run(go()))
    assert snapshot.speculative and snapshot.draft is None and final.draft is None
