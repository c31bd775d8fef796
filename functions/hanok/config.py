"""The restaurant's business rules, from configuration (``restaurant.json`` beside this file,
or the file ``CONVONET_HANOK_CONFIG`` names): opening hours per weekday, slots, tables, party
limits, the booking horizon, the menu. Loaded and checked once at start: a rule that makes no
sense (a table adjacent to one that does not exist, last seating after closing) stops the
instance then, not a booking later."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_CONFIG = Path(__file__).with_name("restaurant.json")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
DietaryTag = Literal[
    "vegetarian",
    "vegan",
    "gluten_free",
    "dairy_free",
    "spicy",
    "contains_nuts",
    "contains_shellfish",
]


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(Rules):
    """One sitting of a day (lunch, dinner): guests may be seated from ``opens`` to
    ``last_seating``, at every slot between."""

    name: str = Field(min_length=1, max_length=40)
    opens: time
    last_seating: time
    closes: time

    @model_validator(mode="after")
    def _ordered(self) -> Service:
        if not self.opens <= self.last_seating < self.closes:
            raise ValueError(f"{self.name}: opens <= last_seating < closes must hold")
        return self


class Table(Rules):
    id: str = Field(pattern=r"^[A-Za-z0-9-]{1,20}$")
    seats: int = Field(ge=1, le=20)
    # Tables that can be pushed together with this one for a larger party.
    adjacent: tuple[str, ...] = ()


class Dish(Rules):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=80)
    korean: str = Field(default="", max_length=40)
    description: str = Field(max_length=300)
    price: Decimal = Field(ge=0, max_digits=7, decimal_places=2)
    dietary: tuple[DietaryTag, ...] = ()


class Category(Rules):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=60)
    dishes: tuple[Dish, ...]


class Restaurant(Rules):
    name: str
    timezone: str
    phone: str
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    hours: dict[Weekday, tuple[Service, ...]]  # a weekday not named is closed
    slot_minutes: int = Field(ge=5, le=120)
    # How long a party holds its table(s): the first size band that fits the party.
    dining_minutes: dict[int, int] = Field(description="party size up to -> minutes")
    min_party: int = Field(default=1, ge=1)
    max_party: int = Field(ge=1, le=40)
    min_notice_minutes: int = Field(default=30, ge=0)
    horizon_days: int = Field(ge=1, le=365)
    tables: tuple[Table, ...]
    # A voice booking repeated within this window (same phone, same day) amends the first.
    merge_window_minutes: int = Field(default=10, ge=0, le=120)
    # A party this large with a pre-order hears the retention offer before it may cancel.
    large_party: int = Field(ge=2)
    retention_offer: str = Field(min_length=1, max_length=300)
    reminder_hours_before: int = Field(default=24, ge=1, le=168)
    menu: tuple[Category, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Restaurant:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{self.timezone} is not a known time zone") from None
        ids = [t.id for t in self.tables]
        if len(set(ids)) != len(ids):
            raise ValueError("two tables share an id")
        for table in self.tables:
            for other in table.adjacent:
                if other not in ids or other == table.id:
                    raise ValueError(
                        f"table {table.id}: adjacent table {other} is not another table"
                    )
        if not self.dining_minutes or max(self.dining_minutes) < self.max_party:
            raise ValueError("dining_minutes must cover every party size up to max_party")
        if self.max_party > self.largest_seating:
            raise ValueError("max_party is more than any table or pair of tables seats")
        dish_ids = [d.id for c in self.menu for d in c.dishes]
        if len(set(dish_ids)) != len(dish_ids):
            raise ValueError("two dishes share an id")
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def table_seats(self) -> dict[str, int]:
        return {t.id: t.seats for t in self.tables}

    @cached_property
    def adjacent_pairs(self) -> tuple[tuple[str, str], ...]:
        """Each pair of tables that can be combined, once (adjacency read both ways)."""
        pairs = {tuple(sorted((t.id, o))) for t in self.tables for o in t.adjacent}
        return tuple(sorted((a, b) for a, b in pairs))

    @property
    def largest_seating(self) -> int:
        singles = [t.seats for t in self.tables]
        pairs = [self.table_seats[a] + self.table_seats[b] for a, b in self.adjacent_pairs]
        return max(singles + pairs)

    @cached_property
    def dishes(self) -> dict[str, Dish]:
        return {d.id: d for c in self.menu for d in c.dishes}

    def dining_time(self, party_size: int) -> timedelta:
        band = min(size for size in self.dining_minutes if size >= party_size)
        return timedelta(minutes=self.dining_minutes[band])

    def services_on(self, day: date) -> tuple[Service, ...]:
        return self.hours.get(WEEKDAYS[day.weekday()], ())

    def slots_on(self, day: date) -> list[datetime]:
        """Every time a party may be seated on ``day``, in the restaurant's zone."""
        step = timedelta(minutes=self.slot_minutes)
        slots = []
        for service in self.services_on(day):
            at = datetime.combine(day, service.opens, self.zone)
            last = datetime.combine(day, service.last_seating, self.zone)
            while at <= last:
                slots.append(at)
                at += step
        return slots


def load_restaurant(path: Path | None = None) -> Restaurant:
    return Restaurant.model_validate(json.loads((path or DEFAULT_CONFIG).read_text()))
