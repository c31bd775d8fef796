"""Hanok Table for tests: its API on a fixed clock over the real PostgreSQL of a test."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from functions.hanok.app import build_app
from functions.hanok.config import load_restaurant
from functions.hanok.settings import HanokSettings
from shared.db import Database
from shared.service_auth import SharedCredential

TOKEN = "hanok-test-credential"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ZONE = ZoneInfo("America/Los_Angeles")
# Tuesday 1 December 2026, noon at the restaurant; Friday the 4th has lunch and dinner.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=ZONE)
FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)  # closed


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def hanok_settings(**overrides: Any) -> HanokSettings:
    return HanokSettings(env="test", hanok_token=TOKEN, **overrides)


def hanok_app(db: Database, clock: Clock) -> FastAPI:
    settings = hanok_settings()
    return build_app(settings, db, load_restaurant(), SharedCredential(TOKEN), clock)


def booking(
    *, day: date = FRIDAY, at: str = "19:00", party: int = 4, name: str = "Kim", **extra: Any
) -> dict[str, Any]:
    return {
        "guest_name": name,
        "phone": extra.pop("phone", "(415) 555-0142"),
        "party_size": party,
        "date": day.isoformat(),
        "time": at,
        **extra,
    }


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZONE)
