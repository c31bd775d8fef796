"""Hanok Table's parts, built once per instance: the reservation API, the guest status page,
Twilio's webhooks and the MCP server, behind one HTTP entry point."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from functions.hanok.api import Clock, reservation_routes, utc_now
from functions.hanok.bookings import Bookings
from functions.hanok.config import Restaurant, load_restaurant
from functions.hanok.errors import HanokError
from functions.hanok.models import Health
from functions.hanok.settings import HanokSettings
from functions.hanok.status_page import status_routes
from functions.hanok.tools import hanok_tools
from functions.hanok.twilio_client import reminder_sender
from functions.hanok.webhooks import webhook_routes
from shared.bus import Bus
from shared.db import Database
from shared.http_service import ServedApp, error, install_error_handlers, require_caller
from shared.mcp_server.dispatch import Dispatcher
from shared.mcp_server.recording import MonitorRecorder
from shared.mcp_server.server import MCP_PATH, ToolEndpoint, build_mcp_server
from shared.service_auth import CallerCheck, caller_check

MCP_SERVER_NAME = "convonet-hanok"


@dataclass(frozen=True)
class HanokService:
    app: FastAPI
    mcp: ToolEndpoint

    async def respond(self, request: Request) -> Response:
        if request.url.path.rstrip("/") == MCP_PATH:
            return await self.mcp.respond(request)
        return ServedApp(self.app)


def build_service(
    settings: HanokSettings, db: Database, bus: Bus, clock: Clock = utc_now
) -> HanokService:
    restaurant = load_restaurant(settings.hanok_config)
    token = settings.hanok_token.get_secret_value() if settings.hanok_token else None
    check = caller_check(
        settings.is_local, token, settings.hanok_audience, settings.allowed_callers()
    )
    app = build_app(settings, db, restaurant, check, clock)
    dispatcher = Dispatcher(db, hanok_tools(restaurant), restaurant.timezone)
    server = build_mcp_server(
        MCP_SERVER_NAME, dispatcher, MonitorRecorder(bus, "hanok"), settings.caller_key_bytes()
    )
    return HanokService(app, ToolEndpoint(server, check))


def build_app(
    settings: HanokSettings,
    db: Database,
    restaurant: Restaurant,
    check: CallerCheck,
    clock: Clock = utc_now,
) -> FastAPI:
    app = FastAPI(
        title="Hanok Table",
        version="1",
        description="Reservations at Hanok Table: menu, availability, booking, changes, "
        "the guest status page and Twilio's webhooks. Its tools are served over MCP at /mcp.",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)

    @app.exception_handler(HanokError)
    async def hanok_error(_: Request, exc: HanokError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message, **exc.detail)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", restaurant=restaurant.name)

    app.add_api_route("/healthz", health, methods=["GET"], include_in_schema=False)
    guarded = [Depends(require_caller(check))]
    app.include_router(
        reservation_routes(db, restaurant, settings.phone_region, clock), dependencies=guarded
    )
    app.include_router(status_routes(db, restaurant))
    app.include_router(
        webhook_routes(
            db,
            restaurant,
            Bookings(restaurant),
            settings,
            require_caller(check),
            reminder_sender(settings, restaurant),
            clock,
        )
    )
    return app
