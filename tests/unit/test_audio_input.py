"""websocket_relay.audio_input: push-to-talk recordings and hands-free capture cut by VAD."""

from __future__ import annotations

import base64
import io
import json
import struct
import time
import wave
from collections.abc import Iterator
from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest

from shared.speech.audio import MULAW_TO_PCM
from shared.speech.vad import Endpointer
from tests.audio_fixtures import silence
from tests.conftest import FIXTURES
from websocket_relay import audio_input
from websocket_relay.audio_input import (
    AudioInputError,
    BatchRecording,
    Limits,
    StreamingCapture,
    Utterance,
    b64,
    pcm_to_wav,
)

pytestmark = pytest.mark.unit

SPEECH = FIXTURES / "speech"
MANIFEST = json.loads((SPEECH / "manifest.json").read_text())
JOE = [c for c in MANIFEST if c["voice"] == "joe"]
LIMITS = Limits(max_bytes=1024 * 1024, max_seconds=30.0, min_bytes=100)
ANY_SIZE = Limits(max_bytes=1024 * 1024, max_seconds=30.0, min_bytes=1)
WEBM = "audio/webm;codecs=opus"


@cache
def fixture_bytes(name: str) -> bytes:
    return (SPEECH / name).read_bytes()


@cache
def clip_pcm(name: str) -> bytes:
    with wave.open(str(SPEECH / name), "rb") as w:
        return w.readframes(w.getnframes())


def enc(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wav_frames(data: bytes) -> tuple[int, int, int, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())


def raises(code: str, fn, *args, **kwargs) -> AudioInputError:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioInputError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code
    return info.value


class Clock:
    """Stands in for the module's ``time``: now is whatever the test says."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0  # steps below are binary fractions: the sums are exact

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(audio_input, "time", SimpleNamespace(time=c.time))
    return c


# --- helpers -------------------------------------------------------------------------------------


def test_b64_round_trip_and_rejects_junk() -> None:
    assert b64(enc(b"\x00\x01\xff")) == b"\x00\x01\xff"
    assert b64("") == b""
    for junk in ("not base64!", "abc", "YWJj\n===", "Zm9v YmFy"):
        raises("bad_audio", b64, junk)


def test_pcm_to_wav_is_mono_16_bit_at_the_given_rate() -> None:
    pcm = np.arange(-500, 500, dtype="<i2").tobytes()
    assert wav_frames(pcm_to_wav(pcm, 8000)) == (8000, 1, 2, pcm)
    assert wav_frames(pcm_to_wav(b"", 48000)) == (48000, 1, 2, b"")


# --- BatchRecording: type checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mime", "rate"),
    [
        (WEBM, None),
        ("audio/wav", None),
        ("audio/ogg;codecs=opus", None),
        ("audio/L16;rate=16000", None),
        ("audio/L16", 16000),
        ("audio/x-mulaw;rate=8000", None),
        ("audio/x-mulaw", 8000),
    ],
)
def test_batch_accepts_supported_types(mime: str, rate: int | None) -> None:
    rec = BatchRecording(LIMITS, mime_type=mime, sample_rate=rate)
    assert rec.mime_type == mime


def test_batch_rejects_unsupported_type() -> None:
    raises("unsupported_audio", BatchRecording, LIMITS, mime_type="audio/mpeg")


@pytest.mark.parametrize("mime", ["audio/L16", "audio/pcm", "audio/x-mulaw", "audio/basic"])
def test_batch_raw_audio_needs_a_rate(mime: str) -> None:
    raises("bad_audio", BatchRecording, LIMITS, mime_type=mime)


def test_batch_defaults() -> None:
    before = time.time()
    rec = BatchRecording(LIMITS)
    assert rec.mime_type == WEBM
    assert rec.language == "en"
    assert len(rec.turn_id) == 32
    assert rec.turn_id != BatchRecording(LIMITS).turn_id
    assert before <= rec.started_at <= time.time()


# --- BatchRecording: add -------------------------------------------------------------------------


def test_batch_chunks_must_arrive_in_order() -> None:
    rec = BatchRecording(LIMITS)
    raises("chunk_out_of_order", rec.add, 1, enc(b"\x1a\x45\xdf\xa3"), None)
    rec.add(0, enc(b"\x1a\x45\xdf\xa3" + b"\x00" * 10), None)
    raises("chunk_out_of_order", rec.add, 0, enc(b"again"), None)
    raises("chunk_out_of_order", rec.add, 2, enc(b"skipped"), None)
    rec.add(1, enc(b"second"), None)
    assert rec.chunks == [b"\x1a\x45\xdf\xa3" + b"\x00" * 10, b"second"]
    assert rec.size == 14 + 6


def test_batch_out_of_order_wins_over_bad_base64() -> None:
    rec = BatchRecording(LIMITS)
    raises("chunk_out_of_order", rec.add, 3, "***", None)


def test_batch_bad_base64() -> None:
    rec = BatchRecording(LIMITS)
    raises("bad_audio", rec.add, 0, "not base64!", None)
    assert rec.chunks == []
    rec.add(0, enc(fixture_bytes(MANIFEST[0]["webm_opus"])[:100]), None)
    raises("bad_audio", rec.add, 1, "@@@@", None)
    assert len(rec.chunks) == 1


def test_batch_first_webm_chunk_needs_the_header() -> None:
    rec = BatchRecording(LIMITS)
    err = raises("bad_audio", rec.add, 0, enc(b"RIFF\x00\x00\x00\x00WAVE"), None)
    assert "WebM" in err.message
    assert rec.chunks == [] and rec.size == 0


def test_batch_only_the_first_chunk_is_header_checked() -> None:
    webm = fixture_bytes(MANIFEST[0]["webm_opus"])
    rec = BatchRecording(LIMITS)
    rec.add(0, enc(webm[:500]), None)
    rec.add(1, enc(webm[500:]), None)  # mid-stream bytes carry no magic
    assert b"".join(rec.chunks) == webm


def test_batch_wav_header_check() -> None:
    rec = BatchRecording(LIMITS, mime_type="audio/wav")
    raises("bad_audio", rec.add, 0, enc(b"\x1a\x45\xdf\xa3" + b"\x00" * 20), None)
    rec.add(0, enc(fixture_bytes(MANIFEST[0]["wav_16k"])), None)


def test_batch_first_chunk_may_name_the_type() -> None:
    rec = BatchRecording(LIMITS)
    wav = fixture_bytes(MANIFEST[0]["wav_16k"])
    rec.add(0, enc(wav), "audio/wav")
    assert rec.mime_type == "audio/wav"
    # A WAV named as WebM is refused.
    raises("bad_audio", BatchRecording(LIMITS, mime_type="audio/wav").add, 0, enc(wav), WEBM)


def test_batch_first_chunk_type_is_checked() -> None:
    rec = BatchRecording(LIMITS)
    raises("unsupported_audio", rec.add, 0, enc(b"ID3\x04"), "audio/mpeg")
    raises("bad_audio", rec.add, 0, enc(b"\x00\x00"), "audio/L16")  # no rate
    assert rec.mime_type == WEBM
    rec.add(0, enc(b"\x00\x00" * 10), "audio/L16;rate=16000")
    assert rec.mime_type == "audio/L16;rate=16000"


def test_batch_type_on_a_later_chunk_is_ignored() -> None:
    rec = BatchRecording(LIMITS)
    rec.add(0, enc(b"\x1a\x45\xdf\xa3"), None)
    rec.add(1, enc(b"more"), "audio/mpeg")
    assert rec.mime_type == WEBM


def test_batch_raw_pcm_has_no_header_check() -> None:
    rec = BatchRecording(LIMITS, mime_type="audio/L16", sample_rate=16000)
    rec.add(0, enc(b"\x01\x02" * 100), None)
    assert rec.size == 200


def test_batch_size_limit() -> None:
    rec = BatchRecording(Limits(max_bytes=1000, max_seconds=30, min_bytes=1))
    rec.add(0, enc(b"\x1a\x45\xdf\xa3" + b"\x00" * 596), None)
    rec.add(1, enc(b"\x00" * 400), None)  # exactly at the limit
    assert rec.size == 1000
    raises("utterance_too_large", rec.add, 2, enc(b"\x00"), None)
    assert len(rec.chunks) == 2


def test_batch_recording_held_too_long(clock: Clock) -> None:
    rec = BatchRecording(
        Limits(max_bytes=10_000, max_seconds=10, min_bytes=1), started_at=clock.now
    )
    rec.add(0, enc(b"\x1a\x45\xdf\xa3"), None)
    clock.now += 15  # a grace of 5 s over max_seconds
    rec.add(1, enc(b"x"), None)
    clock.now += 0.125
    raises("utterance_too_long", rec.add, 2, enc(b"y"), None)
    assert len(rec.chunks) == 2


# --- BatchRecording: finish ----------------------------------------------------------------------


def test_batch_finish_without_audio_is_empty() -> None:
    raises("empty_utterance", BatchRecording(LIMITS).finish)
    rec = BatchRecording(LIMITS, mime_type="audio/L16", sample_rate=16000)
    rec.add(0, enc(b""), None)
    raises("empty_utterance", rec.finish)


def test_batch_finish_too_short() -> None:
    rec = BatchRecording(Limits(max_bytes=10_000, max_seconds=30, min_bytes=100))
    rec.add(0, enc(b"\x1a\x45\xdf\xa3" + b"\x00" * 95), None)
    raises("utterance_too_short", rec.finish)
    rec.add(1, enc(b"\x00"), None)
    assert len(rec.finish().data) == 100


def test_batch_finish_pcm_over_max_seconds() -> None:
    limits = Limits(max_bytes=10**7, max_seconds=1.0, min_bytes=1)
    rec = BatchRecording(limits, mime_type="audio/L16", sample_rate=8000)
    rec.add(0, enc(b"\x00" * 16000), None)  # exactly 1 s at 8 kHz
    assert rec.finish().sample_rate == 8000
    rec.add(1, enc(b"\x00\x00"), None)
    raises("utterance_too_long", rec.finish)


def test_batch_finish_containers_are_not_timed_by_size() -> None:
    # WebM from MediaRecorder declares no length: only stt, decoding it, can time it.
    limits = Limits(max_bytes=10**7, max_seconds=0.5, min_bytes=1)
    rec = BatchRecording(limits)
    webm = fixture_bytes(MANIFEST[0]["webm_opus"])  # seconds long
    rec.add(0, enc(webm), None)
    assert rec.finish().data == webm


def test_batch_finish_returns_the_whole_recording() -> None:
    webm = fixture_bytes(MANIFEST[0]["webm_opus"])
    rec = BatchRecording(LIMITS, language="ko")
    pieces = [webm[i : i + 700] for i in range(0, len(webm), 700)]
    for n, piece in enumerate(pieces):
        rec.add(n, enc(piece), None)
    before = time.time()
    out = rec.finish()
    assert isinstance(out, Utterance)
    assert out.data == webm
    assert out.turn_id == rec.turn_id
    assert out.mime_type == WEBM
    assert out.sample_rate is None
    assert out.mode == "batch"
    assert out.speculative is False
    assert out.language == "ko"
    assert out.started_at == rec.started_at
    assert before <= out.ended_at <= time.time()


# --- BatchRecording: what the headers declare ----------------------------------------------------


def ogg_silence(codec: str, seconds: float) -> bytes:
    """Ogg of silence, which compresses to almost nothing: 2 minutes of FLAC take 40 kB."""
    return silence("ogg", codec, seconds, rate=48000 if codec == "libopus" else 16000)


def wav_declaring(seconds: int, rate: int = 16000) -> bytes:
    """A WAV header that claims ``seconds`` of audio, followed by only a little of it."""
    wav = bytearray(pcm_to_wav(bytes(3200), rate))
    struct.pack_into("<I", wav, 40, seconds * rate * 2)  # the data chunk's size
    return bytes(wav)


def pieces(data: bytes, size: int = 16 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


BIG = Limits(max_bytes=8 * 1024 * 1024, max_seconds=30.0, min_bytes=1)


def test_batch_wav_declaring_too_long_is_refused_on_the_first_chunk() -> None:
    rec = BatchRecording(BIG, mime_type="audio/wav")
    err = raises("utterance_too_long", rec.add, 0, enc(wav_declaring(3600)), None)
    assert "3600 s" in err.message
    assert rec.chunks == [] and rec.size == 0


def test_batch_wav_within_the_limit_is_taken() -> None:
    rec = BatchRecording(BIG, mime_type="audio/wav")
    rec.add(0, enc(wav_declaring(30)), None)  # at the limit exactly
    assert rec.finish().data == wav_declaring(30)


def test_batch_wav_header_split_over_chunks_is_checked_at_stop() -> None:
    wav = wav_declaring(3600)
    rec = BatchRecording(BIG, mime_type="audio/wav")
    rec.add(0, enc(wav[:20]), None)  # RIFF/WAVE, but not yet the data chunk
    rec.add(1, enc(wav[20:]), None)
    raises("utterance_too_long", rec.finish)


def test_batch_ogg_is_timed_by_its_last_page_at_stop() -> None:
    ogg = ogg_silence("flac", 120.0)
    rec = BatchRecording(BIG, mime_type="audio/ogg")
    for n, piece in enumerate(pieces(ogg, 1000)):
        rec.add(n, enc(piece), None)  # chunk 0 holds the first seconds only
    err = raises("utterance_too_long", rec.finish)
    assert "declares 120 s" in err.message


def test_batch_ogg_in_one_chunk_is_refused_on_it() -> None:
    rec = BatchRecording(BIG, mime_type="audio/ogg;codecs=opus")
    raises("utterance_too_long", rec.add, 0, enc(ogg_silence("libopus", 40.0)), None)
    assert rec.chunks == []


def test_batch_ogg_within_the_limit_is_taken() -> None:
    short = ogg_silence("libopus", 3.0)
    rec = BatchRecording(BIG, mime_type="audio/ogg;codecs=opus")
    for n, piece in enumerate(pieces(short, 1000)):
        rec.add(n, enc(piece), None)
    assert rec.finish().data == short


def test_batch_raw_audio_is_not_read_as_a_header() -> None:
    # PCM that happens to start like a WAV header is still timed by its size alone.
    data = wav_declaring(3600)
    rec = BatchRecording(BIG, mime_type="audio/L16;rate=16000")
    rec.add(0, enc(data), None)
    assert rec.finish().data == data


def test_speculation_skips_audio_declared_too_long(clock: Clock) -> None:
    ogg = ogg_silence("flac", 120.0)
    rec = BatchRecording(
        BIG,
        mime_type="audio/ogg",
        started_at=clock.now,
        speculate_every=0.5,
        speculate_max_bytes=len(ogg),
        _last_speculation=clock.now,
    )
    feed(rec, *pieces(ogg[:4000], 1000))  # the first seconds: fine to offer
    clock.now += 1
    assert rec.speculation() is not None
    feed(rec, *pieces(ogg[4000:]))
    clock.now += 1
    assert rec.speculation() is None  # stop_recording refuses it; STT is spared it meanwhile
    raises("utterance_too_long", rec.finish)


# --- BatchRecording: speculation -----------------------------------------------------------------


def speculating(
    clock: Clock, every: float = 1.0, max_bytes: int = 10_000, limits: Limits = ANY_SIZE
) -> BatchRecording:
    return BatchRecording(
        limits,
        started_at=clock.now,
        speculate_every=every,
        speculate_max_bytes=max_bytes,
        _last_speculation=clock.now,
    )


def feed(rec: BatchRecording, *chunks: bytes) -> None:
    for chunk in chunks:
        rec.add(len(rec.chunks), enc(chunk), None)


def test_speculation_follows_the_cadence(clock: Clock) -> None:
    rec = speculating(clock, every=1.0)
    feed(rec, b"\x1a\x45\xdf\xa3", b"two")
    clock.now += 0.75
    assert rec.speculation() is None
    clock.now += 0.25
    first = rec.speculation()
    assert first is not None
    assert rec.speculation() is None  # the clock restarts at each snapshot
    clock.now += 0.5
    feed(rec, b"three")
    assert rec.speculation() is None
    clock.now += 0.5
    second = rec.speculation()
    assert second is not None
    assert second.data == b"\x1a\x45\xdf\xa3twothree"


def test_speculation_is_the_audio_so_far(clock: Clock) -> None:
    rec = speculating(clock, every=0.5)
    rec.language = "es"
    feed(rec, b"\x1a\x45\xdf\xa3head", b"body")
    clock.now += 1
    snap = rec.speculation()
    assert snap is not None
    assert snap.speculative is True
    assert snap.data == b"\x1a\x45\xdf\xa3headbody"
    assert snap.turn_id == rec.turn_id
    assert snap.mime_type == rec.mime_type
    assert snap.mode == "batch"
    assert snap.language == "es"
    assert snap.started_at == rec.started_at
    assert snap.ended_at == clock.now
    # the final utterance shares the turn
    final = rec.finish()
    assert final.turn_id == snap.turn_id and not final.speculative


def test_speculation_needs_two_chunks(clock: Clock) -> None:
    rec = speculating(clock, every=0.5)
    feed(rec, b"\x1a\x45\xdf\xa3" + b"\x00" * 100)
    clock.now += 10
    assert rec.speculation() is None
    feed(rec, b"\x00")
    assert rec.speculation() is not None


def test_speculation_off_when_every_is_zero(clock: Clock) -> None:
    rec = speculating(clock, every=0.0)
    feed(rec, b"\x1a\x45\xdf\xa3", b"a", b"b")
    clock.now += 1000
    assert rec.speculation() is None


def test_speculation_stops_above_max_bytes(clock: Clock) -> None:
    rec = speculating(clock, every=0.5, max_bytes=10)
    feed(rec, b"\x1a\x45\xdf\xa3", b"123456")  # 10 bytes: still small enough
    clock.now += 1
    assert rec.speculation() is not None
    feed(rec, b"7")
    clock.now += 1
    assert rec.speculation() is None


def test_speculation_with_the_real_clock() -> None:
    rec = BatchRecording(LIMITS, speculate_every=0.01, speculate_max_bytes=10_000)
    feed(rec, b"\x1a\x45\xdf\xa3", b"x")
    time.sleep(0.03)
    snap = rec.speculation()
    assert snap is not None and snap.speculative
    assert rec.speculation() is None


# --- StreamingCapture ----------------------------------------------------------------------------


def capture(rate: int = 16000, silence_ms: int = 300, limits: Limits = LIMITS) -> StreamingCapture:
    return StreamingCapture(limits, sample_rate=rate, silence_ms=silence_ms, aggressiveness=2)


def frames(pcm: bytes, rate: int = 16000, ms: int = 20) -> Iterator[bytes]:
    size = rate * ms // 1000 * 2
    for i in range(0, len(pcm), size):
        yield pcm[i : i + size]


def stream(
    cap: StreamingCapture, pcm: bytes, rate: int = 16000
) -> list[tuple[str, Utterance | None, float, float]]:
    """Feed ``pcm`` as 20 ms frames; each event with the wall-clock bracket of its add()."""
    out = []
    for frame in frames(pcm, rate):
        before = time.time()
        events = cap.add(cap.next_sequence, enc(frame))
        after = time.time()
        out.extend((kind, utt, before, after) for kind, utt in events)
    return out


def zeros(ms: int, rate: int = 16000) -> bytes:
    return bytes(rate * ms // 1000 * 2)


@pytest.mark.parametrize("rate", [11025, 22050, 24000, 44100])
def test_streaming_needs_a_vad_rate(rate: int) -> None:
    raises("bad_audio", capture, rate)


def test_streaming_frames_in_order() -> None:
    cap = capture()
    raises("chunk_out_of_order", cap.add, 1, enc(zeros(20)))
    assert cap.add(0, enc(zeros(20))) == []
    raises("chunk_out_of_order", cap.add, 0, enc(zeros(20)))
    raises("chunk_out_of_order", cap.add, 5, enc(zeros(20)))
    assert cap.add(1, enc(zeros(20))) == []
    assert cap.next_sequence == 2


def test_streaming_odd_byte_count_is_bad_audio() -> None:
    cap = capture()
    err = raises("bad_audio", cap.add, 0, enc(b"\x00" * 641))
    assert "even" in err.message


def test_streaming_bad_base64() -> None:
    raises("bad_audio", capture().add, 0, "%%%")


def test_streaming_silence_has_no_events() -> None:
    cap = capture()
    assert stream(cap, zeros(3000)) == []
    assert cap.turn_id is None
    assert cap.end_now() is None


@pytest.mark.parametrize("clip", JOE[:4], ids=lambda c: c["id"])
def test_streaming_one_clip(clip: dict) -> None:
    pcm = clip_pcm(clip["wav_16k"]) + zeros(1000)
    cap = capture()
    events = stream(cap, pcm)
    kinds = [k for k, *_ in events]

    assert kinds[0] == "speech_started"
    assert kinds.count("speech_started") == 1
    assert kinds.count("speech_ended") == 1
    assert kinds[-1] == "speech_ended"
    assert "pause" in kinds
    assert set(kinds) == {"speech_started", "pause", "speech_ended"}

    start = events[0]
    assert start[1] is None
    assert start[2] <= cap.speech_started_at <= start[3]

    _, final, before, after = events[-1]
    assert isinstance(final, Utterance)
    assert final.mime_type == "audio/wav"
    assert final.sample_rate == 16000
    assert final.mode == "streaming"
    assert final.speculative is False
    assert final.language == "en"
    assert final.started_at == cap.speech_started_at
    # speech stopped silence_ms (300) before the frame that ended it
    assert before - 0.3 <= final.ended_at <= after - 0.3
    rate, channels, width, audio = wav_frames(final.data)
    assert (rate, channels, width) == (16000, 1, 2)
    # same audio as the endpointer produces for the same stream
    ep = Endpointer(sample_rate=16000, silence_ms=300, aggressiveness=2)
    expected = [e.audio for f in frames(pcm) for e in ep.push(f) if e.kind == "speech_ended"]
    assert expected == [audio]
    assert abs(len(audio) / 32000 - clip["seconds"]) <= 0.4

    pauses = [(u, b, a) for k, u, b, a in events if k == "pause"]
    for pause, pb, pa in pauses:
        assert isinstance(pause, Utterance)
        assert pause.speculative is True
        assert pause.turn_id == final.turn_id
        assert pause.mime_type == "audio/wav" and pause.sample_rate == 16000
        assert pause.mode == "streaming"
        assert audio.startswith(wav_frames(pause.data)[3])
        assert pb - 0.09 <= pause.ended_at <= pa - 0.09  # pause fires 90 ms into a silence
    assert cap.turn_id is None


def test_streaming_turn_is_named_when_speech_starts() -> None:
    cap = capture()
    pcm = clip_pcm(JOE[1]["wav_16k"]) + zeros(1000)
    named = None
    turns = []
    for frame in frames(pcm):
        for kind, utt in cap.add(cap.next_sequence, enc(frame)):
            if kind == "speech_started":
                named = cap.turn_id
            else:
                assert utt is not None
                turns.append((kind, utt.turn_id))
    assert named is not None
    assert turns[-1][0] == "speech_ended"
    assert any(kind == "pause" for kind, _ in turns)
    assert {turn for _, turn in turns} == {named}


def test_streaming_two_utterances_get_two_turns() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"]) + zeros(1000) + clip_pcm(JOE[1]["wav_16k"]) + zeros(1000)
    cap = capture()
    events = stream(cap, pcm)
    finals = [u for k, u, *_ in events if k == "speech_ended"]
    assert [k for k, *_ in events if k != "pause"] == ["speech_started", "speech_ended"] * 2
    assert len({u.turn_id for u in finals}) == 2
    # every pause belongs to the turn that follows it
    turn = None
    for kind, utt, *_ in events:
        if kind == "speech_started":
            turn = None
        elif kind in ("pause", "speech_ended"):
            assert utt is not None
            turn = turn or utt.turn_id
            assert utt.turn_id == turn


def test_streaming_at_8khz_keeps_the_stream_rate() -> None:
    raw = fixture_bytes(JOE[0]["ulaw_8k"])
    pcm8 = MULAW_TO_PCM[np.frombuffer(raw, dtype=np.uint8)].astype("<i2").tobytes()
    cap = capture(rate=8000)
    events = stream(cap, pcm8 + zeros(1000, 8000), rate=8000)
    finals = [u for k, u, *_ in events if k == "speech_ended"]
    assert len(finals) == 1
    rate, _, _, audio = wav_frames(finals[0].data)
    assert rate == 8000
    assert finals[0].sample_rate == 8000
    assert abs(len(audio) / 16000 - JOE[0]["seconds"]) <= 0.4


def test_streaming_end_now() -> None:
    pcm = clip_pcm(JOE[0]["wav_16k"])
    cap = capture()
    events = stream(cap, pcm[: 1500 * 32])
    kinds = [k for k, *_ in events]
    assert kinds[0] == "speech_started"
    assert "speech_ended" not in kinds
    turn = cap.turn_id
    assert turn is not None
    before = time.time()
    final = cap.end_now()
    assert final is not None
    assert final.turn_id == turn
    assert final.speculative is False
    assert final.ended_at <= time.time()
    assert final.ended_at >= before - 1.5
    assert pcm[: 1500 * 32].endswith(wav_frames(final.data)[3])
    assert cap.turn_id is None
    assert cap.end_now() is None
    # later speech is a new turn
    events = stream(cap, pcm + zeros(1000))
    finals = [u for k, u, *_ in events if k == "speech_ended"]
    assert finals and finals[0].turn_id != turn


def test_streaming_cuts_an_endless_utterance() -> None:
    limits = Limits(max_bytes=10**7, max_seconds=1.0, min_bytes=1)
    cap = capture(limits=limits)
    pcm = clip_pcm(JOE[0]["wav_16k"])
    events = stream(cap, pcm)
    finals = [u for k, u, *_ in events if k == "speech_ended"]
    assert finals, "a 3 s utterance must be cut at 1 s"
    first = wav_frames(finals[0].data)[3]
    # cut on the first 30 ms frame past the limit
    assert 1.0 < len(first) / 32000 <= 1.03
    assert finals[0].speculative is False
    for utt in finals:
        assert len(wav_frames(utt.data)[3]) / 32000 <= 1.03
    # the cut does not wait for silence: speech stopped less than silence_ms before it
    _, cut, before, _ = next(e for e in events if e[0] == "speech_ended")
    assert cut is not None
    assert before - 0.3 < cut.ended_at <= time.time()


def test_streaming_language_is_carried() -> None:
    cap = StreamingCapture(
        LIMITS, sample_rate=16000, silence_ms=300, aggressiveness=2, language="fr"
    )
    events = stream(cap, clip_pcm(JOE[2]["wav_16k"]) + zeros(1000))
    assert all(u.language == "fr" for _, u, *_ in events if u is not None)
