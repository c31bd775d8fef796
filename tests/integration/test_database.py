from __future__ import annotations

import pytest

from shared import identity, productivity
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


def test_two_users_cannot_share_a_pin(db: Database) -> None:
    identity.create_user(db, "Ada", "111222", PEPPER)
    with pytest.raises(identity.PinAlreadyInUse):
        identity.create_user(db, "Bob", "111222", PEPPER)


def test_failures_are_counted_per_source_within_the_window(db: Database) -> None:
    for _ in range(3):
        identity.record_failure(db, "10.0.0.1")
    identity.record_failure(db, "10.0.0.2")
    assert identity.recent_failures(db, "10.0.0.1", 900) == 3
    assert identity.recent_failures(db, "10.0.0.2", 900) == 1
    db.execute("UPDATE identity.auth_failures SET failed_at = now() - interval '1 hour'")
    assert identity.recent_failures(db, "10.0.0.1", 900) == 0


def test_todo_writes_are_idempotent_per_request_key(db: Database) -> None:
    user = identity.create_user(db, "Ada", "123987", PEPPER)
    first, created = productivity.add_todo(db, user.id, "buy milk", None, "turn1:add_todo:1")
    again, created_again = productivity.add_todo(db, user.id, "buy milk", None, "turn1:add_todo:1")
    assert created and not created_again and first.id == again.id
    assert [t.title for t in productivity.list_todos(db, user.id)] == ["buy milk"]


def test_todos_are_scoped_to_their_user(db: Database) -> None:
    ada = identity.create_user(db, "Ada", "123987", PEPPER)
    bob = identity.create_user(db, "Bob", "765432", PEPPER)
    todo, _ = productivity.add_todo(db, ada.id, "ada's secret", None, "k1")
    assert productivity.list_todos(db, bob.id) == []
    assert productivity.complete_todo(db, bob.id, todo.id) is None
    assert productivity.list_todos(db, ada.id)[0].completed is False
    assert productivity.complete_todo(db, ada.id, todo.id) is not None
    assert productivity.list_todos(db, ada.id) == []
    assert productivity.list_todos(db, ada.id, include_completed=True)[0].completed


def test_pool_recovers_after_a_failed_statement(agent_settings: object) -> None:
    database = Database(agent_settings, pool_size=1)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="syntax"):
        database.fetch_all("SELEC 1")
    assert database.fetch_one("SELECT 1 AS one") == {"one": 1}
    database.close()
