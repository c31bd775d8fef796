"""Cloud Function ``agent_turn``: ``voice-transcript`` -> the agent, and the agent's HTTP API.

Deployed as one HTTP function (``handle_agent_request``): the push subscription posts each
``voice-transcript`` message to ``/``, and every other path is the API (api.py). The local stack
pulls the subscription and calls ``handle_voice_transcript`` with the same push envelope, and
serves the API from the same process.
"""

from __future__ import annotations

import asyncio
import json

import functions_framework
import functions_framework.aio
from cloudevents.http import CloudEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.api import build_app
from functions.agent_turn.api_settings import agent_api_settings
from functions.agent_turn.choices import Choices
from functions.agent_turn.direct import DirectTurns
from functions.agent_turn.handler import AgentTurnHandler
from functions.agent_turn.llm.startup import check_keys
from shared import log, runtime
from shared.bus import InvalidMessage, decode_envelope
from shared.handlers.steps import best_effort
from shared.http_service import ServedApp
from shared.service_auth import caller_check
from shared.settings import agent_settings

settings = agent_settings()
api_settings = agent_api_settings()
log.configure("agent_turn", settings.project_id, settings.log_level)
check_keys(settings)  # a cloud model key that is set but refused stops the instance now
# Built once per instance: the graph, the tools and the clients are reused by every turn.
store = runtime.session_store()
handler = AgentTurnHandler(
    runtime.bus(),
    store,
    McpToolbox(settings),
    settings=settings,
    memory_max_messages=settings.memory_max_messages,
)
token = api_settings.agent_api_token.get_secret_value() if api_settings.agent_api_token else None
audience = api_settings.agent_api_audience
app = build_app(
    DirectTurns(handler),
    Choices(store, settings, api_settings),
    caller_check(api_settings.is_local, token, audience, api_settings.allowed_callers()),
)
# Only Pub/Sub's push invoker may post a transcript (locally: the API credential).
pusher = caller_check(
    api_settings.is_local, token, audience, frozenset({api_settings.agent_push_invoker})
)
# Load the tools now if the tools server answers, so the first turn does not wait for it; if it
# does not, the first turn connects (and fails aloud if it still cannot).
best_effort("tools warm-up", handler.graph)


@functions_framework.cloud_event
def handle_voice_transcript(cloud_event: CloudEvent) -> None:
    handler.handle(decode_envelope(cloud_event))


@functions_framework.aio.http
async def handle_agent_request(request: Request) -> Response:
    if request.method == "POST" and request.url.path == "/":
        return await _pushed(request)
    return ServedApp(app)


async def _pushed(request: Request) -> Response:
    """A push delivery: 204 once handled; an error status makes Pub/Sub deliver it again."""
    if pusher.principal(request.headers.get("authorization")) is None:
        return JSONResponse({"error": "unauthenticated"}, 401)
    try:
        inbound = decode_envelope(json.loads(await request.body()))
    except (InvalidMessage, json.JSONDecodeError) as exc:
        return JSONResponse({"error": "invalid_envelope", "message": str(exc)}, 400)
    await asyncio.to_thread(handler.handle, inbound)
    return Response(status_code=204)
