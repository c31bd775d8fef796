"""Every tool the server lists, domain by domain."""

from __future__ import annotations

from typing import Any

from functions.tools import clinic, healthcare, mortgage, productivity, profile, transfer
from shared.mcp_server.registry import ToolSpec


def all_tools() -> list[ToolSpec[Any]]:
    specs: list[ToolSpec[Any]] = [
        *profile.TOOLS,
        *productivity.TOOLS,
        *mortgage.TOOLS,
        *healthcare.TOOLS,
        *clinic.TOOLS,
        *transfer.TOOLS,
    ]
    names = [s.name for s in specs]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise RuntimeError(f"two tools share a name: {sorted(duplicated)}")
    return specs
