"""Apply versioned SQL migrations (``shared/migrations/NNNN_name.sql``) in order, once each.

Run with ``python -m shared.migrate``. An advisory lock lets several instances start at once.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from shared.db import Database
from shared.settings import DatabaseSettings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_ID = 7_246_001  # arbitrary, constant: serialises concurrent migrators

log = logging.getLogger(__name__)


def discover(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must look like 0001_name.sql: {path.name}")
        found.append((int(match.group(1)), path.name, path.read_text()))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a version number")
    return found


def apply_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
    applied_now: list[str] = []
    with db.connection() as conn:
        conn.run("SELECT pg_advisory_lock(:id)", id=_LOCK_ID)
        try:
            conn.run(
                "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.run("SELECT version FROM public.schema_migrations")}
            for version, name, sql in discover(directory):
                if version in done:
                    continue
                conn.run("BEGIN")
                try:
                    conn.execute_simple(sql)
                    conn.run(
                        "INSERT INTO public.schema_migrations (version, name) VALUES (:v, :n)",
                        v=version,
                        n=name,
                    )
                    conn.run("COMMIT")
                except Exception:
                    conn.run("ROLLBACK")
                    raise
                applied_now.append(name)
                log.info("migration applied", extra={"migration": name})
        finally:
            conn.run("SELECT pg_advisory_unlock(:id)", id=_LOCK_ID)
    return applied_now


def main() -> int:
    from shared import log as logsetup

    settings = DatabaseSettings()
    logsetup.configure("migrate", settings.project_id, settings.log_level)
    db = Database(settings, pool_size=1)
    applied = apply_migrations(db)
    print(f"migrations applied: {len(applied)}" + (f" ({', '.join(applied)})" if applied else ""))
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
