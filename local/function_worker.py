"""Deliver a subscription's messages to a function's entry point, as push would in the cloud.

``python -m local.function_worker agent_turn`` loads ``functions/agent_turn/main.py`` and calls
its decorated handler with the same CloudEvent (a Pub/Sub push envelope) production sends, but
over streaming pull: the emulator's push loop adds ~65 ms a hop, streaming pull ~40 ms.
"""

from __future__ import annotations

import base64
import importlib.util
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from cloudevents.http import CloudEvent
from google.cloud import pubsub_v1

from shared.topics import FUNCTION_SUBSCRIPTIONS, FunctionSubscription

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("local.function_worker")


def load_function(name: str) -> ModuleType:
    path = ROOT / "functions" / name / "main.py"
    spec = importlib.util.spec_from_file_location(f"functions_{name}_main", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"no function at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_cloud_event(message: Any, subscription: str) -> CloudEvent:
    envelope = {
        "message": {
            "data": base64.b64encode(message.data).decode(),
            "attributes": dict(message.attributes),
            "messageId": message.message_id,
            "publishTime": message.publish_time.isoformat() if message.publish_time else None,
        },
        "subscription": subscription,
    }
    if message.delivery_attempt:
        envelope["deliveryAttempt"] = message.delivery_attempt
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": f"//pubsub.googleapis.com/{subscription}",
            "id": message.message_id,
        },
        envelope,
    )


def serve(spec: FunctionSubscription, project_id: str) -> None:
    module = load_function(spec.function)
    entry = getattr(module, spec.entry_point)
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(project_id, spec.name)

    def callback(message: Any) -> None:
        try:
            entry(to_cloud_event(message, path))
        except Exception:
            log.exception("handler failed; message will be redelivered")
            message.nack()
            return
        message.ack()

    future = subscriber.subscribe(
        path, callback=callback, flow_control=pubsub_v1.types.FlowControl(max_messages=16)
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"function {spec.function} receiving {spec.name}", flush=True)
    stop.wait()
    future.cancel()
    subscriber.close()


def main() -> None:
    name = sys.argv[1]
    specs = {s.function: s for s in FUNCTION_SUBSCRIPTIONS}
    if name not in specs:
        raise SystemExit(f"unknown function {name!r}; known: {', '.join(specs)}")
    serve(specs[name], os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-convonet"))


if __name__ == "__main__":
    main()
