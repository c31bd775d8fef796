"""A barge-in over a playing reply, through the real relay on the emulators: the test stands
in for ``tts`` (it sends the reply's audio through ``session-outbound``) and for ``stt`` (it
answers each ``barge_check`` with the words of the clip being spoken). Used by
tests/integration/test_relay_barge.py and bench/barge_in.py."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from google.cloud import pubsub_v1  # type: ignore[attr-defined]
from websockets.asyncio.client import connect

from shared import topics
from shared.bus import Bus
from shared.contracts import VoiceUtterance
from shared.outbound import send_to_client
from shared.ws_protocol import AudioOut, BargeCheck

CLIPS = Path(__file__).parent / "data" / "barge"
BACKCHANNEL_CLIPS = {
    "uh-huh": "Uh-huh.",
    "mm-hmm": "Mm-hmm.",
    "okay": "Okay.",
    "yeah": "Yeah.",
    "right": "Right.",
    "sure": "Sure.",
    "got_it": "Got it.",
    "i_see": "I see.",
}
INTERRUPTION_CLIPS = {
    "interrupt_no_cancel": "No, cancel.",
    "interrupt_wait_stop": "Wait, stop, I want to change something.",
}
REPLY_CHUNK_S = 0.4  # the reply's audio comes in pieces this long, one every 0.4 s
LEAD_IN_S = 0.3  # the caller starts after this much of the reply


def pcm(name: str) -> bytes:
    with wave.open(str(CLIPS / f"{name}.wav")) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1
        return w.readframes(w.getnframes())


def silence_wav(seconds: float) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(seconds * 16000))
    return base64.b64encode(out.getvalue()).decode()


def first_voiced_offset(data: bytes, threshold: int = 500) -> float:
    """Seconds into ``data`` (16 kHz PCM) of the first loud sample: where speech starts."""
    import numpy as np

    samples = np.abs(np.frombuffer(data, dtype="<i2").astype(np.int32))
    loud = np.nonzero(samples > threshold)[0]
    return float(loud[0]) / 16000 if loud.size else 0.0


class FakeStt:
    """Answers every barge_check on ``voice-utterance`` with ``self.text``."""

    def __init__(self, project_id: str, bus: Bus, relay_id: str):
        self.bus, self.relay_id, self.text = bus, relay_id, ""
        self.subscriber = pubsub_v1.SubscriberClient()
        self.path = self.subscriber.subscription_path(project_id, f"fake-stt-{time.time_ns()}")
        self.subscriber.create_subscription(
            name=self.path, topic=self.subscriber.topic_path(project_id, topics.VOICE_UTTERANCE)
        )
        self.checks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                response = self.subscriber.pull(
                    subscription=self.path, max_messages=10, timeout=1, return_immediately=False
                )
            except Exception:  # noqa: S112 - the emulator's pull times out when idle
                continue
            for m in response.received_messages:
                self.subscriber.acknowledge(subscription=self.path, ack_ids=[m.ack_id])
                msg = VoiceUtterance.model_validate_json(m.message.data)
                if msg.purpose == "barge_check":
                    self.checks += 1
                    check = BargeCheck(turn_id=msg.turn_id, text=self.text)
                    send_to_client(
                        self.bus, msg.session_id, msg.turn_id, self.relay_id, check, "barge_check"
                    )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.subscriber.delete_subscription(subscription=self.path)
        self.subscriber.close()


@dataclass
class Outcome:
    statuses: list[str] = field(default_factory=list)
    chunks_received: list[tuple[int, float]] = field(default_factory=list)  # index, at
    speech_at: float = 0.0  # when the caller's speech began (wall time, sent side)

    @property
    def interrupted(self) -> bool:
        return "barge_in" in self.statuses

    @property
    def last_chunk_after_speech_ms(self) -> float:
        """Interruption start -> the last reply audio the relay sent (received here)."""
        last = max((at for _, at in self.chunks_received), default=self.speech_at)
        return round((last - self.speech_at) * 1000, 1)


async def speak_over_reply(
    url: str,
    pin: str,
    bus: Bus,
    relay_id: str | None,
    stt: FakeStt | None,
    clip: str,
    text: str = "",
) -> Outcome:
    """``stt`` None: the stack's own stt answers; ``relay_id`` None: read from the session."""
    if stt is not None:
        stt.text = text
    out = Outcome()
    async with connect(url, open_timeout=20, max_size=None) as ws:
        await ws.send(json.dumps({"type": "authenticate", "pin": pin}))
        auth = json.loads(await asyncio.wait_for(ws.recv(), 20))
        assert auth["type"] == "auth_ok", auth
        session_id = auth["session_id"]
        if relay_id is None:
            from google.cloud import firestore

            from shared.session_store import SessionStore

            session = SessionStore(firestore.Client(project=bus.project_id)).get_session(session_id)
            assert session is not None
            relay_id = session.relay_id
        await ws.send(
            json.dumps({"type": "start_recording", "stt_mode": "streaming", "sample_rate": 16000})
        )
        turn = f"reply-{time.time_ns()}"
        stop = asyncio.Event()

        async def reply() -> None:  # tts: the reply's pieces, one after another
            assert relay_id is not None
            for i in range(12):
                if stop.is_set():
                    return
                event = AudioOut(
                    turn_id=turn,
                    chunk_index=i,
                    data_b64=silence_wav(REPLY_CHUNK_S),
                    mime_type="audio/wav",
                    is_final=i == 11,
                )
                await asyncio.to_thread(
                    send_to_client, bus, session_id, turn, relay_id, event, f"audio:{i}"
                )
                await asyncio.sleep(REPLY_CHUNK_S)

        async def caller(first_chunk: asyncio.Event) -> None:
            await first_chunk.wait()
            await asyncio.sleep(LEAD_IN_S)
            voice = bytes(int(16000 * 2 * 0.2)) + pcm(clip) + bytes(int(16000 * 2 * 1.2))
            out.speech_at = time.time() + first_voiced_offset(voice)
            frame = 640
            t0 = time.monotonic()
            for sequence, start in enumerate(range(0, len(voice), frame)):
                chunk = base64.b64encode(voice[start : start + frame]).decode()
                await ws.send(
                    json.dumps({"type": "audio_frame", "sequence": sequence, "data_b64": chunk})
                )
                delay = t0 + (sequence + 1) * 0.02 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

        first_chunk = asyncio.Event()
        tasks = [asyncio.create_task(reply()), asyncio.create_task(caller(first_chunk))]
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except TimeoutError:
                if (
                    tasks[1].done()
                    and len(out.statuses)
                    and out.statuses[-1]
                    in (
                        "resume",
                        "barge_in",
                    )
                ):
                    break
                continue
            if frame["type"] == "audio_chunk" and frame["turn_id"] == turn:
                out.chunks_received.append((frame["chunk_index"], time.time()))
                first_chunk.set()
            elif frame["type"] == "status":
                out.statuses.append(frame["message"])
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return out
