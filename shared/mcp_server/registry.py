"""How a tool is declared: a name, a description a model reads, typed arguments, and a function.

A tool's arguments are one pydantic model. Its JSON schema (with every field described) is what
a model sees, so a model that never saw this code can call the tool from the schema alone; the
same model validates what arrives. Unknown arguments are refused (``extra="forbid"``): in
particular a model cannot name a user, because no tool has such an argument.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from shared.db import Queries

Result = dict[str, Any]


class ToolArgs(BaseModel):
    """Base of every tool's arguments."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ToolRefused(Exception):
    """The request cannot be done as asked. The message says why, in words the caller may hear
    ("that reminder is in the past"). Nothing has been written."""


@dataclass(frozen=True)
class CallContext:
    """Everything a tool knows about the call besides its arguments. The user comes from the
    signed caller, never from the model."""

    db: Queries  # a transaction for a tool that writes: its writes and its result commit together
    user_id: str
    session_id: str
    turn_id: str
    request_key: str
    zone: ZoneInfo
    now: datetime  # aware, in the user's zone

    @property
    def today(self) -> date:
        return self.now.date()

    def key(self, part: str = "") -> str:
        """The request key of a write (``part`` tells apart several writes of one call)."""
        return f"{self.request_key}:{part}" if part else self.request_key

    def stable_id(self, part: str = "") -> str:
        """A row id derived from the request key: a redelivered call computes the same id."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"convonet:{self.user_id}:{self.key(part)}"))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    def in_days(self, days: int) -> date:
        return self.today + timedelta(days=days)


A = TypeVar("A", bound=ToolArgs)


@dataclass(frozen=True)
class ToolSpec(Generic[A]):
    name: str
    description: str
    args: type[A]
    run: Callable[[CallContext, A], Result]
    read_only: bool = False
    domain: str = ""

    def input_schema(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        for prop in schema.get("properties", {}).values():
            _hoist_description(prop)
        return schema


def _hoist_description(prop: dict[str, Any]) -> None:
    """An optional field typed with a described alias (``Amount | None``) carries its
    description inside ``anyOf``; put it where a model reads it, on the property."""
    if "description" in prop:
        return
    for option in prop.get("anyOf", []):
        if "description" in option:
            prop["description"] = option.pop("description")
            return


def tool(
    args: type[A], *, read_only: bool = False, name: str | None = None, domain: str | None = None
) -> Callable[[Callable[[CallContext, A], Result]], ToolSpec[A]]:
    """Declare a tool from a function: its name (unless given) and its docstring (the
    description the model reads) come from the function; its domain (unless given) from the
    package under ``functions/tools/``."""

    def declare(fn: Callable[[CallContext, A], Result]) -> ToolSpec[A]:
        description = " ".join((fn.__doc__ or "").split())
        if not description:
            raise ValueError(f"tool {fn.__name__} needs a docstring: it is what a model reads")
        parts = fn.__module__.split(".")
        found = domain if domain is not None else (parts[2] if len(parts) >= 3 else "")
        return ToolSpec(name or fn.__name__, description, args, fn, read_only, found)

    return declare


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"a tool result holds a {type(value).__name__}, which JSON cannot")


def to_json(result: Result) -> str:
    """A result as the JSON a model reads (dates ISO 8601, amounts as numbers)."""
    return json.dumps(result, default=_jsonable, ensure_ascii=False)


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
