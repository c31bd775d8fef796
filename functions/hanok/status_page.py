"""The guest's status page, ``/reservation/status?code=...``: public, since the code is the
guest's key to it; it shows the first name only and never the phone number."""

from __future__ import annotations

from datetime import datetime
from html import escape

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from functions.hanok import codes, store
from functions.hanok.config import Restaurant
from functions.hanok.models import Reservation, WaitlistEntry
from shared.db import Database

STATUS_WORDS = {
    "pending": "Waiting for your confirmation",
    "confirmed": "Confirmed",
    "seated": "Seated: enjoy your meal",
    "completed": "Completed: thank you for dining with us",
    "cancelled": "Cancelled",
    "no_show": "Missed",
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem;
       color: #2b2118; background: #faf6f0; }}
h1 {{ font-size: 1.4rem; }} dt {{ font-weight: 600; margin-top: .6rem; }} dd {{ margin: 0; }}
.status {{ font-size: 1.2rem; padding: .5rem .8rem; border-radius: .4rem; background: #efe4d4; }}
</style></head>
<body><h1>{restaurant}</h1>{body}</body></html>
"""


def status_routes(db: Database, restaurant: Restaurant) -> APIRouter:
    router = APIRouter()

    @router.get("/reservation/status", response_class=HTMLResponse)
    def reservation_status(
        code: str = Query(default="", max_length=40, description="the confirmation code"),
    ) -> HTMLResponse:
        """A guest's reservation, by confirmation code, as a page."""
        wanted = codes.normalise(code)
        found = store.by_code(db, wanted) if wanted else None
        if found is not None:
            return _page(restaurant, "Your reservation", _details(found, restaurant), 200)
        waiting = store.waitlist_by_code(db, wanted) if wanted else None
        if waiting is not None:
            return _page(restaurant, "Your place on the waitlist", _queue(waiting, restaurant), 200)
        body = "<p>We can't find a reservation with that code. Please check it and try again."
        return _page(restaurant, "Reservation not found", body, 404)

    return router


def _when(moment: datetime, restaurant: Restaurant) -> str:
    local = moment.astimezone(restaurant.zone)
    return f"{local.strftime('%A, %B')} {local.day}, {local.strftime('%I:%M %p').lstrip('0')}"


def _queue(entry: WaitlistEntry, restaurant: Restaurant) -> str:
    words = {
        "waiting": f"On the waitlist: number {entry.position}",
        "promoted": "A table opened up: you have a reservation (see your message)",
        "withdrawn": "Left the waitlist",
        "expired": "The waitlist for this time has closed",
    }
    rows = [
        ("Name", entry.guest_name.split()[0]),
        ("When", _when(entry.starts_at, restaurant)),
        ("Party", f"{entry.party_size}"),
        ("Code", entry.code),
    ]
    return _listing(words[entry.status], entry.status, rows)


def _listing(status: str, kind: str, rows: list[tuple[str, str]]) -> str:
    listed = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return f'<p class="status" data-status="{kind}">{escape(status)}</p><dl>{listed}</dl>'


def _details(reservation: Reservation, restaurant: Restaurant) -> str:
    first_name = reservation.guest_name.split()[0]
    when = _when(reservation.starts_at, restaurant)
    rows = [
        ("Name", first_name),
        ("When", when),
        ("Party", f"{reservation.party_size}"),
        ("Code", reservation.code),
    ]
    if reservation.requests:
        rows.append(("Requests", reservation.requests))
    return _listing(STATUS_WORDS[reservation.status], reservation.status, rows)


def _page(restaurant: Restaurant, title: str, body: str, status: int) -> HTMLResponse:
    html = PAGE.format(title=escape(title), restaurant=escape(restaurant.name), body=body)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
