"""Healthcare payer tools for the signed-in member: eligibility, benefits, claims, prior
authorisations, providers, care programs, preventive care."""

from typing import Any

from functions.tools.healthcare import (
    accumulators,
    appeals,
    benefits,
    claims,
    members,
    preventive,
    prior_auth,
    programs,
    providers,
)
from shared.mcp_server.registry import ToolSpec

TOOLS: list[ToolSpec[Any]] = [
    *members.TOOLS,
    *benefits.TOOLS,
    *accumulators.TOOLS,
    *claims.TOOLS,
    *appeals.TOOLS,
    *prior_auth.TOOLS,
    *providers.TOOLS,
    *programs.TOOLS,
    *preventive.TOOLS,
]
