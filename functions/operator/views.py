"""Stored monitor documents -> the API's JSON, as the asking operator's role may see them."""

from __future__ import annotations

from typing import Any

from functions.operator.auth import Role
from functions.operator.redaction import call_for_role, for_role
from functions.operator.windows import iso

_INTERNAL = ("expires_at", "stats_bucket")


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in _INTERNAL}


def turn_view(doc: dict[str, Any], role: Role) -> dict[str, Any]:
    shown = for_role(_public(doc), role)
    if isinstance(shown.get("updated_at"), int | float):
        shown["updated_at"] = iso(shown["updated_at"])
    shown.setdefault("tool_calls", [])
    shown.setdefault("tool_executions", {})
    return shown


def execution_view(doc: dict[str, Any], role: Role) -> dict[str, Any]:
    shown = call_for_role(_public(doc), role)
    if isinstance(shown.get("at"), int | float):
        shown["at"] = iso(shown["at"])
    return shown
