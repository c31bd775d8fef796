"""Voice-to-voice latency on the local stack with the offline providers.

push-to-talk  each clip's WebM sent as a browser's MediaRecorder sends it (a chunk every 250 ms
              of speech, in real time); from stop_recording -> the first audio_chunk
hands-free    each clip streamed as 20 ms audio_frames at real-time pace; from the end of the
              speech in the clip (its length less the 300 ms of trailing silence) -> first audio
floor         the same models in this one process, no relay, bus or stores:
              decode + STT + synthesis of the reply's first speakable piece
Stage breakdown comes from the turn's timings in Firestore (one clock: one machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import wave
from typing import Any

from google.cloud import firestore

from bench.stats import peak_rss_by_process, summary
from functions.agent_turn.agent.speaker import split_sentences
from tests.conftest import FIXTURES
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.wsclient import RelayClient, send_batch, stream_pcm

SPEECH = FIXTURES / "speech"
TRAILING_SILENCE_S = 0.3  # the fixtures' README: 300 ms of silence after the speech


def _clips() -> list[dict[str, Any]]:
    return [c for c in json.loads((SPEECH / "manifest.json").read_text()) if c["voice"] == "joe"]


async def _first_audio(client: RelayClient) -> tuple[float, dict[str, Any]]:
    """Wait for the turn's first audio chunk; then drain the rest of the turn (its final
    chunk and ``agent_final``, which a draft reply's audio can come before)."""
    first_at = 0.0
    turn: dict[str, Any] = {}
    final_audio = False
    while True:
        frame = await client.recv(60)
        if frame["type"] == "audio_chunk":
            if not first_at:
                first_at = time.time()
                turn["turn_id"] = frame["turn_id"]
            final_audio = final_audio or frame["is_final"]
        elif frame["type"] in ("transcript_final", "agent_final"):
            turn[frame["type"]] = frame["text"]
        elif frame["type"] == "error":
            raise RuntimeError(f"turn failed: {frame}")
        if final_audio and "agent_final" in turn:
            return first_at, turn


async def _push_to_talk(stack: RunningStack, repeats: int) -> tuple[str, list[dict[str, Any]]]:
    client = await RelayClient.open(stack.relay_url)
    auth = await client.authenticate(DEMO_PIN)
    await client.recv()  # greeting
    samples = []
    for round_ in range(repeats + 1):
        for clip in _clips():
            data = (SPEECH / clip["webm_opus"]).read_bytes()
            recording = asyncio.create_task(client.recv())  # status: recording
            await send_batch(
                client, data, "audio/webm;codecs=opus", real_time_seconds=clip["seconds"]
            )
            await recording
            stopped = time.time()
            await client.send({"type": "stop_recording"})
            first_at, turn = await _first_audio(client)
            if round_:  # the first round warms every path and is not measured
                samples.append(
                    {"clip": clip["id"], "sent": stopped, "first_audio": first_at, **turn}
                )
    await client.close()
    return auth["session_id"], samples


async def _hands_free(stack: RunningStack, repeats: int) -> tuple[str, list[dict[str, Any]]]:
    client = await RelayClient.open(stack.relay_url)
    auth = await client.authenticate(DEMO_PIN)
    await client.recv()  # greeting
    await client.send({"type": "start_recording", "stt_mode": "streaming", "sample_rate": 16000})
    await client.recv()  # status: listening
    samples, sequence = [], 0
    for round_ in range(repeats + 1):
        for clip in _clips():
            with wave.open(str(SPEECH / clip["wav_16k"])) as w:
                pcm = w.readframes(w.getnframes())
                seconds = w.getnframes() / w.getframerate()
            pcm += bytes(16000 * 2)  # the microphone stays open after the caller stops
            started = time.time()
            sender = asyncio.create_task(stream_pcm(client, pcm, start_sequence=sequence, pace=1.0))
            first_at, turn = await _first_audio(client)
            sequence = await sender
            speech_end = started + seconds - TRAILING_SILENCE_S
            if round_:
                samples.append(
                    {"clip": clip["id"], "sent": speech_end, "first_audio": first_at, **turn}
                )
            await asyncio.sleep(0.2)
    await client.send({"type": "stop_recording"})
    await client.close()
    return auth["session_id"], samples


def _stages(session_id: str, samples: list[dict[str, Any]]) -> dict[str, list[float]]:
    turns = (
        firestore.Client(project="demo-convonet")
        .collection("sessions")
        .document(session_id)
        .collection("turns")
    )
    parts: dict[str, list[float]] = {
        k: []
        for k in (
            "total",
            "relay",
            "hop_utterance",
            "stt",
            "hop_transcript",
            "agent",
            "hop_reply",
            "tts",
            "hop_outbound",
        )
    }
    for s in samples:
        t = turns.document(s["turn_id"]).get().to_dict()["timings"]
        # A turn answered by its draft reply (ADR 0019) was spoken before it ended: its
        # agent and tts stages start before its stt, and the hops between them are negative.
        tts = "tts_first_audio" if "tts_first_audio" in t else "draft_tts_first_audio"
        ms = lambda a, b: round((b - a) * 1000, 1)  # noqa: E731
        parts["total"].append(ms(s["sent"], s["first_audio"]))
        parts["relay"].append(ms(s["sent"], t["utterance_published"]["started_at"]))
        parts["hop_utterance"].append(
            ms(t["utterance_published"]["started_at"], t["stt_decode"]["started_at"])
        )
        parts["stt"].append(ms(t["stt_decode"]["started_at"], t["stt"]["ended_at"]))
        parts["hop_transcript"].append(ms(t["stt"]["ended_at"], t["agent"]["started_at"]))
        parts["agent"].append(ms(t["agent"]["started_at"], t["agent_first_sentence"]["ended_at"]))
        parts["hop_reply"].append(ms(t["agent_first_sentence"]["ended_at"], t[tts]["started_at"]))
        parts["tts"].append(ms(t[tts]["started_at"], t[tts]["ended_at"]))
        parts["hop_outbound"].append(ms(t[tts]["ended_at"], s["first_audio"]))
    return parts


def _answered_by_draft(session_id: str, samples: list[dict[str, Any]]) -> int:
    """How many of the turns their draft reply answered."""
    turns = firestore.Client(project="demo-convonet").collection("sessions")
    docs = [turns.document(session_id).collection("turns").document(s["turn_id"]) for s in samples]
    return sum(
        ((d.get().to_dict() or {}).get("draft_run") or {}).get("state") == "answered" for d in docs
    )


def _floor(samples: list[dict[str, Any]], repeats: int) -> dict[str, Any]:
    """decode + STT + first speakable piece, in this process, on the same models."""
    from shared.speech import audio
    from shared.speech.piper import PiperTTS
    from shared.speech.whisper import WhisperSTT

    stt, tts = WhisperSTT(), PiperTTS()
    stt.warm_up()
    tts.warm_up()
    replies = {s["clip"]: s.get("agent_final", "") for s in samples}
    totals: dict[str, list[float]] = {"total": [], "decode": [], "stt": [], "tts_first_piece": []}
    for _ in range(repeats):
        for clip in _clips():
            data = (SPEECH / clip["webm_opus"]).read_bytes()
            t0 = time.perf_counter()
            pcm = audio.decode(data, "audio/webm;codecs=opus")
            t1 = time.perf_counter()
            stt.transcribe(pcm)
            t2 = time.perf_counter()
            tts.synthesize(split_sentences(replies.get(clip["id"]) or "Okay.")[0])
            t3 = time.perf_counter()
            totals["decode"].append((t1 - t0) * 1000)
            totals["stt"].append((t2 - t1) * 1000)
            totals["tts_first_piece"].append((t3 - t2) * 1000)
            totals["total"].append((t3 - t0) * 1000)
    return {k: summary(v) for k, v in totals.items()}


def run(stack: RunningStack, repeats: int = 3) -> dict[str, Any]:
    stack.use_its_emulators()
    ptt_session, ptt = asyncio.run(_push_to_talk(stack, repeats))
    hf_session, hf = asyncio.run(_hands_free(stack, repeats))
    time.sleep(1.0)
    rss = peak_rss_by_process(stack.env["CONVONET_STATE_DIR"])
    floor = _floor(ptt, repeats)
    ptt_parts, hf_parts = _stages(ptt_session, ptt), _stages(hf_session, hf)
    floor_median = floor["total"]["median"]
    return {
        "clips": len(_clips()),
        "repeats": repeats,
        "vad_silence_ms": int(os.environ.get("CONVONET_VAD_SILENCE_MS", "300")),
        "push_to_talk_ms": {k: summary(v) for k, v in ptt_parts.items()},
        "hands_free_ms": {k: summary(v) for k, v in hf_parts.items()},
        "hands_free_answered_by_draft": _answered_by_draft(hf_session, hf),
        "floor_ms": floor,
        "ratio_to_floor": {
            "push_to_talk": round(summary(ptt_parts["total"])["median"] / floor_median, 2),
            "hands_free": round(summary(hf_parts["total"])["median"] / floor_median, 2),
        },
        "peak_rss_mib": rss,
    }


def print_report(r: dict[str, Any]) -> None:
    print(f"Voice to voice, {r['clips']} clips x {r['repeats']} (ms; offline providers)")
    for mode in ("push_to_talk_ms", "hands_free_ms"):
        print(f"  {mode[:-3]}:")
        print(f"    {'stage':<16}{'median':>9}{'p95':>9}")
        for name, s in r[mode].items():
            print(f"    {name:<16}{s['median']:>9}{s['p95']:>9}")
    print("  floor (one process: decode + STT + first TTS piece):")
    for name, s in r["floor_ms"].items():
        print(f"    {name:<16}{s['median']:>9}{s['p95']:>9}")
    print(f"  ratio to floor (median): {r['ratio_to_floor']}")
    print("Peak memory per process (MiB):")
    for name, mib in r["peak_rss_mib"].items():
        print(f"  {name:<20}{mib:>8}")
