"""The relay's real server, run in a background thread of the test process, on a free port."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from local import services
from shared.settings import RelaySettings
from websocket_relay.server import WS_PATH, run_server


@contextmanager
def running_relay(settings: RelaySettings) -> Iterator[str]:
    """Serve ``settings`` (its relay_port is replaced by a free one); yield the WebSocket URL."""
    port = services.free_port()
    settings = settings.model_copy(update={"relay_port": port, "relay_host": "127.0.0.1"})
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            loop.run_until_complete(run_server(settings, stop))
        except BaseException as exc:  # reported to the test below
            failure.append(exc)

    thread = threading.Thread(target=serve, name="relay", daemon=True)
    thread.start()
    _wait_for_port(port, failure)
    try:
        yield f"ws://127.0.0.1:{port}{WS_PATH}"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()


def _wait_for_port(port: int, failure: list[BaseException], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if failure:
            raise RuntimeError("relay failed to start") from failure[0]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"relay did not listen on {port} in {timeout:.0f}s")
