"""The tools server's parts, built once per instance."""

from __future__ import annotations

from functions.tools.catalog import all_tools
from functions.tools.productivity.google_calendar import calendar_client
from shared.bus import Bus
from shared.db import Database
from shared.mcp_server.dispatch import Dispatcher
from shared.mcp_server.recording import MonitorRecorder
from shared.mcp_server.server import ToolEndpoint, build_mcp_server
from shared.service_auth import caller_check
from shared.settings import ToolsSettings


def build_endpoint(settings: ToolsSettings, db: Database, bus: Bus) -> ToolEndpoint:
    calendar_client()  # a half-configured Google Calendar stops the instance now, not mid-call
    dispatcher = Dispatcher(db, all_tools(), settings.default_timezone)
    server = build_mcp_server(
        "convonet-tools", dispatcher, MonitorRecorder(bus, "tools"), settings.caller_key_bytes()
    )
    token = settings.tools_token.get_secret_value() if settings.tools_token else None
    check = caller_check(
        settings.is_local, token, settings.tools_audience, settings.allowed_callers()
    )
    return ToolEndpoint(server, check)
