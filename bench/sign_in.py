"""Sign-in as callers and attackers see it, on the local stack.

normal       connect -> auth_ok for the demo user, one connection at a time
spray        200 parallel connections from one address, one wrong PIN each; then 400 from 50
             addresses (8 each, through X-Forwarded-For, the stack trusting one hop): how many
             PINs were checked (answers that say "wrong PIN") against the budgets, and how
             long until every attempt was answered
under spray  connect -> auth_ok by account and PIN from a fresh address while the spray holds
bomb         20 connections that each send, before sign-in, a frame that inflates to 16 MiB
             (~16 KB on the wire): the relay's resident memory before and after
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.stats import memory_by_process, peak_rss_by_process, summary
from tests.e2e.conftest import DEMO_PIN, RunningStack

DEMO_ACCOUNT = "demo@convonet.local"


async def _sign_in(
    url: str, pin: str, forwarded: str | None = None, account: str | None = None
) -> tuple[float, dict[str, Any]]:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    started = time.perf_counter()
    async with connect(url, additional_headers=headers, open_timeout=30) as ws:
        frame = {"type": "authenticate", "pin": pin} | ({"account": account} if account else {})
        await ws.send(json.dumps(frame))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 60))
    return (time.perf_counter() - started) * 1000, answer


def _checked(answers: list[dict[str, Any]]) -> int:
    """Attempts whose PIN was checked: their answer says it was wrong."""
    return sum("wrong" in a.get("message", "") for a in answers)


async def _spray(url: str, addresses: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    results = await asyncio.gather(*(_sign_in(url, "111333", a) for a in addresses))
    answers = [a for _, a in results]
    return {
        "attempts": len(answers),
        "pins_checked": _checked(answers),
        "refused_unchecked": len(answers) - _checked(answers),
        "all_answered_ms": round((time.perf_counter() - started) * 1000, 1),
        "answer_ms": summary([ms for ms, _ in results]),
    }


async def _bomb(url: str, connections: int = 20) -> list[int | None]:
    bomb = json.dumps({"type": "heartbeat", "pad": " " * (16 * 1024 * 1024)})
    codes: list[int | None] = []

    async def one() -> None:
        async with connect(url, max_size=None) as ws:
            await ws.send(bomb)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 30)
            except ConnectionClosed:
                codes.append(ws.close_code)

    await asyncio.gather(*(one() for _ in range(connections)))
    return codes


def _relay_rss_mib(stack: RunningStack) -> float:
    return memory_by_process(stack.env["CONVONET_STATE_DIR"]).get("relay", float("nan"))


async def _drive(stack: RunningStack, normal_runs: int) -> dict[str, Any]:
    url = stack.relay_url
    normal = [(await _sign_in(url, DEMO_PIN))[0] for _ in range(normal_runs)]
    rss_before = _relay_rss_mib(stack)
    codes = await _bomb(url)
    rss_after = _relay_rss_mib(stack)
    one_address = await _spray(url, ["203.0.113.7"] * 200)
    many = await _spray(url, [f"192.0.2.{n}" for n in range(1, 51)] * 8)
    scoped = [
        await _sign_in(url, DEMO_PIN, f"198.51.100.{n}", account=DEMO_ACCOUNT) for n in range(10)
    ]
    pin_only = await _sign_in(url, DEMO_PIN, "198.51.100.99")
    return {
        "normal_sign_in_ms": summary(normal),
        "bomb": {
            "connections": len(codes),
            "closed_1009": codes.count(1009),
            "relay_rss_before_mib": rss_before,
            "relay_rss_after_mib": rss_after,
        },
        "spray_one_address": one_address,
        "spray_50_addresses": many,
        "account_sign_in_during_spray_ms": summary([ms for ms, _ in scoped]),
        "account_sign_ins_ok": sum(a["type"] == "auth_ok" for _, a in scoped),
        "pin_only_during_spray": pin_only[1].get("code", pin_only[1]["type"]),
    }


def run(stack: RunningStack, normal_runs: int = 30) -> dict[str, Any]:
    figures = asyncio.run(_drive(stack, normal_runs))
    figures["peak_rss_mib"] = peak_rss_by_process(stack.env["CONVONET_STATE_DIR"])
    return figures


def print_report(r: dict[str, Any]) -> None:
    n = r["normal_sign_in_ms"]
    print(f"Sign-in, connect -> auth_ok: median {n['median']} ms, p95 {n['p95']} ms (n={n['n']})")
    b = r["bomb"]
    print(
        f"Compressed bomb before sign-in: {b['closed_1009']}/{b['connections']} closed 1009;"
        f" relay RSS {b['relay_rss_before_mib']} -> {b['relay_rss_after_mib']} MiB"
    )
    for key, label in (("spray_one_address", "1 address"), ("spray_50_addresses", "50 addresses")):
        s = r[key]
        print(
            f"Spray from {label}: {s['attempts']} attempts, {s['pins_checked']} PINs checked,"
            f" {s['refused_unchecked']} refused unchecked, answered in {s['all_answered_ms']} ms"
        )
    a = r["account_sign_in_during_spray_ms"]
    print(
        f"During the spray: account sign-in ok {r['account_sign_ins_ok']}/{a['n']},"
        f" median {a['median']} ms; PIN-only answered {r['pin_only_during_spray']}"
    )
    print("Peak RSS (MiB): " + ", ".join(f"{k} {v}" for k, v in r["peak_rss_mib"].items()))
