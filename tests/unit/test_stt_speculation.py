"""functions.stt.speculation: which snapshots stt transcribes and when their transcript is reused.

The audio is the recorded speech fixture (its voiced 30 ms frames found by the same VAD the policy
uses) and digital silence.
"""

from __future__ import annotations

import json
import wave
from functools import cache

import numpy as np
import pytest
from pydantic import ValidationError

from functions.stt import speculation
from functions.stt.speculation import PAUSE_SAMPLES, STALE_SECONDS
from shared.speech import vad
from shared.speech.base import Transcript
from shared.turn_record import KeptSpeculation, TurnRecord
from tests.conftest import FIXTURES

pytestmark = pytest.mark.unit

CLIP = json.loads((FIXTURES / "speech" / "manifest.json").read_text())[0]
FRAME = PAUSE_SAMPLES  # one 30 ms VAD frame at 16 kHz


@cache
def clip() -> np.ndarray:
    with wave.open(str(FIXTURES / "speech" / CLIP["wav_16k"])) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


@cache
def voiced_frame() -> np.ndarray:
    """A 30 ms frame of the clip that the VAD, on its own, calls speech."""
    pcm = clip()
    starts = [i for i in range(0, pcm.size - FRAME, FRAME) if vad.speech_ms(pcm[i : i + FRAME])]
    start = starts[len(starts) // 2]
    return pcm[start : start + FRAME]


def silence(samples: int) -> np.ndarray:
    return np.zeros(samples, np.int16)


def join(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts)


# --- a snapshot too old to be worth reading ------------------------------------------------------


@pytest.mark.parametrize(
    ("waited", "stale"),
    [
        (0.0, False),
        (STALE_SECONDS / 2, False),
        (STALE_SECONDS, False),
        (STALE_SECONDS + 0.01, True),
    ],
)
def test_a_snapshot_is_stale_only_once_it_waited_longer_than_the_limit(
    waited: float, stale: bool
) -> None:
    # From 0, so that waiting exactly the limit is exactly the limit (no rounding).
    assert speculation.is_stale(ended_at=0.0, now=waited) is stale


def test_a_snapshot_from_the_future_is_not_stale() -> None:
    assert not speculation.is_stale(ended_at=1000.0, now=999.0)  # clocks a little apart


# --- turns already done with -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turn", "settled"),
    [
        ({}, False),
        ({"source": "voice", "speculation": {"samples": 1, "text": "a", "provider": "x"}}, False),
        ({"stt_done": False, "cancelled": False}, False),
        ({"stt_done": True}, True),  # a redelivered utterance
        ({"cancelled": True}, True),
        ({"stt_done": True, "cancelled": True}, True),
    ],
)
def test_a_transcribed_or_cancelled_turn_is_settled(turn: dict[str, object], settled: bool) -> None:
    assert speculation.turn_is_settled(TurnRecord.model_validate(turn)) is settled


# --- whether a snapshot is worth transcribing ----------------------------------------------------


@pytest.mark.parametrize(
    ("turn", "under_way"),
    [
        ({}, False),
        ({"source": None}, False),
        ({"source": "voice"}, True),
        ({"source": "text"}, True),
    ],
)
def test_the_final_is_under_way_once_the_relay_gave_the_turn_a_source(
    turn: dict[str, object], under_way: bool
) -> None:
    assert speculation.final_under_way(TurnRecord.model_validate(turn)) is under_way


def test_audio_ending_in_a_quiet_frame_ends_in_a_pause() -> None:
    assert speculation.ends_in_pause(join(voiced_frame(), silence(FRAME)))
    assert speculation.ends_in_pause(clip())  # the recording ends in 300 ms of quiet


def test_audio_ending_in_speech_does_not_end_in_a_pause() -> None:
    assert not speculation.ends_in_pause(join(silence(4 * FRAME), voiced_frame()))


@pytest.mark.parametrize(("samples", "pause"), [(0, False), (FRAME, False), (FRAME + 1, True)])
def test_a_pause_needs_more_than_one_frame_of_audio(samples: int, pause: bool) -> None:
    assert speculation.ends_in_pause(silence(samples)) is pause


def test_a_snapshot_at_a_pause_with_no_final_under_way_is_worth_transcribing() -> None:
    at_pause = join(voiced_frame(), silence(FRAME))
    assert speculation.worth_transcribing(TurnRecord(), at_pause)
    assert speculation.worth_transcribing(_turn(1), at_pause)


def test_a_snapshot_mid_word_is_not_worth_transcribing() -> None:
    assert not speculation.worth_transcribing(
        TurnRecord(), join(silence(4 * FRAME), voiced_frame())
    )


def test_a_snapshot_is_not_worth_transcribing_once_the_final_is_under_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unasked(*args: object, **kwargs: object) -> bool:
        raise AssertionError("the pause need not be checked")

    monkeypatch.setattr(vad, "has_speech", unasked)
    assert not speculation.worth_transcribing(TurnRecord(source="voice"), silence(4 * FRAME))


# --- what a turn keeps of a snapshot's transcript ------------------------------------------------


def test_a_kept_snapshot_records_its_length_text_and_provider() -> None:
    kept = speculation.kept(silence(1234), " add a todo ", "whisper")
    assert kept == KeptSpeculation(samples=1234, text=" add a todo ", provider="whisper")
    stored = TurnRecord(speculation=kept).for_write()["speculation"]
    assert type(stored["samples"]) is int  # stored in Firestore: not a numpy integer


# --- when a kept transcript stands in for a new one ----------------------------------------------


def _turn(samples: int, text: str = "add a todo", provider: str = "whisper") -> TurnRecord:
    return TurnRecord(speculation=KeptSpeculation(samples=samples, text=text, provider=provider))


def test_a_kept_transcript_followed_only_by_silence_is_reused() -> None:
    heard = clip()
    final = join(heard, silence(4800))  # + 300 ms of silence
    reused = speculation.reusable_transcript(_turn(heard.size), final)
    assert reused == Transcript("add a todo", "whisper", no_speech=False)


def test_a_kept_transcript_of_all_the_audio_is_reused() -> None:
    pcm = clip()
    assert speculation.reusable_transcript(_turn(pcm.size), pcm) is not None


def test_a_kept_transcript_followed_by_speech_is_not_reused() -> None:
    pcm = clip()
    assert speculation.reusable_transcript(_turn(pcm.size // 2), pcm) is None


def test_a_blip_after_the_kept_transcript_is_still_silence() -> None:
    """Under 60 ms of speech after the snapshot does not count: 30 ms does, 60 ms does not."""
    before = silence(10 * FRAME)
    one = join(before, silence(10 * FRAME), voiced_frame())
    two = join(before, silence(10 * FRAME), voiced_frame(), voiced_frame())
    assert speculation.reusable_transcript(_turn(before.size), one) is not None
    assert speculation.reusable_transcript(_turn(before.size), two) is None


@pytest.mark.parametrize(
    "turn",
    [{}, {"speculation": None}, {"source": "voice", "stt_done": False}],
    ids=["no-field", "none", "other-fields"],
)
def test_nothing_is_reused_without_a_kept_transcript(turn: dict[str, object]) -> None:
    assert speculation.reusable_transcript(TurnRecord.model_validate(turn), silence(4800)) is None


@pytest.mark.parametrize("kept", [{}, {"samples": -1, "text": "a", "provider": "x"}])
def test_a_malformed_kept_transcript_does_not_read(kept: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TurnRecord.model_validate({"speculation": kept})


@pytest.mark.parametrize("samples", [0, 4801], ids=["empty", "longer"])
def test_a_kept_transcript_of_no_audio_or_more_audio_than_now_is_not_reused(samples: int) -> None:
    assert speculation.reusable_transcript(_turn(samples), silence(4800)) is None


def test_a_kept_empty_transcript_is_reused_as_no_speech() -> None:
    reused = speculation.reusable_transcript(_turn(2400, text=""), silence(4800))
    assert reused == Transcript("", "whisper", no_speech=True)


def test_a_reused_transcript_names_the_provider_that_made_it() -> None:
    reused = speculation.reusable_transcript(_turn(2400, provider="deepgram"), silence(4800))
    assert reused is not None and reused.provider == "deepgram"
