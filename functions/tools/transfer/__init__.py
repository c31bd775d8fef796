"""Transfer to a human: a structured request the phone path acts on."""

from typing import Any

from functions.tools.transfer import tools
from shared.mcp_server.registry import ToolSpec

TOOLS: list[ToolSpec[Any]] = [*tools.TOOLS]
