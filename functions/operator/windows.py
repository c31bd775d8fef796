"""The query parameters every list and count shares: a time window, a page size, a cursor."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.monitoring.layout import HOUR_FORMAT

DEFAULT_WINDOW_SECONDS = 86_400
MAX_WINDOW_DAYS = 31  # the records' retention is shorter; longer asks read nothing more


class BadQuery(ValueError):
    """A query parameter that cannot be used: the message names it."""


def instant(raw: str | None, name: str) -> float | None:
    """Unix seconds from ISO 8601 (``2026-12-02T03:00:00Z``) or a number of seconds."""
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise BadQuery(f"{name} must be an ISO 8601 date-time or Unix seconds") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@dataclass(frozen=True)
class Window:
    since: float
    until: float

    @classmethod
    def of(cls, since: str | None, until: str | None, now: float | None = None) -> Window:
        end = instant(until, "until")
        end = end if end is not None else (now if now is not None else time.time())
        start = instant(since, "since")
        start = start if start is not None else end - DEFAULT_WINDOW_SECONDS
        if end <= start:
            raise BadQuery("until must be after since")
        if end - start > MAX_WINDOW_DAYS * 86_400:
            raise BadQuery(f"the window may span at most {MAX_WINDOW_DAYS} days")
        return cls(start, end)

    def hours(self) -> list[str]:
        """The ``monitor_stats`` hours (UTC) that overlap the window, oldest first."""
        hour = datetime.fromtimestamp(self.since, UTC).replace(minute=0, second=0, microsecond=0)
        end = datetime.fromtimestamp(self.until, UTC)
        out = []
        while hour < end:
            out.append(hour.strftime(HOUR_FORMAT))
            hour += timedelta(hours=1)
        return out

    def described(self) -> dict[str, Any]:
        hours = self.hours()
        return {"since": iso(self.since), "until": iso(self.until), "hours": len(hours)}


def iso(at: float | datetime) -> str:
    """UTC, to the millisecond, with a Z: how every time in the API is written."""
    moment = at if isinstance(at, datetime) else datetime.fromtimestamp(at, UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_cursor(at: float | str, key: str) -> str:
    """The last item of a page: its sort value and its id (keyset paging)."""
    raw = json.dumps([at, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_parts(cursor: str) -> tuple[Any, str]:
    """What ``encode_cursor`` wrote; BadQuery for anything else."""
    try:
        at, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise BadQuery("cursor is not one this API gave") from exc
    if not isinstance(key, str):
        raise BadQuery("cursor is not one this API gave")
    return at, key


def decode_cursor(cursor: str | None) -> tuple[float, str] | None:
    """A monitor page's cursor: (Unix time, document id)."""
    if not cursor:
        return None
    at, key = cursor_parts(cursor)
    if not isinstance(at, int | float):
        raise BadQuery("cursor is not one this API gave")
    return float(at), key
