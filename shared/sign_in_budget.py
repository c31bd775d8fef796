"""The budget of sign-in attempts, shared by every relay instance through PostgreSQL.

An attempt is reserved, in every scope it counts in, before its PIN is checked: the budget
check and the reservation are one transaction, serialised per scope by advisory locks, so N
parallel attempts cost N from the budget before any of them costs a PIN check. A successful
sign-in gives its reservation back; a failed one stays counted for the scope's window.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from shared.db import Database, Transaction

# Rows older than this count in no window; each reservation prunes its scopes' old rows.
_RETENTION_SECONDS = 86_400


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` attempts in ``scope`` per ``window_seconds``.

    A hard budget refuses the attempt when spent; a soft one lets it through, flagged, so the
    caller can slow it down instead.
    """

    scope: str
    limit: int
    window_seconds: int
    hard: bool = True


@dataclass(frozen=True)
class Reservation:
    attempt_id: str | None  # None: refused, nothing reserved
    refused_by: Budget | None = None
    over_soft: tuple[Budget, ...] = ()
    remaining: dict[str, int] = field(default_factory=dict)  # per scope, after this attempt

    @property
    def granted(self) -> bool:
        return self.attempt_id is not None


def reserve(db: Database, budgets: list[Budget]) -> Reservation:
    if not budgets:
        raise ValueError("an attempt must count in at least one budget")
    ordered = sorted(budgets, key=lambda b: b.scope)  # one lock order: no deadlocks
    with db.transaction() as tx:
        for budget in ordered:
            tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(:s, 0))", s=budget.scope)
        used = {b.scope: _used(tx, b) for b in ordered}
        for budget in ordered:
            if budget.hard and used[budget.scope] >= budget.limit:
                return Reservation(None, refused_by=budget)
        attempt_id = str(uuid.uuid4())
        for budget in ordered:
            tx.execute(
                "INSERT INTO identity.sign_in_attempts (attempt_id, scope) VALUES (:a, :s)",
                a=attempt_id,
                s=budget.scope,
            )
    return Reservation(
        attempt_id,
        over_soft=tuple(b for b in ordered if not b.hard and used[b.scope] >= b.limit),
        remaining={b.scope: b.limit - used[b.scope] - 1 for b in ordered},
    )


def release(db: Database, attempt_id: str) -> None:
    """Give back a reservation (the sign-in succeeded: it was no failure)."""
    db.execute("DELETE FROM identity.sign_in_attempts WHERE attempt_id = :a", a=attempt_id)


def used(db: Database, budget: Budget) -> int:
    with db.transaction() as tx:
        return _used(tx, budget)


def _used(tx: Transaction, budget: Budget) -> int:
    tx.execute(
        "DELETE FROM identity.sign_in_attempts WHERE scope = :s"
        " AND attempted_at < now() - make_interval(secs => :keep)",
        s=budget.scope,
        keep=_RETENTION_SECONDS,
    )
    row = tx.fetch_one(
        "SELECT count(*) AS n FROM identity.sign_in_attempts"
        " WHERE scope = :s AND attempted_at > now() - make_interval(secs => :w)",
        s=budget.scope,
        w=budget.window_seconds,
    )
    return int(row["n"]) if row else 0
