"""functions.stt.handler's two paths, with an in-memory bus and store: what a speculative snapshot
and a final utterance each read, keep, publish and report. (Against the emulators, and the
stored-audio and fallback cases: tests/integration/test_speech_handlers.py.)"""

from __future__ import annotations

import base64
import io
import json
import time
import wave
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pytest

from functions.stt.handler import SttHandler
from shared import topics
from shared.contracts import AudioPayload, Contract, VoiceTranscript, VoiceUtterance
from shared.session_store import Session
from shared.settings import SpeechSettings
from shared.speech.base import ProviderError, SpeechToText, Transcript
from shared.speech.registry import ProviderRegistry
from shared.turn_record import KeptSpeculation, TurnRecord
from tests.conftest import FIXTURES

pytestmark = pytest.mark.unit

CLIP = json.loads((FIXTURES / "speech" / "manifest.json").read_text())[0]
SILENCE_300MS = np.zeros(4800, np.int16)


class FakeBus:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Contract]] = []

    def publish(self, topic: str, message: Contract, **kwargs: object) -> str:
        self.sent.append((topic, message))
        return str(len(self.sent))

    def on(self, topic: str) -> list[Any]:
        return [m for t, m in self.sent if t == topic]

    def events(self) -> list[dict[str, Any]]:
        return [m.event.model_dump() for m in self.on(topics.SESSION_OUTBOUND)]


class FakeStore:
    def __init__(self, session: Session) -> None:
        self.sessions = {session.id: session}
        self.turns: dict[tuple[str, str], dict[str, Any]] = {}
        self.reads = 0

    def get_session(self, session_id: str) -> Session | None:
        self.reads += 1
        return self.sessions.get(session_id)

    def get_turn(self, session_id: str, turn_id: str) -> TurnRecord | None:
        self.reads += 1
        turn = self.turns.get((session_id, turn_id))
        return TurnRecord.model_validate(turn) if turn is not None else None

    def update_turn(self, session_id: str, turn_id: str, update: TurnRecord) -> None:
        self.turns.setdefault((session_id, turn_id), {}).update(update.for_write())

    def turn(self) -> dict[str, Any]:
        return self.turns.get(("sess1", "t1"), {})


class CountingSTT(SpeechToText):
    def __init__(self, text: str = CLIP["text"], fail: bool = False) -> None:
        self.name, self.text, self.fail, self.calls = "whisper", text, fail, 0

    def transcribe(
        self, pcm: np.ndarray, language: str = "en", hints: Sequence[str] = ()
    ) -> Transcript:
        self.calls += 1
        self.hints = tuple(hints)
        if self.fail:
            raise ProviderError("service unavailable")
        return Transcript(self.text, self.name)


@pytest.fixture
def stt() -> CountingSTT:
    return CountingSTT()


@pytest.fixture
def bus() -> FakeBus:
    return FakeBus()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore(
        Session(
            id="sess1",
            user_id="u1",
            user_name="Ada",
            channel="web",
            relay_id="relayA",
            status="active",
        )
    )


@pytest.fixture
def handler(bus: FakeBus, store: FakeStore, stt: CountingSTT) -> SttHandler:
    registry = ProviderRegistry(SpeechSettings(env="test", GOOGLE_CLOUD_PROJECT="demo-unit"))
    registry.register_stt(stt)
    return SttHandler(bus, store, registry, "demo-unit")  # type: ignore[arg-type]


@cache
def clip() -> np.ndarray:
    with wave.open(str(FIXTURES / "speech" / CLIP["wav_16k"])) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def _wav(pcm: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


def utterance(
    pcm: np.ndarray | None = None,
    *,
    speculative: bool = False,
    ago: float = 0.0,
    user: str = "u1",
    data: bytes | None = None,
    draft: int | None = None,
) -> VoiceUtterance:
    data = _wav(clip() if pcm is None else pcm) if data is None else data
    return VoiceUtterance(
        session_id="sess1",
        turn_id="t1",
        user_id=user,
        ended_at=time.time() - ago,
        audio=AudioPayload(mime_type="audio/wav", data_b64=base64.b64encode(data).decode()),
        speculative=speculative,
        draft=draft,
    )


def snapshot(pcm: np.ndarray | None = None, **extra: Any) -> VoiceUtterance:
    return utterance(pcm, speculative=True, **extra)


# --- snapshots ----------------------------------------------------------------------------------


def test_a_snapshot_at_a_pause_is_transcribed_and_kept_not_published(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    handler._handle(snapshot())
    assert stt.calls == 1 and bus.sent == []
    assert store.turn() == {
        "speculation": {
            "samples": clip().size,
            "text": CLIP["text"],
            "provider": "whisper",
            "draft": None,
        }
    }


def test_a_stale_snapshot_is_skipped_unread(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    handler._handle(snapshot(ago=1.0))
    assert store.reads == 0 and stt.calls == 0 and store.turn() == {} and bus.sent == []


def test_a_stale_final_utterance_is_still_transcribed(
    handler: SttHandler, bus: FakeBus, stt: CountingSTT
) -> None:
    handler._handle(utterance(ago=10.0))
    assert stt.calls == 1 and len(bus.on(topics.VOICE_TRANSCRIPT)) == 1


def test_a_snapshot_mid_word_is_not_transcribed(
    handler: SttHandler, store: FakeStore, stt: CountingSTT
) -> None:
    pcm = clip()
    handler._handle(snapshot(pcm[: pcm.size // 2]))
    assert stt.calls == 0 and store.turn() == {}


def test_a_snapshot_is_not_transcribed_once_the_final_is_under_way(
    handler: SttHandler, store: FakeStore, stt: CountingSTT
) -> None:
    store.update_turn("sess1", "t1", TurnRecord(source="voice"))
    handler._handle(snapshot())
    assert stt.calls == 0 and "speculation" not in store.turn()


def test_bad_audio_in_a_snapshot_is_not_reported(
    handler: SttHandler, bus: FakeBus, store: FakeStore
) -> None:
    handler._handle(snapshot(data=b"not a wav file at all"))
    assert bus.sent == [] and store.turn() == {}


def test_a_failing_provider_on_a_snapshot_is_not_reported(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    stt.fail = True
    handler._handle(snapshot())
    assert stt.calls == 1 and bus.sent == [] and store.turn() == {}


def test_a_later_snapshot_after_only_silence_reuses_and_extends_the_kept_transcript(
    handler: SttHandler, store: FakeStore, stt: CountingSTT
) -> None:
    handler._handle(snapshot())
    longer = np.concatenate([clip(), SILENCE_300MS])
    handler._handle(snapshot(longer))
    assert stt.calls == 1
    assert store.turn()["speculation"]["samples"] == longer.size


# --- final utterances -----------------------------------------------------------------------------


def test_a_final_utterance_is_published_to_the_agent_and_the_client(
    handler: SttHandler, bus: FakeBus, store: FakeStore
) -> None:
    handler._handle(utterance())
    [transcript] = bus.on(topics.VOICE_TRANSCRIPT)
    assert isinstance(transcript, VoiceTranscript) and transcript.text == CLIP["text"]
    [final] = bus.events()
    assert final["type"] == "transcript_final" and final["stt_provider"] == "whisper"
    [monitor] = bus.on(topics.MONITOR_EVENTS)
    assert monitor.kind == "turn_started" and monitor.channel == "web"
    turn = store.turn()
    assert turn["stt_done"] and turn["status"] == "transcribed"
    assert set(turn["timings"]) == {"stt_decode", "stt", "transcript_published"}


def test_a_final_utterance_after_only_silence_reuses_the_snapshot(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    kept = KeptSpeculation(samples=clip().size, text="kept", provider="deepgram")
    store.update_turn("sess1", "t1", TurnRecord(speculation=kept))
    handler._handle(utterance(np.concatenate([clip(), SILENCE_300MS])))
    assert stt.calls == 0
    assert bus.on(topics.VOICE_TRANSCRIPT)[0].text == "kept"
    assert bus.events()[0]["stt_provider"] == "deepgram"
    assert store.turn()["stt_provider"] == "deepgram"


def test_a_final_utterance_with_more_speech_is_transcribed_again(
    handler: SttHandler, store: FakeStore, stt: CountingSTT
) -> None:
    kept = KeptSpeculation(samples=clip().size // 2, text="kept", provider="x")
    store.update_turn("sess1", "t1", TurnRecord(speculation=kept))
    handler._handle(utterance())
    assert stt.calls == 1 and store.turn()["transcript"] == CLIP["text"]


# --- draft replies ------------------------------------------------------------------------------


def test_a_snapshot_asking_for_a_draft_sends_its_words_to_the_agent_as_that_draft(
    handler: SttHandler, bus: FakeBus, store: FakeStore
) -> None:
    handler._handle(snapshot(draft=1520))
    [draft] = bus.on(topics.VOICE_TRANSCRIPT)
    assert draft.draft == 1520 and draft.commits_draft is None and draft.text == CLIP["text"]
    # The caller's words go with the draft's audio: held by the relay until the turn ends.
    [told] = bus.on(topics.SESSION_OUTBOUND)
    assert told.draft == 1520 and told.dedupe_key == "t1:draft:1520:transcript_final"
    assert told.event.type == "transcript_final" and told.event.text == CLIP["text"]
    assert store.turn()["speculation"]["draft"] == 1520


def test_a_final_utterance_that_ended_on_the_draft_commits_its_transcript(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    kept = KeptSpeculation(samples=clip().size // 2, text="kept", provider="whisper", draft=1520)
    store.update_turn("sess1", "t1", TurnRecord(speculation=kept))
    # The relay heard no speech after the snapshot: its words stand, whatever the tail holds.
    handler._handle(utterance(draft=1520))
    assert stt.calls == 0
    [final] = bus.on(topics.VOICE_TRANSCRIPT)
    assert final.text == "kept" and final.commits_draft == 1520 and final.draft is None
    assert store.turn()["committed_draft"] == 1520 and store.turn()["stt_done"]
    assert bus.events() == []  # its transcript_final went out with the draft's audio


def test_a_final_utterance_naming_a_draft_that_was_not_kept_commits_nothing(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    kept = KeptSpeculation(samples=clip().size // 2, text="kept", provider="whisper", draft=900)
    store.update_turn("sess1", "t1", TurnRecord(speculation=kept))
    handler._handle(utterance(draft=1520))
    assert stt.calls == 1
    [final] = bus.on(topics.VOICE_TRANSCRIPT)
    assert final.text == CLIP["text"] and final.commits_draft is None
    assert "committed_draft" not in store.turn()
    assert [e["type"] for e in bus.events()] == ["transcript_final"]


def test_an_empty_final_transcript_tells_the_client_no_speech_and_not_the_agent(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    stt.text = "   "
    handler._handle(utterance(SILENCE_300MS))
    assert bus.on(topics.VOICE_TRANSCRIPT) == []
    assert [e["type"] for e in bus.events()] == ["transcript_final", "status"]
    assert bus.events()[1]["message"] == "no_speech"
    assert store.turn()["status"] == "no_speech" and store.turn()["transcript"] == ""


def test_bad_audio_in_a_final_utterance_is_reported(
    handler: SttHandler, bus: FakeBus, store: FakeStore
) -> None:
    handler._handle(utterance(data=b"not a wav file at all"))
    [error] = bus.events()
    assert error["type"] == "error"
    assert store.turn()["status"] == "rejected" and store.turn()["error"] == error["code"]
    assert bus.on(topics.MONITOR_EVENTS)[0].kind == "turn_failed"


def test_a_failing_provider_on_a_final_utterance_is_reported(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT
) -> None:
    stt.fail = True
    handler._handle(utterance())
    [error] = bus.events()
    assert error["code"] == "stt_failed" and store.turn()["error"] == "stt_failed"
    assert bus.on(topics.VOICE_TRANSCRIPT) == []


# --- both paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("speculative", [True, False], ids=["snapshot", "final"])
@pytest.mark.parametrize("done", ["stt_done", "cancelled"])
def test_a_settled_turn_is_skipped(
    handler: SttHandler,
    bus: FakeBus,
    store: FakeStore,
    stt: CountingSTT,
    speculative: bool,
    done: str,
) -> None:
    store.update_turn("sess1", "t1", TurnRecord.model_validate({done: True}))
    handler._handle(utterance(speculative=speculative))
    assert stt.calls == 0 and bus.sent == [] and store.turn() == {done: True}


@pytest.mark.parametrize("speculative", [True, False], ids=["snapshot", "final"])
def test_an_utterance_for_another_users_session_is_dropped(
    handler: SttHandler, bus: FakeBus, store: FakeStore, stt: CountingSTT, speculative: bool
) -> None:
    handler._handle(utterance(user="u2", speculative=speculative))
    assert stt.calls == 0 and bus.sent == [] and store.turn() == {}


# --- barge checks -------------------------------------------------------------------------------


def test_a_barge_check_is_heard_with_the_backchannel_primer_and_a_turn_without(
    handler: SttHandler, stt: CountingSTT
) -> None:
    from functions.stt.handler import BARGE_CHECK_HINTS

    handler._handle(utterance().model_copy(update={"purpose": "barge_check"}))
    assert stt.hints == BARGE_CHECK_HINTS
    handler._handle(utterance().model_copy(update={"turn_id": "t2"}))
    assert stt.hints == ()
