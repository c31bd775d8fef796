"""Every domain on the local stack with the offline model: typed and spoken turns do real work
through the tools, and the state is checked where it lives (PostgreSQL's productivity, mortgage
and transfer schemas, the built-in CRM, Hanok Table's reservations). Multi-turn slot filling, a
correction and references back included."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pg8000.native
import pytest

from tests.conftest import FIXTURES
from tests.e2e.conftest import DEMO_PIN, RunningStack, demo_user_id
from tests.wsclient import RelayClient, send_batch

pytestmark = pytest.mark.e2e
SPEECH = FIXTURES / "speech"


class Db:
    def __init__(self, stack: RunningStack):
        self.conn = pg8000.native.Connection(
            "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
        )
        self.user_id = demo_user_id(stack)

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        result = self.conn.run(sql, user_id=self.user_id, **params)
        names = [c["name"] for c in self.conn.columns or []]
        return [dict(zip(names, row, strict=True)) for row in result]


@pytest.fixture(scope="module")
def db(stack: RunningStack) -> Iterator[Db]:
    handle = Db(stack)
    yield handle
    # The demo user's tables are Hanok Table's to test on its own terms (test_stack_hanok.py):
    # the reservations these tests made go (their tables with them).
    handle.conn.run("DELETE FROM hanok.reservations WHERE lower(guest_name) IN ('moon', 'kim')")
    handle.conn.close()


async def _conversation(stack: RunningStack, lines: list[str]) -> list[str]:
    client = await RelayClient.open(stack.relay_url)
    assert (await client.authenticate(DEMO_PIN))["type"] == "auth_ok"
    replies = []
    for line in lines:
        frames = await client.say(line)
        assert frames[-1]["type"] == "agent_final", frames[-1]
        replies.append(frames[-1]["text"])
    await client.close()
    return replies


def _talk(stack: RunningStack, *lines: str) -> list[str]:
    return asyncio.run(_conversation(stack, list(lines)))


def _today() -> date:
    return datetime.now(UTC).date()


def test_todos_with_priority_and_due_date_and_a_reference_back(stack: RunningStack, db: Db) -> None:
    replies = _talk(
        stack,
        "add a high priority todo to renew the car insurance due tomorrow",
        "actually make it low priority",
        "mark the car insurance todo as done",
    )
    [todo] = db.rows(
        "SELECT priority, due_date, completed_at FROM productivity.todos"
        " WHERE user_id = :user_id AND title = 'renew the car insurance'"
    )
    assert todo["priority"] == "low", replies
    assert todo["due_date"] == _today() + timedelta(days=1)
    assert todo["completed_at"] is not None, replies


def test_a_reminder_and_a_calendar_event(stack: RunningStack, db: Db) -> None:
    replies = _talk(
        stack,
        "remind me to call the plumber tomorrow at nine a.m.",
        "schedule a budget review with the finance team next Monday at ten a.m.",
    )
    reminders = db.rows(
        "SELECT remind_at FROM productivity.reminders WHERE user_id = :user_id"
        " AND text ILIKE '%plumber%'"
    )
    assert len(reminders) == 1, replies
    events = db.rows(
        "SELECT title, starts_at FROM productivity.events WHERE user_id = :user_id"
        " AND title ILIKE '%budget review%'"
    )
    assert len(events) == 1, replies
    assert events[0]["starts_at"].weekday() == 0


def test_mortgage_maths_with_spoken_numbers_and_an_application(stack: RunningStack, db: Db) -> None:
    payment, shorter, applied = _talk(
        stack,
        "what would I pay a month on three hundred thousand at six and a half percent"
        " over thirty years",
        "and over fifteen years?",
        "I want to start a mortgage application",
    )
    assert "1,896" in payment, payment
    assert "2,613" in shorter, shorter
    assert db.rows("SELECT id FROM mortgage.applications WHERE user_id = :user_id"), applied


def test_a_clinic_appointment_filled_over_two_turns_lands_in_the_crm(
    stack: RunningStack, db: Db
) -> None:
    registered, asked, booked = _talk(
        stack,
        "please register me with the clinic",
        "I'd like a clinic appointment for a rash",
        "next Wednesday at eleven in the morning",
    )
    assert "register" in registered.lower(), registered
    assert asked.endswith("?"), asked
    meetings = db.rows("SELECT subject, date_start FROM crm.meetings WHERE subject ILIKE '%rash%'")
    assert meetings, booked
    assert meetings[-1]["date_start"].weekday() == 2


def test_a_table_booked_over_several_turns_then_corrected(stack: RunningStack, db: Db) -> None:
    replies = _talk(
        stack,
        "book a table",
        "four, the day after tomorrow at seven",
        "Moon",
        "no, make it five people",
    )
    reservations = db.rows(
        "SELECT party_size, status, starts_at FROM hanok.reservations"
        " WHERE guest_name = 'Moon' AND status <> 'cancelled'"
    )
    assert len(reservations) == 1, replies
    [reservation] = reservations
    assert replies[0].endswith("?") and replies[1].endswith("?"), replies
    assert reservation["party_size"] == 5, replies
    assert reservation["starts_at"].date() >= _today() + timedelta(days=1)


def test_a_transfer_request_is_recorded(stack: RunningStack, db: Db) -> None:
    [reply] = _talk(stack, "I'd like to talk to a real person about my bill")
    requests = db.rows("SELECT department, reason FROM transfer.requests WHERE user_id = :user_id")
    assert requests, reply


def test_spoken_turns_do_the_work_too(stack: RunningStack, db: Db) -> None:
    """Push-to-talk clips of the fixture set, heard and acted on."""

    async def scenario() -> list[dict[str, Any]]:
        client = await RelayClient.open(stack.relay_url)
        assert (await client.authenticate(DEMO_PIN))["type"] == "auth_ok"
        turns = []
        for clip in ("todo-create", "hanok-book"):
            data = (SPEECH / f"{clip}.joe.webm").read_bytes()
            await send_batch(client, data, "audio/webm;codecs=opus")
            await client.send({"type": "stop_recording"})
            frames = await client.recv_until("agent_final", "error", timeout=60)
            turns.append({f["type"]: f for f in frames if "type" in f})
        await client.close()
        return turns

    todo, booking = asyncio.run(scenario())
    heard = [t.get("transcript_final", {}).get("text") for t in (todo, booking)]
    assert "agent_final" in todo and "agent_final" in booking, heard
    assert db.rows(
        "SELECT id FROM productivity.todos WHERE user_id = :user_id"
        " AND title ILIKE '%dry cleaning%'"
    ), (heard, todo["agent_final"]["text"])
    assert db.rows(
        "SELECT id FROM hanok.reservations WHERE guest_name ILIKE 'kim' AND party_size = 6"
    ), (heard, booking["agent_final"]["text"])
