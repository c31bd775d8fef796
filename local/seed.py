"""Demo data for the local stack: one user with a known PIN (local mode only)."""

from __future__ import annotations

from shared import identity
from shared.db import Database
from shared.settings import RelaySettings

DEMO_EMAIL = "demo@convonet.local"
DEMO_NAME = "Demo User"


def seed_demo_user(db: Database, settings: RelaySettings, pin: str) -> identity.User:
    if not settings.is_local:
        raise RuntimeError("demo data is for local mode only")
    return identity.ensure_user(db, DEMO_NAME, pin, settings.pepper_bytes(), DEMO_EMAIL)
