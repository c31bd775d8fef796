"""What Hanok Table answers without changing anything: the menu, a day's availability, the
staff's sheet of a day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from functions.hanok import seating, store
from functions.hanok.config import DietaryTag, Restaurant
from functions.hanok.models import (
    Availability,
    DaySheet,
    Menu,
    MenuCategory,
    MenuDish,
    Slot,
    TableDay,
)
from shared.db import Queries


def menu(
    restaurant: Restaurant, category: str | None = None, dietary: DietaryTag | None = None
) -> Menu:
    wanted = category.strip().lower() if category else None
    categories = []
    for group in restaurant.menu:
        if wanted and wanted not in (group.id, group.name.lower()):
            continue
        dishes = [
            MenuDish(
                id=d.id,
                name=d.name,
                korean=d.korean,
                description=d.description,
                price=d.price,
                dietary=list(d.dietary),
            )
            for d in group.dishes
            if dietary is None or dietary in d.dietary
        ]
        if dishes:
            categories.append(MenuCategory(id=group.id, name=group.name, dishes=dishes))
    return Menu(restaurant=restaurant.name, currency=restaurant.currency, categories=categories)


def day_bounds(restaurant: Restaurant, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), restaurant.zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), restaurant.zone)


def availability(
    db: Queries, restaurant: Restaurant, day: date, party_size: int, now: datetime
) -> Availability:
    seating.check_party(restaurant, party_size)
    start, end = day_bounds(restaurant, day)
    # Holds from the day before can reach into this one only by a dining time: read a margin.
    holds = store.holds_between(db, start, end + timedelta(hours=6), skip=None)
    slots = [
        Slot(time=at.strftime("%H:%M"), starts_at=at, available=free)
        for at, free in seating.open_slots(restaurant, day, party_size, holds, now)
    ]
    return Availability(date=day, party_size=party_size, open=bool(slots), slots=slots)


def day_sheet(db: Queries, restaurant: Restaurant, day: date) -> DaySheet:
    start, end = day_bounds(restaurant, day)
    reservations = store.between(db, start, end)
    tables = [
        TableDay(
            id=t.id,
            seats=t.seats,
            reservations=[r.code for r in reservations if t.id in r.tables],
        )
        for t in restaurant.tables
    ]
    waitlist = store.waitlist_between(db, start, end)
    return DaySheet(date=day, reservations=reservations, tables=tables, waitlist=waitlist)
