"""Hanok Table's tools over real MCP (streamable HTTP), as the agent calls them: listed with
described schemas, acting only for the signed-in caller, idempotent under redelivery, and
recorded on the monitor."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from functions.hanok.config import load_restaurant
from shared import identity, tool_caller, topics
from shared.bus import Bus
from shared.contracts import MonitorEvent
from shared.db import Database
from shared.settings import DatabaseSettings
from tests.hanok_harness import TOKEN, hanok_settings
from tests.hanok_server import running_hanok_server
from tests.integration.conftest import Tap

pytestmark = pytest.mark.integration
PEPPER = b"test-pepper"
RESTAURANT = load_restaurant()
KEY = b"convonet-local-tools-caller-key"  # the test settings' caller key (none configured)


def next_friday() -> date:
    today = datetime.now(RESTAURANT.zone).date()
    ahead = (4 - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


@pytest.fixture
def base(database_settings: DatabaseSettings, db: Database, bus: Bus) -> Iterator[str]:
    settings = hanok_settings(
        GOOGLE_CLOUD_PROJECT=database_settings.project_id,
        db_port=database_settings.db_port,
        db_name=database_settings.db_name,
    )
    with running_hanok_server(settings, db, bus) as url:
        yield url


@pytest.fixture
def kim(db: Database) -> str:
    return identity.create_user(db, "Kim Min-jun", "583920", PEPPER, phone="+14155550142").id


@pytest.fixture
def lee(db: Database) -> str:
    return identity.create_user(db, "Lee Seo-yeon", "583921", PEPPER, phone="+14155550143").id


class Caller:
    def __init__(self, base: str, user_id: str, token: str = TOKEN):
        self.url = f"{base}/mcp"
        self.user_id = user_id
        self.token = token

    def list(self) -> list[Any]:
        return asyncio.run(self._run(lambda s: s.list_tools())).tools

    def call(self, name: str, turn: str | None = None, **args: Any) -> dict[str, Any]:
        turn = turn or uuid.uuid4().hex
        caller = tool_caller.new_caller(self.user_id, "sess-1", turn, f"{turn}:{name}")
        meta = {tool_caller.META_KEY: tool_caller.sign(caller, KEY)}
        result = asyncio.run(self._run(lambda s: s.call_tool(name, args, meta=meta)))
        return json.loads(result.content[0].text)

    async def _run(self, work: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=10) as client,
            streamable_http_client(self.url, http_client=client) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)


def test_the_reservation_tools_are_listed_with_described_schemas(base: str, kim: str) -> None:
    tools = {t.name: t for t in Caller(base, kim).list()}
    assert set(tools) == {
        "get_menu",
        "check_availability",
        "book_table",
        "find_my_reservations",
        "change_reservation",
        "cancel_reservation",
    }
    for name, listed in tools.items():
        assert listed.description and listed.inputSchema.get("additionalProperties") is False
        for prop, spec in listed.inputSchema.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{prop}"
        assert not {"phone", "user_id"} & set(listed.inputSchema.get("properties", {}))


def test_book_look_up_change_and_cancel_for_the_caller_only(
    base: str, kim: str, lee: str, db: Database, topics_ready: str
) -> None:
    tap = Tap(topics_ready, topics.MONITOR_EVENTS)
    me, other = Caller(base, kim), Caller(base, lee)
    friday = next_friday().isoformat()
    free = me.call("check_availability", date=friday, party_size=4, time="19:00")
    assert free["ok"] and free["requested"] == {"time": "19:00", "available": True}
    booked = me.call(
        "book_table", "turn-1", date=friday, time="19:00", party_size=4, requests="birthday"
    )
    assert booked["outcome"] == "booked", booked
    code = booked["reservation"]["code"]
    assert (
        booked["reservation"]["guest_name"] == "Kim Min-jun"
        and "phone" not in booked["reservation"]
    )
    again = me.call("book_table", "turn-1", date=friday, time="19:00", party_size=4)
    assert again == booked  # a redelivered call: the stored result, no second booking
    rows = db.fetch_all("SELECT phone, user_id FROM hanok.reservations")
    assert [(r["phone"], str(r["user_id"])) for r in rows] == [("+14155550142", kim)]

    assert [r["code"] for r in me.call("find_my_reservations")["reservations"]] == [code]
    assert other.call("find_my_reservations")["reservations"] == []
    stolen = other.call("cancel_reservation", code=code)
    assert stolen["ok"] is False and stolen["reason"] == "refused"
    assert other.call("change_reservation", code=code, party_size=2)["ok"] is False

    moved = me.call("change_reservation", time="20:00", party_size=5)
    assert moved["reservation"]["time"] == "20:00" and moved["changed"] == ["party_size", "time"]
    gone = me.call("cancel_reservation", code=" ".join(code.lower()))
    assert gone["outcome"] == "cancelled" and gone["reservation"]["status"] == "cancelled"
    assert me.call("cancel_reservation")["error"] == "you have no upcoming reservation"
    closed = me.call(
        "book_table",
        date=(next_friday() + timedelta(days=3)).isoformat(),
        time="19:00",
        party_size=2,
    )
    assert closed["ok"] is False and "closed" in closed["error"]

    events = [MonitorEvent.model_validate_json(m.data) for m in tap.pull(expect=8)]
    calls = [c.name for e in events if e.service == "hanok" for c in e.tool_calls]
    assert "book_table" in calls and "cancel_reservation" in calls


def test_only_authenticated_signed_calls_run(base: str, kim: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the client raises on the 401
        Caller(base, kim, token="wrong").list()
    assert httpx.post(f"{base}/mcp", json={}).status_code == 401
    forged = Caller(base, kim)
    caller = tool_caller.new_caller(kim, "s", "t", "t:k")
    meta = {tool_caller.META_KEY: tool_caller.sign(caller, b"another key")}
    result = asyncio.run(forged._run(lambda s: s.call_tool("find_my_reservations", {}, meta=meta)))
    assert json.loads(result.content[0].text)["reason"] == "refused"
