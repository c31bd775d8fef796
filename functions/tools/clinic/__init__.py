"""Clinic tools: the caller as a patient in the clinic's CRM (functions/crm): check, onboard,
book an appointment, log a clinical intake, save a call summary."""

from typing import Any

from functions.tools.clinic import tools
from shared.mcp_server.registry import ToolSpec

TOOLS: list[ToolSpec[Any]] = [*tools.TOOLS]
