import pytest

pytestmark = pytest.mark.integration
# ruff: noqa: E402 - the tier marker leads the module, the imports follow it

import io
import logging
import wave
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from shared.speech.base import (
    FallbackReport,
    ProviderError,
    SpeechToText,
    Transcript,
    run_chain,
)
from shared.speech.deepgram import DeepgramSTT, DeepgramTTS
from tests.fakes.deepgram_server import FakeDeepgram, RecordedRequest

KEY = "dg-test-key-5f1c2a9e"
WRONG_KEY = "dg-wrong-key-77aa01"


@pytest.fixture
def fake() -> Iterator[FakeDeepgram]:
    with FakeDeepgram(api_key=KEY, transcript="I'd like to book a table for two.") as server:
        yield server


def speech(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(16_000 * seconds)) / 16_000
    return (3000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def stt(fake: FakeDeepgram, key: str = KEY, timeout: float = 5.0) -> DeepgramSTT:
    return DeepgramSTT(key, base_url=fake.base_url, timeout=timeout)


def tts(fake: FakeDeepgram, key: str = KEY, timeout: float = 5.0) -> DeepgramTTS:
    return DeepgramTTS(key, base_url=fake.base_url, timeout=timeout)


# construction and key check ----------------------------------------------------------------


@pytest.mark.parametrize("cls", [DeepgramSTT, DeepgramTTS])
@pytest.mark.parametrize("key", ["", "   "])
def test_missing_key_fails_at_construction(cls: type[DeepgramSTT | DeepgramTTS], key: str) -> None:
    with pytest.raises(ProviderError, match="DEEPGRAM_API_KEY is not set"):
        cls(key)


def test_warm_up_validates_the_key_with_one_authenticated_call(fake: FakeDeepgram) -> None:
    stt(fake).warm_up()
    tts(fake).warm_up()
    checks = fake.requests_to("/v1/projects")
    assert len(checks) == 2
    assert all(r.method == "GET" and r.authorized for r in checks)
    assert all("authorization" not in r.headers for r in checks)


@pytest.mark.parametrize("make", [stt, tts])
def test_wrong_key_fails_loudly_at_warm_up_without_leaking_it(
    fake: FakeDeepgram, make: Callable[..., DeepgramSTT | DeepgramTTS]
) -> None:
    provider = make(fake, key=WRONG_KEY)
    with pytest.raises(ProviderError) as caught:
        provider.warm_up()
    message = str(caught.value)
    assert "DEEPGRAM_API_KEY" in message
    assert "401" in message
    assert "Invalid credentials" in message
    assert WRONG_KEY not in message
    assert KEY not in message
    assert len(fake.requests_to("/v1/projects")) == 1


def test_warm_up_only_warns_when_deepgram_is_unavailable(
    fake: FakeDeepgram, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_status = 503
    with caplog.at_level(logging.WARNING, logger="shared.speech.deepgram"):
        stt(fake).warm_up()
    assert any("could not validate" in r.getMessage() for r in caplog.records)


# transcription -----------------------------------------------------------------------------


def test_transcribe_returns_the_text_and_sends_nova3_smart_format_and_a_wav(
    fake: FakeDeepgram,
) -> None:
    result = stt(fake).transcribe(speech(0.5), language="en-US")

    assert result == Transcript("I'd like to book a table for two.", "deepgram")
    [request] = fake.requests_to("/v1/listen")
    assert request.method == "POST"
    assert request.authorized
    assert request.query["model"] == "nova-3"
    assert request.query["smart_format"] == "true"
    assert request.query["language"] == "en-US"
    assert request.audio_kind == "wav"
    assert request.headers["content-type"] == "application/octet-stream"
    assert "authorization" not in request.headers
    with wave.open(io.BytesIO(request.body), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16_000)
        assert w.getnframes() == 8_000
    assert request.body_size == len(request.body) == 44 + 16_000


def test_transcript_can_depend_on_the_request(fake: FakeDeepgram) -> None:
    def by_language(request: RecordedRequest) -> str:
        return {"es": "Hola.", "en": "Hello."}[request.query["language"]]

    fake.transcript = by_language
    provider = stt(fake)
    assert provider.transcribe(speech(), language="es").text == "Hola."
    assert provider.transcribe(speech(), language="en").text == "Hello."


@pytest.mark.parametrize("said", ["", "   "])
def test_empty_transcript_is_no_speech(fake: FakeDeepgram, said: str) -> None:
    fake.transcript = said
    assert stt(fake).transcribe(speech()) == Transcript("", "deepgram", no_speech=True)


def test_empty_audio_is_no_speech_without_a_request(fake: FakeDeepgram) -> None:
    result = stt(fake).transcribe(np.zeros(0, dtype=np.int16))
    assert result.no_speech
    assert fake.requests == []


def test_wrong_key_on_transcribe_names_the_problem_without_the_key(fake: FakeDeepgram) -> None:
    with pytest.raises(ProviderError) as caught:
        stt(fake, key=WRONG_KEY).transcribe(speech())
    message = str(caught.value)
    assert "401" in message and "DEEPGRAM_API_KEY" in message
    assert WRONG_KEY not in message


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "internal server error"), (429, "Too many requests"), (403, "permission")],
)
def test_http_errors_become_provider_errors(fake: FakeDeepgram, status: int, reason: str) -> None:
    fake.fail_status = status
    with pytest.raises(ProviderError, match=f"HTTP {status}") as caught:
        stt(fake).transcribe(speech())
    assert reason in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(fake.requests_to("/v1/listen")) == 1  # no SDK retries: the chain falls back


def test_a_slow_answer_times_out_as_a_provider_error(fake: FakeDeepgram) -> None:
    fake.delay = 1.5
    with pytest.raises(ProviderError, match=r"timed out after 0\.3s"):
        stt(fake, timeout=0.3).transcribe(speech())


def test_unreachable_service_is_a_provider_error() -> None:
    with FakeDeepgram(api_key=KEY) as gone:
        url = gone.base_url
    with pytest.raises(ProviderError, match="ConnectError") as caught:
        DeepgramSTT(KEY, base_url=url, timeout=1.0).transcribe(speech())
    assert KEY not in str(caught.value)


# synthesis ---------------------------------------------------------------------------------


def test_synthesize_wraps_the_linear16_it_received_as_a_24k_wav(fake: FakeDeepgram) -> None:
    text = "Your table is booked for seven."
    audio = tts(fake).synthesize(text)

    [sent] = fake.sent_audio
    assert audio.mime_type == "audio/wav"
    assert audio.provider == "deepgram"
    assert audio.sample_rate == 24_000
    with wave.open(io.BytesIO(audio.data), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24_000)
        frames = w.readframes(w.getnframes())
    assert frames == sent
    assert audio.duration_ms == len(sent) // 2 * 1000 // 24_000 == 60 * len(text)


def test_synthesize_request_carries_model_encoding_rate_and_container(fake: FakeDeepgram) -> None:
    tts(fake).synthesize("Hello.")
    [request] = fake.requests_to("/v1/speak")
    assert request.method == "POST"
    assert request.authorized
    assert request.json_body == {"text": "Hello."}
    assert request.query["model"] == "aura-2-thalia-en"
    assert request.query["encoding"] == "linear16"
    assert float(request.query["sample_rate"]) == 24_000
    assert request.query["container"] == "none"


@pytest.mark.parametrize("status", [500, 401])
def test_synthesize_errors_become_provider_errors(fake: FakeDeepgram, status: int) -> None:
    fake.fail_status = status
    with pytest.raises(ProviderError, match=f"HTTP {status}") as caught:
        tts(fake).synthesize("Hello.")
    assert KEY not in str(caught.value)


def test_synthesize_timeout_is_a_provider_error(fake: FakeDeepgram) -> None:
    fake.delay = 1.5
    with pytest.raises(ProviderError, match="timed out"):
        tts(fake, timeout=0.3).synthesize("Hello.")


def test_synthesize_refuses_blank_text_without_a_request(fake: FakeDeepgram) -> None:
    with pytest.raises(ProviderError, match="no text"):
        tts(fake).synthesize("  ")
    assert fake.requests == []


# the fallback chain ------------------------------------------------------------------------


class OfflineLikeSTT(SpeechToText):
    name = "offline"

    def transcribe(
        self, pcm: np.ndarray, language: str = "en", hints: Sequence[str] = ()
    ) -> Transcript:
        return Transcript("offline heard you", self.name)


def test_the_chain_falls_back_and_reports_why_deepgram_failed(fake: FakeDeepgram) -> None:
    fake.fail_status = 500
    report = FallbackReport()
    providers = [stt(fake), OfflineLikeSTT()]

    result = run_chain(providers, lambda p: p.transcribe(speech(), "en"), 5.0, report)  # type: ignore[attr-defined]

    assert result == Transcript("offline heard you", "offline")
    assert report.provider == "offline"
    [failure] = report.failures
    assert failure.startswith("deepgram: ProviderError: ")
    assert "HTTP 500" in failure
    assert KEY not in failure


def test_the_chain_uses_deepgram_when_it_answers(fake: FakeDeepgram) -> None:
    report = FallbackReport()
    providers = [stt(fake), OfflineLikeSTT()]
    result = run_chain(providers, lambda p: p.transcribe(speech(), "en"), 5.0, report)  # type: ignore[attr-defined]
    assert result.provider == "deepgram"
    assert report.provider == "deepgram" and report.failures == []
