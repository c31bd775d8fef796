"""The reservation API under /api/reservations, for authenticated callers (a booking page, the
staff's tools). Each request that writes runs in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from functions.hanok import codes, store, views
from functions.hanok.bookings import Bookings
from functions.hanok.config import DietaryTag, Restaurant
from functions.hanok.errors import HanokError, not_found
from functions.hanok.models import (
    Amendment,
    Availability,
    BookingOutcome,
    BookingRequest,
    Cancellation,
    CancelOutcome,
    DaySheet,
    Menu,
    Reservation,
    StatusChange,
)
from shared import phones
from shared.db import Database

Clock = Callable[[], datetime]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "invalid_request, invalid_phone, or a rule: closed, not_a_slot, "
        "in_the_past, beyond_horizon, party_too_small, party_too_large, unknown_dish"
    },
    401: {"description": "unauthenticated"},
    404: {"description": "reservation_not_found"},
    409: {
        "description": "full (with alternatives), no_table, invalid_transition, not_amendable, "
        "not_cancellable, retention_offer_required"
    },
}
IDEMPOTENCY_KEY = Header(min_length=8, max_length=200, description="the same key, the same booking")


def utc_now() -> datetime:
    return datetime.now(UTC)


def reservation_routes(
    db: Database, restaurant: Restaurant, region: str, clock: Clock = utc_now
) -> APIRouter:
    bookings = Bookings(restaurant)
    router = APIRouter(prefix="/api/reservations", responses=ERRORS)

    def e164(raw: str) -> str:
        try:
            return phones.e164(raw, region)
        except phones.InvalidPhone as exc:
            raise HanokError(400, "invalid_phone", str(exc)) from None

    @router.get("/menu", response_model=Menu)
    def get_menu(category: str | None = None, dietary: DietaryTag | None = None) -> Menu:
        """Categories and dishes, with prices and dietary tags (filter by either)."""
        return views.menu(restaurant, category, dietary)

    @router.get("/availability", response_model=Availability)
    def get_availability(
        day: Annotated[date, Query(alias="date")], party_size: Annotated[int, Query(ge=1, le=100)]
    ) -> Availability:
        """Every seating time of the day, and whether a party of this size can book it."""
        return views.availability(db, restaurant, day, party_size, clock())

    @router.post("", response_model=BookingOutcome, status_code=201)
    def create(
        body: BookingRequest,
        response: Response,
        idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
    ) -> BookingOutcome | JSONResponse:
        """Book a table: 201 booked, 200 merged into the guest's booking of a moment ago or
        replayed (the same Idempotency-Key), 202 on the waitlist, 409 ``full`` with the
        nearest free times when the guest did not ask for the waitlist."""
        request = body.model_copy(update={"phone": e164(body.phone)})
        with db.transaction() as tx:
            outcome = bookings.create(tx, request, clock(), request_key=idempotency_key)
        if outcome.outcome == "full":
            raise HanokError(
                409,
                "full",
                "no table is free for that party at that time",
                alternatives=outcome.alternatives,
                waitlist_available=True,
            )
        response.status_code = {"booked": 200 if outcome.replayed else 201, "merged": 200}.get(
            outcome.outcome, 202
        )
        return outcome

    @router.get("", response_model=list[Reservation])
    def look_up(
        phone: Annotated[str, Query(min_length=7, max_length=32)],
        name: Annotated[str, Query(min_length=1, max_length=100)],
    ) -> list[Reservation]:
        """Upcoming reservations made from this phone under this name (or part of it)."""
        found = store.upcoming(db, phone=e164(phone), user_id=None, since=clock())
        wanted = name.strip().lower()
        return [r for r in found if wanted in r.guest_name.lower()]

    @router.get("/code/{code}", response_model=Reservation)
    def by_code(code: str) -> Reservation:
        found = store.by_code(db, codes.normalise(code) or "")
        if found is None:
            raise not_found()
        return found

    @router.get("/admin/day", response_model=DaySheet)
    def day(day: Annotated[date, Query(alias="date")]) -> DaySheet:
        """The staff's sheet of a day: every reservation, each table's, the waitlist."""
        return views.day_sheet(db, restaurant, day)

    @router.get("/{reservation_id}", response_model=Reservation)
    def by_id(reservation_id: str) -> Reservation:
        return store.get(db, reservation_id)

    @router.patch("/{reservation_id}", response_model=Reservation)
    def amend(reservation_id: str, body: Amendment) -> Reservation:
        """Change the party size, the day or time (the tables move with it), or the requests."""
        with db.transaction() as tx:
            return bookings.amend(tx, reservation_id, body, clock())

    @router.post("/{reservation_id}/status", response_model=Reservation)
    def change_status(reservation_id: str, body: StatusChange) -> Reservation:
        """pending → confirmed | seated | cancelled; confirmed → seated | cancelled | no_show;
        seated → completed. Any other move is a 409."""
        with db.transaction() as tx:
            return bookings.set_status(tx, reservation_id, body.status, clock())

    @router.post("/{reservation_id}/cancel", response_model=CancelOutcome)
    def cancel(reservation_id: str, body: Cancellation) -> CancelOutcome:
        """Cancel. A large party with a pre-order first gets 409 ``retention_offer_required``
        with the offer; cancelling again with ``acknowledge_retention_offer`` goes through."""
        with db.transaction() as tx:
            outcome = bookings.cancel(
                tx,
                reservation_id,
                acknowledge_retention_offer=body.acknowledge_retention_offer,
                reason=body.reason,
                now=clock(),
            )
        if outcome.outcome == "retention_offer":
            raise HanokError(
                409, "retention_offer_required", outcome.offer or "", offer=outcome.offer
            )
        return outcome

    return router
