"""shared.speech.formats and shared.speech.audio: MIME types, header checks, decoding to 16 kHz."""

from __future__ import annotations

import io
import json
import warnings
import wave
from functools import cache

import numpy as np
import pytest

from shared.speech import audio, vad
from shared.speech.audio import MULAW_TO_PCM, decode, resample
from shared.speech.formats import (
    OGG_MAGIC,
    WEBM_MAGIC,
    AudioError,
    MimeType,
    check_header,
    kind_of,
)
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


def test_decode_exports() -> None:
    assert set(audio.__all__) >= {"AudioError", "MimeType", "check_header", "decode", "resample"}
    assert audio.AudioError is AudioError
