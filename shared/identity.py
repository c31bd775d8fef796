"""Users and PIN sign-in with lockout by source address (shared across relay instances)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared import pins
from shared.db import Database


@dataclass(frozen=True)
class User:
    id: str
    display_name: str


class PinAlreadyInUse(ValueError):
    pass


def create_user(
    db: Database, display_name: str, pin: str, pepper: bytes, email: str | None = None
) -> User:
    lookup = pins.pin_lookup(pin, pepper)
    user_id = str(uuid.uuid4())
    with db.transaction() as tx:
        if tx.fetch_one("SELECT 1 FROM identity.users WHERE pin_lookup = :l", l=lookup):
            raise PinAlreadyInUse("that PIN is already in use; choose another")
        tx.execute(
            "INSERT INTO identity.users (id, display_name, email, pin_lookup, pin_hash)"
            " VALUES (:id, :name, :email, :lookup, :hash)",
            id=user_id,
            name=display_name,
            email=email,
            lookup=lookup,
            hash=pins.hash_pin(pin),
        )
    return User(user_id, display_name)


def ensure_user(db: Database, display_name: str, pin: str, pepper: bytes, email: str) -> User:
    """Create the user unless one with this email exists (for seeding demo data)."""
    row = db.fetch_one(
        "SELECT id, display_name FROM identity.users WHERE email = :email", email=email
    )
    if row:
        return User(str(row["id"]), row["display_name"])
    return create_user(db, display_name, pin, pepper, email=email)


def find_user_by_pin(db: Database, pin: str, pepper: bytes) -> User | None:
    row = db.fetch_one(
        "SELECT id, display_name, pin_hash FROM identity.users WHERE pin_lookup = :l",
        l=pins.pin_lookup(pin, pepper),
    )
    if row is None:
        pins.burn_equal_time(pin)
        return None
    if not pins.verify_pin(pin, row["pin_hash"]):
        return None
    return User(str(row["id"]), row["display_name"])


def recent_failures(db: Database, source: str, window_seconds: int) -> int:
    row = db.fetch_one(
        "SELECT count(*) AS n FROM identity.auth_failures"
        " WHERE source = :source AND failed_at > now() - make_interval(secs => :window)",
        source=source,
        window=window_seconds,
    )
    return int(row["n"]) if row else 0


def record_failure(db: Database, source: str) -> None:
    db.execute("INSERT INTO identity.auth_failures (source) VALUES (:source)", source=source)


def get_user(db: Database, user_id: str) -> User | None:
    row = db.fetch_one("SELECT id, display_name FROM identity.users WHERE id = :id", id=user_id)
    return User(str(row["id"]), row["display_name"]) if row else None
