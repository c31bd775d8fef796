"""Cloud Function ``monitor``: Pub/Sub push of ``monitor-events`` -> Firestore for dashboards."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from google.cloud import firestore

from functions.monitor.handler import MonitorHandler
from functions.monitor.settings import monitor_settings
from shared import log, runtime
from shared.bus import decode_envelope

settings = monitor_settings()
log.configure("monitor", settings.project_id, settings.log_level)
handler = MonitorHandler(
    runtime.bus(),
    firestore.Client(project=settings.project_id),
    settings.collection_prefix,
    settings.monitor_retention_days,
)


@functions_framework.cloud_event
def handle_monitor_event(cloud_event: CloudEvent) -> None:
    handler.handle(decode_envelope(cloud_event))
