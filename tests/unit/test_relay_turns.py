"""A typed turn's publishing, and a connection's barge-in, with the real bus and session store
over small in-memory stand-ins for the Pub/Sub and Firestore clients (no services)."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import wave
from typing import Any

import pytest

from shared import topics
from shared.bus import Bus
from shared.contracts import SessionOutbound, VoiceTranscript
from shared.session_store import Session, SessionStore
from shared.settings import RelaySettings
from shared.ws_protocol import AudioOut
from websocket_relay.connection import ClientConnection, RelayServices
from websocket_relay.turn_publisher import PublishedTurn, publish_typed_turn

pytestmark = pytest.mark.unit

SESSION = Session(
    id="s-1", user_id="u-1", user_name="Ada", channel="web", relay_id="r-1", status="active"
)


# ---- stand-ins for the cloud clients ---------------------------------------------------------
class Future:
    def __init__(self, message_id: str) -> None:
        self.message_id = message_id

    def result(self, timeout: float | None = None) -> str:
        return self.message_id


class Publisher:
    """What ``Bus`` needs of ``pubsub_v1.PublisherClient``; it records what was published."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, str, dict[str, str]]] = []

    def topic_path(self, project: str, topic: str) -> str:
        return f"projects/{project}/topics/{topic}"

    def publish(self, path: str, data: bytes, ordering_key: str = "", **attributes: str) -> Future:
        self.published.append((path, data, ordering_key, attributes))
        return Future(f"m-{len(self.published)}")

    def resume_publish(self, path: str, ordering_key: str) -> None:
        pass


class Firestore:
    """What ``SessionStore`` writes through of ``firestore.Client``: documents by path."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    def collection(self, name: str) -> Ref:
        return Ref(self, name)


def merged(base: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Firestore's ``merge=True``: nested maps merge too."""
    out = dict(base)
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


class Ref:
    def __init__(self, db: Firestore, path: str) -> None:
        self.db, self.path = db, path

    def collection(self, name: str) -> Ref:
        return Ref(self.db, f"{self.path}/{name}")

    def document(self, name: str) -> Ref:
        return Ref(self.db, f"{self.path}/{name}")

    def set(self, fields: dict[str, Any], merge: bool = False) -> None:
        base = self.db.docs.get(self.path, {}) if merge else {}
        self.db.docs[self.path] = merged(base, fields)

    def update(self, fields: dict[str, Any]) -> None:
        self.db.docs[self.path] = {**self.db.docs[self.path], **fields}


def real_bus_and_store() -> tuple[Bus, Publisher, SessionStore, Firestore]:
    publisher, db = Publisher(), Firestore()
    bus = Bus("demo", publisher=publisher)  # type: ignore[arg-type]
    return bus, publisher, SessionStore(db), db  # type: ignore[arg-type]


class Clock:
    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def __call__(self) -> float:
        return self.readings.pop(0)


# ---- the turn publisher ----------------------------------------------------------------------
def test_a_typed_turn_starts_its_document_then_publishes_the_transcript() -> None:
    bus, publisher, store, db = real_bus_and_store()
    clock = Clock(100.0, 100.25, 100.5)
    turn = asyncio.run(publish_typed_turn(store, bus, SESSION, "t-1", "add milk", clock))

    assert turn == PublishedTurn(
        "t-1", received_at=100.0, publish_started=100.25, published_at=100.5
    )
    assert turn.publish_ms == 250.0
    doc = db.docs["sessions/s-1/turns/t-1"]
    assert doc["source"] == "text"
    assert doc["typed_text"] == "add milk"
    assert doc["created_at"] == 100.0
    assert doc["timings"]["received"] == {"started_at": 100.0, "ended_at": 100.0}

    ((path, data, ordering_key, attributes),) = publisher.published
    assert path == f"projects/demo/topics/{topics.VOICE_TRANSCRIPT}"
    assert ordering_key == "s-1"  # a session's messages stay in order
    assert attributes == {"session_id": "s-1", "turn_id": "t-1"}
    assert VoiceTranscript.model_validate_json(data) == VoiceTranscript(
        session_id="s-1",
        turn_id="t-1",
        user_id="u-1",
        text="add milk",
        source="text",
        received_at=100.0,
    )


def test_a_failed_publish_is_raised_after_the_turn_document_was_started() -> None:
    bus, publisher, store, db = real_bus_and_store()

    def refuse(*args: Any, **kwargs: Any) -> Future:
        raise RuntimeError("pubsub unavailable")

    publisher.publish = refuse  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="unavailable"):
        asyncio.run(publish_typed_turn(store, bus, SESSION, "t-1", "hello"))
    assert "sessions/s-1/turns/t-1" in db.docs


# ---- the connection: typed turns and barge-in ------------------------------------------------
class Socket:
    """The server side of a caller's WebSocket: what the relay sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, raw: str) -> None:
        self.sent.append(json.loads(raw))

    def kinds(self) -> list[tuple[str, str | None]]:
        return [(f["type"], f.get("message")) for f in self.sent]


def connection() -> tuple[ClientConnection, Socket, Publisher, Firestore]:
    bus, publisher, store, db = real_bus_and_store()
    ws = Socket()
    services = RelayServices(
        RelaySettings(env="test", relay_id="r-1"),
        bus,
        store,
        auth=None,  # type: ignore[arg-type]
        router=None,  # type: ignore[arg-type]
    )
    conn = ClientConnection(ws, services, "127.0.0.1")  # type: ignore[arg-type]
    conn.session = SESSION
    return conn, ws, publisher, db


def wav_b64(seconds: float) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(b"\x00\x00" * round(seconds * 16_000))
    return base64.b64encode(out.getvalue()).decode()


def reply_audio(turn_id: str, index: int, seconds: float) -> SessionOutbound:
    event = AudioOut(
        turn_id=turn_id, chunk_index=index, data_b64=wav_b64(seconds), mime_type="audio/wav"
    )
    return SessionOutbound(
        session_id=SESSION.id,
        turn_id=turn_id,
        relay_id="r-1",
        event=event,
        dedupe_key=f"{turn_id}:audio:{index}",
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.01)


def test_a_typed_turn_is_opened_answered_with_processing_start_and_timed() -> None:
    async def go() -> tuple[ClientConnection, Socket, Publisher, Firestore]:
        conn, ws, publisher, db = connection()
        await conn.publish_text_turn(SESSION, "t-1", "add milk")
        await settle()
        conn.watch.stop()
        return conn, ws, publisher, db

    conn, ws, publisher, db = asyncio.run(go())
    assert ws.sent == [{"type": "processing_start", "turn_id": "t-1"}]
    assert conn.current_turn == "t-1" and "t-1" in conn.turns
    assert len(publisher.published) == 1
    timings = db.docs["sessions/s-1/turns/t-1"]["timings"]
    assert {"received", "relay_publish"} <= set(timings)


def test_speech_over_a_playing_reply_barges_in_on_that_turn() -> None:
    async def go() -> tuple[ClientConnection, Socket, Firestore]:
        conn, ws, _, db = connection()
        conn.deliver(reply_audio("t-1", 0, 5.0))
        await settle()
        assert conn.speaking_turn == "t-1"
        await conn.audio.on_endpoint("speech_started", None)
        await conn.audio._decide("interrupt")  # barge.py decides (tests/unit/test_relay_barge.py)
        await settle()
        return conn, ws, db

    conn, ws, db = asyncio.run(go())
    assert ws.kinds()[-3:] == [
        ("status", "maybe_interrupt"),
        ("status", "speech_started"),
        ("status", "barge_in"),
    ]
    assert ws.sent[-1]["turn_id"] == "t-1"
    assert conn.speaking_turn is None
    assert "t-1" in conn.cancelled_turns
    assert db.docs["sessions/s-1/turns/t-1"]["cancelled"] is True
    # The cancelled turn's later audio is not forwarded.
    conn.deliver(reply_audio("t-1", 1, 1.0))
    assert [f for f in ws.sent if f["type"] == "audio_chunk"] == [ws.sent[0]]


def test_speech_after_the_reply_finished_is_no_barge_in() -> None:
    async def go() -> Socket:
        conn, ws, _, _ = connection()
        conn.deliver(reply_audio("t-1", 0, 0.0))  # a header and no samples: already over
        await settle()
        await conn.audio.on_endpoint("speech_started", None)
        return ws

    ws = asyncio.run(go())
    assert ws.kinds() == [("audio_chunk", None), ("status", "speech_started")]
