"""Hanok Table on the local stack: typed turns book, look up, change and cancel a table through
the agent (the offline model) and Hanok Table's MCP server; the REST API refuses anonymous
callers; the guest's status page is reached through the Hosting rewrite."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pg8000.native
import pytest

from local.seed import DEMO_PHONE
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.wsclient import RelayClient

pytestmark = pytest.mark.e2e


def _reservations(stack: RunningStack) -> list[tuple[Any, ...]]:
    conn = pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )
    try:
        return [
            tuple(row)
            for row in conn.run(
                "SELECT code, party_size, status FROM hanok.reservations WHERE phone = :p"
                " AND source = 'voice' ORDER BY created_at",
                p=DEMO_PHONE,
            )
        ]
    finally:
        conn.close()


def test_typed_turns_book_look_up_change_and_cancel_a_table(stack: RunningStack) -> None:
    async def scenario() -> list[str]:
        client = await RelayClient.open(stack.relay_url)
        assert (await client.authenticate(DEMO_PIN))["type"] == "auth_ok"
        replies = []
        for text in (
            "book a table for four on Friday at 7 pm",
            "what reservations do I have",
            "change my reservation to six people",
            "cancel my reservation",
        ):
            frames = await client.say(text)
            assert frames[-1]["type"] == "agent_final", frames
            replies.append(frames[-1]["text"])
        await client.close()
        return replies

    booked, listed, changed, cancelled = asyncio.run(scenario())
    rows = _reservations(stack)
    assert len(rows) == 1, rows
    code, party, status = rows[0]
    assert (party, status) == (6, "cancelled")
    assert "booked" in booked.lower() and " ".join(code) in booked, booked
    assert "friday" in listed.lower(), listed
    assert "six" in changed.lower() or "6" in changed, changed
    assert "cancel" in cancelled.lower(), cancelled


def test_the_api_refuses_anonymous_callers_and_the_status_page_is_public(
    stack: RunningStack,
) -> None:
    hanok = f"http://127.0.0.1:{stack.env['CONVONET_HANOK_PORT']}"
    assert httpx.get(f"{hanok}/api/reservations/menu").status_code == 401
    auth = {"Authorization": f"Bearer {stack.env['CONVONET_HANOK_TOKEN']}"}
    menu = httpx.get(f"{hanok}/api/reservations/menu", headers=auth).json()
    assert menu["restaurant"] == "Hanok Table"
    assert "/api/reservations/availability" in httpx.get(f"{hanok}/openapi.json").json()["paths"]
    page = httpx.get(f"{stack.http_url}/reservation/status", params={"code": "ZZZZZZZZ"})
    assert page.status_code == 404 and "Hanok Table" in page.text
