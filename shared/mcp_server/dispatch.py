"""One tool call, from a name and raw arguments to a result a model can read.

Every call ends in a JSON object: ``{"ok": true, ...}``, or ``{"ok": false, "reason", "error"}``
where ``reason`` is ``refused`` (cannot be done as asked; ``error`` is for the caller's ears),
``invalid_arguments`` (the model called it wrongly; ``error`` says what to fix),
``unknown_tool``, or ``unavailable`` (broken on our side; the detail goes to the log only, so
no exception text reaches a caller or a conversation).

A tool that writes runs in one transaction with a claim on its request key
(``tools.call_results``): its writes and its result commit together, and a redelivered call
(the same key) gets the stored result without running again. A refusal rolls everything back.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from shared.db import Database, Queries
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    to_json,
)
from shared.tool_caller import ToolCaller

log = logging.getLogger(__name__)
FailureReason = Literal["refused", "invalid_arguments", "unknown_tool", "unavailable"]
UNAVAILABLE = (
    "that could not be done because of a problem on our side; it may work if tried again later"
)


@dataclass(frozen=True)
class ToolOutcome:
    name: str
    result: Result
    started_at: float
    ended_at: float
    replayed: bool = False  # a redelivered write: the stored result, nothing run again

    @property
    def ok(self) -> bool:
        return bool(self.result.get("ok"))

    @property
    def duration_ms(self) -> float:
        return round((self.ended_at - self.started_at) * 1000, 2)


def failed(reason: FailureReason, error: str) -> Result:
    return {"ok": False, "reason": reason, "error": error}


def describe_validation_error(exc: ValidationError) -> str:
    """Pydantic's errors in a sentence a model (or a caller) can act on."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        if error["type"] == "extra_forbidden":
            parts.append(f"{where}: this tool has no such argument")
        elif error["type"] == "missing":
            parts.append(f"{where}: required")
        else:
            parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


class Dispatcher:
    def __init__(self, db: Database, specs: Iterable[ToolSpec[Any]], default_timezone: str):
        self.db = db
        self.specs = {spec.name: spec for spec in specs}
        self.default_zone = ZoneInfo(default_timezone)

    def invoke(
        self, name: str, arguments: Mapping[str, Any] | None, caller: ToolCaller
    ) -> ToolOutcome:
        started = time.time()
        result, replayed = self._result(name, dict(arguments or {}), caller)
        return ToolOutcome(name, result, started, time.time(), replayed)

    def _result(
        self, name: str, arguments: dict[str, Any], caller: ToolCaller
    ) -> tuple[Result, bool]:
        spec = self.specs.get(name)
        if spec is None:
            return failed("unknown_tool", f"there is no tool named {name!r}"), False
        try:
            args = spec.args.model_validate(arguments)
        except ValidationError as exc:
            return failed("invalid_arguments", describe_validation_error(exc)), False
        try:
            zone = self.user_zone(caller.user_id)
            if spec.read_only:
                result = spec.run(self._context(self.db, caller, zone), args)
                return _plain({"ok": True, **result}), False
            return self._write(spec, args, caller, zone)
        except ToolRefused as exc:
            return failed("refused", str(exc)), False
        except Exception:
            log.exception("tool failed", extra={"event": "tool_failed", "tool": name})
            return failed("unavailable", UNAVAILABLE), False

    def _write(
        self, spec: ToolSpec[Any], args: ToolArgs, caller: ToolCaller, zone: ZoneInfo
    ) -> tuple[Result, bool]:
        with self.db.transaction() as tx:
            claimed = tx.fetch_one(
                "INSERT INTO tools.call_results (user_id, request_key, tool)"
                " VALUES (:user_id, :key, :tool) ON CONFLICT DO NOTHING RETURNING request_key",
                user_id=caller.user_id,
                key=caller.request_key,
                tool=spec.name,
            )
            if claimed is None:  # this call already ran and committed: answer as it did
                row = tx.fetch_one(
                    "SELECT result FROM tools.call_results"
                    " WHERE user_id = :user_id AND request_key = :key",
                    user_id=caller.user_id,
                    key=caller.request_key,
                )
                assert row is not None
                return _json(row["result"]), True
            result = _plain({"ok": True, **spec.run(self._context(tx, caller, zone), args)})
            tx.execute(
                "UPDATE tools.call_results SET result = CAST(:result AS jsonb)"
                " WHERE user_id = :user_id AND request_key = :key",
                result=to_json(result),
                user_id=caller.user_id,
                key=caller.request_key,
            )
            return result, False

    @staticmethod
    def _context(db: Queries, caller: ToolCaller, zone: ZoneInfo) -> CallContext:
        return CallContext(
            db=db,
            user_id=caller.user_id,
            session_id=caller.session_id,
            turn_id=caller.turn_id,
            request_key=caller.request_key,
            zone=zone,
            now=datetime.now(zone),
        )

    def user_zone(self, user_id: str) -> ZoneInfo:
        try:
            uuid.UUID(user_id)
        except ValueError:
            raise ToolRefused("the signed-in user is not known") from None
        row = self.db.fetch_one("SELECT timezone FROM identity.users WHERE id = :id", id=user_id)
        if row is None:
            raise ToolRefused("the signed-in user is not known")
        if not row["timezone"]:
            return self.default_zone
        try:
            return ZoneInfo(row["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("a user's saved time zone is not known; using the default")
            return self.default_zone


def _plain(result: Result) -> Result:
    """The result as JSON gives it back (dates as ISO strings...): what the model reads, and
    what a redelivered call gets from the stored copy, are then the same."""
    loaded: Result = json.loads(to_json(result))
    return loaded


def _json(value: Any) -> Result:
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else failed("unavailable", UNAVAILABLE)
