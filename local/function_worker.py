"""Deliver a subscription's messages to a function's entry point, as push would in the cloud.

``python -m local.function_worker agent_turn`` loads ``functions/agent_turn/main.py`` and calls
its decorated handler with the same CloudEvent (a Pub/Sub push envelope) production sends.

It pulls with plain Pull requests rather than the client library's streaming pull. The Pub/Sub
emulator never notices that a streaming-pull stream has closed (its gRPC server fails on the
client's reset), so after a worker dies the emulator keeps handing messages to the dead stream,
each one held until its ack deadline (10 s at the least with the client library) and then maybe
to the dead stream again. A Pull request ends at its deadline, so a dead worker takes at most
the messages it held, and the emulator gives those out again once the subscription's short
local ack deadline has passed: the worker renews the lease of every message it holds while the
handler runs.
"""

from __future__ import annotations

import base64
import importlib.util
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from cloudevents.http import CloudEvent
from google.api_core import exceptions as gexc
from google.cloud import pubsub_v1

from shared.topics import (
    FUNCTION_SUBSCRIPTIONS,
    PULL_ACK_DEADLINE_SECONDS,
    PUSH_ACK_DEADLINE_SECONDS,
    RETRY_MAX_BACKOFF_SECONDS,
    RETRY_MIN_BACKOFF_SECONDS,
    FunctionSubscription,
)

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("local.function_worker")

MAX_IN_FLIGHT = 16
# Shorter than the ack deadline minus one renewal interval: when the worker dies, its last Pull
# has ended before the messages it held come back, so the emulator cannot give them to it again.
PULL_WAIT_SECONDS = 1.5
LEASE_RENEWAL_SECONDS = 1.0
# As with push, a handler still running after the push ack deadline gets its message redelivered.
MAX_LEASE_SECONDS = PUSH_ACK_DEADLINE_SECONDS

Handler = Callable[[CloudEvent], None]


def load_function(name: str) -> ModuleType:
    path = ROOT / "functions" / name / "main.py"
    spec = importlib.util.spec_from_file_location(f"functions_{name}_main", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"no function at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_cloud_event(received: Any, subscription: str) -> CloudEvent:
    """The CloudEvent push delivery would build for a pulled ``ReceivedMessage``."""
    message = received.message
    envelope = {
        "message": {
            "data": base64.b64encode(message.data).decode(),
            "attributes": dict(message.attributes),
            "messageId": message.message_id,
            "publishTime": message.publish_time.isoformat() if message.publish_time else None,
        },
        "subscription": subscription,
    }
    if received.delivery_attempt:
        envelope["deliveryAttempt"] = received.delivery_attempt
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": f"//pubsub.googleapis.com/{subscription}",
            "id": message.message_id,
        },
        envelope,
    )


def retry_backoff(delivery_attempt: int | None) -> int:
    """Seconds before a failed message is offered again: the subscriptions' retry policy (1 s,
    doubling to 60 s), which the emulator ignores on a nack, so the worker applies it itself."""
    attempt = max(1, delivery_attempt or 1)
    return int(min(RETRY_MAX_BACKOFF_SECONDS, RETRY_MIN_BACKOFF_SECONDS * 2 ** (attempt - 1)))


class Leases:
    """The ack ids this worker holds, kept leased until settled or MAX_LEASE_SECONDS old."""

    def __init__(self, subscriber: pubsub_v1.SubscriberClient, path: str):
        self.subscriber = subscriber
        self.path = path
        self._held: dict[str, float] = {}  # ack id -> when it was received
        self._changed = threading.Condition()

    def hold(self, ack_ids: list[str]) -> None:
        with self._changed:
            now = time.monotonic()
            self._held.update(dict.fromkeys(ack_ids, now))

    def release(self, ack_id: str) -> None:
        with self._changed:
            self._held.pop(ack_id, None)
            self._changed.notify_all()

    def wait_for_room(self, stop: threading.Event) -> int:
        """How many more messages may be taken, once there is room for one."""
        with self._changed:
            while len(self._held) >= MAX_IN_FLIGHT and not stop.is_set():
                self._changed.wait(0.5)
            return MAX_IN_FLIGHT - len(self._held)

    def renew_until(self, done: threading.Event) -> None:
        while not done.wait(LEASE_RENEWAL_SECONDS):
            with self._changed:
                oldest = time.monotonic() - MAX_LEASE_SECONDS
                ack_ids = [ack_id for ack_id, since in self._held.items() if since > oldest]
            if not ack_ids:
                continue
            try:
                self.subscriber.modify_ack_deadline(
                    subscription=self.path,
                    ack_ids=ack_ids,
                    ack_deadline_seconds=PULL_ACK_DEADLINE_SECONDS,
                )
            except gexc.GoogleAPICallError:
                log.warning("lease renewal failed; the messages may be redelivered", exc_info=True)


class Worker:
    """Pulls a subscription and runs the handler on each message, one at a time per ordering key
    (the client library's order), acknowledging it on success and nacking it on an exception."""

    def __init__(self, subscriber: pubsub_v1.SubscriberClient, path: str, handler: Handler):
        self.subscriber = subscriber
        self.path = path
        self.handler = handler
        self.leases = Leases(subscriber, path)
        self.pool = ThreadPoolExecutor(MAX_IN_FLIGHT, thread_name_prefix="handler")
        self._waiting_by_key: dict[str, deque[Any]] = {}  # keys with a message being handled
        self._keys_lock = threading.Lock()

    def pull_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            room = self.leases.wait_for_room(stop)
            if stop.is_set():
                return
            for received in self._pull(room, stop):
                self._dispatch(received)

    def _pull(self, max_messages: int, stop: threading.Event) -> list[Any]:
        try:
            response = self.subscriber.pull(  # no retries inside: this loop is the retry
                subscription=self.path,
                max_messages=max_messages,
                timeout=PULL_WAIT_SECONDS,
                retry=None,
            )
        except gexc.DeadlineExceeded:
            return []
        except gexc.GoogleAPICallError:
            log.warning("pull failed; trying again", exc_info=True)
            stop.wait(1)
            return []
        received = list(response.received_messages)
        self.leases.hold([r.ack_id for r in received])
        return received

    def _dispatch(self, received: Any) -> None:
        key = received.message.ordering_key
        if key:
            with self._keys_lock:
                waiting = self._waiting_by_key.get(key)
                if waiting is not None:  # an earlier message of this key is being handled
                    waiting.append(received)
                    return
                self._waiting_by_key[key] = deque()
            self.pool.submit(self._deliver_in_order, key, received)
        else:
            self.pool.submit(self._deliver, received)

    def _deliver_in_order(self, key: str, received: Any) -> None:
        while True:
            self._deliver(received)
            with self._keys_lock:
                waiting = self._waiting_by_key[key]
                if not waiting:
                    del self._waiting_by_key[key]
                    return
                received = waiting.popleft()

    def _deliver(self, received: Any) -> None:
        try:
            self.handler(to_cloud_event(received, self.path))
        except Exception:
            log.exception("handler failed; message will be redelivered")
            self._settle(received.ack_id, retry_in=retry_backoff(received.delivery_attempt))
        else:
            self._settle(received.ack_id)

    def _settle(self, ack_id: str, *, retry_in: int | None = None) -> None:
        """Acknowledge, or (``retry_in`` seconds) hand the message back for a later attempt."""
        try:
            if retry_in is None:
                self.subscriber.acknowledge(subscription=self.path, ack_ids=[ack_id])
            else:
                self.subscriber.modify_ack_deadline(
                    subscription=self.path, ack_ids=[ack_id], ack_deadline_seconds=retry_in
                )
        except gexc.GoogleAPICallError:
            log.warning("could not settle a message; it will be redelivered", exc_info=True)
        finally:
            self.leases.release(ack_id)

    def drain(self) -> None:
        """Let the handlers finish the messages already taken."""
        self.pool.shutdown(wait=True)


def serve(spec: FunctionSubscription, project_id: str) -> None:
    module = load_function(spec.function)
    subscriber = pubsub_v1.SubscriberClient()
    worker = Worker(
        subscriber,
        subscriber.subscription_path(project_id, spec.name),
        getattr(module, spec.entry_point),
    )
    stop, drained = threading.Event(), threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    renewer = threading.Thread(target=worker.leases.renew_until, args=(drained,), daemon=True)
    puller = threading.Thread(target=worker.pull_until, args=(stop,), daemon=True)
    renewer.start()
    puller.start()
    if spec.http_entry_point:
        _serve_http(spec, getattr(module, spec.http_entry_point))
    print(f"function {spec.function} receiving {spec.name}", flush=True)
    stop.wait()
    puller.join()
    worker.drain()
    drained.set()
    subscriber.close()


def _serve_http(spec: FunctionSubscription, entry: Callable[..., Any]) -> None:
    """The function's HTTP entry point, from the same loaded module (one instance, as in the
    cloud), on loopback in a thread: every path and method goes to it, as Cloud Run sends."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Route

    async def endpoint(request: Any) -> Any:
        return await entry(request)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    app = Starlette(
        routes=[
            Route("/", endpoint, methods=methods),
            Route("/{path:path}", endpoint, methods=methods),
        ]
    )
    port = int(
        os.environ.get(f"CONVONET_{spec.function.upper()}_PORT") or spec.local_http_port or 0
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, name="http", daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    print(f"function {spec.function} listening on http://127.0.0.1:{port}/", flush=True)


def main() -> None:
    name = sys.argv[1]
    specs = {s.function: s for s in FUNCTION_SUBSCRIPTIONS}
    if name not in specs:
        raise SystemExit(f"unknown function {name!r}; known: {', '.join(specs)}")
    serve(specs[name], os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-convonet"))


if __name__ == "__main__":
    main()
