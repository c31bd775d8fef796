"""Holding a turn open while a slot is dictated: the cues in words, the capture that waits
longer on them, and the relay that hears them (a reply asking for a slot; the words at a
pause)."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

import pytest

from shared.contracts import SessionOutbound
from shared.speech.dictation import asks_for_slot, ends_unfinished
from shared.speech.turn_taking import TurnPolicy
from shared.ws_protocol import AgentFinal, StartRecording, TranscriptFinal
from tests.barge_scenario import pcm
from tests.unit.test_relay_turns import SESSION, connection, settle
from websocket_relay.audio_input import Limits, StreamingCapture

pytestmark = pytest.mark.unit
FRAME = 640  # 20 ms of 16 kHz s16


@pytest.mark.parametrize(
    ("reply", "asks"),
    [
        ("What is the best number to reach you?", True),
        ("Sure. For what time?", True),
        ("Could I have your date of birth, please?", True),
        ("What name should the booking be under?", True),
        ("I added milk. Is there anything else?", False),
        ("Would you like me to add it?", False),
        ("What is your phone number? I can text you.", False),  # it ends on a statement
        ("Your number is on file.", False),
    ],
)
def test_a_reply_asks_for_a_slot_when_its_last_question_names_one(reply: str, asks: bool) -> None:
    assert asks_for_slot(reply) is asks


def test_while_a_slot_is_dictated_a_date_without_its_year_is_unfinished() -> None:
    assert ends_unfinished("My date of birth is March.", dictating=True)
    assert ends_unfinished("It's March 14th,", dictating=True)
    assert ends_unfinished("the fourteenth", dictating=True)
    assert not ends_unfinished("My date of birth is March 14th, 1982.", dictating=True)
    assert not ends_unfinished("Schedule it for March.")  # no slot asked: a month can end it


@pytest.mark.parametrize(
    ("words", "unfinished"),
    [
        ("My number is five five five", True),  # a group of digits, more to come
        ("My number is 555", True),
        ("It's 0412", True),
        ("What time is my.", True),  # the snapshot's full stop is the recogniser's
        ("Book a table for six at", True),
        ("My name is", True),
        ("The booking is under the name", True),
        ("What is my name?", False),
        ("Book a table for six.", False),
        ("Schedule a meeting at 10 am.", False),
        ("On a $400,000 loan at 5.5%", False),
        ("I would like to speak to a human agent, please.", False),
        ("", False),
    ],
)
def test_words_that_stop_mid_slot_or_mid_phrase_are_unfinished(
    words: str, unfinished: bool
) -> None:
    assert ends_unfinished(words) is unfinished


@dataclass
class UnsureModel:
    """A turn model that cannot tell: the policy's ceiling decides."""

    last_ms: float = 1.0

    def probability(self, pcm: bytes, sample_rate: int = 16_000) -> float:
        return 0.5


def speech() -> bytes:
    """A caller saying "Okay", to just past its last voiced frame (440 ms)."""
    return pcm("okay")[: 23 * FRAME]


def feed(capture: StreamingCapture, audio: bytes) -> list[tuple[str, int]]:
    """(event, stream position in ms) for each event ``audio`` gives, 20 ms at a time."""
    events = []
    for offset in range(0, len(audio), FRAME):
        data = base64.b64encode(audio[offset : offset + FRAME]).decode()
        for kind, _ in capture.add(capture.next_sequence, data):
            events.append((kind, capture.endpointer.position_ms))
    return events


def silence(ms: int) -> bytes:
    return bytes(32 * ms)


def test_a_turn_heard_unfinished_waits_for_the_dictation_ceiling_then_the_next_does_not() -> None:
    policy = TurnPolicy(180, 700, 0.9, dictation_max_silence_ms=1600)
    capture = StreamingCapture(
        Limits(8 << 20, 60.0, 1000), 16_000, 300, 2, "en", UnsureModel(), policy
    )
    events = feed(capture, speech() + silence(200))
    kinds = [k for k, _ in events]  # "No, [pause] cancel. [pause]"
    assert kinds[0] == "speech_started" and kinds[-1] == "pause" and "speech_ended" not in kinds
    turn, stopped = capture.turn_id, capture.endpointer.last_voiced_ms
    assert turn is not None and capture.words_at_pause(turn, stopped, unfinished=True)
    events = feed(capture, silence(2000))
    [(kind, ended_at)] = events
    speech_end = capture.endpointer.last_voiced_ms
    assert kind == "speech_ended" and 1500 <= ended_at - speech_end <= 1700
    # The next utterance is not held: it ends at the ordinary ceiling.
    events = feed(capture, speech() + silence(1200))
    ends = [at for kind, at in events if kind == "speech_ended"]
    assert len(ends) == 1 and 650 <= ends[0] - capture.endpointer.last_voiced_ms <= 760


def test_words_of_another_turn_or_of_a_past_pause_hold_nothing() -> None:
    capture = StreamingCapture(Limits(8 << 20, 60.0, 1000), 16_000, 300, 2, "en", UnsureModel())
    assert not capture.words_at_pause("t-gone", 0, unfinished=True)
    feed(capture, speech() + silence(200))
    assert capture.turn_id is not None
    stopped = capture.endpointer.last_voiced_ms
    assert not capture.words_at_pause("t-other", stopped, unfinished=True)
    assert not capture.words_at_pause(capture.turn_id, stopped - 200, unfinished=True)
    assert not capture.endpointer.dictating


@dataclass
class SureModel:
    """A turn model sure every pause ends the turn."""

    last_ms: float = 1.0

    def probability(self, pcm: bytes, sample_rate: int = 16_000) -> float:
        return 0.99


def dictating_capture(words_wait_ms: int = 400) -> StreamingCapture:
    capture = StreamingCapture(
        Limits(8 << 20, 60.0, 1000), 16_000, 300, 2, "en", SureModel(), TurnPolicy(),
        words_wait_ms=words_wait_ms,
    )  # fmt: skip
    capture.hold_for_slot()  # the reply asked for the caller's number
    return capture


def silence_waited(capture: StreamingCapture, words: bool | None, at_ms: int = 260) -> int:
    """Speech, then silence; the pause's words (unfinished or not; None: none come) arrive
    ``at_ms`` into it. How much silence ended the turn."""
    events = feed(capture, speech() + silence(120))  # not yet at the model's first check
    turn, stopped = capture.turn_id, capture.endpointer.last_voiced_ms
    assert turn is not None
    events += feed(capture, silence(at_ms - 120))
    if words is not None:
        capture.words_at_pause(turn, stopped, unfinished=words)
    events += feed(capture, silence(2000))
    [ended_at] = [at for kind, at in events if kind == "speech_ended"]
    return ended_at - stopped


def test_dictating_a_sure_model_waits_for_the_words_that_may_say_more_is_coming() -> None:
    # The words say the caller stopped mid-slot: only the dictation ceiling ends the pause.
    assert 1580 <= silence_waited(dictating_capture(), words=True) <= 1640
    # They say the sentence is done: it ends as they arrive.
    assert silence_waited(dictating_capture(), words=False) <= 300
    # None come: the sure model's end waits no more than words_wait_ms.
    assert 560 <= silence_waited(dictating_capture(), words=None) <= 640
    # Not waiting for words: the sure model ends it at the first check.
    assert 170 <= silence_waited(dictating_capture(words_wait_ms=0), words=None) <= 200


def draft_words(turn_id: str, text: str, draft: int) -> SessionOutbound:
    return SessionOutbound(
        session_id=SESSION.id,
        turn_id=turn_id,
        relay_id="r-1",
        event=TranscriptFinal(turn_id=turn_id, text=text),
        dedupe_key=f"{turn_id}:draft:{draft}:transcript_final",
        draft=draft,
    )


def test_the_relay_holds_a_turn_on_the_words_at_its_pause_and_after_a_slot_question() -> None:
    async def go() -> tuple[bool, bool, bool, bool]:
        conn, _, _, _ = connection()
        conn.svc.settings = conn.svc.settings.model_copy(update={"turn_model": False})
        await conn.audio.on_audio(
            StartRecording(type="start_recording", stt_mode="streaming", sample_rate=16000)
        )
        capture = conn.audio.streaming
        assert capture is not None
        feed(capture, speech() + silence(200))
        turn = capture.turn_id
        assert turn is not None
        stopped = capture.endpointer.last_voiced_ms  # the pause's draft id
        conn.deliver(draft_words(turn, "My number is five five five", stopped - 300))
        past_pause = capture.endpointer.dictating
        conn.deliver(draft_words(turn, "The weather is fine.", stopped))
        finished = capture.endpointer.dictating
        feed(capture, speech() + silence(200))  # the caller goes on, and pauses again
        stopped = capture.endpointer.last_voiced_ms
        assert capture.turn_id == turn, "one turn"
        conn.deliver(draft_words(turn, "My number is five five five", stopped))
        held = capture.endpointer.dictating
        capture.end_now()
        conn.deliver(
            SessionOutbound(
                session_id=SESSION.id,
                turn_id="t-0",
                relay_id="r-1",
                event=AgentFinal(turn_id="t-0", text="Sure. What is the best number to reach you?"),
                dedupe_key="t-0:agent_final",
            )
        )
        await settle()
        asked = capture.endpointer.dictating
        conn.audio.reset()
        conn.watch.stop()
        return past_pause, finished, held, asked

    past_pause, finished, held, asked = asyncio.run(go())
    assert not past_pause and not finished and held and asked
