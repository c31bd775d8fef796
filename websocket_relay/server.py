"""The relay's server: ``/webrtc/ws`` for callers, ``/healthz`` for the platform."""

from __future__ import annotations

import asyncio
import logging
import signal
from http import HTTPStatus

from google.cloud import firestore
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from shared.bus import Bus
from shared.db import Database
from shared.session_store import SessionStore
from shared.settings import RelaySettings
from shared.ws_protocol import Error
from websocket_relay.auth import PinAuthenticator
from websocket_relay.client_address import client_source
from websocket_relay.connection import ClientConnection, RelayServices
from websocket_relay.limits import ConnectionsBySource
from websocket_relay.origins import allowed_origins
from websocket_relay.outbound import OutboundRouter

log = logging.getLogger(__name__)
WS_PATH = "/webrtc/ws"


def source_of(ws: ServerConnection, trusted_hops: int) -> str:
    remote = ws.remote_address
    forwarded = ws.request.headers.get_all("X-Forwarded-For") if ws.request else []
    return client_source(str(remote[0]) if remote else None, forwarded, trusted_hops)


async def refuse_connection(ws: ServerConnection, limit: int) -> None:
    error = Error(
        code="too_many_connections",
        message=f"at most {limit} connections from one address; close one and retry",
    )
    await ws.send(error.model_dump_json())
    await ws.close(CloseCode.TRY_AGAIN_LATER, "too many connections")


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

    connections = ConnectionsBySource(settings.max_connections_per_source)

    async def handler(ws: ServerConnection) -> None:
        source = source_of(ws, settings.forwarded_for_trusted_hops)
        if not connections.acquire(source):
            await refuse_connection(ws, settings.max_connections_per_source)
            return
        try:
            await ClientConnection(ws, services, source).run()
        finally:
            connections.release(source)

    # Frames are limited as they inflate (permessage-deflate), far lower before sign-in:
    # ClientConnection raises the limit to max_message_bytes once the caller is signed in.
    async with serve(
        handler,
        settings.relay_host,
        settings.relay_port,
        process_request=process_request,
        origins=allowed_origins(settings),
        max_size=settings.pre_auth_max_message_bytes,
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
