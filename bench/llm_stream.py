"""A typed turn answered by a cloud model, streamed: as a caller's client sees it, from sending
``text`` to the first ``audio_chunk`` (speech starts) and to ``agent_final`` (the model is done).

The model is OpenAI's provider (the real ``openai`` SDK through LangChain) against the local
fake server ``tests/fakes/openai_server.py``, paced like a hosted model: ``FIRST_TOKEN_S`` to
the first token, then ``TOKENS_PER_S`` (a token is a word there). Every request is answered
with ``REPLY``, several sentences, so the speaker hands the first pieces to synthesis while
the model still writes the rest. The stack runs with ``CONVONET_LLM_PROVIDER=openai``, so it
is one of its own (``provider_env``), not the one the other benchmarks share.

  first audio  text sent -> the first audio_chunk (first piece: streamed, synthesised, sent)
  final        text sent -> agent_final (the last token, then the final publish)
  last audio   text sent -> the audio_chunk marked is_final
  model only   the scripted stream's own length: FIRST_TOKEN_S + (tokens - 1) / TOKENS_PER_S

The turn documents' ``agent_stages_ms`` say the same from inside agent_turn (model, first
piece handed on).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from google.cloud import firestore

from bench.stats import peak_rss_by_process, summary
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.fakes.llm_script import Text, Timing, Turn, tokens
from tests.fakes.openai_server import FakeOpenAI
from tests.wsclient import RelayClient

FIRST_TOKEN_S = 0.3
TOKENS_PER_S = 50.0
MODEL = "gpt-4.1-mini"
REPLY = (
    "Sure, here is how our week usually looks. We open at eleven in the morning every day "
    "except Monday. Lunch is served until half past two, and dinner starts again at five. "
    "On Fridays and Saturdays the kitchen stays open until ten at night. "
    "Would you like me to book a table for you?"
)
QUESTIONS = ["when are you open during the week", "tell me about your opening hours"]


class _AlwaysReplying(FakeOpenAI):
    """The fake OpenAI server answering every completion with ``REPLY`` (its own queue answers
    ``OK.`` once empty)."""

    def next_turn(self) -> Turn:
        return self.queue.popleft() if self.queue else Text(REPLY)


def fake_model() -> FakeOpenAI:
    timing = Timing(first_token=FIRST_TOKEN_S, tokens_per_second=TOKENS_PER_S)
    return _AlwaysReplying(api_key="sk-bench-" + secrets.token_hex(12), timing=timing)


def provider_env(fake: FakeOpenAI, base_url: str) -> dict[str, str]:
    """What points the stack's agent at the fake: the settings a deployment sets for OpenAI."""
    return {
        "CONVONET_LLM_PROVIDER": "openai",
        "OPENAI_API_KEY": fake.api_key,
        "CONVONET_OPENAI_BASE_URL": f"{base_url}/v1",
        "CONVONET_OPENAI_MODEL": MODEL,
    }


async def _turn(client: RelayClient, text: str) -> dict[str, Any]:
    """One turn: when its first audio chunk, agent_final and last audio chunk arrived."""
    sent = time.time()
    await client.send({"type": "text", "text": text})
    seen: dict[str, Any] = {"sent": sent, "chunks": 0}
    while "agent_final" not in seen or "last_audio" not in seen:
        frame = await client.recv(30)
        now = time.time()
        if frame["type"] == "error":
            raise RuntimeError(f"turn failed: {frame}")
        if frame["type"] == "audio_chunk":
            seen["chunks"] += 1
            seen.setdefault("first_audio", now)
            if frame["is_final"]:
                seen["last_audio"] = now
        elif frame["type"] == "agent_final":
            seen["agent_final"] = now
            seen["turn_id"] = frame["turn_id"]
            seen["text"] = frame["text"]
    return seen


async def _drive(stack: RunningStack, turns: int) -> tuple[str, list[dict[str, Any]]]:
    client = await RelayClient.open(stack.relay_url)
    auth = await client.authenticate(DEMO_PIN)
    await client.recv()  # greeting
    for i in range(2):  # warm-up turns (connections, first synthesis), not measured
        await _turn(client, QUESTIONS[i % 2])
    samples = [await _turn(client, QUESTIONS[i % 2]) for i in range(turns)]
    await client.close()
    return auth["session_id"], samples


def run(stack: RunningStack, fake: FakeOpenAI, turns: int = 20) -> dict[str, Any]:
    stack.use_its_emulators()
    session_id, samples = asyncio.run(_drive(stack, turns))
    for s in samples:
        if s["text"] != REPLY:
            raise RuntimeError(f"the turn was not answered by the fake model: {s['text']!r}")
    db = firestore.Client(project="demo-convonet")
    turns_ref = db.collection("sessions").document(session_id).collection("turns")
    time.sleep(1.0)  # the last turn's bookkeeping is written after agent_final is published
    first = [_ms(s, "first_audio") for s in samples]
    final = [_ms(s, "agent_final") for s in samples]
    lead = [b - a for a, b in zip(first, final, strict=True)]
    inside: dict[str, list[float]] = {"model": [], "first_piece": [], "total": []}
    for s in samples:
        doc = turns_ref.document(s["turn_id"]).get().to_dict() or {}
        stages: dict[str, float] = doc.get("agent_stages_ms") or {}
        for k, values in inside.items():
            if k in stages:
                values.append(stages[k])
    reply_tokens = len(tokens(REPLY))
    return {
        "turns": len(samples),
        "model": {
            "provider": "openai (fake server, real SDK)",
            "first_token_s": FIRST_TOKEN_S,
            "tokens_per_s": TOKENS_PER_S,
            "reply_tokens": reply_tokens,
            "stream_ms": round((FIRST_TOKEN_S + (reply_tokens - 1) / TOKENS_PER_S) * 1000, 1),
            "completion_requests": len(fake.requests_to("/chat/completions")),
        },
        "latency_ms": {
            "first_audio": summary(first),
            "agent_final": summary(final),
            "last_audio": summary([_ms(s, "last_audio") for s in samples]),
            "speech_lead": summary(lead),  # how long before agent_final speech started
        },
        "first_audio_before_final": sum(1 for x in lead if x > 0),
        "audio_chunks_per_turn": summary([float(s["chunks"]) for s in samples]),
        "agent_stages_ms": {k: summary(v) for k, v in inside.items() if v},
        "peak_rss_mib": peak_rss_by_process(stack.env["CONVONET_STATE_DIR"]),
    }


def _ms(sample: dict[str, Any], key: str) -> float:
    return float(sample[key] - sample["sent"]) * 1000


def print_report(r: dict[str, Any]) -> None:
    m = r["model"]
    print(
        f"Typed turn on a streamed cloud model ({m['provider']}: {m['first_token_s'] * 1000:.0f}"
        f" ms to the first token, {m['tokens_per_s']:.0f} tokens/s, {m['reply_tokens']}-token "
        f"reply, {m['stream_ms']:.0f} ms of streaming), {r['turns']} turns (ms from text sent)"
    )
    print(f"  {'to':<14}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}")
    for name, s in r["latency_ms"].items():
        print(f"  {name:<14}{s['median']:>9}{s['p95']:>9}{s['min']:>9}{s['max']:>9}")
    early = r["first_audio_before_final"]
    print(f"  speech began before agent_final in {early} of {r['turns']} turns")
    if r["agent_stages_ms"]:
        print("  inside agent_turn (agent_stages_ms):")
        for name, s in r["agent_stages_ms"].items():
            label = "  " + name.replace("_", " ")
            print(f"  {label:<14}{s['median']:>9}{s['p95']:>9}{s['min']:>9}{s['max']:>9}")
    print("Peak memory per process (MiB):")
    for name, mib in r["peak_rss_mib"].items():
        print(f"  {name:<20}{mib:>8}")
