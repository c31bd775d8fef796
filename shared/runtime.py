"""Per-instance singletons: built once when an instance starts, reused by every invocation."""

from __future__ import annotations

from functools import lru_cache

from google.cloud import firestore

from shared.bus import Bus
from shared.db import Database
from shared.session_store import SessionStore
from shared.settings import AgentSettings, CommonSettings, agent_settings, common_settings


@lru_cache(maxsize=1)
def bus(project_id: str | None = None) -> Bus:
    return Bus(project_id or common_settings().project_id)


@lru_cache(maxsize=1)
def session_store() -> SessionStore:
    s: CommonSettings = common_settings()
    return SessionStore(firestore.Client(project=s.project_id), prefix=s.collection_prefix)


@lru_cache(maxsize=1)
def database() -> Database:
    s: AgentSettings = agent_settings()
    return Database(s)
