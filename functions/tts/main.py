"""Cloud Function ``tts``: Pub/Sub push of ``agent-reply`` sentences -> audio for the caller."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from functions.tts.handler import TtsHandler
from shared import log, runtime
from shared.bus import decode_envelope
from shared.settings import speech_settings
from shared.speech.registry import ProviderRegistry

settings = speech_settings()
log.configure("tts", settings.project_id, settings.log_level)
registry = ProviderRegistry(settings)
registry.warm_tts()
handler = TtsHandler(runtime.bus(), runtime.session_store(), registry)


@functions_framework.cloud_event
def handle_agent_reply(cloud_event: CloudEvent) -> None:
    handler.handle(decode_envelope(cloud_event))
