"""What the reminder and Twilio webhook tests share: settings pointed at the fake Twilio,
reservations inserted with plain SQL, and an app with only the webhook routes."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI

from functions.hanok import codes
from functions.hanok.bookings import Bookings
from functions.hanok.config import Restaurant
from functions.hanok.settings import HanokSettings
from functions.hanok.twilio_client import reminder_sender
from functions.hanok.webhooks import Clock, utc_now, webhook_routes
from shared.db import Database
from shared.http_service import install_error_handlers, require_caller
from shared.service_auth import SharedCredential
from shared.settings import DatabaseSettings
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

PUBLIC_URL = "https://convonet.web.app"
STATUS_URL = f"{PUBLIC_URL}/webhooks/hanok_table/status"
SMS_URL = f"{PUBLIC_URL}/webhooks/hanok_table/sms"
SCHEDULER_TOKEN = "hanok-scheduler-credential"
SCHEDULER = {"Authorization": f"Bearer {SCHEDULER_TOKEN}"}
GUEST = "+14155550123"


def hanok_settings(
    database: DatabaseSettings, twilio_base_url: str | None, **overrides: Any
) -> HanokSettings:
    values: dict[str, Any] = {
        "env": "test",
        "GOOGLE_CLOUD_PROJECT": database.project_id,
        "db_port": database.db_port,
        "db_name": database.db_name,
        "hanok_token": SCHEDULER_TOKEN,
        "hanok_public_url": PUBLIC_URL,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": FROM_NUMBER,
        "twilio_api_base_url": twilio_base_url,
        **overrides,
    }
    return HanokSettings(**values)


def insert_reservation(
    db: Database,
    starts_at: datetime,
    *,
    phone: str = GUEST,
    status: str = "pending",
    party_size: int = 2,
    guest_name: str = "Minji Kim",
    pre_order: list[dict[str, Any]] | None = None,
    **reminder: Any,
) -> dict[str, str]:
    """A reservation row (no table holds); ``reminder`` sets reminder_* columns."""
    reservation_id, code = str(uuid.uuid4()), codes.new_code()
    row: dict[str, Any] = {
        "id": reservation_id,
        "code": code,
        "guest_name": guest_name,
        "phone": phone,
        "party_size": party_size,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=90),
        "status": status,
        "pre_order": json.dumps(pre_order or []),
        "claimed": reminder.get("reminder_claimed_at"),
        "sent": reminder.get("reminder_sent_at"),
        "sid": reminder.get("reminder_sid"),
    }
    db.execute(
        "INSERT INTO hanok.reservations (id, code, guest_name, phone, party_size, starts_at,"
        " ends_at, status, pre_order, source, reminder_claimed_at, reminder_sent_at,"
        " reminder_sid) VALUES (CAST(:id AS uuid), :code, :guest_name, :phone, :party_size,"
        " :starts_at, :ends_at, :status, CAST(:pre_order AS jsonb), 'phone',"
        " CAST(:claimed AS timestamptz), CAST(:sent AS timestamptz), :sid)",
        **row,
    )
    return {"id": reservation_id, "code": code}


def reminder_row(db: Database, reservation_id: str) -> dict[str, Any]:
    row = db.fetch_one(
        "SELECT status, reminder_claimed_at, reminder_sent_at, reminder_sid, reminder_status"
        " FROM hanok.reservations WHERE id = CAST(:id AS uuid)",
        id=reservation_id,
    )
    assert row is not None
    return row


def webhook_app(
    db: Database, restaurant: Restaurant, settings: HanokSettings, clock: Clock = utc_now
) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    caller = require_caller(SharedCredential(SCHEDULER_TOKEN))
    sender = reminder_sender(settings, restaurant)
    routes = webhook_routes(db, restaurant, Bookings(restaurant), settings, caller, sender, clock)
    app.include_router(routes)
    return app
