"""Users and how they are found at sign-in: by account (email or phone number) and PIN, or by
PIN alone for users enrolled for it (the original clients send only a PIN).

The threat model is in docs/decisions/0010-sign-in-threat-model.md.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass

from shared import phones, pins
from shared.db import Database

MIN_NEW_PIN_DIGITS = 6
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}$")


@dataclass(frozen=True)
class User:
    id: str
    display_name: str


class WeakPin(ValueError):
    """A new user's PIN that is too short or too easy to guess."""


class PinUnavailable(ValueError):
    """A PIN that cannot be used for sign-in by PIN alone (another such user holds it)."""


class InvalidAccount(ValueError):
    """An account identifier that is neither an email address nor a phone number."""


@dataclass(frozen=True)
class Account:
    """A normalised account identifier: ``kind`` is email or phone, ``value`` its canonical form."""

    kind: str
    value: str


def parse_account(raw: str, default_region: str = "US") -> Account:
    text = raw.strip()
    if "@" in text:
        if not _EMAIL.match(text):
            raise InvalidAccount("account must be an email address or a phone number")
        return Account("email", text.lower())
    try:
        return Account("phone", phones.e164(text, default_region))
    except phones.InvalidPhone as exc:
        if any(c.isalpha() for c in text):
            raise InvalidAccount("account must be an email address or a phone number") from exc
        raise InvalidAccount("that phone number is not valid") from exc


def check_new_pin(pin: str) -> None:
    """New PINs: at least six digits, not one digit repeated, not a run like 123456."""
    if not pin.isdigit() or not pin.isascii():
        raise WeakPin("a PIN is made of digits only")
    if len(pin) < MIN_NEW_PIN_DIGITS:
        raise WeakPin(f"a new PIN needs at least {MIN_NEW_PIN_DIGITS} digits")
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {0, 1, 9}:
        raise WeakPin("that PIN is too easy to guess (a repeated digit or a run)")


def create_user(
    db: Database,
    display_name: str,
    pin: str,
    pepper: bytes,
    email: str | None = None,
    phone: str | None = None,
    pin_only: bool | None = None,
) -> User:
    """Create a user. With an email or phone number the user signs in by account and PIN, and
    the PIN need not be unique. ``pin_only`` (the default when there is no account) also lets
    them sign in by PIN alone, which needs a PIN no other such user holds."""
    check_new_pin(pin)
    email_value = parse_account(email).value if email else None
    phone_value = parse_account(phone).value if phone else None
    pin_only = pin_only if pin_only is not None else not (email_value or phone_value)
    lookup = pins.pin_lookup(pin, pepper)
    user_id = str(uuid.uuid4())
    with db.transaction() as tx:
        if pin_only and tx.fetch_one(
            "SELECT 1 FROM identity.users WHERE pin_lookup = :l AND pin_only_sign_in", l=lookup
        ):
            raise PinUnavailable(
                "that PIN cannot be used for sign-in by PIN alone; choose another,"
                " or give the user an email address or phone number"
            )
        tx.execute(
            "INSERT INTO identity.users"
            " (id, display_name, email, phone, pin_lookup, pin_hash, pin_only_sign_in)"
            " VALUES (:id, :name, :email, :phone, :lookup, :hash, :pin_only)",
            id=user_id,
            name=display_name,
            email=email_value,
            phone=phone_value,
            lookup=lookup,
            hash=pins.hash_pin(pin),
            pin_only=pin_only,
        )
    return User(user_id, display_name)


def ensure_user(
    db: Database, display_name: str, pin: str, pepper: bytes, email: str, pin_only: bool = True
) -> User:
    """Create the user unless one with this email exists (for seeding demo data)."""
    row = db.fetch_one(
        "SELECT id, display_name FROM identity.users WHERE email = :email",
        email=parse_account(email).value,
    )
    if row:
        return User(str(row["id"]), row["display_name"])
    return create_user(db, display_name, pin, pepper, email=email, pin_only=pin_only)


def find_user_by_pin(db: Database, pin: str, pepper: bytes) -> User | None:
    """Sign-in by PIN alone: only users enrolled for it can be found this way."""
    row = db.fetch_one(
        "SELECT id, display_name, pin_hash FROM identity.users"
        " WHERE pin_lookup = :l AND pin_only_sign_in",
        l=pins.pin_lookup(pin, pepper),
    )
    return _verified(row, pin)


def find_user_by_account(db: Database, account: Account, pin: str) -> User | None:
    """Sign-in by account and PIN: the PIN is checked against that one user only."""
    column = "email" if account.kind == "email" else "phone"
    row = db.fetch_one(
        f"SELECT id, display_name, pin_hash FROM identity.users WHERE {column} = :value",  # noqa: S608 - column from a fixed pair
        value=account.value,
    )
    return _verified(row, pin)


def _verified(row: dict[str, object] | None, pin: str) -> User | None:
    if row is None:
        pins.burn_equal_time(pin)  # an unknown PIN or account costs what a wrong PIN costs
        return None
    if not pins.verify_pin(pin, str(row["pin_hash"])):
        return None
    return User(str(row["id"]), str(row["display_name"]))


def get_user(db: Database, user_id: str) -> User | None:
    row = db.fetch_one("SELECT id, display_name FROM identity.users WHERE id = :id", id=user_id)
    return User(str(row["id"]), row["display_name"]) if row else None
