"""Cloud Function ``agent_turn``: Pub/Sub push of ``voice-transcript`` -> the agent."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from functions.agent_turn.handler import AgentTurnHandler
from shared import log, runtime
from shared.bus import decode_envelope
from shared.settings import agent_settings

settings = agent_settings()
log.configure("agent_turn", settings.project_id, settings.log_level)
# Built once per instance: the graph, the tools and the clients are reused by every turn.
handler = AgentTurnHandler(
    runtime.bus(),
    runtime.session_store(),
    runtime.database(),
    memory_max_messages=settings.memory_max_messages,
)


@functions_framework.cloud_event
def handle_voice_transcript(cloud_event: CloudEvent) -> None:
    handler.handle(decode_envelope(cloud_event))
