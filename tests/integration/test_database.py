from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared import identity, sign_in_budget
from shared.db import Database
from shared.migrate import apply_migrations

pytestmark = pytest.mark.integration
PEPPER = b"test-pepper"


def test_migrations_are_recorded_and_not_applied_twice(db: Database) -> None:
    versions = [
        r["version"]
        for r in db.fetch_all("SELECT version FROM public.schema_migrations ORDER BY 1")
    ]
    assert versions[:2] == [1, 2]
    assert apply_migrations(db) == []


def test_pin_is_found_verified_and_never_stored_in_clear(db: Database) -> None:
    user = identity.create_user(db, "Ada", "482913", PEPPER)
    row = db.fetch_one("SELECT pin_lookup, pin_hash FROM identity.users WHERE id = :id", id=user.id)
    assert row is not None
    assert "482913" not in row["pin_hash"] and b"482913" not in row["pin_lookup"]
    assert row["pin_hash"].startswith("scrypt$")
    assert identity.find_user_by_pin(db, "482913", PEPPER) == user
    assert identity.find_user_by_pin(db, "482914", PEPPER) is None
    assert identity.find_user_by_pin(db, "482913", b"another-pepper") is None


def test_pin_only_users_cannot_share_a_pin_but_account_users_can(db: Database) -> None:
    identity.create_user(db, "Ada", "111222", PEPPER)
    with pytest.raises(identity.PinUnavailable):
        identity.create_user(db, "Bob", "111222", PEPPER)
    # With an account, nothing about other users' PINs is checked, so nothing is revealed.
    bob = identity.create_user(db, "Bob", "111222", PEPPER, email="bob@example.com")
    carol = identity.create_user(db, "Carol", "111222", PEPPER, phone="+1 415 555 0132")
    assert identity.find_user_by_pin(db, "111222", PEPPER) != bob  # PIN alone finds Ada only
    account = identity.parse_account("(415) 555-0132")
    assert identity.find_user_by_account(db, account, "111222") == carol
    assert identity.find_user_by_account(db, account, "111223") is None
    nobody = identity.parse_account("nobody@example.com")
    assert identity.find_user_by_account(db, nobody, "111222") is None


def test_new_users_need_a_strong_pin(db: Database) -> None:
    for weak in ("1234", "123456", "777777"):
        with pytest.raises(identity.WeakPin):
            identity.create_user(db, "Ada", weak, PEPPER, email="ada@example.com")


def test_the_budget_reserves_atomically_and_gives_back_successes(db: Database) -> None:
    budget = sign_in_budget.Budget("source:10.0.0.1", limit=3, window_seconds=900)
    other = sign_in_budget.Budget("source:10.0.0.2", limit=3, window_seconds=900)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: sign_in_budget.reserve(db, [budget]), range(20)))
    granted = [r for r in results if r.granted]
    assert len(granted) == 3 and all(r.refused_by == budget for r in results if not r.granted)
    assert sign_in_budget.used(db, other) == 0
    sign_in_budget.release(db, str(granted[0].attempt_id))
    assert sign_in_budget.used(db, budget) == 2
    db.execute("UPDATE identity.sign_in_attempts SET attempted_at = now() - interval '1 hour'")
    assert sign_in_budget.used(db, budget) == 0
    soft = sign_in_budget.Budget("global", limit=1, window_seconds=900, hard=False)
    sign_in_budget.reserve(db, [soft])
    again = sign_in_budget.reserve(db, [soft])
    assert again.granted and again.over_soft == (soft,)


def test_pool_recovers_after_a_failed_statement(database_settings: object) -> None:
    database = Database(database_settings, pool_size=1)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="syntax"):
        database.fetch_all("SELEC 1")
    assert database.fetch_one("SELECT 1 AS one") == {"one": 1}
    database.close()
