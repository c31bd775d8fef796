"""Mortgage tools: payment maths, applications, debt-to-income, debts, documents, progress."""

from typing import Any

from functions.tools.mortgage import (
    applications,
    calculators,
    debts,
    documents,
    dti,
    financials,
    progress,
)
from shared.mcp_server.registry import ToolSpec

TOOLS: list[ToolSpec[Any]] = [
    *calculators.TOOLS,
    *applications.TOOLS,
    *financials.TOOLS,
    *dti.TOOLS,
    *debts.TOOLS,
    *documents.TOOLS,
    *progress.TOOLS,
]
