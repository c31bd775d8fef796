"""Demo data for the local stack (local mode only): one user with a known PIN, and realistic data
in every domain for that user, each domain seeding its own (idempotent: a restart adds nothing).
"""

from __future__ import annotations

import logging
from datetime import date

from functions.tools.healthcare import demo as healthcare_demo
from functions.tools.mortgage import demo as mortgage_demo
from functions.tools.productivity import demo as productivity_demo
from shared import identity
from shared.db import Database
from shared.settings import RelaySettings

DEMO_EMAIL = "demo@convonet.local"
DEMO_NAME = "Demo User"
DEMO_PHONE = "+14155550100"  # the clinic tools find the caller's patient record by it
log = logging.getLogger(__name__)


def seed_demo_user(db: Database, settings: RelaySettings, pin: str) -> identity.User:
    if not settings.is_local:
        raise RuntimeError("demo data is for local mode only")
    user = identity.ensure_user(db, DEMO_NAME, pin, settings.pepper_bytes(), DEMO_EMAIL)
    db.execute(
        "UPDATE identity.users SET phone = :phone WHERE id = :id AND phone IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM identity.users WHERE phone = :phone)",
        phone=DEMO_PHONE,
        id=user.id,
    )
    return user


def seed_demo_data(
    db: Database, settings: RelaySettings, user: identity.User, default_timezone: str = "UTC"
) -> None:
    """Todos, reminders, events and a team; a mortgage application halfway through; a health
    plan membership with benefits, claims and providers nearby."""
    if not settings.is_local:
        raise RuntimeError("demo data is for local mode only")
    today = date.today()
    productivity_demo.seed(db, user.id, today, default_timezone, settings.pepper_bytes())
    mortgage_demo.seed(db, user.id, today)
    healthcare_demo.seed(db, user.id, today)
