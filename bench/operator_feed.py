"""The operator pages' two figures, measured from outside as a browser sees them.

live feed   a turn's last monitor event published to Pub/Sub -> that turn arriving on an open
            live feed (the real path: Pub/Sub emulator -> monitor worker -> Firestore ->
            the operator API's listener -> Server-Sent Events)
stats API   GET /agent-monitor/api/stats (and a page of interactions) through the pages
            server, with 10,000 stored turns spread over the past week
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from google.cloud import firestore

from bench.stats import peak_rss_by_process, summary
from functions.monitor.aggregates import stats_update
from functions.monitor.records import executed_call, turn_record
from functions.monitor.settings import expires_at
from functions.monitor.store import MonitorStore
from shared import topics
from shared.bus import Bus
from shared.contracts import MonitorEvent, StageTiming, ToolCallRecord
from shared.monitoring import layout
from shared.monitoring.layout import bucket_of
from tests.e2e.conftest import RunningStack

PROJECT = "demo-convonet"
DOMAINS = ("productivity", "mortgage", "healthcare", "hanok")
SEED_BATCH = 150  # turns per batch: 3 writes each, under Firestore's 500, each in its own hour


def _signed_in(stack: RunningStack) -> httpx.Client:
    client = httpx.Client(base_url=stack.http_url, timeout=30)
    answer = client.post(
        "/operator/api/sign-in",
        json={
            "username": stack.env["CONVONET_OPERATOR_USERNAME"],
            "password": stack.env["CONVONET_OPERATOR_PASSWORD"],
        },
    )
    answer.raise_for_status()
    return client


def _final_event(turn_id: str, at: float, n: int) -> MonitorEvent:
    call = ToolCallRecord(
        call_id=f"{turn_id}:add_todo:1",
        name="add_todo",
        arguments={"title": f"item {n}"},
        ok=n % 17 != 0,
        result_summary='{"ok": true}',
        started_at=at - 0.05,
        ended_at=at - 0.04,
    )
    return MonitorEvent(
        session_id="bench-session",
        turn_id=turn_id,
        service="agent_turn",
        kind="turn_completed",
        user_id=f"user-{n % 25}",
        text_in=f"add a todo number {n}",
        text_out=f"I added item {n}.",
        channel="web",
        provider="rules",
        model="convonet-rules",
        domain=DOMAINS[n % len(DOMAINS)],
        routed_by="rules",
        tool_calls=[call],
        timings=[StageTiming(stage="agent", started_at=at - 0.03 - (n % 7) / 100, ended_at=at)],
        at=at,
    )


def _listen(url: str, arrivals: dict[str, float], stop: threading.Event) -> None:
    # No read timeout: a quiet feed only pings every 15 s.
    with httpx.stream("GET", url, timeout=httpx.Timeout(10.0, read=None)) as stream:
        for line in stream.iter_lines():
            if stop.is_set():
                return
            if line.startswith("data: "):
                turn = json.loads(line[6:])
                if turn.get("status") and turn["turn_id"] not in arrivals:
                    arrivals[turn["turn_id"]] = time.time()


def live_feed(stack: RunningStack, client: httpx.Client, turns: int) -> dict[str, Any]:
    url = client.post("/agent-monitor/api/live-ticket").json()["url"]
    arrivals: dict[str, float] = {}
    stop = threading.Event()
    listener = threading.Thread(target=_listen, args=(url, arrivals, stop), daemon=True)
    listener.start()
    time.sleep(1.0)
    bus = Bus(PROJECT)
    published: dict[str, float] = {}
    for n in range(turns):
        turn_id = f"bench-live-{uuid.uuid4().hex[:12]}"
        bus.publish(topics.MONITOR_EVENTS, _final_event(turn_id, time.time(), n), ordered=False)
        published[turn_id] = time.time()  # the server has it: the event's last moment with us
        time.sleep(0.25)
    deadline = time.time() + 15
    while len(arrivals) < turns and time.time() < deadline:
        time.sleep(0.1)
    stop.set()
    waits = [(arrivals[t] - p) * 1000 for t, p in published.items() if t in arrivals]
    return {"turns": turns, "arrived": len(waits), "ms": summary(waits)}


def seed(count: int, days: int = 7) -> float:
    """``count`` turns written as the monitor writes them (its own record and counter
    functions), spread over the past ``days``, in batches rather than one transaction per
    event: the emulator takes about 50 ms a transaction."""
    client = firestore.Client(project=PROJECT)
    store = MonitorStore(client)
    now = time.time()
    hours = days * 24
    started = time.monotonic()

    def event(n: int) -> MonitorEvent:
        # Neighbouring turns land in different hours, so no batch writes one counter twice.
        at = now - 3600 * ((n % hours) + (n // hours) / (count / hours + 1)) - 60
        return _final_event(f"bench-seed-{n}", at, n)

    def write(first: int) -> None:
        batch = client.batch()
        for n in range(first, min(first + SEED_BATCH, count)):
            e = event(n)
            bucket = bucket_of(e.at)
            expires = expires_at(e.at, store.retention_days)
            record = turn_record(
                e, counted_status="answered", bucket=bucket, new_executions=[], expires=expires
            )
            turns = store.collection(layout.TURNS).document(e.turn_id)
            batch.set(turns, record.merge_fields(), merge=True)
            for call in e.tool_calls:
                doc = store.collection(layout.TOOL_CALLS).document(layout.field_key(call.call_id))
                batch.set(doc, executed_call(e, call, expires).model_dump(mode="python"))
            counters = stats_update(e, "answered", list(e.tool_calls))
            batch.set(store.collection(layout.STATS).document(bucket), counters, merge=True)
        batch.commit()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(0, count, SEED_BATCH)))
    return time.monotonic() - started


def _timed(client: httpx.Client, path: str, params: dict[str, str], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def api_latency(client: httpx.Client, repeats: int) -> dict[str, Any]:
    week = {"since": str(time.time() - 7 * 86_400)}
    cases = {
        "stats_24h": ("/agent-monitor/api/stats", {}),
        "stats_7d": ("/agent-monitor/api/stats", week),
        "tool_stats_7d": ("/tool-execution/api/stats", week),
        "interactions_page_50": ("/agent-monitor/api/interactions", {"limit": "50"}),
        "interactions_domain_filter": (
            "/agent-monitor/api/interactions",
            {"limit": "50", "domain": "mortgage", **week},
        ),
    }
    return {
        name: summary(_timed(client, path, params, repeats))
        for name, (path, params) in cases.items()
    }


def run(stack: RunningStack, turns: int = 40, stored: int = 10_000) -> dict[str, Any]:
    stack.use_its_emulators()
    client = _signed_in(stack)
    feed = live_feed(stack, client, turns)
    seconds = seed(stored)
    client.get("/agent-monitor/api/stats").raise_for_status()  # a warm instance, as in service
    latency = api_latency(client, repeats=30)
    stats = client.get(
        "/agent-monitor/api/stats", params={"since": str(time.time() - 8 * 86_400)}
    ).json()
    return {
        "live_feed_ms": feed,
        "stored_turns": stored,
        "turns_counted_in_window": stats["turns"]["total"],
        "seed_seconds": round(seconds, 1),
        "api_ms": latency,
        "peak_rss_mib": peak_rss_by_process(stack.env["CONVONET_STATE_DIR"]),
    }


def print_report(r: dict[str, Any]) -> None:
    feed = r["live_feed_ms"]
    print(
        f"live feed: last event -> on the feed, {feed['arrived']}/{feed['turns']} turns: "
        f"median {feed['ms']['median']} ms, p95 {feed['ms']['p95']} ms"
    )
    print(f"with {r['stored_turns']} stored turns ({r['turns_counted_in_window']} counted):")
    for name, s in r["api_ms"].items():
        print(f"  {name:28} median {s['median']:7.1f} ms  p95 {s['p95']:7.1f} ms")
    print(f"  operator API peak RSS {r['peak_rss_mib'].get('fn operator')} MiB")
