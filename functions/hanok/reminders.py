"""Reminders before a reservation, sent once (SMS or a call, functions/hanok/twilio_client.py).

A run claims the live reservations starting within ``reminder_hours_before`` hours that have no
reminder yet (``reminder_claimed_at``, in one short transaction, ``FOR UPDATE SKIP LOCKED``), so
two runs at once never pick the same one; it sends outside any transaction and records the sid.
A claim older than 10 minutes (a run that died mid-send) may be taken again. A send that
failed on Twilio's side (down, too slow) releases its claim and the rest of the batch, for the
next run; one Twilio refused for the guest's number is recorded ``failed`` and not retried.
Nothing here logs a phone number or a confirmation code.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol

from functions.hanok.config import Restaurant
from shared.db import Database, Queries, Row

log = logging.getLogger(__name__)
# In the SQL below: at most 100 reminders per run (the scheduler runs often enough for the rest
# to follow); a claim older than 10 minutes belongs to a run that died and is taken again; a
# reminder Twilio refused for the guest's number has reminder_status 'failed' and is not retried.

_CLAIM = """
    UPDATE hanok.reservations AS r SET reminder_claimed_at = CAST(:now AS timestamptz)
    WHERE r.id IN (
        SELECT id FROM hanok.reservations
        WHERE status IN ('pending', 'confirmed') AND reminder_sent_at IS NULL
          AND starts_at > CAST(:now AS timestamptz)
          AND (starts_at <= CAST(:until AS timestamptz)
               OR (source = 'waitlist' AND status = 'pending'))
          AND reminder_status IS DISTINCT FROM 'failed'
          AND (reminder_claimed_at IS NULL
               OR reminder_claimed_at < CAST(:now AS timestamptz) - interval '10 minutes')
        ORDER BY starts_at LIMIT 100
        FOR UPDATE SKIP LOCKED
    )
    RETURNING r.id
"""
# The row as it is now (an amendment between the claim and the send moves what is said).
_FRESH = """
    SELECT id, code, guest_name, phone, party_size, starts_at,
           (source = 'waitlist' AND status = 'pending') AS promoted
    FROM hanok.reservations
    WHERE id = CAST(:id AS uuid) AND status IN ('pending', 'confirmed')
      AND reminder_sent_at IS NULL AND reminder_claimed_at = CAST(:now AS timestamptz)
      AND starts_at > CAST(:now AS timestamptz)
      AND (starts_at <= CAST(:until AS timestamptz) OR (source = 'waitlist' AND status = 'pending'))
"""
_SENT = """
    UPDATE hanok.reservations SET reminder_sent_at = CAST(:now AS timestamptz),
        reminder_sid = :sid, reminder_status = :status
    WHERE id = CAST(:id AS uuid)
"""
_RELEASE = """
    UPDATE hanok.reservations SET reminder_claimed_at = NULL
    WHERE id = CAST(:id AS uuid) AND reminder_sent_at IS NULL
      AND reminder_claimed_at = CAST(:now AS timestamptz)
"""
_GIVE_UP = """
    UPDATE hanok.reservations SET reminder_status = 'failed'
    WHERE id = CAST(:id AS uuid) AND reminder_sent_at IS NULL
"""


@dataclass(frozen=True)
class DueReminder:
    reservation_id: str
    code: str
    guest_name: str
    phone: str  # E.164
    party_size: int
    starts_at: datetime
    promoted: bool = False  # off the waitlist: told at once that a table opened, not a day before


@dataclass(frozen=True)
class SentReminder:
    sid: str  # Twilio's: SM... for a message, CA... for a call
    status: str  # Twilio's first status (queued)


class ReminderFailed(Exception):
    """A send that did not happen. ``reason`` is safe to log (no number, no message text)."""

    def __init__(
        self, reason: str, *, permanent: bool, code: int | None = None, status: int | None = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent  # refused for this guest's number: retrying will not help
        self.code = code  # Twilio's error code
        self.status = status  # the HTTP status Twilio answered


class ReminderSender(Protocol):
    def send_reminder(self, reminder: DueReminder) -> SentReminder: ...


@dataclass
class ReminderRun:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # claimed, then no longer due (cancelled, moved) or left for the next run


def send_due_reminders(
    db: Database, restaurant: Restaurant, sender: ReminderSender, now: datetime
) -> ReminderRun:
    until = now + timedelta(hours=restaurant.reminder_hours_before)
    with db.transaction() as tx:
        claimed = [str(row["id"]) for row in tx.fetch_all(_CLAIM, now=now, until=until)]
    run = ReminderRun()
    for index, reservation_id in enumerate(claimed):
        if not _send_one(db, sender, reservation_id, now, until, run):
            for rest in claimed[index + 1 :]:  # Twilio is failing: leave the rest for later
                db.execute(_RELEASE, id=rest, now=now)
                run.skipped += 1
            break
    log.info("reminders run", extra={"event": "reminders_run", **asdict(run)})
    return run


def _send_one(
    db: Database,
    sender: ReminderSender,
    reservation_id: str,
    now: datetime,
    until: datetime,
    run: ReminderRun,
) -> bool:
    """Send one claimed reminder; False when Twilio failed in a way the next send would too."""
    row = db.fetch_one(_FRESH, id=reservation_id, now=now, until=until)
    if row is None:
        db.execute(_RELEASE, id=reservation_id, now=now)
        run.skipped += 1
        return True
    try:
        sent = sender.send_reminder(_due(row))
    except ReminderFailed as exc:
        _failed(db, reservation_id, now, exc)
        run.failed += 1
        return exc.permanent
    except Exception as exc:  # a bug or an unforeseen error: its text may hold the number
        _failed(db, reservation_id, now, ReminderFailed(type(exc).__name__, permanent=False))
        run.failed += 1
        return False
    db.execute(_SENT, id=reservation_id, now=now, sid=sent.sid, status=sent.status)
    run.sent += 1
    log.info(
        "reminder sent",
        extra={"event": "reminder_sent", "reservation_id": reservation_id, "sid": sent.sid},
    )
    return True


def _failed(db: Queries, reservation_id: str, now: datetime, exc: ReminderFailed) -> None:
    if exc.permanent:
        db.execute(_GIVE_UP, id=reservation_id)
    else:
        db.execute(_RELEASE, id=reservation_id, now=now)
    log.warning(
        "reminder not sent",
        extra={
            "event": "reminder_failed",
            "reservation_id": reservation_id,
            "reason": exc.reason,
            "twilio_code": exc.code,
            "http_status": exc.status,
            "retried": not exc.permanent,
        },
    )


def _due(row: Row) -> DueReminder:
    return DueReminder(
        reservation_id=str(row["id"]),
        code=row["code"],
        guest_name=row["guest_name"],
        phone=row["phone"],
        party_size=int(row["party_size"]),
        starts_at=row["starts_at"],
        promoted=bool(row["promoted"]),
    )


# How far along a message or call is: a status callback never moves a reminder backwards (they
# may arrive out of order, or twice). Statuses Twilio adds later rank as "on its way".
_PROGRESS = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "initiated": 1,
    "sending": 1,
    "ringing": 2,
    "sent": 2,
    "in-progress": 3,
    "busy": 4,
    "canceled": 4,
    "completed": 4,
    "delivered": 4,
    "failed": 4,
    "no-answer": 4,
    "undelivered": 4,
    "read": 5,
}


def _progress(status: str | None) -> int:
    return -1 if status is None else _PROGRESS.get(status, 1)


def record_status(db: Database, sid: str, status: str) -> bool:
    """Record Twilio's status for the reminder with this sid; False when nothing changed (an
    unknown sid, a repeated or an older status)."""
    with db.transaction() as tx:
        row = tx.fetch_one(
            "SELECT id, reminder_status FROM hanok.reservations WHERE reminder_sid = :sid"
            " FOR UPDATE",
            sid=sid,
        )
        if row is None or _progress(status) <= _progress(row["reminder_status"]):
            return False
        tx.execute(
            "UPDATE hanok.reservations SET reminder_status = :status WHERE id = :id",
            id=row["id"],
            status=status,
        )
        return True
