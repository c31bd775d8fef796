"""shared.speech.vad: speech detection and the endpointer, on the recorded speech fixtures."""

from __future__ import annotations

import json
import wave
from functools import cache

import numpy as np
import pytest

from shared.speech import vad
from shared.speech.vad import FRAME_MS, Endpointer, EndpointEvent
from tests.conftest import FIXTURES

pytestmark = pytest.mark.unit

SPEECH = FIXTURES / "speech"
MANIFEST = json.loads((SPEECH / "manifest.json").read_text())
# The Piper clips hold exactly 300 ms of silence at each end; espeak-ng adds quiet of its own.
JOE = [c for c in MANIFEST if c["voice"] == "joe"]
CLIP_SILENCE_S = 0.3
BYTES_PER_MS = 32  # 16 kHz, 16-bit mono
PIECE = 20 * BYTES_PER_MS


def _id(clip: dict) -> str:
    return f"{clip['id']}.{clip['voice']}"


@cache
def clip_pcm(name: str) -> np.ndarray:
    with wave.open(str(SPEECH / name), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def silence(ms: int) -> bytes:
    return bytes(ms * BYTES_PER_MS)


def run(
    endpointer: Endpointer, stream: bytes, piece: int = PIECE
) -> list[tuple[EndpointEvent, int]]:
    """Feed ``stream`` in ``piece``-byte slices; each event with the position it was seen at."""
    seen = []
    for i in range(0, len(stream), piece):
        for event in endpointer.push(stream[i : i + piece]):
            seen.append((event, endpointer.position_ms))
    return seen


def kinds(events: list[tuple[EndpointEvent, int]]) -> list[str]:
    return [e.kind for e, _ in events]


# --- speech_ms / has_speech -------------------------------------------------------------------


def test_silence_holds_no_speech() -> None:
    zeros = np.zeros(16000, dtype=np.int16)
    assert vad.speech_ms(zeros) == 0
    assert not vad.has_speech(zeros)


@pytest.mark.parametrize("clip", MANIFEST, ids=_id)
def test_clips_hold_speech(clip: dict) -> None:
    pcm = clip_pcm(clip["wav_16k"])
    ms = vad.speech_ms(pcm)
    assert ms % FRAME_MS == 0
    # Voiced frames cannot outnumber the clip, and most of the speech part is voiced.
    assert 0.5 * (clip["seconds"] - 2 * CLIP_SILENCE_S) * 1000 <= ms <= clip["seconds"] * 1000
    assert vad.has_speech(pcm)


def test_has_speech_threshold_is_inclusive() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"])
    ms = vad.speech_ms(pcm)
    assert vad.has_speech(pcm, min_speech_ms=ms)
    assert not vad.has_speech(pcm, min_speech_ms=ms + 1)


def test_speech_ms_counts_only_the_voiced_part() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"])
    padded = np.concatenate([np.zeros(32000, np.int16), pcm, np.zeros(32000, np.int16)])
    # Two seconds of extra silence adds (almost) nothing; webrtcvad's hangover may add a frame.
    assert vad.speech_ms(pcm) <= vad.speech_ms(padded) <= vad.speech_ms(pcm) + 3 * FRAME_MS


def test_speech_ms_at_8khz() -> None:
    pcm16 = clip_pcm(JOE[0]["wav_16k"])
    pcm8 = pcm16[::2]  # plain decimation keeps the voice band well enough for the VAD
    ms16 = vad.speech_ms(pcm16)
    ms8 = vad.speech_ms(pcm8, sample_rate=8000)
    assert abs(ms8 - ms16) <= 0.25 * ms16
    assert vad.has_speech(pcm8, sample_rate=8000)


def test_short_tail_shorter_than_a_frame_is_ignored() -> None:
    # 29 ms of audio is less than one 30 ms frame: nothing is judged.
    pcm = clip_pcm(JOE[0]["wav_16k"])
    middle = len(pcm) // 2
    assert vad.speech_ms(pcm[middle : middle + 29 * 16]) == 0
    assert vad.speech_ms(pcm[middle : middle + 30 * 16]) in (0, FRAME_MS)


# --- Endpointer basics -------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [11025, 22050, 44100])
def test_endpointer_rejects_rates_the_vad_cannot_take(rate: int) -> None:
    with pytest.raises(ValueError):
        Endpointer(sample_rate=rate)


@pytest.mark.parametrize("rate", [8000, 16000, 32000, 48000])
def test_endpointer_accepts_vad_rates(rate: int) -> None:
    assert Endpointer(sample_rate=rate).position_ms == 0


def test_position_counts_whole_frames_and_carries_the_rest() -> None:
    ep = Endpointer()
    assert ep.push(silence(1000)) == []
    assert ep.position_ms == 990  # 33 frames; 10 ms wait for the next push
    ep.push(silence(5))
    assert ep.position_ms == 990
    ep.push(silence(20))
    assert ep.position_ms == 1020
    ep.push(b"\x00" * 7)  # odd slivers are kept too
    ep.push(b"\x00" * (FRAME_MS * BYTES_PER_MS - 7))
    assert ep.position_ms == 1050


def test_pure_silence_yields_no_events() -> None:
    ep = Endpointer(silence_ms=300)
    assert run(ep, silence(3000)) == []
    assert not ep.in_speech
    assert ep.utterance_bytes() == 0


# --- Endpointer on real speech -----------------------------------------------------------------


@pytest.mark.parametrize("clip", JOE, ids=_id)
def test_one_clip_is_one_utterance(clip: dict) -> None:
    pcm = clip_pcm(clip["wav_16k"]).tobytes()
    stream = pcm + silence(1000)
    ep = Endpointer(silence_ms=300)
    events = run(ep, stream)

    k = kinds(events)
    assert k.count("speech_started") == 1
    assert k.count("speech_ended") == 1
    assert k[0] == "speech_started"
    assert k[-1] == "speech_ended"
    ended_at = k.index("speech_ended")
    assert "pause" in k[:ended_at]
    assert not ep.in_speech

    end, end_position = events[-1]
    # Speech stops 300 ms before the clip's end.
    expected_end_ms = (clip["seconds"] - CLIP_SILENCE_S) * 1000
    assert abs(end.speech_end_offset_ms - expected_end_ms) <= 150
    # The endpointer waited exactly silence_ms after the last voiced frame.
    assert end_position - end.speech_end_offset_ms == 300

    # utterance = pre-roll + speech + trailing silence, give or take the VAD's onset delay.
    speech_s = clip["seconds"] - 2 * CLIP_SILENCE_S
    expected_s = speech_s + 0.3 + 0.3
    audio_s = len(end.audio) / (BYTES_PER_MS * 1000)
    assert expected_s - 0.35 <= audio_s <= expected_s + 0.05


@pytest.mark.parametrize("clip", JOE[:4], ids=_id)
def test_utterance_is_the_exact_stream_slice_with_preroll(clip: dict) -> None:
    stream = clip_pcm(clip["wav_16k"]).tobytes() + silence(1000)
    ep = Endpointer(silence_ms=300, preroll_ms=300)
    events = run(ep, stream)
    (start_pos,) = [pos for e, pos in events if e.kind == "speech_started"]
    [(end, end_pos)] = [(e, pos) for e, pos in events if e.kind == "speech_ended"]
    first = (start_pos - 300) * BYTES_PER_MS
    assert first >= 0
    assert end.audio == stream[first : end_pos * BYTES_PER_MS]


def test_preroll_setting_changes_the_utterance_start() -> None:
    stream = clip_pcm(JOE[0]["wav_16k"]).tobytes() + silence(1000)
    short = [e for e, _ in run(Endpointer(preroll_ms=90), stream) if e.kind == "speech_ended"]
    long = [e for e, _ in run(Endpointer(preroll_ms=300), stream) if e.kind == "speech_ended"]
    assert len(long[0].audio) - len(short[0].audio) == 210 * BYTES_PER_MS
    assert long[0].audio.endswith(short[0].audio)


def test_pause_carries_the_utterance_so_far() -> None:
    stream = clip_pcm(JOE[1]["wav_16k"]).tobytes() + silence(1000)
    events = run(Endpointer(silence_ms=300), stream)
    pauses = [(e, pos) for e, pos in events if e.kind == "pause"]
    [end] = [e for e, _ in events if e.kind == "speech_ended"]
    assert pauses
    for pause, pos in pauses:
        assert pause.audio and end.audio.startswith(pause.audio)
        # The pause fires pause_ms (90) into a silence.
        assert pos - pause.speech_end_offset_ms == 90
    assert pauses[-1][0].speech_end_offset_ms == end.speech_end_offset_ms


def test_two_clips_apart_are_two_utterances() -> None:
    first = clip_pcm(JOE[0]["wav_16k"]).tobytes()
    second = clip_pcm(JOE[2]["wav_16k"]).tobytes()
    stream = first + silence(1000) + second + silence(1000)
    events = run(Endpointer(silence_ms=300), stream)
    k = kinds(events)
    assert k.count("speech_started") == 2
    assert k.count("speech_ended") == 2
    # started / ended alternate
    boundaries = [x for x in k if x != "pause"]
    assert boundaries == ["speech_started", "speech_ended"] * 2

    ends = [e for e, _ in events if e.kind == "speech_ended"]
    first_ms = len(first) / BYTES_PER_MS
    assert ends[0].speech_end_offset_ms < first_ms
    assert ends[1].speech_end_offset_ms > first_ms + 1000
    # each utterance holds about one clip, not both
    for end, clip in zip(ends, (JOE[0], JOE[2]), strict=True):
        assert len(end.audio) / (BYTES_PER_MS * 1000) <= clip["seconds"] + 0.1


@pytest.mark.parametrize("clip", JOE, ids=_id)
def test_short_gap_inside_speech_is_a_pause_not_an_end(clip: dict) -> None:
    # WebRTC's VAD keeps saying "speech" for ~100 ms after a voice stops (its hangover), so a
    # 250 ms hole reads as ~150 ms of silence: past pause_ms (90), short of silence_ms (300).
    pcm = clip_pcm(clip["wav_16k"])
    middle = len(pcm) // 2
    gap_ms = 250
    stream = pcm[:middle].tobytes() + silence(gap_ms) + pcm[middle:].tobytes() + silence(1000)
    events = run(Endpointer(silence_ms=300), stream)
    k = kinds(events)
    assert k.count("speech_started") == 1
    assert k.count("speech_ended") == 1
    assert k[-1] == "speech_ended"
    middle_ms = middle / 16
    in_gap = [
        e
        for e, _ in events
        if e.kind == "pause"
        and middle_ms - FRAME_MS <= e.speech_end_offset_ms <= middle_ms + gap_ms
    ]
    assert len(in_gap) == 1


def test_long_gap_inside_speech_splits_the_utterance() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"])
    middle = len(pcm) // 2
    stream = pcm[:middle].tobytes() + silence(600) + pcm[middle:].tobytes() + silence(1000)
    k = kinds(run(Endpointer(silence_ms=300), stream))
    assert k.count("speech_started") == 2
    assert k.count("speech_ended") == 2


def test_longer_silence_ms_bridges_a_gap() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"])
    middle = len(pcm) // 2
    stream = pcm[:middle].tobytes() + silence(600) + pcm[middle:].tobytes() + silence(1500)
    events = run(Endpointer(silence_ms=900), stream)
    assert kinds(events).count("speech_ended") == 1
    end, pos = events[-1]
    assert end.kind == "speech_ended"
    assert pos - end.speech_end_offset_ms == 900


def test_end_cuts_the_utterance_and_resets() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"]).tobytes()
    ep = Endpointer(silence_ms=300)
    head = pcm[: 1500 * BYTES_PER_MS]
    events = run(ep, head)
    assert kinds(events)[0] == "speech_started"
    assert "speech_ended" not in kinds(events)
    assert ep.in_speech
    held = ep.utterance_bytes()
    assert held > 0

    event = ep.end()
    assert event.kind == "speech_ended"
    assert len(event.audio) == held
    assert head.endswith(event.audio)  # a contiguous slice up to the last whole frame
    assert 0 < event.speech_end_offset_ms <= ep.position_ms
    assert not ep.in_speech
    assert ep.utterance_bytes() == 0
    # after the cut the endpointer needs fresh voiced frames before it starts again
    assert run(ep, silence(1000)) == []


def test_piece_size_does_not_change_the_result() -> None:
    stream = clip_pcm(JOE[3]["wav_16k"]).tobytes() + silence(1000)
    a = run(Endpointer(), stream, piece=PIECE)
    b = run(Endpointer(), stream, piece=4096 + 2)
    assert [(e.kind, e.audio, e.speech_end_offset_ms) for e, _ in a] == [
        (e.kind, e.audio, e.speech_end_offset_ms) for e, _ in b
    ]


class _Unsure:
    last_ms = 0.0

    def probability(self, pcm: bytes, sample_rate: int = 16_000) -> float:
        return 0.1


def test_with_a_turn_model_the_pause_event_still_comes_at_pause_ms() -> None:
    from shared.speech.turn_taking import TurnPolicy

    pcm = clip_pcm(JOE[0]["wav_16k"]).tobytes() + silence(2000)
    ep = Endpointer(turn_model=_Unsure(), policy=TurnPolicy(max_silence_ms=900))
    kinds_seen = [e.kind for i in range(0, len(pcm), PIECE) for e in ep.push(pcm[i : i + PIECE])]
    assert kinds_seen.count("speech_ended") == 1
    assert "pause" in kinds_seen


def test_dictating_raises_the_ceiling_of_an_unsure_model() -> None:
    from shared.speech.turn_taking import TurnPolicy

    policy = TurnPolicy(max_silence_ms=900, dictation_max_silence_ms=1500)
    for dictating, ceiling in ((False, 900), (True, 1500)):
        ep = Endpointer(turn_model=_Unsure(), policy=policy, dictating=dictating)
        pcm = clip_pcm(JOE[0]["wav_16k"]).tobytes() + silence(2500)
        ended = []
        for i in range(0, len(pcm), PIECE):
            for e in ep.push(pcm[i : i + PIECE]):
                if e.kind == "speech_ended":
                    ended.append(ep.position_ms - e.speech_end_offset_ms)
        assert len(ended) == 1 and ceiling <= ended[0] < ceiling + FRAME_MS
