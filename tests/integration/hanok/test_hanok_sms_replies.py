"""A guest's SMS reply, signed as Twilio signs it, over HTTP and the real PostgreSQL: YES
confirms their next reservation, CANCEL cancels it (a large party with a pre-order hears the
retention offer first, then CANCEL ANYWAY cancels), anything else gets help; answers are TwiML."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from functions.hanok.config import Restaurant, load_restaurant
from shared.db import Database
from shared.settings import DatabaseSettings
from tests.asgi_server import serving
from tests.fakes.twilio_server import AUTH_TOKEN, FakeTwilio, sign
from tests.integration.hanok.hanok_twilio_support import (
    GUEST,
    SMS_URL,
    hanok_settings,
    insert_reservation,
    reminder_row,
    webhook_app,
)

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
DINNER = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)  # Friday, December 4 at 7:30 PM there
SMS = "/webhooks/hanok_table/sms"


@pytest.fixture
def restaurant() -> Restaurant:
    return load_restaurant()


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as running:
        yield running


@pytest.fixture
def app_url(
    db: Database, restaurant: Restaurant, fake: FakeTwilio, database_settings: DatabaseSettings
) -> Iterator[str]:
    settings = hanok_settings(database_settings, fake.base_url)
    with serving(webhook_app(db, restaurant, settings, lambda: NOW)) as url:
        yield url


def text(fake: FakeTwilio, app_url: str, body: str, phone: str = GUEST) -> str | None:
    """Send an SMS as Twilio forwards it; the reply's text (None: an empty TwiML answer)."""
    answer = fake.post_webhook(SMS_URL, fake.inbound_sms_params(phone, body), deliver_to=app_url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    assert answer.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response')
    messages = re.findall(r"<Message>(.*?)</Message>", answer.text, re.S)
    assert len(messages) <= 1
    return html.unescape(messages[0]) if messages else None


@pytest.mark.parametrize("word", ["YES", "yes", "Y", " Confirm! ", "Yes."])
def test_yes_confirms_the_guests_next_pending_reservation(
    db: Database, app_url: str, fake: FakeTwilio, word: str
) -> None:
    first = insert_reservation(db, DINNER, party_size=4)
    later = insert_reservation(db, DINNER + timedelta(days=2))
    reply = text(fake, app_url, word)
    assert reply is not None and "is confirmed" in reply
    assert "table for 4 on Friday, December 4 at 7:30 PM" in reply and first["code"] in reply
    assert reminder_row(db, first["id"])["status"] == "confirmed"
    assert reminder_row(db, later["id"])["status"] == "pending"


def test_yes_to_a_confirmed_reservation_says_so(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    booked = insert_reservation(db, DINNER, status="confirmed")
    reply = text(fake, app_url, "YES")
    assert reply is not None and "already confirmed" in reply
    assert reminder_row(db, booked["id"])["status"] == "confirmed"


def test_cancel_cancels_the_next_reservation(db: Database, app_url: str, fake: FakeTwilio) -> None:
    booked = insert_reservation(db, DINNER, status="confirmed")
    other_guest = insert_reservation(db, DINNER, phone="+14155550124")
    reply = text(fake, app_url, "cancel")
    assert reply is not None and "is cancelled" in reply and booked["code"] in reply
    assert reminder_row(db, booked["id"])["status"] == "cancelled"
    assert reminder_row(db, other_guest["id"])["status"] == "pending"
    # and again: nothing left to cancel
    again = text(fake, app_url, "CANCEL")
    assert again is not None and "no upcoming reservation" in again


def test_a_large_party_with_a_pre_order_hears_the_offer_before_cancel_anyway(
    db: Database, app_url: str, fake: FakeTwilio, restaurant: Restaurant
) -> None:
    dish = restaurant.menu[0].dishes[0].id
    booked = insert_reservation(
        db, DINNER, party_size=restaurant.large_party, pre_order=[{"dish_id": dish, "quantity": 2}]
    )
    offer = text(fake, app_url, "CANCEL")
    assert offer is not None and restaurant.retention_offer in offer
    assert "Reply CANCEL ANYWAY to cancel" in offer
    assert reminder_row(db, booked["id"])["status"] == "pending"

    done = text(fake, app_url, "Cancel anyway")
    assert done is not None and "is cancelled" in done
    assert reminder_row(db, booked["id"])["status"] == "cancelled"


def test_a_guest_with_no_reservation_is_told_so(app_url: str, fake: FakeTwilio) -> None:
    for word in ("YES", "CANCEL", "CANCEL ANYWAY"):
        reply = text(fake, app_url, word, phone="+14155550177")
        assert reply is not None and "no upcoming reservation" in reply
        assert "(415) 555-0188" in reply  # the restaurant's number


def test_anything_else_gets_help_and_opt_out_keywords_no_reply(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    booked = insert_reservation(db, DINNER)
    for body in ("What time is it?", "", "maybe", "yes please cancel", "네, 감사합니다"):
        reply = text(fake, app_url, body)
        assert reply is not None and "reply YES to confirm" in reply and "CANCEL" in reply
    for body in ("STOP", "unsubscribe", "START"):
        assert text(fake, app_url, body) is None  # Twilio answers its own keywords
    assert reminder_row(db, booked["id"])["status"] == "pending"


def test_an_unsigned_or_tampered_reply_is_refused_and_changes_nothing(
    db: Database, app_url: str, fake: FakeTwilio
) -> None:
    booked = insert_reservation(db, DINNER)
    params = fake.inbound_sms_params(GUEST, "HELLO")
    good = sign(AUTH_TOKEN, SMS_URL, params)
    for data, headers in [
        ({**params, "Body": "CANCEL"}, {}),
        ({**params, "Body": "CANCEL"}, {"X-Twilio-Signature": good}),  # the body changed
        ({**params, "From": "+14155550124"}, {"X-Twilio-Signature": good}),
        (params, {"X-Twilio-Signature": sign(AUTH_TOKEN, app_url + SMS, params)}),
    ]:
        refused = httpx.post(app_url + SMS, data=data, headers=headers)
        assert refused.status_code == 403 and refused.json()["error"] == "invalid_signature"
    assert reminder_row(db, booked["id"])["status"] == "pending"


@pytest.mark.parametrize("missing", ["From", "Body"])
def test_a_signed_reply_without_from_or_body_is_400(
    app_url: str, fake: FakeTwilio, missing: str
) -> None:
    params = fake.inbound_sms_params(GUEST, "YES")
    del params[missing]
    answer = fake.post_webhook(SMS_URL, params, deliver_to=app_url)
    assert answer.status_code == 400 and answer.json()["error"] == "missing_fields"
