"""The reminder trigger and Twilio's status callback over HTTP: the trigger needs the scheduler's
credential, a status callback needs Twilio's signature over the public URL (unsigned, tampered
or signed for the internal URL: 403 and nothing changes), and is idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from functions.hanok.config import Restaurant, load_restaurant
from functions.hanok.settings import HanokSettings
from shared.db import Database
from shared.settings import DatabaseSettings
from tests.asgi_server import serving
from tests.fakes.twilio_server import AUTH_TOKEN, FakeTwilio, sign
from tests.integration.hanok.hanok_twilio_support import (
    SCHEDULER,
    STATUS_URL,
    hanok_settings,
    insert_reservation,
    reminder_row,
    webhook_app,
)

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
DINNER = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
TRIGGER = "/webhooks/hanok_table/reminders"
STATUS = "/webhooks/hanok_table/status"


@pytest.fixture
def restaurant() -> Restaurant:
    return load_restaurant()


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as running:
        yield running


def serve(db: Database, restaurant: Restaurant, settings: HanokSettings) -> Any:
    return serving(webhook_app(db, restaurant, settings, lambda: NOW))


@pytest.fixture
def app_url(
    db: Database, restaurant: Restaurant, fake: FakeTwilio, database_settings: DatabaseSettings
) -> Iterator[str]:
    with serve(db, restaurant, hanok_settings(database_settings, fake.base_url)) as url:
        yield url


def trigger(app_url: str, **headers: str) -> httpx.Response:
    return httpx.post(app_url + TRIGGER, headers=headers or SCHEDULER, timeout=30)


def remind(db: Database, app_url: str, fake: FakeTwilio) -> tuple[str, str]:
    """A reservation whose reminder was sent: (reservation id, message sid)."""
    booked = insert_reservation(db, DINNER)
    assert trigger(app_url).json()["sent"] == 1
    return booked["id"], reminder_row(db, booked["id"])["reminder_sid"]


def test_the_trigger_needs_the_schedulers_credential(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    insert_reservation(db, DINNER)
    for headers in ({"X-None": "1"}, {"Authorization": "Bearer wrong"}):
        refused = trigger(app_url, **headers)
        assert refused.status_code == 401 and refused.json()["error"] == "unauthenticated"
    assert fake.requests == []


def test_the_trigger_sends_what_is_due_and_a_redelivery_sends_nothing(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    insert_reservation(db, DINNER)
    insert_reservation(db, DINNER, phone="+14155550124", status="cancelled")
    first = trigger(app_url)
    assert first.status_code == 200 and first.json() == {"sent": 1, "failed": 0, "skipped": 0}
    assert trigger(app_url).json() == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(fake.messages) == 1


def test_the_trigger_without_twilio_configured_is_503(
    db: Database, restaurant: Restaurant, database_settings: DatabaseSettings
) -> None:
    booked = insert_reservation(db, DINNER)
    settings = hanok_settings(database_settings, None, twilio_account_sid="")
    with serve(db, restaurant, settings) as url:
        answer = trigger(url)
    assert answer.status_code == 503 and answer.json()["error"] == "twilio_not_configured"
    assert reminder_row(db, booked["id"])["reminder_claimed_at"] is None


def test_a_signed_status_callback_records_the_status_once_and_never_backwards(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    reservation_id, sid = remind(db, app_url, fake)
    assert fake.callbacks[sid] == STATUS_URL  # Twilio would call the public URL

    for status, recorded, stored in [
        ("sent", True, "sent"),
        ("delivered", True, "delivered"),
        ("delivered", False, "delivered"),  # Twilio sending it again
        ("sent", False, "delivered"),  # a late, older one
    ]:
        answer = fake.post_status_callback(sid, status, deliver_to=app_url)
        assert answer.status_code == 200 and answer.json() == {"recorded": recorded}
        assert reminder_row(db, reservation_id)["reminder_status"] == stored


def test_an_undelivered_status_with_twilios_error_code_is_recorded(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    reservation_id, sid = remind(db, app_url, fake)
    answer = fake.post_status_callback(sid, "undelivered", deliver_to=app_url, error_code=30003)
    assert answer.json() == {"recorded": True}
    assert reminder_row(db, reservation_id)["reminder_status"] == "undelivered"


def test_unsigned_tampered_or_internally_signed_callbacks_are_refused(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    reservation_id, sid = remind(db, app_url, fake)
    params = fake.status_params(fake.messages[sid], "delivered")
    good = sign(AUTH_TOKEN, STATUS_URL, params)
    attempts: list[tuple[dict[str, str], dict[str, str]]] = [
        (params, {}),  # unsigned
        (params, {"X-Twilio-Signature": ""}),
        (params, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}),
        ({**params, "MessageStatus": "failed"}, {"X-Twilio-Signature": good}),  # tampered
        ({**params, "Extra": "1"}, {"X-Twilio-Signature": good}),
        # signed over the URL this instance sees, not the one Twilio called
        (params, {"X-Twilio-Signature": sign(AUTH_TOKEN, app_url + STATUS, params)}),
        # signed with another account's token
        (params, {"X-Twilio-Signature": sign("another-token", STATUS_URL, params)}),
    ]
    for data, headers in attempts:
        refused = httpx.post(app_url + STATUS, data=data, headers=headers)
        assert refused.status_code == 403, (data, headers)
        assert refused.json()["error"] == "invalid_signature"
    assert reminder_row(db, reservation_id)["reminder_status"] == "queued"

    accepted = httpx.post(app_url + STATUS, data=params, headers={"X-Twilio-Signature": good})
    assert accepted.status_code == 200
    assert reminder_row(db, reservation_id)["reminder_status"] == "delivered"


def test_the_signature_covers_the_query_string(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    reservation_id, sid = remind(db, app_url, fake)
    params = fake.status_params(fake.messages[sid], "sent")
    with_query = fake.post_webhook(STATUS_URL + "?attempt=2", params, deliver_to=app_url)
    assert with_query.status_code == 200 and with_query.json() == {"recorded": True}
    assert reminder_row(db, reservation_id)["reminder_status"] == "sent"
    late = fake.status_params(fake.messages[sid], "delivered")
    bare = sign(AUTH_TOKEN, STATUS_URL, late)  # signed without the query Twilio called with
    refused = httpx.post(
        app_url + STATUS + "?attempt=2", data=late, headers={"X-Twilio-Signature": bare}
    )
    assert refused.status_code == 403
    assert reminder_row(db, reservation_id)["reminder_status"] == "sent"


def test_an_unknown_sid_is_accepted_and_changes_nothing(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    reservation_id, sid = remind(db, app_url, fake)
    params = {**fake.status_params(fake.messages[sid], "delivered"), "MessageSid": "SM" + "f" * 32}
    answer = fake.post_webhook(STATUS_URL, params, deliver_to=app_url)
    assert answer.status_code == 200 and answer.json() == {"recorded": False}
    assert reminder_row(db, reservation_id)["reminder_status"] == "queued"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"MessageSid": "SM" + "a" * 32}, "missing_fields"),
        ({"MessageStatus": "delivered"}, "missing_fields"),
        ({}, "missing_fields"),
        ({"CallSid": "CA" + "a" * 32, "CallStatus": ""}, "missing_fields"),
        ({"MessageSid": "nope", "MessageStatus": "delivered"}, "invalid_sid"),
        ({"MessageSid": "SM" + "a" * 32, "MessageStatus": "Delivered!"}, "invalid_status"),
        ({"MessageSid": "SM" + "a" * 32, "MessageStatus": "x" * 40}, "invalid_status"),
    ],
)
def test_a_signed_callback_missing_fields_is_400(
    app_url: str, fake: FakeTwilio, params: dict[str, str], code: str
) -> None:
    answer = fake.post_webhook(STATUS_URL, params, deliver_to=app_url)
    assert answer.status_code == 400 and answer.json()["error"] == code


def test_a_call_reminders_status_callback_is_recorded(
    db: Database,
    restaurant: Restaurant,
    fake: FakeTwilio,
    database_settings: DatabaseSettings,
) -> None:
    settings = hanok_settings(database_settings, fake.base_url, reminder_channel="call")
    booked = insert_reservation(db, DINNER)
    with serve(db, restaurant, settings) as url:
        assert trigger(url).json()["sent"] == 1
        [sid] = fake.calls
        answer = fake.post_status_callback(sid, "completed", deliver_to=url)
    assert answer.json() == {"recorded": True}
    assert reminder_row(db, booked["id"])["reminder_status"] == "completed"
