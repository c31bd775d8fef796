"""The seating rules, pure: which times a party may book, and which table(s) seat them.

Pure so that they can be checked exhaustively (tests/unit/test_hanok_seating.py, with
hypothesis) and so that availability and booking answer from one rule: availability runs
``choose_tables`` over the holds it read; booking runs it inside its transaction, and the
database's exclusion constraint settles any race between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from functions.hanok.config import Restaurant
from functions.hanok.errors import HanokError


@dataclass(frozen=True)
class Hold:
    table_id: str
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.starts_at < end and start < self.ends_at


def choose_tables(
    restaurant: Restaurant, party_size: int, busy: Iterable[str]
) -> tuple[str, ...] | None:
    """The smallest free table that seats the party; else the smallest free adjacent pair
    (never more than two tables); else None."""
    taken = set(busy)
    singles = sorted(
        (t.seats, t.id) for t in restaurant.tables if t.id not in taken and t.seats >= party_size
    )
    if singles:
        return (singles[0][1],)
    seats = restaurant.table_seats
    pairs = sorted(
        (seats[a] + seats[b], a, b)
        for a, b in restaurant.adjacent_pairs
        if a not in taken and b not in taken and seats[a] + seats[b] >= party_size
    )
    return (pairs[0][1], pairs[0][2]) if pairs else None


def busy_tables(holds: Iterable[Hold], start: datetime, end: datetime) -> set[str]:
    return {h.table_id for h in holds if h.overlaps(start, end)}


def check_party(restaurant: Restaurant, party_size: int) -> None:
    if party_size < restaurant.min_party:
        raise HanokError(
            400, "party_too_small", f"a booking is for at least {restaurant.min_party}"
        )
    if party_size > restaurant.max_party:
        raise HanokError(
            400,
            "party_too_large",
            f"we can book up to {restaurant.max_party} guests; for a larger party, please speak "
            "with the restaurant",
            max_party=restaurant.max_party,
        )


def seating_time(restaurant: Restaurant, day: date, at: time, now: datetime) -> datetime:
    """The moment a party would be seated, if it is one the restaurant takes bookings for."""
    moment = datetime.combine(day, at.replace(second=0, microsecond=0), restaurant.zone)
    if moment < now + timedelta(minutes=restaurant.min_notice_minutes):
        raise HanokError(400, "in_the_past", "that time has passed or is too soon to book")
    if moment.date() > (now.astimezone(restaurant.zone) + _horizon(restaurant)).date():
        raise HanokError(
            400,
            "beyond_horizon",
            f"we take bookings up to {restaurant.horizon_days} days ahead",
            horizon_days=restaurant.horizon_days,
        )
    slots = restaurant.slots_on(day)
    if not slots:
        raise HanokError(400, "closed", f"we are closed on {day.strftime('%A')}s")
    if moment not in slots:
        raise HanokError(
            400,
            "not_a_slot",
            "we seat guests at "
            + ", ".join(_spans(restaurant, day))
            + f", every {restaurant.slot_minutes} minutes",
        )
    return moment


def _horizon(restaurant: Restaurant) -> timedelta:
    return timedelta(days=restaurant.horizon_days)


def _spans(restaurant: Restaurant, day: date) -> list[str]:
    return [
        f"{s.opens.strftime('%H:%M')} to {s.last_seating.strftime('%H:%M')}"
        for s in restaurant.services_on(day)
    ]


def open_slots(
    restaurant: Restaurant, day: date, party_size: int, holds: list[Hold], now: datetime
) -> list[tuple[datetime, bool]]:
    """Every seating time of the day with whether a party of this size could book it now."""
    earliest = now + timedelta(minutes=restaurant.min_notice_minutes)
    dining = restaurant.dining_time(party_size)
    answer = []
    for at in restaurant.slots_on(day):
        free = at >= earliest and (
            choose_tables(restaurant, party_size, busy_tables(holds, at, at + dining)) is not None
        )
        answer.append((at, free))
    return answer


def nearest_free(slots: list[tuple[datetime, bool]], wanted: datetime, count: int = 3) -> list[str]:
    """The free times closest to the one wanted, as HH:MM, earliest first."""
    free = [at for at, ok in slots if ok and at != wanted]
    free.sort(key=lambda at: (abs((at - wanted).total_seconds()), at))
    return [at.strftime("%H:%M") for at in sorted(free[:count])]
