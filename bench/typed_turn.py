"""Typed turn latency: from sending ``text`` to receiving ``agent_final``, and where it goes.

Stage boundaries come from the turn's timings in Firestore (all processes share one clock):
  relay      received -> publish starts (Firestore turn write, validation)
  pubsub in  relay publish starts -> agent_turn starts (voice-transcript hop)
  agent      agent_turn start -> agent_final publish starts (reads, graph, tools, agent-reply)
  pubsub out agent_final publish starts -> client receives it (session-outbound hop + relay)

The agent stage broken down, from the turn document's ``agent_stages_ms`` (runner.py's
stage_clock: busy time inside each kind of run) and its timings:
  reads         agent_turn start -> the graph starts (session, turn and memory reads)
  route         the graph's route node
  model         inside chat-model calls
  tools         inside tool calls (MCP round trips to the tools server)
  publish       handing reply pieces on to agent-reply (the first one is waited for)
  graph         the rest of the graph's run (LangGraph, the speaker)
  final publish agent done -> agent_final published (session-outbound)
  first piece   the graph starts -> its first piece handed on
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from google.cloud import firestore

from bench.stats import peak_rss_by_process, summary
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.wsclient import RelayClient

BREAKDOWN = ("reads", "route", "model", "tools", "publish", "graph", "final_publish", "first_piece")
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
    breakdown = _agent_breakdown(
        [turns_ref.document(s["turn_id"]).get().to_dict() for s in samples]
    )
    hops = [a + b for a, b in zip(parts["pubsub_in"], parts["pubsub_out"], strict=True)]
    share = [h / tot for h, tot in zip(hops, parts["total"], strict=True)]
    return {
        "turns": len(samples),
        "latency_ms": {k: summary(v) for k, v in parts.items()},
        "agent_breakdown_ms": {k: summary(v) for k, v in breakdown.items() if v},
        "pubsub_hops_ms": summary(hops),
        "pubsub_share_of_total": {"median": round(sorted(share)[len(share) // 2], 3)},
        "peak_rss_mib": peak_rss_by_process(stack.env["CONVONET_STATE_DIR"]),
    }


def _agent_breakdown(docs: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Each turn's agent stage in parts (ms); turns stored without ``agent_stages_ms`` (an
    agent_turn from before it) are left out."""
    parts: dict[str, list[float]] = {k: [] for k in BREAKDOWN}
    for doc in docs:
        stages, t = doc.get("agent_stages_ms"), doc["timings"]
        if not stages:
            continue
        handler_ms = (t["agent"]["ended_at"] - t["agent"]["started_at"]) * 1000
        inner = sum(stages.get(k, 0.0) for k in ("route", "model", "tools", "publish"))
        parts["reads"].append(max(0.0, handler_ms - stages["total"]))
        for k in ("route", "model", "tools", "publish"):
            parts[k].append(stages.get(k, 0.0))
        parts["graph"].append(max(0.0, stages["total"] - inner))
        parts["final_publish"].append(
            (t["outbound_publish"]["ended_at"] - t["agent"]["ended_at"]) * 1000
        )
        if "first_piece" in stages:
            parts["first_piece"].append(stages["first_piece"])
    return parts


def print_report(r: dict[str, Any]) -> None:
    print(f"Typed turn, text -> agent_final, {r['turns']} turns (ms)")
    print(f"  {'stage':<12}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}")
    for name, s in r["latency_ms"].items():
        print(f"  {name:<12}{s['median']:>9}{s['p95']:>9}{s['min']:>9}{s['max']:>9}")
    if r.get("agent_breakdown_ms"):
        print("  the agent stage, in parts (ms):")
        for name, s in r["agent_breakdown_ms"].items():
            label = "  " + name.replace("_", " ")
            print(f"  {label:<16}{s['median']:>5}{s['p95']:>9}{s['min']:>9}{s['max']:>9}")
    else:
        print("  (no agent_stages_ms on the turns: agent_turn does not store them yet)")
    h = r["pubsub_hops_ms"]
    print(
        f"  Pub/Sub hops: median {h['median']} ms, p95 {h['p95']} ms; "
        f"median share of the turn {r['pubsub_share_of_total']['median'] * 100:.0f}%"
    )
    print("Peak memory per process (MiB):")
    for name, mib in r["peak_rss_mib"].items():
        print(f"  {name:<20}{mib:>8}")
