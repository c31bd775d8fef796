"""Per-instance singletons: built once when an instance starts, reused by every invocation."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from google.cloud import firestore

from shared.bus import Bus
from shared.session_store import SessionStore
from shared.settings import DatabaseSettings, common_settings

if TYPE_CHECKING:
    from shared.db import Database


@lru_cache(maxsize=1)
def bus(project_id: str | None = None) -> Bus:
    return Bus(project_id or common_settings().project_id)


@lru_cache(maxsize=1)
def session_store() -> SessionStore:
    s = common_settings()
    return SessionStore(firestore.Client(project=s.project_id), prefix=s.collection_prefix)


@lru_cache(maxsize=1)
def database() -> Database:
    # Imported here: functions without PostgreSQL (monitor, tts) do not ship pg8000.
    from shared.db import Database

    return Database(DatabaseSettings())
