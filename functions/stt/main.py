"""Cloud Function ``stt``: Pub/Sub push of ``voice-utterance`` -> transcript."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from functions.stt.handler import SttHandler
from shared import log, runtime
from shared.bus import decode_envelope
from shared.settings import speech_settings
from shared.speech.registry import ProviderRegistry

settings = speech_settings()
log.configure("stt", settings.project_id, settings.log_level)
# Loaded and warmed once per instance, so no caller waits for a model to load.
registry = ProviderRegistry(settings)
registry.warm_stt()
handler = SttHandler(runtime.bus(), runtime.session_store(), registry, settings.project_id)


@functions_framework.cloud_event
def handle_voice_utterance(cloud_event: CloudEvent) -> None:
    handler.handle(decode_envelope(cloud_event))
