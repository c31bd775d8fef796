"""Cloud Function ``agent_turn``: Pub/Sub push of ``voice-transcript`` -> the agent."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.handler import AgentTurnHandler
from functions.agent_turn.llm.startup import check_keys
from shared import log, runtime
from shared.bus import decode_envelope
from shared.handlers.steps import best_effort
from shared.settings import agent_settings

settings = agent_settings()
log.configure("agent_turn", settings.project_id, settings.log_level)
check_keys(settings)  # a cloud model key that is set but refused stops the instance now
# Built once per instance: the graph, the tools and the clients are reused by every turn.
handler = AgentTurnHandler(
    runtime.bus(),
    runtime.session_store(),
    McpToolbox(settings),
    settings=settings,
    memory_max_messages=settings.memory_max_messages,
)
# Load the tools now if the tools server answers, so the first turn does not wait for it; if it
# does not, the first turn connects (and fails aloud if it still cannot).
best_effort("tools warm-up", handler.graph)


@functions_framework.cloud_event
def handle_voice_transcript(cloud_event: CloudEvent) -> None:
    handler.handle(decode_envelope(cloud_event))
