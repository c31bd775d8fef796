"""Hanok Table's tools, served over MCP at /mcp for the agent. Each acts for the signed-in
caller: a booking is made under their account's phone number, and they see and change only
reservations made from it (a code that is someone else's is "not found", never shown)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from pydantic import Field

from functions.hanok import codes, seating, store, views
from functions.hanok.bookings import Bookings
from functions.hanok.config import DietaryTag, Restaurant
from functions.hanok.errors import HanokError
from functions.hanok.models import Amendment, BookingRequest, Reservation
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool

A = TypeVar("A", bound=ToolArgs)
DOMAIN = "hanok"
CODE = Field(
    default=None,
    max_length=20,
    description="the confirmation code; leave out when the caller has one upcoming reservation",
)


class MenuArgs(ToolArgs):
    category: str | None = Field(
        default=None, max_length=40, description="starters, mains, desserts or drinks"
    )
    dietary: DietaryTag | None = Field(default=None, description="only dishes with this tag")


class AvailabilityArgs(ToolArgs):
    date: dt.date = Field(description="the day, YYYY-MM-DD")
    party_size: int = Field(ge=1, le=100, description="how many guests")
    time: dt.time | None = Field(default=None, description="a time wanted, HH:MM (24-hour)")


class BookArgs(ToolArgs):
    date: dt.date = Field(description="the day, YYYY-MM-DD")
    time: dt.time = Field(description="the seating time, HH:MM (24-hour)")
    party_size: int = Field(ge=1, le=100, description="how many guests")
    name: str | None = Field(
        default=None, max_length=100, description="the name for the table; else the caller's"
    )
    requests: str | None = Field(
        default=None, max_length=500, description="allergies, occasion, seating wishes"
    )
    join_waitlist: bool = Field(
        default=False, description="when that time is full, put the caller on its waitlist"
    )


class NoArgs(ToolArgs):
    pass


class ChangeArgs(ToolArgs):
    code: str | None = CODE
    date: dt.date | None = Field(default=None, description="a new day, YYYY-MM-DD")
    time: dt.time | None = Field(default=None, description="a new time, HH:MM (24-hour)")
    party_size: int | None = Field(default=None, ge=1, le=100, description="a new party size")
    requests: str | None = Field(default=None, max_length=500, description="new requests")


class CancelArgs(ToolArgs):
    code: str | None = CODE
    accept_retention_offer: bool = Field(
        default=False,
        description="true only after the caller heard the retention offer and still cancels",
    )


def _refusing(fn: Callable[[CallContext, A], Result]) -> Callable[[CallContext, A], Result]:
    """A rule the request breaks is said to the caller, as every tool's refusal is."""

    @wraps(fn)
    def run(ctx: CallContext, args: A) -> Result:
        try:
            return fn(ctx, args)
        except HanokError as exc:
            raise ToolRefused(exc.message) from None

    return run


def _caller(ctx: CallContext) -> tuple[str, str]:
    row = ctx.db.fetch_one(
        "SELECT phone, display_name FROM identity.users WHERE id = CAST(:id AS uuid)",
        id=ctx.user_id,
    )
    if row is None or not row["phone"]:
        raise ToolRefused(
            "I need a phone number on your account to hold a table; please add one first"
        )
    return row["phone"], row["display_name"]


def hanok_tools(restaurant: Restaurant) -> list[ToolSpec[Any]]:
    bookings = Bookings(restaurant)
    zone = restaurant.zone

    def mine(ctx: CallContext, code: str | None) -> Reservation:
        phone, _ = _caller(ctx)
        upcoming = store.upcoming(ctx.db, phone=phone, user_id=ctx.user_id, since=ctx.now)
        if code is not None:
            wanted = codes.normalise(code)
            found = [r for r in upcoming if r.code == wanted]
            if not found:
                raise ToolRefused(f"I can't find an upcoming reservation with the code {code}")
            return found[0]
        editable = [r for r in upcoming if r.status in ("pending", "confirmed")]
        if not editable:
            raise ToolRefused("you have no upcoming reservation")
        if len(editable) > 1:
            listed = "; ".join(f"{r.code} on {_when(r, zone)}" for r in editable)
            raise ToolRefused(f"you have {len(editable)} reservations ({listed}); which one?")
        return editable[0]

    @tool(MenuArgs, read_only=True, domain=DOMAIN)
    def get_menu(ctx: CallContext, args: MenuArgs) -> Result:
        """Hanok Table's menu: categories and dishes with prices and dietary tags (vegetarian,
        vegan, gluten free, spicy, nuts, shellfish). Filter by category or dietary tag."""
        return views.menu(restaurant, args.category, args.dietary).model_dump(mode="json")

    @tool(AvailabilityArgs, read_only=True, domain=DOMAIN)
    @_refusing
    def check_availability(ctx: CallContext, args: AvailabilityArgs) -> Result:
        """Which seating times at Hanok Table are free on a day for a party of a given size;
        with a time, whether that time is free and the nearest free times."""
        found = views.availability(ctx.db, restaurant, args.date, args.party_size, ctx.now)
        answer: Result = {
            "date": args.date.isoformat(),
            "party_size": args.party_size,
            "open": found.open,
            "slots": [{"time": s.time, "available": s.available} for s in found.slots],
            "requested": None,
            "nearest": [],
        }
        if args.time is not None:
            wanted = datetime.combine(args.date, args.time, zone)
            slots = [(s.starts_at, s.available) for s in found.slots]
            free = any(at == wanted and ok for at, ok in slots)
            answer["requested"] = {"time": args.time.strftime("%H:%M"), "available": free}
            answer["nearest"] = seating.nearest_free(slots, wanted)
        return answer

    @tool(BookArgs, domain=DOMAIN)
    @_refusing
    def book_table(ctx: CallContext, args: BookArgs) -> Result:
        """Book a table at Hanok Table for the caller (under their phone number; the name is
        theirs unless another is given). If the time is full, the answer gives the nearest
        free times; with join_waitlist the caller waits for that time instead. Booking the
        same day again within minutes changes the first booking rather than making two."""
        phone, display_name = _caller(ctx)
        request = BookingRequest(
            guest_name=args.name or display_name,
            phone=phone,
            party_size=args.party_size,
            date=args.date,
            time=args.time,
            requests=args.requests or "",
            join_waitlist=args.join_waitlist,
            source="voice",
        )
        outcome = bookings.create(
            ctx.db, request, ctx.now, user_id=ctx.user_id, request_key=ctx.key("booking")
        )
        result: Result = {"outcome": outcome.outcome}
        if outcome.reservation is not None:
            result["reservation"] = outcome.reservation.spoken(zone)
        if outcome.waitlist is not None:
            local = outcome.waitlist.starts_at.astimezone(zone)
            result["waitlist"] = {
                "code": outcome.waitlist.code,
                "date": local.date().isoformat(),
                "time": local.strftime("%H:%M"),
                "party_size": outcome.waitlist.party_size,
                "position": outcome.waitlist.position,
            }
        if outcome.outcome == "full":
            result["alternatives"] = outcome.alternatives
        return result

    @tool(NoArgs, read_only=True, domain=DOMAIN)
    def find_my_reservations(ctx: CallContext, args: NoArgs) -> Result:
        """The caller's upcoming reservations at Hanok Table, with their confirmation codes."""
        phone, _ = _caller(ctx)
        found = store.upcoming(ctx.db, phone=phone, user_id=ctx.user_id, since=ctx.now)
        return {"reservations": [r.spoken(zone) for r in found]}

    @tool(ChangeArgs, domain=DOMAIN)
    @_refusing
    def change_reservation(ctx: CallContext, args: ChangeArgs) -> Result:
        """Change one of the caller's reservations: the day, the time, the party size (the
        table moves with it, if one is free) or the requests."""
        current = mine(ctx, args.code)
        change = Amendment(
            party_size=args.party_size, date=args.date, time=args.time, requests=args.requests
        )
        changed = [name for name, value in change.model_dump().items() if value is not None]
        if not changed:
            raise ToolRefused("say what to change: the day, the time, the party size or requests")
        updated = bookings.amend(ctx.db, current.id, change, ctx.now)
        return {"reservation": updated.spoken(zone), "changed": changed}

    @tool(CancelArgs, domain=DOMAIN)
    @_refusing
    def cancel_reservation(ctx: CallContext, args: CancelArgs) -> Result:
        """Cancel one of the caller's reservations. A large party with a pre-order first gets
        the restaurant's retention offer (outcome retention_offer): read it to the caller, and
        cancel with accept_retention_offer only if they still want to."""
        current = mine(ctx, args.code)
        outcome = bookings.cancel(
            ctx.db,
            current.id,
            acknowledge_retention_offer=args.accept_retention_offer,
            reason="cancelled by the guest",
            now=ctx.now,
        )
        result: Result = {
            "outcome": outcome.outcome,
            "reservation": outcome.reservation.spoken(zone),
        }
        if outcome.offer:
            result["offer"] = outcome.offer
        return result

    return [
        get_menu,
        check_availability,
        book_table,
        find_my_reservations,
        change_reservation,
        cancel_reservation,
    ]


def _when(reservation: Reservation, zone: Any) -> str:
    local = reservation.starts_at.astimezone(zone)
    return f"{local.strftime('%A, %B')} {local.day} at {local.strftime('%H:%M')}"
