"""The transfer request a turn made, read from its transfer tool's result."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import HumanMessage, ToolMessage

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.runner import AgentOutcome

TRANSFER_TOOL = "transfer_to_agent"


def transfer_of(outcome: AgentOutcome) -> dict[str, Any] | None:
    """The transfer request this turn's transfer tool returned, if it made one (earlier turns'
    transfers, before the turn's own human message, are not this turn's)."""
    for message in reversed(outcome.history):
        if isinstance(message, HumanMessage):
            return None
        if isinstance(message, ToolMessage) and message.name == TRANSFER_TOOL:
            try:
                result = json.loads(text_of(message.content))
            except json.JSONDecodeError:
                return None
            found = result.get("transfer") if isinstance(result, dict) else None
            return found if isinstance(found, dict) else None
    return None
