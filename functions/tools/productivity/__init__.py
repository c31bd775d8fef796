"""Productivity tools: todos, reminders, calendar events, teams and their members, team todos."""

from typing import Any

from functions.tools.productivity import calendar, reminders, team_todos, teams, todos
from shared.mcp_server.registry import ToolSpec

TOOLS: list[ToolSpec[Any]] = [
    *todos.TOOLS,
    *reminders.TOOLS,
    *calendar.TOOLS,
    *teams.TOOLS,
    *team_todos.TOOLS,
]
