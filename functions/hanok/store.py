"""Reading and writing Hanok Table's rows: reservations (with the tables they hold), holds and
the waitlist. SQL only; the rules are in seating.py and bookings.py."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pg8000.exceptions

from functions.hanok.errors import not_found
from functions.hanok.models import PreOrderItem, Reservation, Status, WaitlistEntry
from functions.hanok.seating import Hold
from shared.db import Queries, Row

EXCLUSION_VIOLATION = "23P01"  # a hold overlapping another of the same table
DEADLOCK = "40P01"

_RESERVATION = """
    SELECT r.id, r.code, r.guest_name, r.phone, r.party_size, r.starts_at, r.ends_at, r.status,
           r.requests, r.pre_order, r.source, r.created_at, r.updated_at,
           coalesce(array(SELECT h.table_id FROM hanok.table_holds h
                          WHERE h.reservation_id = r.id ORDER BY h.table_id), '{}') AS tables
    FROM hanok.reservations r
"""


def sqlstate(exc: Exception) -> str | None:
    detail = exc.args[0] if exc.args else None
    return detail.get("C") if isinstance(detail, dict) else None


def is_conflict(exc: Exception) -> bool:
    return isinstance(exc, pg8000.exceptions.DatabaseError) and sqlstate(exc) in (
        EXCLUSION_VIOLATION,
        DEADLOCK,
    )


def reservation(row: Row) -> Reservation:
    pre_order = row["pre_order"]
    if isinstance(pre_order, str):
        pre_order = json.loads(pre_order)
    return Reservation(
        id=str(row["id"]),
        code=row["code"],
        guest_name=row["guest_name"],
        phone=row["phone"],
        party_size=row["party_size"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
        requests=row["requests"],
        pre_order=[PreOrderItem.model_validate(item) for item in pre_order],
        source=row["source"],
        tables=list(row["tables"] or []),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def get(db: Queries, reservation_id: str, *, lock: bool = False) -> Reservation:
    try:
        uuid.UUID(reservation_id)
    except ValueError:
        raise not_found() from None
    sql = _RESERVATION + " WHERE r.id = CAST(:id AS uuid)" + (" FOR UPDATE OF r" if lock else "")
    row = db.fetch_one(sql, id=reservation_id)
    if row is None:
        raise not_found()
    return reservation(row)


def by_code(db: Queries, code: str) -> Reservation | None:
    row = db.fetch_one(_RESERVATION + " WHERE r.code = :code", code=code)
    return reservation(row) if row else None


def by_request_key(db: Queries, key: str) -> Reservation | None:
    row = db.fetch_one(_RESERVATION + " WHERE r.request_key = :key", key=key)
    return reservation(row) if row else None


def upcoming(
    db: Queries, *, phone: str, user_id: str | None, since: datetime, limit: int = 20
) -> list[Reservation]:
    """Live reservations from ``since`` on, made from this phone or by this user."""
    rows = db.fetch_all(
        _RESERVATION + " WHERE (r.phone = :phone OR r.user_id = CAST(:user_id AS uuid))"
        " AND r.status IN ('pending', 'confirmed', 'seated') AND r.ends_at > :since"
        " ORDER BY r.starts_at LIMIT :limit",
        phone=phone,
        user_id=user_id,
        since=since,
        limit=limit,
    )
    return [reservation(r) for r in rows]


def between(db: Queries, start: datetime, end: datetime) -> list[Reservation]:
    rows = db.fetch_all(
        _RESERVATION + " WHERE r.starts_at >= :start AND r.starts_at < :end ORDER BY r.starts_at",
        start=start,
        end=end,
    )
    return [reservation(r) for r in rows]


def recent_voice_booking(
    db: Queries, *, phone: str, day_start: datetime, day_end: datetime, since: datetime
) -> Reservation | None:
    row = db.fetch_one(
        _RESERVATION + " WHERE r.phone = :phone AND r.source = 'voice'"
        " AND r.status IN ('pending', 'confirmed') AND r.starts_at >= :day_start"
        " AND r.starts_at < :day_end AND r.created_at >= :since"
        " ORDER BY r.created_at DESC LIMIT 1",
        phone=phone,
        day_start=day_start,
        day_end=day_end,
        since=since,
    )
    return reservation(row) if row else None


def holds_between(db: Queries, start: datetime, end: datetime, *, skip: str | None) -> list[Hold]:
    rows = db.fetch_all(
        "SELECT table_id, lower(during) AS starts_at, upper(during) AS ends_at"
        " FROM hanok.table_holds WHERE during && tstzrange(:start, :end)"
        " AND (CAST(:skip AS uuid) IS NULL OR reservation_id <> CAST(:skip AS uuid))",
        start=start,
        end=end,
        skip=skip,
    )
    return [Hold(r["table_id"], r["starts_at"], r["ends_at"]) for r in rows]


def insert_reservation(db: Queries, fields: dict[str, Any]) -> bool:
    """False when the code (or the request key) is taken: nothing written."""
    row = db.fetch_one(
        "INSERT INTO hanok.reservations (id, code, guest_name, phone, party_size, starts_at,"
        " ends_at, status, requests, pre_order, source, user_id, request_key, created_at,"
        " updated_at) VALUES (CAST(:id AS uuid), :code, :guest_name, :phone, :party_size,"
        " :starts_at, :ends_at, :status, :requests, CAST(:pre_order AS jsonb), :source,"
        " CAST(:user_id AS uuid), :request_key, :now, :now)"
        " ON CONFLICT DO NOTHING RETURNING id",
        **fields,
    )
    return row is not None


def hold(db: Queries, reservation_id: str, table_id: str, start: datetime, end: datetime) -> None:
    db.execute(
        "INSERT INTO hanok.table_holds (reservation_id, table_id, during)"
        " VALUES (CAST(:id AS uuid), :table_id, tstzrange(:start, :end))",
        id=reservation_id,
        table_id=table_id,
        start=start,
        end=end,
    )


def release(db: Queries, reservation_id: str) -> None:
    db.execute(
        "DELETE FROM hanok.table_holds WHERE reservation_id = CAST(:id AS uuid)", id=reservation_id
    )


def update(db: Queries, reservation_id: str, now: datetime, **fields: Any) -> None:
    """Set the named columns (a fixed set of names, never from input) and updated_at."""
    allowed = {"party_size", "starts_at", "ends_at", "requests", "status", "cancel_reason"}
    assert set(fields) <= allowed, set(fields) - allowed
    assignments = ", ".join(f"{name} = :{name}" for name in sorted(fields))
    extra = ", cancelled_at = :now" if fields.get("status") == "cancelled" else ""
    db.execute(
        f"UPDATE hanok.reservations SET {assignments}, updated_at = :now{extra}"  # noqa: S608 - column names from the fixed set above
        " WHERE id = CAST(:id AS uuid)",
        id=reservation_id,
        now=now,
        **fields,
    )


def forget_reminder(db: Queries, reservation_id: str) -> None:
    """A reservation moved to another time is reminded again, of the new one."""
    db.execute(
        "UPDATE hanok.reservations SET reminder_claimed_at = NULL, reminder_sent_at = NULL,"
        " reminder_sid = NULL, reminder_status = NULL WHERE id = CAST(:id AS uuid)",
        id=reservation_id,
    )


def set_status(db: Queries, reservation_id: str, status: Status, now: datetime) -> None:
    update(db, reservation_id, now, status=status)


_WAITLIST = """
    SELECT w.id, w.code, w.guest_name, w.party_size, w.starts_at, w.status, w.reservation_id,
           (SELECT count(*) FROM hanok.waitlist o WHERE o.status = 'waiting'
              AND o.starts_at = w.starts_at AND o.created_at <= w.created_at) AS position
    FROM hanok.waitlist w
"""


def waitlist_entry(row: Row) -> WaitlistEntry:
    return WaitlistEntry(
        id=str(row["id"]),
        code=row["code"],
        guest_name=row["guest_name"],
        party_size=row["party_size"],
        starts_at=row["starts_at"],
        status=row["status"],
        position=int(row["position"]),
        reservation_id=str(row["reservation_id"]) if row["reservation_id"] else None,
    )


def join_waitlist(db: Queries, fields: dict[str, Any]) -> WaitlistEntry:
    """The guest's place for that time: a new one, or the one they already hold."""
    db.execute(
        "INSERT INTO hanok.waitlist (id, code, guest_name, phone, party_size, starts_at,"
        " user_id, request_key, created_at) VALUES (CAST(:id AS uuid), :code, :guest_name,"
        " :phone, :party_size, :starts_at, CAST(:user_id AS uuid), :request_key, :now)"
        " ON CONFLICT DO NOTHING",
        **fields,
    )
    row = db.fetch_one(
        _WAITLIST + " WHERE w.phone = :phone AND w.starts_at = :starts_at"
        " AND w.status IN ('waiting', 'promoted') ORDER BY w.created_at DESC LIMIT 1",
        phone=fields["phone"],
        starts_at=fields["starts_at"],
    )
    assert row is not None
    return waitlist_entry(row)


def waiting_for(db: Queries, start: datetime, end: datetime) -> list[Row]:
    """Waiting guests whose time falls in [start, end), first come first; rows locked, and
    rows another promotion holds skipped."""
    return db.fetch_all(
        "SELECT id, code, guest_name, phone, party_size, starts_at, user_id FROM hanok.waitlist"
        " WHERE status = 'waiting' AND starts_at >= :start AND starts_at < :end"
        " ORDER BY created_at FOR UPDATE SKIP LOCKED",
        start=start,
        end=end,
    )


def promoted(db: Queries, entry_id: str, reservation_id: str) -> None:
    db.execute(
        "UPDATE hanok.waitlist SET status = 'promoted', reservation_id = CAST(:rid AS uuid)"
        " WHERE id = CAST(:id AS uuid)",
        id=entry_id,
        rid=reservation_id,
    )


def waitlist_between(db: Queries, start: datetime, end: datetime) -> list[WaitlistEntry]:
    rows = db.fetch_all(
        _WAITLIST + " WHERE w.starts_at >= :start AND w.starts_at < :end ORDER BY w.starts_at,"
        " w.created_at",
        start=start,
        end=end,
    )
    return [waitlist_entry(r) for r in rows]


def waitlist_by_code(db: Queries, code: str) -> WaitlistEntry | None:
    row = db.fetch_one(_WAITLIST + " WHERE w.code = :code", code=code)
    return waitlist_entry(row) if row else None
