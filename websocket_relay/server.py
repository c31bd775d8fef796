"""The relay's server: ``/webrtc/ws`` for callers, ``/healthz`` for the platform."""

from __future__ import annotations

import asyncio
import logging
import signal
from http import HTTPStatus

from google.cloud import firestore
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from shared.bus import Bus
from shared.db import Database
from shared.session_store import SessionStore
from shared.settings import RelaySettings
from websocket_relay.auth import PinAuthenticator
from websocket_relay.connection import ClientConnection, RelayServices
from websocket_relay.outbound import OutboundRouter

log = logging.getLogger(__name__)
WS_PATH = "/webrtc/ws"
# websockets closes the connection (1009) above this; below it, the relay answers an oversized
# frame with an error frame and keeps the session (see RelaySettings.max_frame_bytes).
HARD_FRAME_LIMIT = 16 * 1024 * 1024


def build_services(settings: RelaySettings) -> RelayServices:
    db = Database(settings)
    return RelayServices(
        settings=settings,
        bus=Bus(settings.project_id),
        store=SessionStore(
            firestore.Client(project=settings.project_id), settings.collection_prefix
        ),
        auth=PinAuthenticator(db, settings),
        router=OutboundRouter(
            settings.project_id, settings.relay_id, settings.outbound_subscription_ttl_days
        ),
    )


def client_source(ws: ServerConnection, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for and ws.request is not None:
        forwarded = ws.request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    remote = ws.remote_address
    return str(remote[0]) if remote else "unknown"


async def run_server(settings: RelaySettings, stop: asyncio.Event | None = None) -> None:
    services = build_services(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    services.router.start(loop)

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path != WS_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, f"no such path; connect to {WS_PATH}\n")
        return None

    async def handler(ws: ServerConnection) -> None:
        await ClientConnection(ws, services, client_source(ws, settings.trust_forwarded_for)).run()

    async with serve(
        handler,
        settings.relay_host,
        settings.relay_port,
        process_request=process_request,
        max_size=HARD_FRAME_LIMIT,
        ping_interval=20,
        ping_timeout=20,
    ) as server:
        log.info(
            "relay listening",
            extra={
                "url": f"ws://{settings.relay_host}:{settings.relay_port}{WS_PATH}",
                "relay_id": settings.relay_id,
            },
        )
        await stop.wait()
        server.close()
        await server.wait_closed()
    services.router.stop()
    log.info("relay stopped")
