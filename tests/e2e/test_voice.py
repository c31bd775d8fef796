"""Voice through the whole local stack, with the real speech fixtures and the offline models."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import wave
from typing import Any

import av
import numpy as np
import pytest
from google.cloud import firestore

from tests.conftest import FIXTURES
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.speech_metrics import word_error_rate
from tests.wsclient import RelayClient, send_batch, stream_pcm

pytestmark = pytest.mark.e2e
SPEECH = FIXTURES / "speech"
JOE = [c for c in json.loads((SPEECH / "manifest.json").read_text()) if c["voice"] == "joe"]


async def _signed_in(stack: RunningStack) -> tuple[RelayClient, dict[str, Any]]:
    client = await RelayClient.open(stack.relay_url)
    auth = await client.authenticate(DEMO_PIN)
    assert auth["type"] == "auth_ok"
    greeting = await client.recv()
    assert greeting["type"] == "greeting" and greeting["text"].startswith("Hello")
    _assert_wav(greeting["data_b64"])
    return client, auth


def _assert_wav(data_b64: str) -> float:
    with wave.open(io.BytesIO(base64.b64decode(data_b64))) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getnframes() > 0
        return w.getnframes() / w.getframerate()


async def _collect_turn(client: RelayClient, timeout: float = 30.0) -> dict[str, Any]:
    """Frames of one voice turn, until both its final audio chunk and ``agent_final`` (a draft
    reply's audio can come before the transcript and the text), or an error / no speech."""
    turn: dict[str, Any] = {"audio": [], "status": []}
    while True:
        frame = await client.recv(timeout)
        kind = frame["type"]
        if kind == "audio_chunk":
            turn["audio"].append(frame)
        elif kind in ("transcript_final", "agent_final", "processing_start"):
            turn[kind] = frame
        elif kind == "status":
            turn["status"].append(frame["message"])
            if frame["message"] == "no_speech":
                return turn
        elif kind == "error":
            turn["error"] = frame
            return turn
        if "agent_final" in turn and turn["audio"] and turn["audio"][-1]["is_final"]:
            return turn


def _check_answer(turn: dict[str, Any]) -> None:
    assert "agent_final" in turn, turn
    assert turn["agent_final"]["turn_id"] == turn["transcript_final"]["turn_id"]
    chunks = turn["audio"]
    assert chunks and chunks[-1]["is_final"]
    assert [c["chunk_index"] for c in chunks] == sorted(c["chunk_index"] for c in chunks)
    assert all(
        c["mime_type"] == "audio/wav" and c["turn_id"] == turn["agent_final"]["turn_id"]
        for c in chunks
    )
    assert sum(_assert_wav(c["data_b64"]) for c in chunks) > 0.3


def test_push_to_talk_webm_clips_are_understood_and_answered(stack: RunningStack) -> None:
    async def scenario() -> list[tuple[str, dict[str, Any]]]:
        client, _ = await _signed_in(stack)
        results = []
        for clip in JOE:
            await send_batch(
                client, (SPEECH / clip["webm_opus"]).read_bytes(), "audio/webm;codecs=opus"
            )
            assert (await client.recv())["message"] == "recording"
            await client.send({"type": "stop_recording"})
            results.append((clip["text"], await _collect_turn(client)))
        await client.close()
        return results

    results = asyncio.run(scenario())
    for _, turn in results:
        _check_answer(turn)
    wer = word_error_rate([(text, turn["transcript_final"]["text"]) for text, turn in results])
    assert wer <= 0.10, f"WER {wer:.1%}: " + "; ".join(
        t["transcript_final"]["text"] for _, t in results
    )


def _pcm16k(clip: dict[str, Any], trailing_silence_s: float = 0.6) -> bytes:
    with wave.open(str(SPEECH / clip["wav_16k"])) as w:
        assert w.getframerate() == 16000
        pcm = w.readframes(w.getnframes())
    return pcm + bytes(int(16000 * 2 * trailing_silence_s))


def test_hands_free_clips_end_by_server_vad_and_are_answered(stack: RunningStack) -> None:
    clips = JOE[:6]

    async def scenario() -> list[tuple[str, dict[str, Any]]]:
        client, _ = await _signed_in(stack)
        await client.send(
            {"type": "start_recording", "stt_mode": "streaming", "sample_rate": 16000}
        )
        assert (await client.recv())["message"] == "listening"
        results, sequence = [], 0
        for clip in clips:
            sender = asyncio.create_task(
                stream_pcm(client, _pcm16k(clip), start_sequence=sequence, pace=2.0)
            )
            turn = await _collect_turn(client)
            sequence = await sender
            results.append((clip["text"], turn))
        await client.send({"type": "stop_recording"})
        await client.close()
        return results

    results = asyncio.run(scenario())
    for _, turn in results:
        assert "speech_started" in turn["status"] and "speech_ended" in turn["status"]
        _check_answer(turn)
    assert word_error_rate([(t, turn["transcript_final"]["text"]) for t, turn in results]) <= 0.10


def test_cancel_stops_further_audio_for_the_turn(stack: RunningStack) -> None:
    async def scenario() -> tuple[str, list[dict[str, Any]]]:
        client, auth = await _signed_in(stack)
        for item in (
            "wash the car",
            "call the bank",
            "book the dentist",
            "pay the rent",
            "buy stamps",
            "fix the fence",
        ):
            await client.say(f"add a todo to {item}")
            while True:  # drain the spoken confirmation
                frame = await client.recv()
                if frame["type"] == "audio_chunk" and frame["is_final"]:
                    break
        await client.send({"type": "text", "text": "what are my todos"})
        turn_id = None
        while True:
            frame = await client.recv()
            if frame["type"] == "audio_chunk":
                turn_id = frame["turn_id"]
                break
        await client.send({"type": "cancel", "turn_id": turn_id})
        after: list[dict[str, Any]] = []
        acked = False
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            try:
                frame = await client.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            if frame["type"] == "status" and frame.get("message") == "cancelled":
                acked = True
            elif acked:
                after.append(frame)
        assert acked
        await client.close()
        return auth["session_id"], [f for f in after if f.get("turn_id") == turn_id] + [
            {"turn_id": turn_id}
        ]

    session_id, frames = asyncio.run(scenario())
    turn_id = frames.pop()["turn_id"]
    assert [f for f in frames if f["type"] == "audio_chunk"] == []
    turn = (
        firestore.Client(project="demo-convonet")
        .collection("sessions")
        .document(session_id)
        .collection("turns")
        .document(turn_id)
        .get()
        .to_dict()
    )
    assert turn["cancelled"] is True
    # TTS stopped: fewer pieces were spoken than the agent produced for this long reply.
    assert len(turn.get("tts_sentences_done", [])) < len(turn["reply"].split(";"))


def _opus_webm(seconds: float) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48000)
        stream.bit_rate = 6000
        silence = np.zeros((1, 960), dtype=np.int16)
        for i in range(int(seconds * 50)):
            frame = av.AudioFrame.from_ndarray(silence, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, i * 960
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def test_bad_audio_gets_clear_errors_and_the_session_keeps_working(stack: RunningStack) -> None:
    async def attempt(
        client: RelayClient, data: bytes, mime: str, chunk_bytes: int = 16000
    ) -> dict[str, Any]:
        """One recording; the first error it earns (from the relay, or later from STT)."""
        await send_batch(client, data, mime, chunk_bytes=chunk_bytes)
        await client.send({"type": "stop_recording"})
        first: dict[str, Any] | None = None
        while first is None:
            frame = await client.recv(60)
            if frame["type"] == "error":
                first = frame
        while True:  # later chunks of a dropped recording each get their own error
            try:
                await client.recv(0.5)
            except TimeoutError:
                return first

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        client, _ = await _signed_in(stack)
        rng = np.random.default_rng(7)
        garbage = rng.integers(0, 256, 30000, dtype=np.uint8).tobytes()
        errors = [
            await attempt(client, garbage, "audio/webm;codecs=opus"),  # no WebM header
            await attempt(
                client, b"\x1a\x45\xdf\xa3" + garbage, "audio/webm;codecs=opus"
            ),  # header, junk
            await attempt(client, b"", "audio/webm;codecs=opus"),  # 0 bytes
            await attempt(client, _opus_webm(20 * 60), "audio/webm;codecs=opus"),  # 20 minutes
            # 20 min of PCM in large chunks (in 16 kB ones, 2,400 frames at once are a flood).
            await attempt(
                client, bytes(20 * 60 * 16000 * 2), "audio/L16;rate=16000", chunk_bytes=500_000
            ),
            await attempt(client, garbage[:5000], "audio/flac"),
        ]
        # Out of order and not recording.
        await client.send({"type": "audio_chunk", "sequence": 0, "data_b64": "AAAA"})
        misc = [await client.recv()]
        await client.send({"type": "start_recording", "stt_mode": "batch"})
        await client.recv()
        await client.send({"type": "audio_chunk", "sequence": 3, "data_b64": "AAAA"})
        misc.append(await client.recv())
        await client.send({"type": "audio_chunk", "sequence": 0, "data_b64": "not base64!"})
        misc.append(await client.recv())
        await client.send({"type": "stop_recording"})
        misc.append(await client.recv())
        # Silence: an empty transcript, and no agent turn.
        silence = io.BytesIO()
        with wave.open(silence, "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
            w.writeframes(bytes(16000 * 2 * 2))
        await send_batch(client, silence.getvalue(), "audio/wav")
        await client.recv()
        await client.send({"type": "stop_recording"})
        quiet = await _collect_turn(client)
        # The session still answers.
        frames = await client.say("what are my todos")
        await client.close()
        return errors, misc, {"quiet": quiet, "after": frames[-1]}

    errors, misc, rest = asyncio.run(scenario())
    assert [e["code"] for e in errors] == [
        "bad_audio",
        "audio_decode_failed",
        "empty_utterance",
        "utterance_too_long",
        "utterance_too_large",
        "unsupported_audio",
    ]
    assert all(e["message"] for e in errors)
    assert [m.get("code") for m in misc] == [
        "not_recording",
        "chunk_out_of_order",
        "bad_audio",  # a corrupt chunk drops the recording...
        "not_recording",  # ...so there is nothing to stop
    ]
    assert (
        rest["quiet"]["transcript_final"]["text"] == "" and "no_speech" in rest["quiet"]["status"]
    )
    assert "agent_final" not in rest["quiet"]
    assert rest["after"]["type"] == "agent_final"
