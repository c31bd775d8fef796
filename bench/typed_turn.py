"""Typed turn latency: from sending ``text`` to receiving ``agent_final``, and where it goes.

Stage boundaries come from the turn's timings in Firestore (all processes share one clock):
  relay      received -> publish starts (Firestore turn write, validation)
  pubsub in  relay publish starts -> agent_turn starts (voice-transcript hop)
  agent      agent_turn start -> agent_final publish starts (reads, graph, tools, agent-reply)
  pubsub out agent_final publish starts -> client receives it (session-outbound hop + relay)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from google.cloud import firestore

from bench.stats import peak_rss_by_process, summary
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.wsclient import RelayClient

PHRASES = ["add a todo to buy milk number {i}", "what are my todos"]


async def _hear_reply(client: RelayClient) -> None:
    """Wait for the spoken reply, as a caller would, so speech synthesis of one turn does not
    compete for the CPU with the next turn."""
    while True:
        frame = await client.recv(30)
        if frame["type"] == "audio_chunk" and frame["is_final"]:
            return


async def _drive(stack: RunningStack, turns: int) -> tuple[str, list[dict[str, Any]]]:
    client = await RelayClient.open(stack.relay_url)
    auth = await client.authenticate(DEMO_PIN)
    await client.recv()  # greeting
    for i in range(3):  # warm-up turns, not measured
        await client.say(f"add a todo to warm up {i}")
        await _hear_reply(client)
    samples = []
    for i in range(turns):
        text = PHRASES[i % 2].format(i=i)
        sent = time.time()
        frames = await client.say(text)
        received = time.time()
        final = frames[-1]
        assert final["type"] == "agent_final", final
        samples.append({"turn_id": final["turn_id"], "sent": sent, "received": received})
        await _hear_reply(client)
    await client.close()
    return auth["session_id"], samples


def run(stack: RunningStack, turns: int = 60) -> dict[str, Any]:
    stack.use_its_emulators()
    session_id, samples = asyncio.run(_drive(stack, turns))
    db = firestore.Client(project="demo-convonet")
    turns_ref = db.collection("sessions").document(session_id).collection("turns")
    time.sleep(1.0)  # the last turn's bookkeeping is written after agent_final is published
    parts: dict[str, list[float]] = {
        k: [] for k in ("total", "relay", "pubsub_in", "agent", "pubsub_out")
    }
    for sample in samples:
        t = turns_ref.document(sample["turn_id"]).get().to_dict()["timings"]
        ms = lambda a, b: (b - a) * 1000  # noqa: E731
        parts["total"].append(ms(sample["sent"], sample["received"]))
        parts["relay"].append(ms(sample["sent"], t["relay_publish"]["started_at"]))
        parts["pubsub_in"].append(ms(t["relay_publish"]["started_at"], t["agent"]["started_at"]))
        parts["agent"].append(ms(t["agent"]["started_at"], t["outbound_publish"]["started_at"]))
        parts["pubsub_out"].append(ms(t["outbound_publish"]["started_at"], sample["received"]))
    hops = [a + b for a, b in zip(parts["pubsub_in"], parts["pubsub_out"], strict=True)]
    share = [h / tot for h, tot in zip(hops, parts["total"], strict=True)]
    return {
        "turns": len(samples),
        "latency_ms": {k: summary(v) for k, v in parts.items()},
        "pubsub_hops_ms": summary(hops),
        "pubsub_share_of_total": {"median": round(sorted(share)[len(share) // 2], 3)},
        "peak_rss_mib": peak_rss_by_process(stack.env["CONVONET_STATE_DIR"]),
    }


def print_report(r: dict[str, Any]) -> None:
    print(f"Typed turn, text -> agent_final, {r['turns']} turns (ms)")
    print(f"  {'stage':<12}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}")
    for name, s in r["latency_ms"].items():
        print(f"  {name:<12}{s['median']:>9}{s['p95']:>9}{s['min']:>9}{s['max']:>9}")
    h = r["pubsub_hops_ms"]
    print(
        f"  Pub/Sub hops: median {h['median']} ms, p95 {h['p95']} ms; "
        f"median share of the turn {r['pubsub_share_of_total']['median'] * 100:.0f}%"
    )
    print("Peak memory per process (MiB):")
    for name, mib in r["peak_rss_mib"].items():
        print(f"  {name:<20}{mib:>8}")
