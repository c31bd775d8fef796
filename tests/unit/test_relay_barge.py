"""Barge-in that tells interruptions from backchannels: the words (backchannel.py), the
hold-and-decide state (barge.py) with times passed in, and a connection acting on them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.ws_protocol import AgentFinal, BargeCheck
from tests.unit.test_relay_turns import SESSION, connection, reply_audio, settle
from websocket_relay.audio_input import Utterance
from websocket_relay.backchannel import classify
from websocket_relay.barge import BargeIn, BargePolicy
from websocket_relay.delivery import Delivery, watch_signal

pytestmark = pytest.mark.unit
REPLY = "You have two todos: buy milk and call the bank."


# ---- the words ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "uh-huh",
        "Uh huh.",
        "mm-hmm",
        "Mhm.",
        "okay",
        "Okay, got it.",
        "Yeah yeah.",
        "right",
        "Sure.",
        "I see.",
        "Oh, okay.",
        "yep",
        "Alright.",
        "M-m-m-m-m-m-",  # a hum as the offline model writes it
        "Mm-huh, okay,",
    ],
)
def test_backchannels_do_not_interrupt(text: str) -> None:
    assert classify(text, REPLY) == "backchannel"


@pytest.mark.parametrize("text", ["", "   ", "...", "[cough]", "(laughs)"])
def test_noise_does_not_interrupt(text: str) -> None:
    assert classify(text, REPLY) == "noise"


def test_the_replys_own_words_heard_back_are_echo() -> None:
    assert classify("buy milk", REPLY) == "echo"
    assert classify("Call the bank.", REPLY) == "echo"
    assert classify("buy milk", "") == "interruption"  # no reply text known: words count


@pytest.mark.parametrize(
    "text", ["stop", "wait", "no, cancel that", "yeah but what about tomorrow", "okay stop"]
)
def test_other_words_interrupt(text: str) -> None:
    assert classify(text, REPLY) == "interruption"


# ---- the state machine ----------------------------------------------------------------------
class Chunk:
    def __init__(self, turn_id: str) -> None:
        self.turn_id = turn_id


def test_no_reply_playing_holds_nothing() -> None:
    b = BargeIn()
    assert b.speech_started(None, 0, 10.0) is False
    assert not b.active and b.hold(Chunk("t1")) is False


def test_speech_past_the_ceiling_interrupts() -> None:
    b = BargeIn(BargePolicy(ceiling_ms=800))
    assert b.speech_started("t1", 1000, 10.0)
    assert b.hold(Chunk("t1")) and not b.hold(Chunk("t2"))  # only the playing reply waits
    assert b.speech_goes_on(1790) is None
    assert b.speech_goes_on(1800) == "interrupt"


def test_a_short_burst_is_checked_and_its_words_decide() -> None:
    b = BargeIn()
    b.speech_started("t1", 0, 10.0)
    deadline = b.speech_ended("u1", object(), spoken_ms=350, now=10.5)
    assert deadline == pytest.approx(11.1)
    assert b.speech_goes_on(5000) is None  # ended: the ceiling no longer applies
    assert b.checked("other", "interruption") is None  # not the burst being decided
    assert b.checked("u1", "backchannel") == "resume"
    assert b.checked("u1", "echo") == "resume"
    assert b.checked("u1", "noise") == "resume"
    assert b.checked("u1", "interruption") == "interrupt"


def test_a_check_that_does_not_come_back_decides_by_length() -> None:
    policy = BargePolicy(check_timeout_s=0.6, long_enough_ms=450)
    short, long = BargeIn(policy), BargeIn(policy)
    for b, ms in ((short, 300), (long, 600)):
        b.speech_started("t1", 0, 10.0)
        b.speech_ended("u1", None, spoken_ms=ms, now=10.5)
        assert b.timed_out("u1", 11.0) is None  # not yet
    assert short.timed_out("u1", 11.1) == "resume"
    assert long.timed_out("u1", 11.1) == "interrupt"


def test_finishing_hands_back_what_was_held_once() -> None:
    b = BargeIn()
    b.speech_started("t1", 0, 10.0)
    chunks = [Chunk("t1"), Chunk("t1")]
    for c in chunks:
        b.hold(c)
    done = b.finish()
    assert done is not None and done.held == chunks
    assert b.finish() is None and not b.active
    assert b.speech_started("t2", 0, 20.0)  # the next reply can be held again


def test_a_held_reply_cancelled_otherwise_keeps_nothing() -> None:
    b = BargeIn()
    b.speech_started("t1", 0, 10.0)
    b.hold(Chunk("t1"))
    assert b.reply_cancelled("t2") is None and b.active
    done = b.reply_cancelled("t1")
    assert done is not None and done.held == [] and not b.active


# ---- delivery -------------------------------------------------------------------------------
def test_delivery_forwards_once_and_never_for_a_cancelled_turn() -> None:
    d = Delivery()
    first = reply_audio("t-1", 0, 0.1)
    assert d.admit(first) and not d.admit(first)
    d.cancel("t-1")
    assert not d.admit(reply_audio("t-1", 1, 0.1))
    assert watch_signal(AgentFinal(text="x", turn_id="t")) == "answered"
    assert watch_signal(reply_audio("t", 0, 0.1).event) == "progress"
    assert watch_signal(BargeCheck(turn_id="t")) is None


# ---- a connection acting on it --------------------------------------------------------------
def check(turn_id: str, text: str) -> Any:
    from shared.contracts import SessionOutbound

    return SessionOutbound(
        session_id=SESSION.id,
        turn_id=turn_id,
        relay_id="r-1",
        event=BargeCheck(turn_id=turn_id, text=text),
        dedupe_key=f"{turn_id}:barge_check",
    )


def burst(turn_id: str, seconds: float) -> Utterance:
    return Utterance(
        turn_id, b"\x00" * 2000, "audio/wav", 16000, 100.0, 100.0 + seconds, "streaming"
    )


def audio_sent(ws: Any) -> list[int]:
    return [f["chunk_index"] for f in ws.sent if f["type"] == "audio_chunk"]


def test_a_backchannel_over_a_reply_holds_then_resumes_it() -> None:
    async def go() -> tuple[Any, Any, Any]:
        conn, ws, publisher, _ = connection()
        conn.deliver(reply_audio("t-1", 0, 5.0))
        await settle()
        await conn.audio.on_endpoint("speech_started", None)
        conn.deliver(reply_audio("t-1", 1, 1.0))  # held
        await settle()
        assert audio_sent(ws) == [0]
        await conn.audio.on_endpoint("speech_ended", burst("u-1", 0.3))
        conn.deliver(check("u-1", "uh-huh"))
        await settle()
        conn.audio.reset()
        return conn, ws, publisher

    conn, ws, publisher = asyncio.run(go())
    messages = [f.get("message") for f in ws.sent if f["type"] == "status"]
    assert messages == ["maybe_interrupt", "speech_started", "resume"]
    assert audio_sent(ws) == [0, 1]  # the held chunk went out on resume
    assert "t-1" not in conn.cancelled_turns
    (barge_check,) = [m for m in publisher.published if b'"barge_check"' in m[1]]
    assert b'"purpose":"barge_check"' in barge_check[1]
    assert not any(f["type"] == "processing_start" for f in ws.sent)  # no turn for "uh-huh"


def test_words_over_a_reply_interrupt_it_and_become_the_next_turn() -> None:
    async def go() -> tuple[Any, Any, Any]:
        conn, ws, _, db = connection()
        conn.deliver(reply_audio("t-1", 0, 5.0))
        await settle()
        await conn.audio.on_endpoint("speech_started", None)
        conn.deliver(reply_audio("t-1", 1, 1.0))
        await conn.audio.on_endpoint("speech_ended", burst("u-1", 0.4))
        conn.deliver(check("u-1", "wait, stop"))
        await settle()
        conn.watch.stop()
        return conn, ws, db

    conn, ws, db = asyncio.run(go())
    turn = db.docs["sessions/s-1/turns/t-1"]
    assert turn["cancelled"] and turn["heard_pieces"] == 1  # memory keeps the piece heard
    kinds = [(f["type"], f.get("message")) for f in ws.sent if f["type"] != "audio_chunk"]
    assert kinds == [
        ("status", "maybe_interrupt"),
        ("status", "speech_started"),
        ("status", "barge_in"),
        ("status", "speech_ended"),
        ("processing_start", None),
    ]
    assert audio_sent(ws) == [0]  # nothing after the interruption began
    assert "t-1" in conn.cancelled_turns and "u-1" in conn.turns


def test_no_answer_in_time_decides_by_the_bursts_length() -> None:
    async def go(seconds: float) -> list[str]:
        conn, ws, _, _ = connection()
        conn.deliver(reply_audio("t-1", 0, 5.0))
        await settle()
        await conn.audio.on_endpoint("speech_started", None)
        await conn.audio.on_endpoint("speech_ended", burst("u-1", seconds))
        await asyncio.sleep(0.8)
        await settle()
        conn.watch.stop()
        return [f["message"] for f in ws.sent if f["type"] == "status"]

    assert asyncio.run(go(0.2))[-1] == "resume"
    assert "barge_in" in asyncio.run(go(0.7))


def test_the_silence_after_a_short_backchannel_does_not_count_towards_the_ceiling() -> None:
    """ "Okay." is 430 ms of speech; the endpointer then waits 700 ms of silence before ending
    it. Counted from the start of speech to the end of that wait (1.1 s) it passed the 800 ms
    ceiling and cancelled the reply; only voiced speech counts."""
    import base64
    import json

    from shared.ws_protocol import AudioFrame, StartRecording
    from tests.barge_scenario import pcm

    async def go() -> tuple[Any, Any, Any]:
        conn, ws, publisher, _ = connection()
        conn.svc.settings = conn.svc.settings.model_copy(
            update={"turn_model": False, "vad_silence_ms": 700}
        )
        await conn.audio.on_audio(
            StartRecording(type="start_recording", stt_mode="streaming", sample_rate=16000)
        )
        conn.deliver(reply_audio("t-1", 0, 5.0))
        await settle()
        voice = bytes(6400) + pcm("okay") + bytes(38400)
        for sequence, start in enumerate(range(0, len(voice), 640)):
            data = base64.b64encode(voice[start : start + 640]).decode()
            await conn.audio.on_audio(
                AudioFrame(type="audio_frame", sequence=sequence, data_b64=data)
            )
        await settle()
        (check_message,) = [m for m in publisher.published if b'"barge_check"' in m[1]]
        conn.deliver(check(json.loads(check_message[1])["turn_id"], "Okay."))
        await settle()
        conn.audio.reset()
        return conn, ws, publisher

    conn, ws, publisher = asyncio.run(go())
    messages = [f.get("message") for f in ws.sent if f["type"] == "status"]
    assert "barge_in" not in messages and messages[-1] == "resume", messages
    assert "t-1" not in conn.cancelled_turns
    # the burst's pause sent no unprimed snapshot for stt to reuse ("Sure." heard as "short")
    assert not [m for m in publisher.published if b'"speculative":true' in m[1]]
