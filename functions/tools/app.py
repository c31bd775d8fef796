"""The tools server's parts, built once per instance."""

from __future__ import annotations

from functions.tools.catalog import all_tools
from functions.tools.dispatch import Dispatcher
from functions.tools.productivity.google_calendar import calendar_client
from functions.tools.recording import MonitorRecorder
from functions.tools.server import ToolEndpoint, build_mcp_server
from shared.bus import Bus
from shared.db import Database
from shared.service_auth import caller_check
from shared.settings import ToolsSettings


def build_endpoint(settings: ToolsSettings, db: Database, bus: Bus) -> ToolEndpoint:
    calendar_client()  # a half-configured Google Calendar stops the instance now, not mid-call
    dispatcher = Dispatcher(db, all_tools(), settings.default_timezone)
    server = build_mcp_server(dispatcher, MonitorRecorder(bus), settings.caller_key_bytes())
    token = settings.tools_token.get_secret_value() if settings.tools_token else None
    check = caller_check(
        settings.is_local, token, settings.tools_audience, settings.allowed_callers()
    )
    return ToolEndpoint(server, check)
