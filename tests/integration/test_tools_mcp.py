"""The tools server over real HTTP with the real MCP client agent_turn uses: listing, calls,
authentication, the signed caller, and the monitor records."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.mcp_tools import McpToolbox, ToolsUnavailable
from functions.agent_turn.agent.turn_context import TurnContext, within_turn
from functions.tools.catalog import all_tools
from shared import identity, tool_caller, topics
from shared.contracts import MonitorEvent
from shared.db import Database
from shared.settings import AgentSettings
from tests.tools_server import RunningTools

pytestmark = pytest.mark.integration
PEPPER = b"test-pepper"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture
def ada(db: Database) -> str:
    return identity.create_user(db, "Ada", "583920", PEPPER, email="ada@example.test").id


def _call(box: McpToolbox, turn: TurnContext, name: str, **args: Any) -> dict[str, Any]:
    [tool] = [t for t in box.tools() if t.name == name]
    config = {"configurable": {"turn_context": turn}}
    call = {"name": name, "args": args, "id": f"c-{time.monotonic_ns()}", "type": "tool_call"}
    message = box.run(within_turn(turn, tool.ainvoke(call, config=config)), 10)
    return json.loads(text_of(message.content))


def test_every_tool_is_listed_with_a_described_schema(toolbox: McpToolbox) -> None:
    listed = {t.name: t for t in toolbox.tools()}
    assert set(listed) == {s.name for s in all_tools()}
    for name, tool in listed.items():
        schema = tool.args_schema
        assert isinstance(schema, dict) and tool.description, name
        assert schema.get("additionalProperties") is False, name  # no room for a user id
        for prop, spec in schema.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{prop} has no description"
        assert not {"user_id", "user"} & set(schema.get("properties", {})), name


def test_calls_over_mcp_act_for_the_signed_in_user(
    toolbox: McpToolbox, db: Database, ada: str
) -> None:
    turn = TurnContext(ada, "turn-1", "sess-1")
    added = _call(toolbox, turn, "add_todo", title="renew the passport", priority="high")
    assert added["ok"] and added["todo"]["priority"] == "high"
    listed = _call(toolbox, turn, "list_todos")
    assert [t["title"] for t in listed["todos"]] == ["renew the passport"]
    done = _call(toolbox, turn, "complete_todo", todo="passport")
    assert done["ok"] and done["todo"]["completed"] is True
    bad = _call(toolbox, turn, "add_todo", title="x", priority="someday")
    assert bad["ok"] is False and bad["reason"] == "invalid_arguments"


def test_a_redelivered_turn_replays_its_calls(toolbox: McpToolbox, db: Database, ada: str) -> None:
    for _ in range(2):  # the same turn twice: the same request keys
        _call(toolbox, TurnContext(ada, "turn-7", "sess-1"), "add_todo", title="water plants")
    rows = db.fetch_all("SELECT id FROM productivity.todos WHERE user_id = :u", u=ada)
    assert len(rows) == 1


def _post(url: str, body: dict[str, Any], token: str | None) -> httpx.Response:
    headers = dict(HEADERS)
    if token is not None:
        headers["Authorization"] = token if token.startswith("Basic") else f"Bearer {token}"
    return httpx.post(url, json=body, headers=headers, timeout=10)


def _add_todo_request(caller_token: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": "add_todo", "arguments": {"title": "sneaky"}}
    if caller_token is not None:
        params["_meta"] = {tool_caller.META_KEY: caller_token}
    return {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params}


def test_an_unauthenticated_call_gets_401_and_runs_nothing(
    tools_server: RunningTools, db: Database, ada: str
) -> None:
    key = tools_server.settings.caller_key_bytes()
    signed = tool_caller.sign(tool_caller.new_caller(ada, "s", "t", "t:add_todo:1"), key)
    for token in (None, "wrong-credential", "Basic abc"):
        for body in (INITIALIZE, _add_todo_request(signed)):
            response = _post(tools_server.url, body, token)
            assert response.status_code == 401, (token, response.text)
            assert response.json()["error"] == "unauthenticated"
    assert db.fetch_all("SELECT id FROM productivity.todos") == []


def test_a_call_without_a_valid_signed_caller_runs_nothing(
    tools_server: RunningTools, db: Database, ada: str
) -> None:
    key = tools_server.settings.caller_key_bytes()
    good = tool_caller.new_caller(ada, "s", "t", "t:add_todo:1")
    expired = tool_caller.new_caller(ada, "s", "t", "t:add_todo:1", now=time.time() - 3600)
    forged = tool_caller.sign(good, b"another key")
    payload, mac = tool_caller.sign(good, key).split(".")
    other = tool_caller.sign(good.model_copy(update={"user_id": "someone-else"}), key)
    tampered = f"{other.split('.')[0]}.{mac}"
    token = tools_server.settings.tools_token
    assert token is not None
    for caller in (None, "garbage", forged, tampered, tool_caller.sign(expired, key)):
        response = _post(tools_server.url, _add_todo_request(caller), token.get_secret_value())
        assert response.status_code == 200
        result = response.json()["result"]
        assert result["isError"] is True, caller
        assert "was not run" in result["content"][0]["text"]
    assert db.fetch_all("SELECT id FROM productivity.todos") == []
    assert payload  # the untampered payload was signed with the right key


def test_every_call_is_recorded_on_the_monitor(toolbox: McpToolbox, ada: str, tap: Any) -> None:
    monitor = tap(topics.MONITOR_EVENTS)
    _call(toolbox, TurnContext(ada, "turn-m", "sess-m"), "add_todo", title="book the vet")
    _call(toolbox, TurnContext(ada, "turn-m", "sess-m"), "complete_todo", todo="dentist")
    events = sorted(
        (MonitorEvent.model_validate_json(m.data) for m in monitor.pull(expect=2)),
        key=lambda e: e.at,
    )
    assert [e.kind for e in events] == ["tool_call", "tool_call"]
    first, second = events[0].tool_calls[0], events[1].tool_calls[0]
    assert first.name == "add_todo" and first.ok and first.arguments == {"title": "book the vet"}
    assert second.name == "complete_todo" and not second.ok
    assert "no open todo" in second.result_summary
    assert events[0].turn_id == "turn-m" and events[0].user_id == ada
    assert 0 <= first.ended_at - first.started_at < 5
    assert events[0].timings[0].stage == "tool:add_todo"


def test_an_unreachable_tools_server_fails_the_call_and_a_later_one_connects(
    tools_server: RunningTools, agent_settings: AgentSettings
) -> None:
    from local.services import free_port

    box = McpToolbox(
        agent_settings.model_copy(update={"tools_url": f"http://127.0.0.1:{free_port()}/mcp"})
    )
    try:
        with pytest.raises(ToolsUnavailable):
            box.tools()
        box.connection("tools").url = tools_server.url  # the server is up now
        assert "add_todo" in {t.name for t in box.tools()}
    finally:
        box.close()
