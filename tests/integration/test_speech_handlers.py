"""stt and tts handlers against the real emulators: what they publish, store and skip."""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
import wave
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage  # type: ignore[attr-defined]

from functions.stt.handler import SttHandler
from functions.tts.handler import TtsHandler
from shared import audio_store, topics
from shared.bus import InboundMessage
from shared.contracts import AgentReply, AudioPayload, VoiceUtterance
from shared.session_store import Session, SessionStore
from shared.settings import SpeechSettings
from shared.speech.base import (
    ProviderError,
    SpeechAudio,
    SpeechToText,
    TextToSpeech,
    Transcript,
    wav_bytes,
)
from shared.speech.registry import ProviderRegistry
from shared.turn_record import TurnRecord
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration
CLIP = json.loads((FIXTURES / "speech" / "manifest.json").read_text())[0]  # todo-create, joe
WEBM = "audio/webm;codecs=opus"
AUDIO_BUCKET = SpeechSettings(env="test").audio_bucket  # the bucket the relay writes to


class CountingSTT(SpeechToText):
    """Answers with the clip's text and counts calls: the handler's logic, not the model, is
    under test here (the models are exercised end to end in tests/e2e/test_voice.py)."""

    def __init__(self, name: str, text: str = CLIP["text"], fail: bool = False):
        self.name, self.text, self.fail, self.calls = name, text, fail, 0

    def transcribe(
        self, pcm: np.ndarray, language: str = "en", hints: Sequence[str] = ()
    ) -> Transcript:
        self.calls += 1
        if self.fail:
            raise ProviderError("service unavailable")
        return Transcript(self.text, self.name)


class ToneTTS(TextToSpeech):
    def __init__(self, name: str = "piper"):
        self.name, self.calls = name, 0

    def synthesize(self, text: str) -> SpeechAudio:
        self.calls += 1
        pcm = (np.sin(np.arange(1600) / 5) * 1000).astype(np.int16)
        return SpeechAudio(wav_bytes(pcm, 16000), "audio/wav", 16000, 100, self.name)


@pytest.fixture
def session(store: SessionStore) -> Session:
    s = Session(
        id="sess1", user_id="u1", user_name="Ada", channel="web", relay_id="relayA", status="active"
    )
    store.create_session(s)
    return s


@pytest.fixture
def registry(project_id: str) -> ProviderRegistry:
    reg = ProviderRegistry(SpeechSettings(env="test", GOOGLE_CLOUD_PROJECT=project_id))
    reg.register_stt(CountingSTT("whisper"))
    reg.register_tts(ToneTTS())
    return reg


def _with_audio(
    audio: AudioPayload, turn: str = "t1", user: str = "u1", **extra: object
) -> InboundMessage:
    msg = VoiceUtterance(
        session_id="sess1",
        turn_id=turn,
        user_id=user,
        ended_at=time.time(),
        audio=audio,
        **extra,  # type: ignore[arg-type]
    )
    return InboundMessage(
        msg.model_dump_json().encode(), {"session_id": "sess1"}, f"m-{time.time_ns()}"
    )


def _utterance(data: bytes, mime: str, turn: str = "t1", **extra: object) -> InboundMessage:
    audio = AudioPayload(mime_type=mime, data_b64=base64.b64encode(data).decode())
    return _with_audio(audio, turn, **extra)


def _wav(pcm: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


def _clip_pcm() -> np.ndarray:
    with wave.open(str(FIXTURES / "speech" / CLIP["wav_16k"])) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def test_utterance_becomes_a_transcript_for_the_agent_and_the_client(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    transcripts, outbound = tap(topics.VOICE_TRANSCRIPT), tap(topics.SESSION_OUTBOUND)
    handler = SttHandler(bus, store, registry, project_id)
    message = _utterance(
        (FIXTURES / "speech" / CLIP["webm_opus"]).read_bytes(), "audio/webm;codecs=opus"
    )
    handler.handle(message)
    [published] = transcripts.pull()
    body = json.loads(published.data)
    assert body["text"] == CLIP["text"] and body["source"] == "voice"
    [event] = outbound.pull()
    assert json.loads(event.data)["event"] == {
        "type": "transcript_final",
        "text": CLIP["text"],
        "turn_id": "t1",
        "stt_provider": "whisper",
        "passed_over": None,  # the relay drops empty fields before the client sees them
    }
    turn = store.get_turn("sess1", "t1")
    assert turn.stt_done and {"stt_decode", "stt"} <= set(turn.timings)  # type: ignore[index]
    handler.handle(message)  # redelivered
    assert transcripts.drain(1.0) == []


def test_speculation_at_a_pause_is_reused_by_the_final_utterance(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    transcripts = tap(topics.VOICE_TRANSCRIPT)
    handler = SttHandler(bus, store, registry, project_id)
    stt = registry.stt("whisper")
    pcm = _clip_pcm()
    handler.handle(_utterance(_wav(pcm), "audio/wav", speculative=True))
    assert stt.calls == 1 and transcripts.drain(0.5) == []  # kept, not published  # type: ignore[attr-defined]
    final = np.concatenate([pcm, np.zeros(4800, np.int16)])  # + 300 ms of silence
    handler.handle(_utterance(_wav(final), "audio/wav"))
    assert stt.calls == 1  # type: ignore[attr-defined]
    [published] = transcripts.pull()
    assert json.loads(published.data)["text"] == CLIP["text"]


def test_speculation_is_not_reused_when_speech_follows_it(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    handler = SttHandler(bus, store, registry, project_id)
    stt = registry.stt("whisper")
    pcm = _clip_pcm()
    half = pcm[: pcm.size // 2]
    half = np.concatenate([half, np.zeros(800, np.int16)])  # ends in a short pause
    handler.handle(_utterance(_wav(half), "audio/wav", speculative=True))
    handler.handle(_utterance(_wav(pcm), "audio/wav"))
    assert stt.calls == 2  # type: ignore[attr-defined]


def test_speculation_is_skipped_once_the_final_is_on_its_way(
    bus, store, session, registry, project_id
) -> None:  # type: ignore[no-untyped-def]
    handler = SttHandler(bus, store, registry, project_id)
    store.start_turn("sess1", "t1", source="voice", received_at=time.time())
    handler.handle(_utterance(_wav(_clip_pcm()), "audio/wav", speculative=True))
    assert registry.stt("whisper").calls == 0  # type: ignore[attr-defined]


def test_silence_gives_an_empty_transcript_and_no_agent_turn(
    bus, store, session, project_id, tap
) -> None:  # type: ignore[no-untyped-def]
    from shared.speech.whisper import WhisperSTT

    reg = ProviderRegistry(SpeechSettings(env="test", GOOGLE_CLOUD_PROJECT=project_id))
    reg.register_stt(WhisperSTT())  # the real model: it must not invent words for silence
    transcripts, outbound = tap(topics.VOICE_TRANSCRIPT), tap(topics.SESSION_OUTBOUND)
    SttHandler(bus, store, reg, project_id).handle(
        _utterance(_wav(np.zeros(32000, np.int16)), "audio/wav")
    )
    events = [json.loads(m.data)["event"] for m in outbound.pull(expect=2)]
    assert {
        "type": "transcript_final",
        "text": "",
        "turn_id": "t1",
        "stt_provider": "whisper",
        "passed_over": None,
    } in events
    assert any(e["type"] == "status" and e["message"] == "no_speech" for e in events)
    assert transcripts.drain(0.5) == []


def test_bad_audio_is_reported_to_the_client(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    SttHandler(bus, store, registry, project_id).handle(
        _utterance(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40, "audio/webm;codecs=opus")
    )
    [event] = outbound.pull()
    assert json.loads(event.data)["event"]["code"] == "audio_decode_failed"
    assert store.get_turn("sess1", "t1").error == "audio_decode_failed"  # type: ignore[index]


def test_failing_provider_falls_back_and_the_monitor_hears_of_it(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    registry.register_stt(CountingSTT("deepgram", fail=True))
    monitor, transcripts = tap(topics.MONITOR_EVENTS), tap(topics.VOICE_TRANSCRIPT)
    outbound = tap(topics.SESSION_OUTBOUND)
    handler = SttHandler(bus, store, registry, project_id)
    handler.handle(_utterance(_wav(_clip_pcm()), "audio/wav", stt_provider="deepgram"))
    assert json.loads(transcripts.pull()[0].data)["text"] == CLIP["text"]
    [event] = monitor.pull()
    record = json.loads(event.data)
    assert record["kind"] == "fallback" and "deepgram" in record["detail"]
    # Typed, for the monitor's breakdowns: who answered, who was passed over and why.
    assert record["provider"] == "whisper" and record["channel"] == "web"
    [passed] = record["fallbacks"]
    assert passed["provider"] == "deepgram" and passed["reason"]
    assert store.get_turn("sess1", "t1").stt_provider == "whisper"  # type: ignore[index]
    # The caller is told too, in ids the page puts into words.
    [final] = [json.loads(m.data)["event"] for m in outbound.pull()]
    assert final["stt_provider"] == "whisper"
    assert final["passed_over"] == [{"provider": "deepgram", "reason": "failed"}]


def test_a_chosen_speech_provider_with_no_key_is_named_as_passed_over(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    SttHandler(bus, store, registry, project_id).handle(
        _utterance(_wav(_clip_pcm()), "audio/wav", stt_provider="deepgram")
    )
    [final] = [json.loads(m.data)["event"] for m in outbound.pull()]
    assert final["type"] == "transcript_final" and final["stt_provider"] == "whisper"
    assert final["passed_over"] == [{"provider": "deepgram", "reason": "not_configured"}]
    TtsHandler(bus, store, registry).handle(_reply(0, True, tts_provider="deepgram"))
    [chunk] = [json.loads(m.data)["event"] for m in outbound.pull()]
    assert chunk["type"] == "audio_chunk" and chunk["tts_provider"] == "piper"
    assert chunk["passed_over"] == [{"provider": "deepgram", "reason": "not_configured"}]


# --- what stt trusts ------------------------------------------------------------------------------


@pytest.fixture
def stored(project_id: str) -> Callable[[str, str], str]:
    """Put the clip's WebM in the storage emulator at bucket/name; returns its gs:// URI."""
    client = storage.Client(project=project_id, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]

    def put(bucket: str, name: str) -> str:
        if client.lookup_bucket(bucket) is None:
            client.create_bucket(bucket)
        data = (FIXTURES / "speech" / CLIP["webm_opus"]).read_bytes()
        return audio_store.put(project_id, bucket, name, data, WEBM)

    return put


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The gs:// URIs stt downloads."""
    uris: list[str] = []
    download = audio_store.get

    def spy(project_id: str, uri: str) -> bytes:
        uris.append(uri)
        return download(project_id, uri)

    monkeypatch.setattr(audio_store, "get", spy)
    return uris


def test_stored_audio_of_the_session_is_fetched_and_transcribed(
    bus, store, session, registry, tap, project_id, stored, fetched
) -> None:  # type: ignore[no-untyped-def]
    transcripts = tap(topics.VOICE_TRANSCRIPT)
    uri = stored(AUDIO_BUCKET, "utterances/sess1/t1")  # where the relay puts it
    SttHandler(bus, store, registry, project_id).handle(
        _with_audio(AudioPayload(mime_type=WEBM, gcs_uri=uri))
    )
    assert json.loads(transcripts.pull()[0].data)["text"] == CLIP["text"]
    assert fetched == [uri]


@pytest.mark.parametrize(
    "where",
    [
        ("other", "utterances/sess1/t1"),  # the session's own path, in a bucket not ours
        (AUDIO_BUCKET, "utterances/sess2/t9"),  # our bucket, another session's utterance
        (AUDIO_BUCKET, "greetings/sess1/t1"),  # our bucket, not an utterance
    ],
    ids=["other-bucket", "other-session", "other-prefix"],
)
def test_stored_audio_elsewhere_is_refused_unread(
    bus, store, session, registry, tap, project_id, stored, fetched, where
) -> None:  # type: ignore[no-untyped-def]
    bucket, name = where
    if bucket == "other":
        bucket = f"elsewhere-{uuid.uuid4().hex[:8]}"
    transcripts, outbound = tap(topics.VOICE_TRANSCRIPT), tap(topics.SESSION_OUTBOUND)
    uri = stored(bucket, name)
    SttHandler(bus, store, registry, project_id).handle(
        _with_audio(AudioPayload(mime_type=WEBM, gcs_uri=uri))
    )
    [event] = outbound.pull()
    assert json.loads(event.data)["event"]["code"] == "bad_audio"
    assert fetched == []
    assert registry.stt("whisper").calls == 0  # type: ignore[attr-defined]
    assert transcripts.drain(0.5) == []
    assert store.get_turn("sess1", "t1").error == "bad_audio"  # type: ignore[index]


def test_a_rejection_for_another_users_session_reaches_nobody(
    bus, store, session, registry, tap, project_id
) -> None:  # type: ignore[no-untyped-def]
    outbound, monitor = tap(topics.SESSION_OUTBOUND), tap(topics.MONITOR_EVENTS)
    bad_webm = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40
    audio = AudioPayload(mime_type=WEBM, data_b64=base64.b64encode(bad_webm).decode())
    SttHandler(bus, store, registry, project_id).handle(_with_audio(audio, user="u2"))
    assert outbound.drain(1.5) == []  # sess1 is u1's: u1 hears nothing of it
    assert store.get_turn("sess1", "t1") is None  # nor is u1's turn closed
    assert monitor.drain(0.5) == []  # nor recorded as failed


def test_a_speculation_for_another_users_session_is_not_kept(
    bus, store, session, registry, project_id
) -> None:  # type: ignore[no-untyped-def]
    pcm = np.concatenate([_clip_pcm(), np.zeros(4800, np.int16)])  # ends in a pause
    audio = AudioPayload(mime_type="audio/wav", data_b64=base64.b64encode(_wav(pcm)).decode())
    SttHandler(bus, store, registry, project_id).handle(
        _with_audio(audio, user="u2", speculative=True)
    )
    assert registry.stt("whisper").calls == 0  # type: ignore[attr-defined]
    assert store.get_turn("sess1", "t1") is None  # nothing u1's final utterance would reuse


def _reply(
    index: int, final: bool, turn: str = "t1", purpose: str = "reply", **extra: object
) -> InboundMessage:
    msg = AgentReply(
        session_id="sess1",
        turn_id=turn,
        sentence_index=index,
        text=f"Piece {index}.",
        is_final=final,
        purpose=purpose,
        **extra,
    )  # type: ignore[arg-type]
    return InboundMessage(msg.model_dump_json().encode(), {}, f"r-{turn}-{index}")


def test_each_sentence_becomes_one_ordered_wav_chunk_once(
    bus, store, session, registry, tap
) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    handler = TtsHandler(bus, store, registry)
    for i in range(3):
        handler.handle(_reply(i, i == 2))
    handler.handle(_reply(1, False))  # redelivered
    events = [json.loads(m.data)["event"] for m in outbound.pull(expect=3)]
    assert [(e["chunk_index"], e["is_final"]) for e in events] == [
        (0, False),
        (1, False),
        (2, True),
    ]
    assert all(base64.b64decode(e["data_b64"])[:4] == b"RIFF" for e in events)
    assert registry.tts("piper").calls == 3  # type: ignore[attr-defined]
    assert outbound.drain(0.5) == []


def test_a_draft_is_spoken_as_the_draft_and_not_once_the_turn_moved_past_it(
    bus, store, session, registry, tap
) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    handler = TtsHandler(bus, store, registry)
    handler.handle(_reply(0, False, draft=1520))
    [held] = [json.loads(m.data) for m in outbound.pull(expect=1)]
    assert held["draft"] == 1520 and held["dedupe_key"] == "t1:draft:1520:audio:0"
    # The draft's sentence is not the turn's: the turn's own run may still speak index 0.
    handler.handle(_reply(0, False))
    [own] = [json.loads(m.data) for m in outbound.pull(expect=1)]
    assert own["draft"] is None and own["dedupe_key"] == "t1:audio:0"
    store.update_turn("sess1", "t1", TurnRecord(stt_done=True))  # ended on other speech
    handler.handle(_reply(1, True, draft=1520))
    assert outbound.drain(0.5) == []
    assert registry.tts("piper").calls == 2  # type: ignore[attr-defined]


def test_a_cancelled_turn_gets_no_more_audio(bus, store, session, registry, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    handler = TtsHandler(bus, store, registry)
    handler.handle(_reply(0, False))
    store.mark_cancelled("sess1", "t1")
    handler.handle(_reply(1, True))
    assert len(outbound.pull()) == 1 and outbound.drain(0.5) == []
    assert registry.tts("piper").calls == 1  # type: ignore[attr-defined]


def test_greeting_is_spoken_as_a_greeting_event(bus, store, session, registry, tap) -> None:  # type: ignore[no-untyped-def]
    outbound = tap(topics.SESSION_OUTBOUND)
    TtsHandler(bus, store, registry).handle(
        _reply(0, True, turn="greeting-sess1", purpose="greeting")
    )
    event = json.loads(outbound.pull()[0].data)["event"]
    assert (
        event["type"] == "greeting"
        and event["text"] == "Piece 0."
        and event["mime_type"] == "audio/wav"
    )


class HugeTTS(ToneTTS):
    """Speaks a sentence as more audio than one bus message can carry."""

    def synthesize(self, text: str) -> SpeechAudio:
        self.calls += 1
        return SpeechAudio(b"RIFF" + bytes(7_000_000), "audio/wav", 16000, 218_750, self.name)


def _tts_failed(outbound) -> dict[str, object]:  # type: ignore[no-untyped-def]
    [event] = [json.loads(m.data) for m in outbound.pull()]
    assert event["dedupe_key"] == "t1:error:tts:0"
    return event["event"]  # type: ignore[no-any-return]


def test_a_voice_that_cannot_start_gets_tts_failed_not_silence(  # type: ignore[no-untyped-def]
    bus, store, session, project_id, tap, monkeypatch
) -> None:
    reg = ProviderRegistry(SpeechSettings(env="test", GOOGLE_CLOUD_PROJECT=project_id))

    def missing_voice(name: str) -> TextToSpeech:
        raise FileNotFoundError(f"no voice model for {name}")

    monkeypatch.setattr(reg, "_build_tts", missing_voice)
    outbound, monitor = tap(topics.SESSION_OUTBOUND), tap(topics.MONITOR_EVENTS)
    TtsHandler(bus, store, reg).handle(_reply(0, True))  # acknowledged, not raised
    assert _tts_failed(outbound) == {
        "type": "error",
        "code": "tts_failed",
        "message": "the reply could not be spoken",
        "turn_id": "t1",
    }
    record = json.loads(monitor.pull()[0].data)
    assert record["kind"] == "turn_failed" and "no voice model" in record["detail"]


def test_audio_too_large_to_send_gets_tts_failed_not_silence(  # type: ignore[no-untyped-def]
    bus, store, session, project_id, tap
) -> None:
    reg = ProviderRegistry(SpeechSettings(env="test", GOOGLE_CLOUD_PROJECT=project_id))
    reg.register_tts(HugeTTS())
    outbound = tap(topics.SESSION_OUTBOUND)
    TtsHandler(bus, store, reg).handle(_reply(0, True))
    assert _tts_failed(outbound)["code"] == "tts_failed"
    assert outbound.drain(0.5) == []


def test_a_failing_monitor_report_does_not_unsay_the_audio(  # type: ignore[no-untyped-def]
    bus, store, session, registry, tap, monkeypatch
) -> None:
    publish = bus.publish

    def monitor_down(topic: str, message: object, **kwargs: object) -> str:
        if topic == topics.MONITOR_EVENTS:
            raise ConnectionError("monitor topic unavailable")
        return publish(topic, message, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(bus, "publish", monitor_down)
    outbound = tap(topics.SESSION_OUTBOUND)
    TtsHandler(bus, store, registry).handle(_reply(0, True))  # the first piece tells the monitor
    [event] = [json.loads(m.data)["event"] for m in outbound.pull()]
    assert event["type"] == "audio_chunk" and event["is_final"] is True
    assert store.get_turn("sess1", "t1").tts_sentences_done == [0]  # type: ignore[index]
    assert outbound.drain(0.5) == []
