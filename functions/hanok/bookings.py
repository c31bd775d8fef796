"""Booking, amending, cancelling and moving a party along: the rules, in one transaction each.

Every method takes the transaction it runs in (``tx``): the REST API opens one per request, the
MCP tools run in the dispatcher's (whose claim on the request key makes a redelivered tool call
answer as before). Tables are taken by inserting holds; the exclusion constraint on
``hanok.table_holds`` refuses an overlapping one, and the loser of such a race looks again
(``_take_tables``), so two guests never get one table, whatever the timing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta

from functions.hanok import codes, holds, seating, store
from functions.hanok.config import Restaurant
from functions.hanok.errors import HanokError
from functions.hanok.models import (
    TRANSITIONS,
    Amendment,
    BookingOutcome,
    BookingRequest,
    CancelOutcome,
    Reservation,
    Status,
)
from shared.db import Queries

log = logging.getLogger(__name__)
EDITABLE: tuple[Status, ...] = ("pending", "confirmed")


class Bookings:
    def __init__(self, restaurant: Restaurant):
        self.restaurant = restaurant

    # -- booking ----------------------------------------------------------------------------

    def create(
        self,
        tx: Queries,
        request: BookingRequest,
        now: datetime,
        *,
        user_id: str | None = None,
        request_key: str | None = None,
    ) -> BookingOutcome:
        seating.check_party(self.restaurant, request.party_size)
        start = seating.seating_time(self.restaurant, request.date, request.time, now)
        self._check_pre_order(request)
        # One booking at a time per guest: a repeated request is then seen, not doubled.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))", key=f"hanok:{request.phone}"
        )
        if request_key and (done := store.by_request_key(tx, request_key)) is not None:
            return BookingOutcome(outcome="booked", reservation=done, replayed=True)
        if request.source == "voice" and (merged := self._merge(tx, request, start, now)):
            return BookingOutcome(outcome="merged", reservation=merged)
        booked = self._book(tx, request, start, now, user_id, request_key, "confirmed")
        if booked is not None:
            return BookingOutcome(outcome="booked", reservation=booked)
        return self._full(tx, request, start, now, user_id, request_key)

    def _book(
        self,
        tx: Queries,
        request: BookingRequest,
        start: datetime,
        now: datetime,
        user_id: str | None,
        request_key: str | None,
        status: Status,
    ) -> Reservation | None:
        """The reservation with its tables, or None (nothing written) when none are free."""
        end = start + self.restaurant.dining_time(request.party_size)
        tx.execute("SAVEPOINT booking")
        reservation_id = holds.insert_reservation(
            tx, request, start, end, now, user_id, request_key, status
        )
        if (
            holds.take_tables(self.restaurant, tx, reservation_id, request.party_size, start, end)
            is None
        ):
            tx.execute("ROLLBACK TO SAVEPOINT booking")
            return None
        tx.execute("RELEASE SAVEPOINT booking")
        return store.get(tx, reservation_id)

    def _merge(
        self, tx: Queries, request: BookingRequest, start: datetime, now: datetime
    ) -> Reservation | None:
        """The same guest booking the same day again by voice within the merge window gets
        their first booking, changed to what they asked this time."""
        window = timedelta(minutes=self.restaurant.merge_window_minutes)
        day = datetime.combine(request.date, time(0), self.restaurant.zone)
        earlier = store.recent_voice_booking(
            tx,
            phone=request.phone,
            day_start=day,
            day_end=day + timedelta(days=1),
            since=now - window,
        )
        if earlier is None:
            return None
        change = Amendment(
            party_size=request.party_size,
            date=request.date,
            time=request.time,
            requests=request.requests or None,
        )
        return self.amend(tx, earlier.id, change, now)

    def _full(
        self,
        tx: Queries,
        request: BookingRequest,
        start: datetime,
        now: datetime,
        user_id: str | None,
        request_key: str | None,
    ) -> BookingOutcome:
        if not request.join_waitlist:
            slots = holds.day_slots(self.restaurant, tx, start, request.party_size, now)
            return BookingOutcome(outcome="full", alternatives=seating.nearest_free(slots, start))
        entry = store.join_waitlist(
            tx,
            {
                "id": str(uuid.uuid4()),
                "code": codes.new_code(),
                "guest_name": request.guest_name,
                "phone": request.phone,
                "party_size": request.party_size,
                "starts_at": start,
                "user_id": user_id,
                "request_key": request_key,
                "now": now,
            },
        )
        return BookingOutcome(outcome="waitlisted", waitlist=entry)

    def _check_pre_order(self, request: BookingRequest) -> None:
        unknown = [i.dish_id for i in request.pre_order if i.dish_id not in self.restaurant.dishes]
        if unknown:
            raise HanokError(400, "unknown_dish", f"not on our menu: {', '.join(unknown)}")

    # -- changing ---------------------------------------------------------------------------

    def amend(
        self, tx: Queries, reservation_id: str, change: Amendment, now: datetime
    ) -> Reservation:
        current = store.get(tx, reservation_id, lock=True)
        if current.status not in EDITABLE:
            raise HanokError(
                409, "not_amendable", f"a {current.status} reservation cannot be changed"
            )
        local = current.starts_at.astimezone(self.restaurant.zone)
        party = change.party_size or current.party_size
        seating.check_party(self.restaurant, party)
        start = current.starts_at
        if change.date or change.time:
            start = seating.seating_time(
                self.restaurant, change.date or local.date(), change.time or local.time(), now
            )
        if (party, start) != (current.party_size, current.starts_at):
            self._move(tx, current, party, start, now)
        if change.requests is not None:
            store.update(tx, current.id, now, requests=change.requests)
        return store.get(tx, current.id)

    def _move(
        self, tx: Queries, current: Reservation, party: int, start: datetime, now: datetime
    ) -> None:
        end = start + self.restaurant.dining_time(party)
        tx.execute("SAVEPOINT move")
        store.release(tx, current.id)
        if holds.take_tables(self.restaurant, tx, current.id, party, start, end) is None:
            tx.execute("ROLLBACK TO SAVEPOINT move")
            local = start.astimezone(self.restaurant.zone)
            slots = holds.day_slots(self.restaurant, tx, start, party, now)
            raise HanokError(
                409,
                "no_table",
                f"we have no table for {party} at {local.strftime('%H:%M')} on {local.date()}",
                alternatives=seating.nearest_free(slots, start),
            )
        tx.execute("RELEASE SAVEPOINT move")
        store.update(tx, current.id, now, party_size=party, starts_at=start, ends_at=end)
        if start != current.starts_at:
            store.forget_reminder(tx, current.id)

    def set_status(
        self, tx: Queries, reservation_id: str, status: Status, now: datetime
    ) -> Reservation:
        current = store.get(tx, reservation_id, lock=True)
        if current.status == status:
            return current  # already so: a repeated request changes nothing
        if status not in TRANSITIONS.get(current.status, ()):
            raise HanokError(
                409,
                "invalid_transition",
                f"a {current.status} reservation cannot become {status}",
                allowed=list(TRANSITIONS.get(current.status, ())),
            )
        if status == "cancelled":
            return self._cancel(tx, current, "by the restaurant", now).reservation
        store.set_status(tx, current.id, status, now)
        if status in ("completed", "no_show"):
            store.release(tx, current.id)  # the table is free for the rest of the evening
            self._promote(tx, current, now)
        return store.get(tx, current.id)

    def cancel(
        self,
        tx: Queries,
        reservation_id: str,
        *,
        acknowledge_retention_offer: bool,
        reason: str,
        now: datetime,
    ) -> CancelOutcome:
        current = store.get(tx, reservation_id, lock=True)
        if current.status == "cancelled":
            return CancelOutcome(outcome="cancelled", reservation=current)
        if current.status not in EDITABLE:
            raise HanokError(
                409, "not_cancellable", f"a {current.status} reservation cannot be cancelled"
            )
        if self._needs_retention_offer(current) and not acknowledge_retention_offer:
            return CancelOutcome(
                outcome="retention_offer",
                reservation=current,
                offer=self.restaurant.retention_offer,
            )
        return self._cancel(tx, current, reason, now)

    def _needs_retention_offer(self, reservation: Reservation) -> bool:
        return reservation.party_size >= self.restaurant.large_party and bool(reservation.pre_order)

    def _cancel(
        self, tx: Queries, current: Reservation, reason: str, now: datetime
    ) -> CancelOutcome:
        store.update(tx, current.id, now, status="cancelled", cancel_reason=reason[:300] or None)
        store.release(tx, current.id)
        promoted = self._promote(tx, current, now)
        return CancelOutcome(
            outcome="cancelled", reservation=store.get(tx, current.id), promoted=promoted
        )

    def _promote(self, tx: Queries, freed: Reservation, now: datetime) -> list[str]:
        """Seat waiting guests whose time the freed tables now allow, first come first."""
        longest = self.restaurant.dining_time(self.restaurant.max_party)
        earliest = max(freed.starts_at - longest, now)
        promoted = []
        for entry in store.waiting_for(tx, earliest, freed.ends_at):
            local = entry["starts_at"].astimezone(self.restaurant.zone)
            request = BookingRequest(
                guest_name=entry["guest_name"],
                phone=entry["phone"],
                party_size=entry["party_size"],
                date=local.date(),
                time=local.time(),
                source="waitlist",
            )
            user = str(entry["user_id"]) if entry["user_id"] else None
            booked = self._book(tx, request, entry["starts_at"], now, user, None, "pending")
            if booked is not None:
                store.promoted(tx, str(entry["id"]), booked.id)
                promoted.append(str(entry["code"]))
        return promoted

    # -- reading ----------------------------------------------------------------------------

    def next_for_phone(self, db: Queries, phone: str, now: datetime) -> Reservation | None:
        found = store.upcoming(db, phone=phone, user_id=None, since=now, limit=5)
        live = [r for r in found if r.status in EDITABLE]
        return live[0] if live else None
