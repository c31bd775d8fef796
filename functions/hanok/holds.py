"""Taking tables inside a booking's transaction: the reservation row, its holds (retried when
another booking wins a race for a table), and the day's free times for the answer "full"."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta

import pg8000.exceptions

from functions.hanok import codes, seating, store
from functions.hanok.config import Restaurant
from functions.hanok.errors import HanokError
from functions.hanok.models import BookingRequest, Status
from shared.db import Queries

RACE_ATTEMPTS = 8  # each retry means another booking just committed a table we wanted
CODE_ATTEMPTS = 5


def insert_reservation(
    tx: Queries,
    request: BookingRequest,
    start: datetime,
    end: datetime,
    now: datetime,
    user_id: str | None,
    request_key: str | None,
    status: Status,
) -> str:
    fields = {
        "guest_name": request.guest_name,
        "phone": request.phone,
        "party_size": request.party_size,
        "starts_at": start,
        "ends_at": end,
        "status": status,
        "requests": request.requests,
        "pre_order": json.dumps([item.model_dump() for item in request.pre_order]),
        "source": request.source,
        "user_id": user_id,
        "request_key": request_key,
        "now": now,
    }
    for _ in range(CODE_ATTEMPTS):
        reservation_id = str(uuid.uuid4())
        if store.insert_reservation(tx, {**fields, "id": reservation_id, "code": codes.new_code()}):
            return reservation_id
        if request_key and store.by_request_key(tx, request_key):
            raise HanokError(409, "duplicate_request", "this request was already made")
    raise HanokError(503, "busy", "we could not book just now; please try again")


def take_tables(
    restaurant: Restaurant,
    tx: Queries,
    reservation_id: str,
    party_size: int,
    start: datetime,
    end: datetime,
) -> tuple[str, ...] | None:
    for _ in range(RACE_ATTEMPTS):
        busy = seating.busy_tables(
            store.holds_between(tx, start, end, skip=reservation_id), start, end
        )
        choice = seating.choose_tables(restaurant, party_size, busy)
        if choice is None:
            return None
        tx.execute("SAVEPOINT hold")
        try:
            for table_id in sorted(choice):  # one order everywhere: no deadlock between pairs
                store.hold(tx, reservation_id, table_id, start, end)
        except pg8000.exceptions.DatabaseError as exc:
            if not store.is_conflict(exc):
                raise
            tx.execute("ROLLBACK TO SAVEPOINT hold")
            continue
        tx.execute("RELEASE SAVEPOINT hold")
        return choice
    raise HanokError(503, "busy", "many guests are booking that time; please try again")


def day_slots(
    restaurant: Restaurant, db: Queries, moment: datetime, party_size: int, now: datetime
) -> list[tuple[datetime, bool]]:
    day = moment.astimezone(restaurant.zone).date()
    start = datetime.combine(day, time(0), restaurant.zone)
    holds = store.holds_between(db, start, start + timedelta(days=2), skip=None)
    return seating.open_slots(restaurant, day, party_size, holds, now)
