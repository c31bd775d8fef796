"""Reminders through the real Twilio SDK to a fake Twilio, over the real PostgreSQL: sent once
(twice in a row, two runs at once, a redelivered trigger), a Twilio failure releases the claim
for the next run, a refused number is not retried, and only live reservations that are due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.hanok.config import Restaurant, load_restaurant
from functions.hanok.reminders import ReminderRun, send_due_reminders
from functions.hanok.twilio_client import TwilioSender, twilio_client
from shared.db import Database
from shared.settings import DatabaseSettings
from tests.fakes.twilio_server import ACCOUNT_SID, FROM_NUMBER, INVALID_NUMBER, FakeTwilio
from tests.integration.hanok.hanok_twilio_support import (
    GUEST,
    STATUS_URL,
    hanok_settings,
    insert_reservation,
    reminder_row,
)

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)  # Friday 10:00 at the restaurant
# Friday 19:30 in Los Angeles: due (within 24 hours of NOW).
DINNER = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)


@pytest.fixture
def restaurant() -> Restaurant:
    return load_restaurant()


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(invalid_numbers=frozenset({INVALID_NUMBER, "+14155550999"})) as running:
        yield running


def sender_for(
    fake: FakeTwilio, database: DatabaseSettings, restaurant: Restaurant, **overrides: object
) -> TwilioSender:
    settings = hanok_settings(database, fake.base_url, **overrides)
    return TwilioSender(settings, restaurant, twilio_client(settings, timeout=1.0))


@pytest.fixture
def sender(
    fake: FakeTwilio, database_settings: DatabaseSettings, restaurant: Restaurant
) -> TwilioSender:
    return sender_for(fake, database_settings, restaurant)


def test_a_due_reminder_is_sent_once_through_the_sdk_with_everything_the_guest_needs(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    booked = insert_reservation(db, DINNER, party_size=4)

    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(sent=1)

    [request] = fake.requests_to("Messages")
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.username == ACCOUNT_SID and request.authorized  # HTTP Basic, sid and token
    assert request.headers["user-agent"].startswith("twilio-python/9.13.0")
    form = request.form
    assert form["To"] == GUEST and form["From"] == FROM_NUMBER
    assert form["StatusCallback"] == STATUS_URL
    body = form["Body"]
    for said in ("Hanok Table", "Friday, December 4", "7:30 PM", "table for 4", booked["code"]):
        assert said in body
    assert "Reply YES to confirm or CANCEL to cancel" in body
    [sid] = fake.messages
    assert sid.startswith("SM") and len(sid) == 34
    row = reminder_row(db, booked["id"])
    assert row["reminder_sent_at"] == NOW and row["reminder_sid"] == sid
    assert row["reminder_status"] == "queued"


def test_a_second_run_or_a_redelivered_trigger_sends_nothing_more(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    insert_reservation(db, DINNER)
    assert send_due_reminders(db, restaurant, sender, NOW).sent == 1
    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun()
    later = NOW + timedelta(hours=1)  # and after the claim expired, too
    assert send_due_reminders(db, restaurant, sender, later) == ReminderRun()
    assert len(fake.requests_to("Messages")) == 1


def test_two_runs_at_once_never_send_a_reminder_twice(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    phones = [f"+1415555{n:04d}" for n in range(12)]
    for i, phone in enumerate(phones):
        insert_reservation(db, DINNER + timedelta(minutes=15 * i), phone=phone)
    fake.hang_next(0.05, count=len(phones))  # each send takes a moment: the runs overlap
    start = threading.Barrier(2)
    runs: list[ReminderRun] = []

    def run(offset: int) -> None:
        start.wait()
        now = NOW + timedelta(milliseconds=offset)
        runs.append(send_due_reminders(db, restaurant, sender, now))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(runs) == 2 and sum(r.failed for r in runs) == 0
    assert sum(r.sent for r in runs) == len(phones)
    sent_to = [r.form["To"] for r in fake.requests_to("Messages")]
    assert sorted(sent_to) == sorted(phones)  # each guest exactly once


def test_a_twilio_500_releases_the_claim_and_the_next_run_sends_it(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    first = insert_reservation(db, DINNER)
    second = insert_reservation(db, DINNER + timedelta(minutes=30), phone="+14155550124")
    fake.fail_next(500)

    # Twilio failing: the rest of the batch is left for the next run rather than tried.
    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(failed=1, skipped=1)
    for booked in (first, second):
        row = reminder_row(db, booked["id"])
        assert row["reminder_claimed_at"] is None and row["reminder_sent_at"] is None

    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(sent=2)
    assert len(fake.messages) == 2
    assert len(fake.requests_to("Messages")) == 3


def test_a_twilio_that_hangs_times_out_and_the_next_run_sends_it(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    booked = insert_reservation(db, DINNER)
    fake.hang_next(5.0)  # the sender's timeout is 1 second

    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(failed=1)
    assert reminder_row(db, booked["id"])["reminder_claimed_at"] is None
    assert send_due_reminders(db, restaurant, sender, NOW).sent == 1
    assert reminder_row(db, booked["id"])["reminder_sid"] is not None


def test_a_number_twilio_refuses_is_recorded_failed_and_not_retried(
    db: Database,
    restaurant: Restaurant,
    sender: TwilioSender,
    fake: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = insert_reservation(db, DINNER, phone="+14155550999")
    fine = insert_reservation(db, DINNER + timedelta(minutes=30))
    caplog.set_level(logging.DEBUG)

    # The guest's number is the problem, not Twilio: the batch goes on.
    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(sent=1, failed=1)
    assert reminder_row(db, refused["id"])["reminder_status"] == "failed"
    assert reminder_row(db, fine["id"])["reminder_sent_at"] == NOW
    assert send_due_reminders(db, restaurant, sender, NOW + timedelta(hours=1)) == ReminderRun()

    [failure] = [r for r in caplog.records if getattr(r, "event", "") == "reminder_failed"]
    assert failure.twilio_code == 21211 and failure.http_status == 400  # type: ignore[attr-defined]
    for record in caplog.records:  # nothing sensitive in any log line
        text = record.getMessage() + repr(record.__dict__)
        assert "5550999" not in text and GUEST[2:] not in text and refused["code"] not in text


@pytest.mark.parametrize(
    ("starts_in", "status", "sent"),
    [
        (timedelta(hours=9), "cancelled", 0),
        (timedelta(hours=9), "seated", 0),
        (timedelta(hours=9), "no_show", 0),
        (timedelta(hours=30), "pending", 0),  # beyond reminder_hours_before (24)
        (timedelta(hours=-1), "confirmed", 0),  # already started
        (timedelta(hours=23, minutes=59), "confirmed", 1),
    ],
)
def test_only_live_reservations_within_the_reminder_window_are_reminded(
    db: Database,
    restaurant: Restaurant,
    sender: TwilioSender,
    fake: FakeTwilio,
    starts_in: timedelta,
    status: str,
    sent: int,
) -> None:
    insert_reservation(db, NOW + starts_in, status=status)
    assert send_due_reminders(db, restaurant, sender, NOW).sent == sent
    assert len(fake.requests_to("Messages")) == sent


def test_a_fresh_claim_is_left_alone_and_a_stale_one_is_taken_again(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    in_flight = insert_reservation(db, DINNER, reminder_claimed_at=NOW - timedelta(minutes=2))
    abandoned = insert_reservation(
        db, DINNER, phone="+14155550124", reminder_claimed_at=NOW - timedelta(minutes=11)
    )
    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(sent=1)
    assert reminder_row(db, in_flight["id"])["reminder_sent_at"] is None
    assert reminder_row(db, abandoned["id"])["reminder_sent_at"] == NOW
    assert [r.form["To"] for r in fake.requests_to("Messages")] == ["+14155550124"]


def test_the_call_channel_places_a_call_that_says_the_reminder(
    db: Database,
    restaurant: Restaurant,
    fake: FakeTwilio,
    database_settings: DatabaseSettings,
) -> None:
    booked = insert_reservation(db, DINNER, party_size=3, guest_name="Jisoo & <Co>")
    sender = sender_for(fake, database_settings, restaurant, reminder_channel="call")

    assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(sent=1)

    [request] = fake.requests_to("Calls")
    assert request.authorized and request.form["To"] == GUEST
    assert request.form["From"] == FROM_NUMBER and request.form["StatusCallback"] == STATUS_URL
    twiml = request.form["Twiml"]
    assert twiml.startswith("<Response><Say>") and twiml.endswith("</Say></Response>")
    assert "Jisoo &amp; &lt;Co&gt;" in twiml  # the name is escaped, not markup
    assert ", ".join(booked["code"]) in twiml and "7:30 PM" in twiml and "for 3" in twiml
    [sid] = fake.calls
    assert sid.startswith("CA") and reminder_row(db, booked["id"])["reminder_sid"] == sid
    assert fake.requests_to("Messages") == []


def test_wrong_credentials_are_a_failure_retried_next_run(
    db: Database,
    restaurant: Restaurant,
    fake: FakeTwilio,
    database_settings: DatabaseSettings,
) -> None:
    booked = insert_reservation(db, DINNER)
    wrong = sender_for(fake, database_settings, restaurant, twilio_auth_token="not-the-token")

    assert send_due_reminders(db, restaurant, wrong, NOW) == ReminderRun(failed=1)
    [request] = fake.requests_to("Messages")
    assert request.username == ACCOUNT_SID and not request.authorized
    assert fake.messages == {}
    assert reminder_row(db, booked["id"])["reminder_claimed_at"] is None


def test_a_run_skips_rows_another_run_is_claiming_rather_than_waiting_for_them(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    locked = insert_reservation(db, DINNER)
    free = insert_reservation(db, DINNER, phone="+14155550124")
    with db.transaction() as other_run:  # mid-claim: holds the row's lock
        other_run.fetch_all(
            "SELECT id FROM hanok.reservations WHERE id = CAST(:id AS uuid) FOR UPDATE",
            id=locked["id"],
        )
        assert send_due_reminders(db, restaurant, sender, NOW) == ReminderRun(sent=1)
    assert reminder_row(db, locked["id"])["reminder_claimed_at"] is None
    assert reminder_row(db, free["id"])["reminder_sent_at"] == NOW
    assert send_due_reminders(db, restaurant, sender, NOW).sent == 1  # now it is free


def test_a_table_off_the_waitlist_is_told_at_once_not_a_day_before(
    db: Database, restaurant: Restaurant, sender: TwilioSender, fake: FakeTwilio
) -> None:
    later = NOW + timedelta(days=3)
    promoted = insert_reservation(db, later, status="pending")
    db.execute(
        "UPDATE hanok.reservations SET source = 'waitlist' WHERE id = CAST(:id AS uuid)",
        id=promoted["id"],
    )
    insert_reservation(db, later, phone="+14155550177", status="confirmed")  # not due yet
    assert send_due_reminders(db, restaurant, sender, NOW).sent == 1
    [message] = fake.requests_to("Messages")
    assert "a table opened up" in message.form["Body"] and promoted["code"] in message.form["Body"]
