"""An ``add_todo`` tool that takes as long as it is told: what a slow tools server looks like to
the agent's graph (for the deadline and stage-timing tests)."""

from __future__ import annotations

import asyncio
import json

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, tool

from functions.agent_turn.agent.turn_context import current_turn


def slow_todo_tools(delay: float) -> list[BaseTool]:
    @tool
    async def add_todo(title: str, config: RunnableConfig, due_date: str | None = None) -> str:
        """Add a todo for the caller. due_date is an ISO date (YYYY-MM-DD) or omitted."""
        current_turn().request_key("add_todo")
        await asyncio.sleep(delay)
        todo = {"id": 1, "title": title, "due_date": due_date, "completed": False}
        return json.dumps({"ok": True, "created": True, "todo": todo})

    return [add_todo]
