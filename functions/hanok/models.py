"""Hanok Table's typed documents: what the API takes and answers, and what the tools read."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from functions.hanok.config import DietaryTag

Status = Literal["pending", "confirmed", "seated", "completed", "cancelled", "no_show"]
Source = Literal["voice", "web", "phone", "staff", "waitlist"]
LIVE: tuple[Status, ...] = ("pending", "confirmed", "seated")  # these hold tables
# Which status may follow which; the staff move a party along, a guest only cancels.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    "pending": ("confirmed", "seated", "cancelled"),
    "confirmed": ("seated", "cancelled", "no_show"),
    "seated": ("completed",),
}
Name = str
GUEST_NAME = Field(min_length=1, max_length=100, description="the name the table is under")
REQUESTS = Field(default="", max_length=500, description="allergies, occasion, seating wishes")


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PreOrderItem(Document):
    dish_id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    quantity: int = Field(ge=1, le=50)


class Reservation(Document):
    id: str
    code: str
    guest_name: str
    phone: str
    party_size: int
    starts_at: datetime
    ends_at: datetime
    status: Status
    requests: str
    pre_order: list[PreOrderItem]
    source: Source
    tables: list[str]
    created_at: datetime
    updated_at: datetime

    def spoken(self, zone: Any) -> dict[str, Any]:
        """What a tool result says of it (no phone number: the caller knows their own)."""
        local = self.starts_at.astimezone(zone)
        return {
            "code": self.code,
            "guest_name": self.guest_name,
            "party_size": self.party_size,
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "starts_at": local.isoformat(),
            "status": self.status,
            "requests": self.requests,
            "tables": self.tables,
        }


class WaitlistEntry(Document):
    id: str
    code: str
    guest_name: str
    party_size: int
    starts_at: datetime
    status: Literal["waiting", "promoted", "withdrawn", "expired"]
    position: int
    reservation_id: str | None = None


class BookingRequest(Document):
    """A table wanted: the day and time are the restaurant's local ones."""

    guest_name: Name = GUEST_NAME
    phone: str = Field(min_length=7, max_length=32, description="the guest's phone number")
    party_size: int = Field(ge=1, le=100)
    date: dt.date
    time: dt.time
    requests: str = REQUESTS
    pre_order: list[PreOrderItem] = Field(default_factory=list, max_length=30)
    join_waitlist: bool = Field(
        default=False, description="when the time is full, join its waitlist instead"
    )
    source: Source = "web"


class Amendment(Document):
    party_size: int | None = Field(default=None, ge=1, le=100)
    date: dt.date | None = None
    time: dt.time | None = None
    requests: str | None = Field(default=None, max_length=500)


class StatusChange(Document):
    status: Status


class Cancellation(Document):
    acknowledge_retention_offer: bool = Field(
        default=False,
        description="the guest heard the retention offer (large parties with a pre-order)",
    )
    reason: str = Field(default="", max_length=300)


BookingResult = Literal["booked", "merged", "waitlisted", "full"]


class BookingOutcome(Document):
    outcome: BookingResult
    reservation: Reservation | None = None
    waitlist: WaitlistEntry | None = None
    alternatives: list[str] = Field(default_factory=list)  # HH:MM free the same day
    replayed: bool = False  # the same idempotency key was seen: nothing new was written


class CancelOutcome(Document):
    outcome: Literal["cancelled", "retention_offer"]
    reservation: Reservation
    offer: str | None = None
    promoted: list[str] = Field(default_factory=list)  # waitlist codes now holding a table


class Slot(Document):
    time: str
    starts_at: datetime
    available: bool


class Availability(Document):
    date: dt.date
    party_size: int
    open: bool
    slots: list[Slot]


class MenuDish(Document):
    id: str
    name: str
    korean: str
    description: str
    price: Decimal
    dietary: list[DietaryTag]


class MenuCategory(Document):
    id: str
    name: str
    dishes: list[MenuDish]


class Menu(Document):
    restaurant: str
    currency: str
    categories: list[MenuCategory]


class TableDay(Document):
    id: str
    seats: int
    reservations: list[str]  # codes holding it that day, in time order


class DaySheet(Document):
    """The staff's view of one day: every reservation and what each table holds."""

    date: dt.date
    reservations: list[Reservation]
    tables: list[TableDay]
    waitlist: list[WaitlistEntry]


class Health(Document):
    status: Literal["ok"]
    restaurant: str
