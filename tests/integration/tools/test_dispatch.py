"""How any tool call ends when it cannot run as asked: a clear result, the detail in the log."""

from __future__ import annotations

import json
import logging

import pytest

from functions.tools.catalog import all_tools
from shared.db import Database
from shared.mcp_server.dispatch import Dispatcher
from shared.settings import DatabaseSettings
from shared.tool_caller import new_caller
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def test_an_unknown_tool_and_an_unknown_user_are_refused(tools: ToolHarness) -> None:
    ada = tools.user()
    assert tools.outcome(ada, "drop_tables").result["reason"] == "unknown_tool"
    for stranger in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        result = tools.outcome(stranger, "list_todos").result
        assert result == {
            "ok": False,
            "reason": "refused",
            "error": "the signed-in user is not known",
        }


def test_a_broken_database_is_an_honest_result_with_the_detail_only_in_the_log(
    database_settings: DatabaseSettings, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Database(database_settings.model_copy(update={"db_name": "no_such_database"}))
    dispatcher = Dispatcher(broken, all_tools(), "UTC")
    caller = new_caller("5f0c7b38-58f5-4c4b-8d2a-2f3f1c1c1c1c", "s", "t", "t:add_todo:1")
    with caplog.at_level(logging.ERROR):
        outcome = dispatcher.invoke("add_todo", {"title": "buy milk"}, caller)
    assert outcome.result["reason"] == "unavailable"
    assert "no_such_database" not in json.dumps(outcome.result)
    [failure] = [r for r in caplog.records if getattr(r, "event", None) == "tool_failed"]
    assert getattr(failure, "tool", None) == "add_todo" and failure.exc_info is not None
