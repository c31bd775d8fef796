"""Hanok Table's booking API, timed from outside as a booking page sees it: POST
/api/reservations over HTTP to the stack's hanok function.

At 1 and 20 concurrent clients: booking latency (median, p95). Then a ramp (1, 2, 4, ... 64
clients) reporting bookings per second at each step, until p95 reaches twice its value at one
client: the throughput this one instance holds before callers feel it. Each client books and
then cancels (the cancel is timed apart), so tables stay free and every booking is a real one:
a table found, held and committed.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bench.stats import peak_rss_by_process, summary
from functions.hanok.config import load_restaurant
from tests.e2e.conftest import RunningStack

RESTAURANT = load_restaurant()
WARMUP = 20
RAMP = (1, 2, 4, 8, 16, 32, 64)
STEP_SECONDS = 6.0


def _slots(horizon_days: int = 50) -> list[tuple[date, str]]:
    today = datetime.now(ZoneInfo(RESTAURANT.timezone)).date()
    return [
        (day, at.strftime("%H:%M"))
        for offset in range(2, horizon_days)
        for day in [today + timedelta(days=offset)]
        for at in RESTAURANT.slots_on(day)
    ]


class Client:
    """One guest's browser: a kept-alive connection booking and cancelling."""

    _phones = itertools.count(1000)
    _lock = threading.Lock()

    def __init__(self, base: str, token: str, slots: list[tuple[date, str]]):
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.slots = slots
        self.rng = random.Random()
        with Client._lock:
            self.phone = f"+1415556{next(Client._phones):04d}"

    def book_and_cancel(self) -> tuple[float, float, bool]:
        day, at = self.rng.choice(self.slots)
        body = {
            "guest_name": "Bench Guest",
            "phone": self.phone,
            "party_size": self.rng.randint(1, 6),
            "date": day.isoformat(),
            "time": at,
        }
        started = time.perf_counter()
        made = self.http.post("/api/reservations", json=body)
        booked_ms = (time.perf_counter() - started) * 1000
        if made.status_code != 201:
            return booked_ms, 0.0, False
        rid = made.json()["reservation"]["id"]
        started = time.perf_counter()
        self.http.post(
            f"/api/reservations/{rid}/cancel", json={"acknowledge_retention_offer": True}
        )
        return booked_ms, (time.perf_counter() - started) * 1000, True

    def close(self) -> None:
        self.http.close()


def _step(clients: list[Client], seconds: float) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    results: list[tuple[float, float, bool]] = []
    lock = threading.Lock()

    def loop(client: Client) -> None:
        while time.monotonic() < stop:
            outcome = client.book_and_cancel()
            with lock:
                results.append(outcome)

    started = time.monotonic()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(loop, clients))
    wall = time.monotonic() - started
    booked = [r[0] for r in results if r[2]]
    return {
        "clients": len(clients),
        "bookings": len(booked),
        "not_booked": len(results) - len(booked),
        "bookings_per_second": round(len(booked) / wall, 1),
        "booking_ms": summary(booked) if booked else {},
        "cancel_ms": summary([r[1] for r in results if r[2]]) if booked else {},
    }


def run(stack: RunningStack) -> dict[str, Any]:
    env = stack.env
    base = f"http://127.0.0.1:{env['CONVONET_HANOK_PORT']}"
    slots = _slots()
    pool = [Client(base, env["CONVONET_HANOK_TOKEN"], slots) for _ in range(max(RAMP))]
    try:
        for client in pool[:4]:
            for _ in range(WARMUP // 4):
                client.book_and_cancel()
        ramp: list[dict[str, Any]] = []
        for n in RAMP:
            ramp.append(_step(pool[:n], STEP_SECONDS))
            baseline = ramp[0]["booking_ms"]["p95"]
            if ramp[-1]["booking_ms"].get("p95", float("inf")) >= 2 * baseline:
                break
        at_20 = _step(pool[:20], STEP_SECONDS)
    finally:
        for client in pool:
            client.close()
    return {
        "at_1_client": ramp[0],
        "at_20_clients": at_20,
        "ramp_until_p95_doubles": ramp,
        "peak_rss_mib": peak_rss_by_process(env["CONVONET_STATE_DIR"]),
    }


def print_report(r: dict[str, Any]) -> None:
    print("Hanok Table booking API, POST /api/reservations over HTTP (ms)")
    for key in ("at_1_client", "at_20_clients"):
        s = r[key]
        b = s["booking_ms"]
        print(
            f"  {s['clients']:>3} clients: median {b['median']:>7}  p95 {b['p95']:>7}"
            f"  {s['bookings_per_second']:>7} bookings/s"
        )
    print("  ramp (clients: p95 ms, bookings/s):")
    for s in r["ramp_until_p95_doubles"]:
        print(f"    {s['clients']:>3}: {s['booking_ms'].get('p95')}, {s['bookings_per_second']}")
    print("Peak memory per process (MiB):")
    for name, mib in r["peak_rss_mib"].items():
        print(f"  {name:<20}{mib:>8}")
