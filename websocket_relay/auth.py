"""PIN sign-in with lockout per connection and per source address."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from shared import identity
from shared.db import Database
from shared.settings import RelaySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthResult:
    user: identity.User | None
    code: str = ""  # "" on success, else auth_failed | auth_locked
    message: str = ""
    wrong_pin: bool = False  # a PIN was checked and was wrong (counts toward lockout)


class PinAuthenticator:
    def __init__(self, db: Database, settings: RelaySettings):
        self.db = db
        self.settings = settings

    async def authenticate(self, pin: str, source: str, connection_failures: int) -> AuthResult:
        s = self.settings
        if connection_failures >= s.auth_max_failures_per_connection:
            return AuthResult(None, "auth_locked", "too many failed attempts on this connection")
        failures = await asyncio.to_thread(
            identity.recent_failures, self.db, source, s.auth_source_window_seconds
        )
        if failures >= s.auth_max_failures_per_source:
            log.warning("sign-in refused: source locked out", extra={"source": source})
            return AuthResult(
                None,
                "auth_locked",
                f"too many failed attempts from this address; try again in "
                f"{s.auth_source_window_seconds // 60} minutes",
            )
        user = await asyncio.to_thread(identity.find_user_by_pin, self.db, pin, s.pepper_bytes())
        if user is not None:
            return AuthResult(user)
        await asyncio.to_thread(identity.record_failure, self.db, source)
        log.info("sign-in failed", extra={"source": source})
        left = min(
            s.auth_max_failures_per_connection - connection_failures - 1,
            s.auth_max_failures_per_source - failures - 1,
        )
        if left <= 0:
            return AuthResult(None, "auth_locked", "wrong PIN; too many failed attempts", True)
        return AuthResult(None, "auth_failed", f"wrong PIN ({left} attempts left)", True)
