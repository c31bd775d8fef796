"""PostgreSQL through pg8000: a small thread-safe pool and parameterised queries only.

Queries use pg8000's named parameters (``:name``); values are never formatted into SQL text.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol

import pg8000.native

from shared.settings import DatabaseSettings

Row = dict[str, Any]


@lru_cache(maxsize=2048)
def _parsed(sql: str) -> tuple[str, Callable[[Mapping[str, Any]], Any]]:
    statement, make_vals = pg8000.native.to_statement(sql)
    return statement, make_vals


class _Connection(pg8000.native.Connection):  # type: ignore[misc]
    """pg8000's connection, parsing each SQL text's named parameters once per process instead
    of on every call (its parser reads the text a character at a time: ~0.4 ms a statement)."""

    def run(self, sql: str, stream: Any = None, types: Any = None, **params: Any) -> Any:
        if not params or stream is not None or types is not None:
            return super().run(sql, stream=stream, types=types, **params)
        statement, make_vals = _parsed(sql)
        self._context = self.execute_unnamed(statement, make_vals(params), oids=())
        return self._context.rows


class Queries(Protocol):
    """What both a Database and a Transaction answer: parameterised queries."""

    def fetch_all(self, sql: str, **params: Any) -> list[Row]: ...
    def fetch_one(self, sql: str, **params: Any) -> Row | None: ...
    def execute(self, sql: str, **params: Any) -> int: ...


class Database:
    def __init__(self, settings: DatabaseSettings, pool_size: int | None = None):
        self.settings = settings
        self._size = pool_size or settings.db_pool_size
        self._idle: queue.LifoQueue[pg8000.native.Connection] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()

    def _connect(self) -> pg8000.native.Connection:
        s = self.settings
        password = s.db_password.get_secret_value() if s.db_password else None
        if s.db_host.startswith("/"):  # Cloud SQL's unix socket directory
            return _Connection(
                s.db_user,
                unix_sock=f"{s.db_host}/.s.PGSQL.{s.db_port}",
                database=s.db_name,
                password=password,
            )
        return _Connection(
            s.db_user, host=s.db_host, port=s.db_port, database=s.db_name, password=password
        )

    def _acquire(self, timeout: float = 10.0) -> pg8000.native.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self._size:
                self._created += 1
                try:
                    return self._connect()
                except Exception:
                    self._created -= 1
                    raise
        return self._idle.get(timeout=timeout)

    def _discard(self) -> None:
        with self._lock:
            self._created -= 1

    @contextmanager
    def connection(self) -> Iterator[pg8000.native.Connection]:
        conn = self._acquire()
        try:
            yield conn
        except (pg8000.native.InterfaceError, OSError):
            # A broken socket: drop the connection, the next caller gets a fresh one.
            self._discard()
            try:
                conn.close()
            except Exception:  # noqa: S110 - already broken; closing is best effort
                pass
            raise
        except BaseException:
            try:
                conn.run("ROLLBACK")
            except Exception:
                self._discard()
                raise
            self._idle.put(conn)
            raise
        else:
            self._idle.put(conn)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.connection() as conn:
            conn.run("BEGIN")
            tx = Transaction(conn)
            try:
                yield tx
            except BaseException:
                conn.run("ROLLBACK")
                raise
            conn.run("COMMIT")

    def fetch_all(self, sql: str, **params: Any) -> list[Row]:
        with self.connection() as conn:
            return _rows(conn, sql, params)

    def fetch_one(self, sql: str, **params: Any) -> Row | None:
        rows = self.fetch_all(sql, **params)
        return rows[0] if rows else None

    def execute(self, sql: str, **params: Any) -> int:
        with self.connection() as conn:
            conn.run(sql, **params)
            return int(conn.row_count)

    def close(self) -> None:
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                break
            conn.close()
            self._discard()


class Transaction:
    def __init__(self, conn: pg8000.native.Connection):
        self.conn = conn

    def fetch_all(self, sql: str, **params: Any) -> list[Row]:
        return _rows(self.conn, sql, params)

    def fetch_one(self, sql: str, **params: Any) -> Row | None:
        rows = _rows(self.conn, sql, params)
        return rows[0] if rows else None

    def execute(self, sql: str, **params: Any) -> int:
        self.conn.run(sql, **params)
        return int(self.conn.row_count)


def _rows(conn: pg8000.native.Connection, sql: str, params: Mapping[str, Any]) -> list[Row]:
    result = conn.run(sql, **params)
    if not conn.columns:
        return []
    names = [c["name"] for c in conn.columns]
    return [dict(zip(names, row, strict=True)) for row in result or []]
