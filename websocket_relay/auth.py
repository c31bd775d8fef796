"""PIN sign-in with budgets per connection, per source address, per account and overall.

Every attempt reserves its place in the budgets before its PIN is checked (see
shared/sign_in_budget.py), so parallel attempts cannot overrun them. Sign-in by PIN alone
tries the PIN against every user enrolled for it, so when failures from all sources pile up
(a spray), it pauses, while sign-in by account and PIN goes on, slowed. No answer says whether
a PIN or an account exists. See docs/decisions/0010-sign-in-threat-model.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from dataclasses import dataclass

from shared import identity, sign_in_budget
from shared.db import Database
from shared.settings import RelaySettings
from shared.sign_in_budget import Budget, Reservation
from websocket_relay.limits import LogThrottle

log = logging.getLogger(__name__)
GLOBAL_SCOPE = "global"


@dataclass(frozen=True)
class SignIn:
    pin: str
    source: str
    account: str | None = None


@dataclass(frozen=True)
class AuthResult:
    user: identity.User | None
    code: str = ""  # "" on success, else invalid_message | auth_failed | auth_locked
    message: str = ""
    wrong_pin: bool = False  # a PIN was checked and was wrong (counts toward lockout)


class PinAuthenticator:
    def __init__(self, db: Database, settings: RelaySettings):
        self.db = db
        self.settings = settings
        self.log_throttle = LogThrottle(interval=60.0)

    async def authenticate(self, attempt: SignIn, connection_failures: int) -> AuthResult:
        s = self.settings
        if connection_failures >= s.auth_max_failures_per_connection:
            return AuthResult(None, "auth_locked", "too many failed attempts on this connection")
        try:
            account = identity.parse_account(attempt.account) if attempt.account else None
        except identity.InvalidAccount as exc:
            return AuthResult(None, "invalid_message", str(exc))
        reservation = await asyncio.to_thread(
            sign_in_budget.reserve, self.db, self.budgets(attempt.source, account)
        )
        if not reservation.granted:
            self._log_refusal(attempt.source, reservation)
            return AuthResult(None, "auth_locked", self._refusal_message(reservation))
        assert reservation.attempt_id is not None
        if reservation.over_soft:
            await asyncio.sleep(s.auth_spray_delay_seconds)  # a spray is on: slow every check
        user = await asyncio.to_thread(self._check, attempt.pin, account)
        if user is not None:
            await asyncio.to_thread(sign_in_budget.release, self.db, reservation.attempt_id)
            return AuthResult(user)
        self._log_failure(attempt.source)
        return self._wrong_pin(reservation, connection_failures, account is not None)

    def budgets(self, source: str, account: identity.Account | None) -> list[Budget]:
        s = self.settings
        budgets = [
            Budget(
                f"source:{source}", s.auth_max_failures_per_source, s.auth_source_window_seconds
            ),
            # Sign-in by PIN alone tests a guess against every user: under a spray it stops.
            # An account-scoped guess tests one user, whose own budget guards it: it slows.
            Budget(
                GLOBAL_SCOPE,
                s.auth_global_failure_budget,
                s.auth_global_window_seconds,
                hard=account is None,
            ),
        ]
        if account is not None:
            budgets.append(
                Budget(
                    f"account:{self._account_key(account)}",
                    s.auth_max_failures_per_account,
                    s.auth_account_window_seconds,
                )
            )
        return budgets

    def _account_key(self, account: identity.Account) -> str:
        # Keyed, so the attempts table holds no email address or phone number in clear.
        digest = hmac.new(self.settings.pepper_bytes(), account.value.encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _check(self, pin: str, account: identity.Account | None) -> identity.User | None:
        pepper = self.settings.pepper_bytes()
        if account is None:
            return identity.find_user_by_pin(self.db, pin, pepper)
        return identity.find_user_by_account(self.db, account, pin)

    def _wrong_pin(
        self, reservation: Reservation, connection_failures: int, scoped: bool
    ) -> AuthResult:
        left = min(
            [self.settings.auth_max_failures_per_connection - connection_failures - 1]
            + [n for scope, n in reservation.remaining.items() if scope != GLOBAL_SCOPE]
        )
        what = "wrong account or PIN" if scoped else "wrong PIN"
        if left <= 0:
            return AuthResult(None, "auth_locked", f"{what}; too many failed attempts", True)
        return AuthResult(None, "auth_failed", f"{what} ({left} attempts left)", True)

    def _refusal_message(self, reservation: Reservation) -> str:
        budget = reservation.refused_by
        assert budget is not None
        minutes = max(1, budget.window_seconds // 60)
        if budget.scope == GLOBAL_SCOPE:
            return (
                "sign-in by PIN alone is paused after many failed attempts; sign in with your"
                f" email address or phone number and PIN, or try again in {minutes} minutes"
            )
        where = "from this address" if budget.scope.startswith("source:") else "for this account"
        return f"too many failed attempts {where}; try again in {minutes} minutes"

    def _log_refusal(self, source: str, reservation: Reservation) -> None:
        scope = reservation.refused_by.scope if reservation.refused_by else "?"
        kind = scope.split(":", 1)[0]
        held = self.log_throttle.admit(f"refused:{kind}:{source}")
        if held is not None:
            log.warning(
                "sign-in refused: budget spent",
                extra={"source": source, "budget": kind, "refusals_not_logged": held},
            )

    def _log_failure(self, source: str) -> None:
        held = self.log_throttle.admit(f"failed:{source}")
        if held is not None:
            log.info("sign-in failed", extra={"source": source, "failures_not_logged": held})
