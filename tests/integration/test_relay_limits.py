"""The relay's limits against its real server: inflated frame size before and after sign-in,
Origin, connections per address, sign-in timeout, frames per second, turns per minute, turn
ids, and the deadline that makes a turn with no answer fail aloud."""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from shared import identity
from shared.db import Database
from shared.settings import RelaySettings
from tests.relay_harness import running_relay

pytestmark = pytest.mark.integration
PIN = "480913"


@pytest.fixture
def user(db: Database, relay_settings: RelaySettings) -> identity.User:
    return identity.create_user(db, "Ada", PIN, relay_settings.pepper_bytes())


def relay(base: RelaySettings, **changes: Any) -> AbstractContextManager[str]:
    return running_relay(base.model_copy(update=changes))


@pytest.fixture
def relay_url(relay_settings: RelaySettings, topics_ready: str) -> Iterator[str]:
    with relay(relay_settings) as url:
        yield url


def rss_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None
    return int(match.group(1)) * 1024


async def recv(ws: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def signed_in(ws: ClientConnection) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "authenticate", "pin": PIN}))
    answer = await recv(ws)
    assert answer["type"] == "auth_ok", answer
    return answer


async def closed_code(ws: ClientConnection, timeout: float = 10.0) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed:
        return ws.close_code


def test_a_compressed_bomb_before_sign_in_is_refused_as_it_inflates(relay_url: str) -> None:
    # 16 MiB of spaces deflate to ~16 KB on the wire; before sign-in only a few KiB may inflate.
    bomb = json.dumps({"type": "heartbeat", "pad": " " * (16 * 1024 * 1024)})
    assert len(zlib.compress(bomb.encode(), 9)) < 40_000
    before = rss_bytes()

    async def scenario() -> list[int | None]:
        codes = []
        for _ in range(10):
            async with connect(relay_url, max_size=None) as ws:
                await ws.send(bomb)
                codes.append(await closed_code(ws))
        return codes

    assert asyncio.run(scenario()) == [1009] * 10
    grown = rss_bytes() - before
    assert grown < 200 * 1024 * 1024, f"relay process grew by {grown / 2**20:.0f} MiB"


def test_signed_in_frames_may_be_larger_but_not_unbounded(
    relay_url: str, user: identity.User
) -> None:
    async def scenario() -> tuple[dict[str, Any], int | None]:
        async with connect(relay_url, max_size=None) as ws:
            await signed_in(ws)
            await ws.send(json.dumps({"type": "text", "text": "x" * 1_500_000}))
            soft = await recv(ws)
            while soft["type"] != "error":  # the greeting may come first
                soft = await recv(ws)
            await ws.send(json.dumps({"type": "text", "text": "x" * 3_000_000}))
            return soft, await closed_code(ws)

    soft, hard = asyncio.run(scenario())
    assert soft["code"] == "frame_too_large"
    assert hard == 1009


def test_only_configured_and_loopback_origins_may_connect(
    relay_settings: RelaySettings, topics_ready: str
) -> None:
    production_like = relay_settings.model_copy(
        update={"env": "production", "allowed_origins": "https://convonet.web.app"}
    )
    with running_relay(production_like) as url:

        async def status(origin: str | None) -> int:
            try:
                async with connect(url, origin=origin) as ws:  # type: ignore[arg-type]
                    await ws.send(json.dumps({"type": "heartbeat"}))
                    await recv(ws)
                    return 101
            except InvalidStatus as exc:
                return exc.response.status_code

        assert asyncio.run(status("https://evil.example")) == 403
        assert asyncio.run(status("http://127.0.0.1:8080")) == 403  # loopback: local mode only
        assert asyncio.run(status("https://convonet.web.app")) == 101
        assert asyncio.run(status(None)) == 101  # not a browser (Twilio, native apps)
    with running_relay(relay_settings) as url:  # local mode: any loopback page
        assert asyncio.run(_heartbeat(url, "http://localhost:5173")) == "heartbeat_ack"


async def _heartbeat(url: str, origin: str) -> str:
    async with connect(url, origin=origin) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "heartbeat"}))
        return str((await recv(ws))["type"])


def test_connections_per_address_are_limited(
    relay_settings: RelaySettings, topics_ready: str
) -> None:
    with relay(relay_settings, max_connections_per_source=2) as url:

        async def scenario() -> tuple[dict[str, Any], int | None, str]:
            first, second = await connect(url), await connect(url)
            async with connect(url) as third:
                refused = await recv(third)
                code = await closed_code(third)
            await first.close()
            async with connect(url) as again:  # a freed place can be taken
                await again.send(json.dumps({"type": "heartbeat"}))
                ok = (await recv(again))["type"]
            await second.close()
            return refused, code, ok

        refused, code, ok = asyncio.run(scenario())
        assert refused["code"] == "too_many_connections"
        assert code == 1013
        assert ok == "heartbeat_ack"


def test_a_connection_that_does_not_sign_in_is_closed(
    relay_settings: RelaySettings, topics_ready: str
) -> None:
    with relay(relay_settings, auth_timeout_seconds=0.5) as url:

        async def scenario() -> tuple[dict[str, Any], int | None]:
            async with connect(url) as ws:
                return await recv(ws, 5), await closed_code(ws)

        error, code = asyncio.run(scenario())
        assert error["code"] == "auth_timeout" and code == 1008


def test_frames_per_second_are_limited_then_a_flood_closes(
    relay_settings: RelaySettings, topics_ready: str
) -> None:
    with relay(relay_settings, max_frames_per_second=5, frame_burst=5) as url:

        async def scenario() -> tuple[list[str], int | None]:
            async with connect(url) as ws:
                for _ in range(8):
                    await ws.send(json.dumps({"type": "heartbeat"}))
                got = [await recv(ws) for _ in range(8)]
                kinds = [g["type"] if g["type"] != "error" else g["code"] for g in got]
                for _ in range(20):  # a sustained flood
                    await ws.send(json.dumps({"type": "heartbeat"}))
                return kinds, await closed_code(ws)

        kinds, code = asyncio.run(scenario())
        assert kinds.count("heartbeat_ack") == 5 and kinds.count("rate_limited") == 3
        assert code == 1008


def test_turns_per_minute_are_limited(
    relay_settings: RelaySettings, topics_ready: str, user: identity.User
) -> None:
    with relay(relay_settings, max_turns_per_minute=2) as url:

        async def scenario() -> list[dict[str, Any]]:
            async with connect(url) as ws:
                await signed_in(ws)
                answers = []
                for n in range(3):
                    await ws.send(json.dumps({"type": "text", "text": f"add a todo {n}"}))
                    answer = await recv(ws)
                    while answer["type"] not in ("processing_start", "error"):
                        answer = await recv(ws)
                    answers.append(answer)
                return answers

        answers = asyncio.run(scenario())
        assert [a["type"] for a in answers[:2]] == ["processing_start"] * 2
        assert answers[2]["code"] == "rate_limited"


def test_a_turn_with_no_answer_fails_aloud_within_the_deadline(
    relay_settings: RelaySettings, topics_ready: str, user: identity.User
) -> None:
    # No function runs here, so no answer ever comes: the caller must still be told.
    with relay(relay_settings, turn_answer_timeout_seconds=1.0) as url:

        async def scenario() -> tuple[str, dict[str, Any], float]:
            async with connect(url) as ws:
                auth = await signed_in(ws)
                await ws.send(json.dumps({"type": "text", "text": "what are my todos"}))
                start = await recv(ws)
                while start["type"] != "processing_start":
                    start = await recv(ws)
                began = asyncio.get_running_loop().time()
                failed = await recv(ws, 5)
                return (
                    auth["session_id"],
                    failed | {"started": start["turn_id"]},
                    (asyncio.get_running_loop().time() - began),
                )

        session_id, failed, waited = asyncio.run(scenario())
        assert failed["type"] == "error" and failed["code"] == "turn_failed"
        assert failed["turn_id"] == failed["started"]
        assert 0.8 < waited < 3.0
        turn = (
            firestore.Client(project=relay_settings.project_id)
            .collection("sessions")
            .document(session_id)
            .collection("turns")
            .document(failed["turn_id"])
            .get()
            .to_dict()
        )
        assert turn is not None and turn["cancelled"] is True  # a late answer stays silent


def test_cancel_names_only_this_connections_turns(
    relay_url: str, relay_settings: RelaySettings, user: identity.User
) -> None:
    async def scenario() -> tuple[str, list[dict[str, Any]]]:
        async with connect(relay_url) as ws:
            auth = await signed_in(ws)
            answers = []
            for turn_id in ("0123456789abcdef", "a/b", "..", "x" * 65):
                await ws.send(json.dumps({"type": "cancel", "turn_id": turn_id}))
                answer = await recv(ws)
                while answer["type"] not in ("status", "error"):
                    answer = await recv(ws)
                answers.append(answer)
            return auth["session_id"], answers

    session_id, answers = asyncio.run(scenario())
    assert answers[0]["code"] == "unknown_turn"
    assert [a["code"] for a in answers[1:]] == ["invalid_message"] * 3
    turns = (
        firestore.Client(project=relay_settings.project_id)
        .collection("sessions")
        .document(session_id)
        .collection("turns")
        .list_documents()
    )
    assert list(turns) == []  # no stray document
