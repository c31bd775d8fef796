"""shared.speech.formats and shared.speech.audio: MIME types, header checks, decoding to 16 kHz."""

from __future__ import annotations

import io
import json
import random
import struct
import tracemalloc
import warnings
import wave
from collections.abc import Callable
from functools import cache

import av
import numpy as np
import pytest

from shared.speech import audio, vad
from shared.speech.audio import MULAW_TO_PCM, decode, resample
from shared.speech.formats import (
    OGG_MAGIC,
    OGG_MAX_PAGE,
    OGG_PAGE_HEADER,
    WEBM_MAGIC,
    AudioError,
    MimeType,
    check_declared_length,
    check_header,
    declared_seconds,
    kind_of,
)
from tests.audio_fixtures import silence
from tests.conftest import FIXTURES

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

pytestmark = pytest.mark.unit

SPEECH = FIXTURES / "speech"
MANIFEST = json.loads((SPEECH / "manifest.json").read_text())
WEBM = "audio/webm;codecs=opus"
TOLERANCE_S = 0.06


def _id(clip: dict) -> str:
    return f"{clip['id']}.{clip['voice']}"


@cache
def fixture_bytes(name: str) -> bytes:
    return (SPEECH / name).read_bytes()


def make_wav(pcm: np.ndarray, rate: int, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
    return buffer.getvalue()


def tone(freq: float, seconds: float, rate: int, amplitude: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def peak_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.fft.rfftfreq(pcm.size, 1 / rate)[int(np.argmax(spectrum))])


def error_code(*args: object, **kwargs: object) -> str:
    with pytest.raises(AudioError) as info:
        decode(*args, **kwargs)  # type: ignore[arg-type]
    return info.value.code


def peak_bytes(fn: Callable[[], object]) -> int:
    """The most memory Python and numpy held at once while ``fn`` ran (it may raise)."""
    tracemalloc.start()
    try:
        fn()
    except AudioError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# --- MimeType / kind_of / check_header ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "base", "params"),
    [
        ("audio/webm;codecs=opus", "audio/webm", {"codecs": "opus"}),
        ("Audio/L16; Rate=16000; channels=1", "audio/l16", {"rate": "16000", "channels": "1"}),
        ('audio/webm; codecs="opus"', "audio/webm", {"codecs": "opus"}),
        ("audio/wav", "audio/wav", {}),
        ("  audio/x-mulaw ;rate=8000 ; ", "audio/x-mulaw", {"rate": "8000"}),
        ("audio/l16;flag", "audio/l16", {"flag": ""}),
        ("", "", {}),
        (None, "", {}),
        (" ; ", "", {}),
    ],
)
def test_mime_type_parse(value: str | None, base: str, params: dict[str, str]) -> None:
    parsed = MimeType.parse(value)
    assert parsed.base == base
    assert parsed.params == params


@pytest.mark.parametrize(
    ("mime", "kind"),
    [
        ("audio/webm;codecs=opus", "container"),
        ("video/webm", "container"),
        ("audio/ogg;codecs=opus", "container"),
        ("audio/wav", "container"),
        ("audio/wave", "container"),
        ("AUDIO/X-WAV", "container"),
        ("audio/L16;rate=16000", "pcm"),
        ("audio/pcm", "pcm"),
        ("audio/raw", "pcm"),
        ("audio/x-mulaw;rate=8000", "mulaw"),
        ("audio/mulaw", "mulaw"),
        ("audio/basic", "mulaw"),
        ("audio/PCMU", "mulaw"),
    ],
)
def test_kind_of(mime: str, kind: str) -> None:
    assert kind_of(mime) == kind


@pytest.mark.parametrize("mime", ["audio/mpeg", "audio/mp4", "text/plain", "", None, "webm"])
def test_kind_of_rejects_other_types(mime: str | None) -> None:
    with pytest.raises(AudioError) as info:
        kind_of(mime)
    assert info.value.code == "unsupported_audio"


def test_audio_error_is_a_value_error() -> None:
    err = AudioError("bad_audio", "nope")
    assert isinstance(err, ValueError)
    assert (err.code, str(err)) == ("bad_audio", "nope")


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (WEBM_MAGIC + b"rest", "audio/webm;codecs=opus"),
        (WEBM_MAGIC, "video/webm"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"RIFF\x00\x00\x00\x00WAVE", "audio/x-wav"),
        (OGG_MAGIC + b"\x00", "audio/ogg"),
        (b"anything", "audio/L16;rate=16000"),  # raw audio has no header to check
        (b"\xff\x7f", "audio/x-mulaw"),
    ],
)
def test_check_header_accepts(data: bytes, mime: str) -> None:
    check_header(data, mime)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"RIFF\x00\x00\x00\x00WAVE", "audio/webm"),
        (b"", "video/webm"),
        (WEBM_MAGIC[:3], "audio/webm"),
        (WEBM_MAGIC, "audio/wav"),
        (b"RIFF\x00\x00\x00\x00AVI ", "audio/wave"),
        (b"\x00\x00\x00\x00\x00\x00\x00\x00WAVE", "audio/wav"),
        (WEBM_MAGIC, "audio/ogg"),
    ],
)
def test_check_header_rejects(data: bytes, mime: str) -> None:
    with pytest.raises(AudioError) as info:
        check_header(data, mime)
    assert info.value.code == "bad_audio"


def test_check_header_on_the_fixture_files() -> None:
    clip = MANIFEST[0]
    check_header(fixture_bytes(clip["webm_opus"]), WEBM)
    check_header(fixture_bytes(clip["wav_16k"]), "audio/wav")
    with pytest.raises(AudioError):
        check_header(fixture_bytes(clip["wav_16k"]), WEBM)
    with pytest.raises(AudioError):
        check_header(fixture_bytes(clip["webm_opus"]), "audio/wav")


# --- mu-law table ---------------------------------------------------------------------------------


def test_mulaw_table_is_bit_exact_with_g711() -> None:
    reference = np.frombuffer(audioop.ulaw2lin(bytes(range(256)), 2), dtype=np.int16)
    assert MULAW_TO_PCM.dtype == np.int16
    assert MULAW_TO_PCM.shape == (256,)
    np.testing.assert_array_equal(MULAW_TO_PCM, reference)


def test_mulaw_table_landmarks() -> None:
    # 0xFF and 0x7F are the two zeros; 0x00 / 0x80 the extremes of the G.711 range.
    assert MULAW_TO_PCM[0xFF] == 0
    assert MULAW_TO_PCM[0x7F] == 0
    assert MULAW_TO_PCM[0x00] == -32124
    assert MULAW_TO_PCM[0x80] == 32124


def test_mulaw_fixture_expands_like_audioop() -> None:
    raw = fixture_bytes(MANIFEST[0]["ulaw_8k"])
    expected = np.frombuffer(audioop.ulaw2lin(raw, 2), dtype=np.int16)
    np.testing.assert_array_equal(MULAW_TO_PCM[np.frombuffer(raw, dtype=np.uint8)], expected)


# --- resample ------------------------------------------------------------------------------------


def test_resample_same_rate_is_identity() -> None:
    pcm = tone(440, 0.5, 16000)
    np.testing.assert_array_equal(resample(pcm, 16000), pcm)
    assert resample(pcm, 16000).dtype == np.int16


def test_resample_empty() -> None:
    out = resample(np.zeros(0, np.int16), 8000)
    assert out.size == 0
    assert out.dtype == np.int16


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_resample_keeps_duration_and_pitch(rate: int) -> None:
    pcm = tone(440, 1.0, rate)
    out = resample(pcm, rate)
    assert out.dtype == np.int16
    assert abs(out.size - 16000) <= 16000 * 0.01
    assert abs(peak_hz(out, 16000) - 440) <= 2
    # the level survives too
    assert 0.8 * 8000 <= np.abs(out[1000:-1000]).max() <= 1.1 * 8000


def test_resample_to_another_target() -> None:
    out = resample(tone(1000, 1.0, 16000), 16000, target=8000)
    assert abs(out.size - 8000) <= 80
    assert abs(peak_hz(out, 8000) - 1000) <= 2


# --- decode: the fixtures ------------------------------------------------------------------------


@pytest.mark.parametrize("clip", MANIFEST, ids=_id)
def test_webm_and_wav_of_a_clip_agree(clip: dict) -> None:
    from_webm = decode(fixture_bytes(clip["webm_opus"]), WEBM)
    from_wav = decode(fixture_bytes(clip["wav_16k"]), "audio/wav")
    for pcm in (from_webm, from_wav):
        assert pcm.dtype == np.int16
        assert pcm.ndim == 1
        assert abs(pcm.size / 16000 - clip["seconds"]) <= TOLERANCE_S
        assert vad.has_speech(pcm)


@pytest.mark.parametrize("clip", MANIFEST, ids=_id)
def test_mulaw_8k_decodes_to_16k(clip: dict) -> None:
    pcm = decode(fixture_bytes(clip["ulaw_8k"]), "audio/x-mulaw;rate=8000")
    assert pcm.dtype == np.int16
    assert abs(pcm.size / 16000 - clip["seconds"]) <= TOLERANCE_S
    assert vad.has_speech(pcm)


def test_mulaw_matches_the_wav_waveform() -> None:
    # μ-law at 8 kHz loses the top band and some precision, not the waveform.
    clip = MANIFEST[0]
    from_ulaw = decode(fixture_bytes(clip["ulaw_8k"]), "audio/x-mulaw;rate=8000").astype(float)
    from_wav = decode(fixture_bytes(clip["wav_16k"]), "audio/wav").astype(float)
    n = min(from_ulaw.size, from_wav.size)
    assert np.corrcoef(from_ulaw[:n], from_wav[:n])[0, 1] > 0.95


@pytest.mark.parametrize("mime", ["audio/x-mulaw", "audio/basic", "audio/pcmu"])
def test_mulaw_rate_defaults_to_8k(mime: str) -> None:
    raw = fixture_bytes(MANIFEST[0]["ulaw_8k"])
    pcm = decode(raw, mime)
    assert pcm.size == pytest.approx(2 * len(raw), abs=32)


def test_wav_decodes_to_its_samples() -> None:
    clip = MANIFEST[0]
    data = fixture_bytes(clip["wav_16k"])
    with wave.open(io.BytesIO(data), "rb") as w:
        expected = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    np.testing.assert_array_equal(decode(data, "audio/wav"), expected)


def test_raw_pcm_at_16k_is_returned_as_is() -> None:
    pcm = decode(fixture_bytes(MANIFEST[0]["wav_16k"]), "audio/wav")
    np.testing.assert_array_equal(decode(pcm.tobytes(), "audio/L16;rate=16000"), pcm)
    np.testing.assert_array_equal(decode(pcm.tobytes(), "audio/pcm", sample_rate=16000), pcm)


def test_raw_pcm_at_8k_is_resampled() -> None:
    pcm8 = tone(300, 1.0, 8000)
    out = decode(pcm8.tobytes(), "audio/L16;rate=8000")
    assert abs(out.size - 16000) <= 160
    assert abs(peak_hz(out, 16000) - 300) <= 2


def test_sample_rate_argument_wins_over_the_mime_rate() -> None:
    pcm = tone(300, 1.0, 8000)
    out = decode(pcm.tobytes(), "audio/L16;rate=16000", sample_rate=8000)
    assert abs(out.size - 16000) <= 160  # read as 8 kHz: doubled


def test_wav_at_another_rate_and_stereo_comes_out_16k_mono() -> None:
    mono = tone(500, 1.0, 44100)
    stereo = np.column_stack([mono, mono]).reshape(-1)
    out = decode(make_wav(stereo, 44100, channels=2), "audio/wav")
    assert out.ndim == 1
    assert abs(out.size - 16000) <= 160
    assert abs(peak_hz(out, 16000) - 500) <= 2


# --- decode: errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("mime", [WEBM, "audio/wav", "audio/L16;rate=16000", "audio/mpeg", None])
def test_empty_data_is_empty_utterance(mime: str | None) -> None:
    assert error_code(b"", mime) == "empty_utterance"


@pytest.mark.parametrize("mime", ["audio/mpeg", "audio/flac", None, ""])
def test_unsupported_type(mime: str | None) -> None:
    assert error_code(b"\x00" * 4000, mime) == "unsupported_audio"


def test_odd_pcm_is_bad_audio() -> None:
    assert error_code(b"\x00" * 3201, "audio/L16;rate=16000") == "bad_audio"


@pytest.mark.parametrize("mime", ["audio/L16", "audio/pcm;rate=", "audio/raw;rate=0"])
def test_pcm_without_rate_is_bad_audio(mime: str) -> None:
    assert error_code(b"\x00" * 3200, mime) == "bad_audio"


@pytest.mark.parametrize("rate", [4000, 7999, 48001, 96000])
def test_pcm_rate_out_of_range_is_bad_audio(rate: int) -> None:
    assert error_code(b"\x00" * 32000, "audio/L16", sample_rate=rate) == "bad_audio"


@pytest.mark.parametrize("rate", [8000, 48000])
def test_pcm_rate_range_is_inclusive(rate: int) -> None:
    assert decode(b"\x00" * rate, "audio/L16", sample_rate=rate).size > 0


def test_header_mismatch_is_bad_audio() -> None:
    wav = fixture_bytes(MANIFEST[0]["wav_16k"])
    assert error_code(wav, WEBM) == "bad_audio"
    assert error_code(fixture_bytes(MANIFEST[0]["webm_opus"]), "audio/wav") == "bad_audio"


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (WEBM_MAGIC + bytes(range(256)) * 16, WEBM),
        (WEBM_MAGIC + b"\x00" * 4000, "video/webm"),
        (b"RIFF\x00\x00\x00\x00WAVE" + bytes(range(256)) * 16, "audio/wav"),
        (OGG_MAGIC + bytes(range(256)) * 16, "audio/ogg"),
    ],
)
def test_garbage_behind_a_valid_magic_is_decode_failed(data: bytes, mime: str) -> None:
    assert error_code(data, mime) == "audio_decode_failed"


def test_truncated_webm_header_is_decode_failed() -> None:
    webm = fixture_bytes(MANIFEST[0]["webm_opus"])
    assert error_code(webm[:40], WEBM) == "audio_decode_failed"


def test_raw_pcm_over_max_seconds_is_too_long() -> None:
    pcm = np.zeros(16000 * 3, np.int16).tobytes()
    assert error_code(pcm, "audio/L16;rate=16000", max_seconds=2.5) == "utterance_too_long"
    assert decode(pcm, "audio/L16;rate=16000", max_seconds=3.0).size == 48000


def test_raw_audio_too_long_is_refused_before_resampling(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_resample(pcm: np.ndarray, rate: int, target: int = 16000) -> np.ndarray:
        raise AssertionError("over-long audio must be refused before it is resampled")

    monkeypatch.setattr(audio, "resample", no_resample)
    pcm = np.zeros(8000 * 3, np.int16).tobytes()
    assert error_code(pcm, "audio/L16;rate=8000", max_seconds=2.5) == "utterance_too_long"
    assert error_code(b"\xff" * 24000, "audio/x-mulaw", max_seconds=2.5) == "utterance_too_long"


def test_raw_pcm_too_long_is_judged_at_its_own_rate() -> None:
    pcm = np.zeros(8000 * 3, np.int16).tobytes()  # 3 s at 8 kHz, 48 000 bytes
    assert error_code(pcm, "audio/L16;rate=8000", max_seconds=2.5) == "utterance_too_long"
    mulaw = b"\xff" * (8000 * 3)
    assert error_code(mulaw, "audio/x-mulaw;rate=8000", max_seconds=2.5) == "utterance_too_long"


@pytest.mark.parametrize("kind", ["wav_16k", "webm_opus"])
def test_container_over_max_seconds_is_too_long(kind: str) -> None:
    clip = MANIFEST[0]
    mime = "audio/wav" if kind == "wav_16k" else WEBM
    data = fixture_bytes(clip[kind])
    assert error_code(data, mime, max_seconds=clip["seconds"] - 0.5) == "utterance_too_long"
    assert decode(data, mime, max_seconds=clip["seconds"] + 0.5).size > 0


def test_under_a_tenth_of_a_second_is_too_short() -> None:
    assert error_code(b"\x00" * (2 * 1599), "audio/L16;rate=16000") == "utterance_too_short"
    assert decode(b"\x00" * (2 * 1600), "audio/L16;rate=16000").size == 1600
    short_wav = make_wav(np.zeros(800, np.int16), 16000)
    assert error_code(short_wav, "audio/wav") == "utterance_too_short"


# --- decode: decompression bombs -----------------------------------------------------------------

# An hour of silence takes about 1 MB as FLAC; decoded at 16 kHz it is 115 MB of samples, and
# decoding it whole held over 350 MB at once. The bounds below are a small fraction of that.
BOMB_SECONDS = 3600
LIMIT_S = 60.0
LIMIT_PCM_BYTES = int(LIMIT_S * 16000 * 2)  # what decoding up to the limit keeps: 1.9 MB
MAX_UTTERANCE_BYTES = 8 * 1024 * 1024


def refused_within(data: bytes, mime: str, bound: int) -> None:
    """Decode a bomb: it must be refused as too long, holding under ``bound`` bytes at peak."""
    assert len(data) < MAX_UTTERANCE_BYTES  # the relay would let it through by size
    assert error_code(data, mime, max_seconds=LIMIT_S) == "utterance_too_long"
    peak = peak_bytes(lambda: decode(data, mime, max_seconds=LIMIT_S))
    assert peak < bound, f"decoding held {peak / 1e6:.1f} MB at peak"


def test_undeclared_bomb_stops_decoding_at_the_limit() -> None:
    # Matroska written by a live recorder declares no length (nor does MediaRecorder's WebM):
    # only decoding can time it, and decoding must stop at the limit.
    bomb = silence("matroska", "flac", BOMB_SECONDS, seekable=False)
    assert declared_seconds(bomb) is None
    with av.open(io.BytesIO(bomb)) as container:
        assert container.duration is None and container.streams.audio[0].duration is None
    refused_within(bomb, "audio/webm", bound=2 * LIMIT_PCM_BYTES)


def test_ogg_flac_bomb_is_refused_from_its_last_page() -> None:
    bomb = silence("ogg", "flac", BOMB_SECONDS)
    assert declared_seconds(bomb) == pytest.approx(BOMB_SECONDS, abs=1)
    refused_within(bomb, "audio/ogg", bound=LIMIT_PCM_BYTES // 10)  # nothing decoded


def test_a_declared_bomb_never_reaches_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_ffmpeg(*args: object, **kwargs: object) -> None:
        raise AssertionError("a header that declares too long an utterance is enough")

    bomb = silence("ogg", "flac", BOMB_SECONDS)
    monkeypatch.setattr(audio.av, "open", no_ffmpeg)
    assert error_code(bomb, "audio/ogg", max_seconds=LIMIT_S) == "utterance_too_long"


def test_container_duration_is_checked_before_decoding() -> None:
    # Matroska written to a file records its Duration, which only FFmpeg reads here.
    bomb = silence("matroska", "flac", BOMB_SECONDS)
    assert declared_seconds(bomb) is None
    with av.open(io.BytesIO(bomb)) as container:
        assert container.duration / av.time_base == pytest.approx(BOMB_SECONDS, abs=1)
    refused_within(bomb, "audio/webm", bound=LIMIT_PCM_BYTES // 10)


def test_long_mulaw_wav_is_refused_from_its_header() -> None:
    # PCM does not compress, but 8-bit mu-law at 8 kHz still fits 15 min in 7.2 MB and
    # decodes to four times that.
    wav = silence("wav", "pcm_mulaw", 900, rate=8000)
    assert declared_seconds(wav) == pytest.approx(900)
    refused_within(wav, "audio/wav", bound=LIMIT_PCM_BYTES // 10)


def test_wav_declaring_an_hour_is_refused_even_if_cut_short() -> None:
    # A header is a claim about the whole recording: the relay sees it on the first chunk.
    pcm = np.zeros(16000 * 2, np.int16)
    wav = bytearray(make_wav(pcm, 16000))
    struct.pack_into("<I", wav, 40, BOMB_SECONDS * 16000 * 2)  # the data chunk's size
    assert error_code(bytes(wav), "audio/wav", max_seconds=LIMIT_S) == "utterance_too_long"


def test_declared_length_has_a_little_slack() -> None:
    wav = make_wav(np.zeros(16000 * 3, np.int16), 16000)  # 3 s
    assert decode(wav, "audio/wav", max_seconds=3.0).size == 48000
    check_declared_length(wav, 2.6)  # container rounding is not held against the caller
    with pytest.raises(AudioError) as info:
        check_declared_length(wav, 2.4)
    assert info.value.code == "utterance_too_long"
    assert "declares 3 s" in str(info.value)


# --- declared_seconds ----------------------------------------------------------------------------


def ogg_page(body: bytes, granule: int, serial: int = 7, flags: int = 0) -> bytes:
    segments = [255] * (len(body) // 255) + [len(body) % 255]
    header = OGG_PAGE_HEADER.pack(OGG_MAGIC, 0, flags, granule, serial, 0, 0, len(segments))
    return header + bytes(segments) + body


def flac_head(rate: int, total_samples: int) -> bytes:
    packed = rate << 44 | 0 << 41 | 15 << 36 | total_samples  # mono, 16-bit
    streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + struct.pack(">Q", packed) + bytes(16)
    return b"\x7fFLAC\x01\x00\x00\x01fLaC" + b"\x00\x00\x00\x22" + streaminfo


def vorbis_head(rate: int) -> bytes:
    return b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, rate, 0, 128000, 0, 0xB8, 1)


def wav_chunks(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"WAVE" + b"".join(
        cid + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)
        for cid, data in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


FMT_16K_MONO = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)


def test_declared_seconds_of_the_fixture_wav() -> None:
    clip = MANIFEST[0]
    wav = fixture_bytes(clip["wav_16k"])
    assert declared_seconds(wav) == pytest.approx(clip["seconds"], abs=0.01)
    header = wav[: wav.index(b"data") + 8]
    assert declared_seconds(header) == declared_seconds(wav)  # the header alone says it


def test_declared_seconds_walks_the_riff_chunks() -> None:
    # An odd-sized chunk (padded to even) before fmt, another between fmt and data.
    wav = wav_chunks(
        (b"LIST", b"INFO" + b"x" * 21),
        (b"fmt ", FMT_16K_MONO),
        (b"fact", bytes(4)),
        (b"data", bytes(64000)),
    )
    assert declared_seconds(wav) == pytest.approx(2.0)
    extensible = FMT_16K_MONO + struct.pack("<H", 22) + bytes(22)  # WAVE_FORMAT_EXTENSIBLE
    assert declared_seconds(wav_chunks((b"fmt ", extensible), (b"data", bytes(16000)))) == 0.5


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_wav_still_being_written_declares_nothing(size: int) -> None:
    wav = bytearray(wav_chunks((b"fmt ", FMT_16K_MONO), (b"data", bytes(3200))))
    struct.pack_into("<I", wav, 40, size)
    assert declared_seconds(bytes(wav)) is None


@pytest.mark.parametrize(
    "wav",
    [
        wav_chunks((b"data", bytes(3200))),  # no fmt before the data
        wav_chunks((b"fmt ", FMT_16K_MONO[:12])),  # fmt too short
        wav_chunks((b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 0, 2, 16)), (b"data", b"\0\0")),
        wav_chunks((b"fmt ", FMT_16K_MONO), (b"data", bytes(3200)))[:30],  # cut in fmt
        b"RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff",  # a chunk longer than the file
    ],
    ids=["no-fmt", "short-fmt", "zero-byte-rate", "truncated", "oversized-chunk"],
)
def test_wav_that_makes_no_sense_declares_nothing(wav: bytes) -> None:
    assert declared_seconds(wav) is None


def test_declared_seconds_of_ogg_opus_counts_from_the_pre_skip() -> None:
    ogg = silence("ogg", "libopus", 3.0, rate=48000)
    assert declared_seconds(ogg) == pytest.approx(3.0, abs=0.03)
    with av.open(io.BytesIO(ogg)) as container:  # FFmpeg reads the same length
        assert container.duration / av.time_base == pytest.approx(declared_seconds(ogg), abs=0.03)


def test_declared_seconds_of_ogg_flac() -> None:
    assert declared_seconds(silence("ogg", "flac", 5.0)) == pytest.approx(5.0, abs=0.01)
    assert declared_seconds(silence("ogg", "flac", 5.0, rate=44100)) == pytest.approx(5.0, abs=0.01)


def test_ogg_flac_streaminfo_total_declares_from_the_first_page() -> None:
    first = ogg_page(flac_head(16000, 16000 * 7200), granule=0, flags=0x02)
    assert declared_seconds(first) == 7200
    assert declared_seconds(first + ogg_page(b"x" * 300, granule=16000 * 9000)) == 9000
    assert declared_seconds(ogg_page(flac_head(16000, 0), granule=0, flags=0x02)) is None


def test_declared_seconds_of_ogg_vorbis() -> None:
    ogg = ogg_page(vorbis_head(44100), granule=0, flags=0x02) + ogg_page(b"v" * 700, 44100 * 90)
    assert declared_seconds(ogg) == 90


def test_ogg_last_page_of_the_stream_counts() -> None:
    head = ogg_page(vorbis_head(8000), granule=0, flags=0x02)
    other_stream = ogg_page(b"o" * 50, granule=8000 * 999, serial=8)
    no_packet_ends = ogg_page(b"n" * 255, granule=-1)
    ogg = head + ogg_page(b"a" * 100, 8000 * 10) + other_stream + no_packet_ends
    assert declared_seconds(ogg) == 10


def test_ogg_cut_short_declares_up_to_its_last_whole_page() -> None:
    ogg = silence("ogg", "flac", 30.0)
    full = declared_seconds(ogg)
    assert full == pytest.approx(30.0, abs=0.01)
    cut = declared_seconds(ogg[: len(ogg) // 2])
    assert cut is not None and 5 < cut < full
    assert declared_seconds(ogg[:20]) is None  # not even the first page


def test_last_ogg_page_is_found_behind_a_large_one() -> None:
    # Pages reach 64 KiB; the last whole one is searched for from the end, never further
    # back than two of them.
    head = ogg_page(vorbis_head(8000), granule=0, flags=0x02)
    big = ogg_page(bytes(255 * 255 - 1), granule=8000 * 100)  # 255 segments, the most there are
    assert len(big) == OGG_MAX_PAGE - 1
    ogg = head + ogg_page(b"s", 8000) + big
    assert declared_seconds(ogg) == 100
    assert declared_seconds(ogg + big[:-1]) == 100  # cut in the next page


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"OggS",
        OGG_MAGIC + bytes(range(256)) * 16,
        ogg_page(b"SomeCodec" + bytes(30), granule=0, flags=0x02) + ogg_page(b"x", 10**9),
        ogg_page(vorbis_head(0), granule=0, flags=0x02) + ogg_page(b"x", 10**9),
        ogg_page(vorbis_head(8000), granule=0, flags=0x00) + ogg_page(b"x", 10**9),  # no BOS
        ogg_page(b"OpusHead\x01", granule=0, flags=0x02),  # a cut identification header
        b"RIFF\x00\x00\x00\x00WAVE" + bytes(range(256)) * 16,
        WEBM_MAGIC + b"\x00" * 100,
        b"\x00" * 4000,
    ],
    ids=lambda d: f"{d[:12]!r}",
)
def test_garbage_declares_nothing(data: bytes) -> None:
    assert declared_seconds(data) is None


def test_webm_from_media_recorder_declares_nothing() -> None:
    assert declared_seconds(fixture_bytes(MANIFEST[0]["webm_opus"])) is None


def test_declared_seconds_never_raises_on_damaged_files() -> None:
    rng = random.Random(1234)
    sources = [
        fixture_bytes(MANIFEST[0]["wav_16k"])[:4000],
        silence("ogg", "libopus", 1.0, rate=48000),
        silence("ogg", "flac", 1.0),
    ]
    for source in sources:
        for _ in range(300):
            damaged = bytearray(source[: rng.randrange(1, len(source) + 1)])
            for _ in range(rng.randrange(0, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            seconds = declared_seconds(bytes(damaged))
            assert seconds is None or seconds >= 0


def test_decode_exports() -> None:
    assert set(audio.__all__) >= {"AudioError", "MimeType", "check_header", "decode", "resample"}
    assert audio.AudioError is AudioError
