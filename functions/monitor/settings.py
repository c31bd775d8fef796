"""The monitor's settings, and when what it writes expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pydantic import Field

from shared.settings import CommonSettings


class MonitorSettings(CommonSettings):
    monitor_retention_days: int = Field(
        default=30, ge=1, le=3650, description="days the monitor keeps events, turns and stats"
    )


@lru_cache(maxsize=1)
def monitor_settings() -> MonitorSettings:
    return MonitorSettings()


def expires_at(at: float, retention_days: int) -> datetime:
    """The moment Firestore's TTL policy may delete a document about something at ``at``: a
    datetime, since TTL only acts on timestamp fields."""
    return datetime.fromtimestamp(at, UTC) + timedelta(days=retention_days)
