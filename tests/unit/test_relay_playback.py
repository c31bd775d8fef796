"""What the caller is hearing: reply audio's length from its WAV header, and barge-in."""

from __future__ import annotations

import base64
import io
import wave

import pytest

from websocket_relay.playback import Playback, wav_seconds

pytestmark = pytest.mark.unit

RATE = 16_000  # 16-bit mono: 32,000 bytes a second


def wav_b64(seconds: float, rate: int = RATE) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * round(seconds * rate))
    return base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize("seconds", [0.25, 0.5, 1.0, 2.0])
def test_duration_is_read_from_a_real_wav_header(seconds: float) -> None:
    # base64 padding makes the estimate a byte or two long: well under a millisecond.
    assert wav_seconds(wav_b64(seconds)) == pytest.approx(seconds, abs=0.001)


def test_the_header_rate_is_used() -> None:
    assert wav_seconds(wav_b64(1.0, rate=8_000)) == pytest.approx(1.0, abs=0.001)
    assert wav_seconds(wav_b64(1.0, rate=24_000)) == pytest.approx(1.0, abs=0.001)


@pytest.mark.parametrize(
    "data_b64",
    [
        "",
        base64.b64encode(b"ID3" + b"\x00" * 200).decode(),  # an mp3, not a WAV
        base64.b64encode(b"RIFF" + b"\x00" * 20).decode(),  # shorter than a WAV header
    ],
)
def test_audio_that_is_not_a_wav_lasts_no_time(data_b64: str) -> None:
    assert wav_seconds(data_b64) == 0.0


def test_a_wav_header_without_samples_lasts_next_to_no_time() -> None:
    assert wav_seconds(wav_b64(0.0)) == pytest.approx(0.0, abs=0.001)


def test_a_chunk_plays_from_now() -> None:
    p = Playback()
    p.audio_sent("t1", wav_b64(1.0), now=100.0)
    assert p.turn == "t1"
    assert p.until == pytest.approx(101.0, abs=0.001)


def test_overlapping_chunks_extend_the_end() -> None:
    p = Playback()
    p.audio_sent("t1", wav_b64(1.0), now=100.0)
    p.audio_sent("t1", wav_b64(0.5), now=100.2)  # arrives while the first still plays
    assert p.until == pytest.approx(101.5, abs=0.001)
    p.audio_sent("t1", wav_b64(1.0), now=105.0)  # after a gap: plays from its arrival
    assert p.until == pytest.approx(106.0, abs=0.001)


def test_a_barge_in_is_only_while_audio_is_playing() -> None:
    p = Playback()
    assert p.barge_in(now=0.0) is None  # nothing was ever played
    p.audio_sent("t1", wav_b64(1.0), now=100.0)
    assert p.barge_in(now=100.5) == "t1"
    assert p.barge_in(now=100.999) == "t1"
    assert p.barge_in(now=101.01) is None  # the reply has finished
    assert p.barge_in(now=99.0) == "t1"  # an earlier clock reading is still before the end


def test_audio_without_a_wav_header_never_counts_as_playing() -> None:
    p = Playback()
    p.audio_sent("t1", base64.b64encode(b"ID3" + b"\x00" * 200).decode(), now=100.0)
    assert p.barge_in(now=100.0) is None


def test_a_barge_in_is_for_the_turn_being_heard() -> None:
    p = Playback()
    p.audio_sent("t1", wav_b64(1.0), now=100.0)
    p.audio_sent("t2", wav_b64(1.0), now=100.5)  # the next turn's reply: now it is heard
    assert p.turn == "t2"
    assert p.barge_in(now=101.0) == "t2"


def test_cancelling_the_heard_turn_ends_the_barge_in() -> None:
    p = Playback()
    p.audio_sent("t1", wav_b64(1.0), now=100.0)
    p.cancelled("t0")  # another turn: the reply is still heard
    assert p.barge_in(now=100.5) == "t1"
    p.cancelled("t1")
    assert p.turn is None
    assert p.barge_in(now=100.5) is None


def test_a_new_turn_after_a_cancel_is_heard_again() -> None:
    p = Playback()
    p.audio_sent("t1", wav_b64(1.0), now=100.0)
    p.cancelled("t1")
    p.audio_sent("t2", wav_b64(1.0), now=102.0)
    assert p.turn == "t2"
    assert p.barge_in(now=102.5) == "t2"
    assert p.barge_in(now=103.01) is None


def test_a_cancel_ends_the_window_so_the_next_reply_starts_from_its_own_audio() -> None:
    p = Playback()
    p.audio_sent("t1", wav_b64(10.0), now=100.0)  # a long reply, cut off at once
    p.cancelled("t1")
    assert p.until == 0.0
    p.audio_sent("t2", wav_b64(1.0), now=101.0)
    assert p.until == pytest.approx(102.0, abs=0.001)  # not 111: t1's audio was stopped
    assert p.barge_in(now=102.5) is None


def test_the_reply_text_is_kept_per_turn_for_a_while() -> None:
    p = Playback(replies_remembered=2)
    p.replied("t1", "one")
    p.replied("t2", "two")
    p.replied("t3", "three")
    assert p.reply_text("t1") == "" and p.reply_text("t3") == "three"


def test_the_pieces_begun_are_those_whose_audio_started_before_the_moment() -> None:
    playback = Playback()
    playback.audio_sent("t-1", wav_b64(2.0), now=100.0)  # plays 100-102
    playback.audio_sent("t-1", wav_b64(1.0), now=100.1)  # queued: 102-103
    playback.audio_sent("t-1", wav_b64(1.0), now=100.2)  # 103-104
    assert playback.pieces_begun("t-1", 99.0) == 0
    assert playback.pieces_begun("t-1", 101.9) == 1
    assert playback.pieces_begun("t-1", 102.5) == 2
    assert playback.pieces_begun("t-2", 102.5) is None  # not what the caller is hearing
    playback.audio_sent("t-2", wav_b64(1.0), now=110.0)
    assert playback.pieces_begun("t-2", 110.5) == 1  # a new reply counts from its own start
