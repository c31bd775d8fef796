"""Calling tools as the tools server does (validation, transactions, request keys), against the
real PostgreSQL of a test, without HTTP: for the domain tests. The MCP path is tested apart."""

from __future__ import annotations

import uuid
from typing import Any

from functions.tools.catalog import all_tools
from shared import identity
from shared.db import Database
from shared.mcp_server.dispatch import Dispatcher, ToolOutcome
from shared.tool_caller import new_caller

PEPPER = b"test-pepper"


class ToolHarness:
    def __init__(self, db: Database, default_timezone: str = "UTC"):
        self.db = db
        self.dispatcher = Dispatcher(db, all_tools(), default_timezone)

    def user(self, name: str = "Ada", timezone: str | None = None) -> str:
        email = f"{uuid.uuid4().hex[:10]}@example.test"
        user = identity.create_user(self.db, name, "583920", PEPPER, email=email)
        if timezone:
            self.db.execute(
                "UPDATE identity.users SET timezone = :tz WHERE id = :id", tz=timezone, id=user.id
            )
        return user.id

    def outcome(
        self, user_id: str, tool: str, /, key: str | None = None, **args: Any
    ) -> ToolOutcome:
        caller = new_caller(user_id, "sess-test", "turn-test", key or f"k-{uuid.uuid4().hex}")
        return self.dispatcher.invoke(tool, args, caller)

    def call(
        self, user_id: str, tool: str, /, key: str | None = None, **args: Any
    ) -> dict[str, Any]:
        """The tool's result; fails the test unless it succeeded."""
        result = self.outcome(user_id, tool, key, **args).result
        assert result["ok"], result
        return result

    def refused(self, user_id: str, tool: str, /, **args: Any) -> dict[str, Any]:
        """The tool's result; fails the test unless it was refused or its arguments rejected."""
        result = self.outcome(user_id, tool, **args).result
        assert not result["ok"] and result["reason"] in ("refused", "invalid_arguments"), result
        return result

    def count(self, table: str, user_id: str) -> int:
        """Rows of a user in a table (the table name is the test's own, never the model's)."""
        row = self.db.fetch_one(f"SELECT count(*) AS n FROM {table} WHERE user_id = :u", u=user_id)  # noqa: S608
        return int(row["n"]) if row else 0
