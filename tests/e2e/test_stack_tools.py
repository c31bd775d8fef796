"""The tools server as the local stack serves it (functions/tools/main.py under the functions
framework): an MCP client lists the tools over HTTP and calls several; unauthenticated calls get
401; each call reaches the monitor's stored records with its duration."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pg8000.native
import pytest
from google.cloud import firestore

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.turn_context import TurnContext, within_turn
from local.seed import DEMO_EMAIL, DEMO_PHONE
from shared.settings import AgentSettings
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _tools_url(stack: RunningStack) -> str:
    return f"http://127.0.0.1:{stack.env['CONVONET_TOOLS_PORT']}/mcp"


@pytest.fixture(scope="module")
def toolbox(stack: RunningStack) -> Iterator[McpToolbox]:
    settings = AgentSettings(
        env="local",
        tools_url=_tools_url(stack),
        tools_token=stack.env["CONVONET_TOOLS_TOKEN"],
        hanok_token=stack.env["CONVONET_HANOK_TOKEN"],
        tools_caller_key=stack.env["CONVONET_TOOLS_CALLER_KEY"],
    )
    box = McpToolbox(settings)
    yield box
    box.close()


@pytest.fixture(scope="module")
def demo_user(stack: RunningStack) -> str:
    conn = pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )
    try:
        [[user_id]] = conn.run("SELECT id FROM identity.users WHERE email = :e", e=DEMO_EMAIL)
    finally:
        conn.close()
    return str(user_id)


def _call(box: McpToolbox, turn: TurnContext, name: str, **args: Any) -> dict[str, Any]:
    [tool] = [t for t in box.tools() if t.name == name]
    call = {"name": name, "args": args, "id": uuid.uuid4().hex, "type": "tool_call"}
    message = box.run(within_turn(turn, tool.ainvoke(call)), 15)
    return json.loads(text_of(message.content))


def test_the_tools_are_listed_over_http(toolbox: McpToolbox) -> None:
    names = {t.name for t in toolbox.tools()}
    assert {"add_todo", "list_todos", "complete_todo", "transfer_to_agent"} <= names


def test_tools_called_end_to_end_act_for_the_signed_caller(
    toolbox: McpToolbox, demo_user: str, stack: RunningStack
) -> None:
    turn = TurnContext(demo_user, f"e2e-{uuid.uuid4().hex[:8]}", "e2e-session")
    added = _call(toolbox, turn, "add_todo", title="call the plumber", priority="high")
    assert added["ok"] and added["todo"]["title"] == "call the plumber"
    listed = _call(toolbox, turn, "list_todos", priority="high")
    assert "call the plumber" in [t["title"] for t in listed["todos"]]
    assert _call(toolbox, turn, "delete_todo", todo=added["todo"]["id"])["ok"]
    departments = _call(toolbox, turn, "get_available_departments")["departments"]
    assert any(d["name"] == "general" for d in departments)

    # Each call is in the monitor's record of the turn, with how long it took.
    client = firestore.Client(project="demo-convonet")
    deadline = time.monotonic() + 20
    executions: dict[str, Any] = {}
    while time.monotonic() < deadline and len(executions) < 4:
        doc = client.collection("monitor_turns").document(turn.turn_id).get().to_dict() or {}
        executions = doc.get("tool_executions", {})
        time.sleep(0.2)
    assert sorted(e["name"] for e in executions.values()) == [
        "add_todo",
        "delete_todo",
        "get_available_departments",
        "list_todos",
    ]
    assert all(0 <= e["duration_ms"] < 5000 for e in executions.values())


def test_an_unauthenticated_call_gets_401(stack: RunningStack, demo_user: str) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "add_todo", "arguments": {"title": "sneaky"}},
    }
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer not-the-credential"}):
        response = httpx.post(_tools_url(stack), json=body, headers={**headers, **auth})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_clinic_tools_reach_the_crm_service_of_the_stack(
    toolbox: McpToolbox, demo_user: str, stack: RunningStack
) -> None:
    turn = TurnContext(demo_user, f"e2e-{uuid.uuid4().hex[:8]}", "e2e-session")
    onboarded = _call(toolbox, turn, "onboard_patient", first_name="Demo", last_name="User")
    assert onboarded["ok"] and onboarded["patient"]["phone"] == DEMO_PHONE
    assert _call(toolbox, turn, "check_patient_record")["registered"] is True
    crm = f"http://127.0.0.1:{stack.env['CONVONET_CRM_PORT']}"
    found = httpx.post(
        f"{crm}/patient/search",
        json={"phone": DEMO_PHONE},
        headers={"Authorization": f"Bearer {stack.env['CONVONET_CRM_TOKEN']}"},
    ).json()["patients"]
    assert [p["id"] for p in found] == [onboarded["patient"]["id"]]


def test_the_crm_refuses_anonymous_callers_and_describes_itself(stack: RunningStack) -> None:
    crm = f"http://127.0.0.1:{stack.env['CONVONET_CRM_PORT']}"
    assert httpx.post(f"{crm}/patient/search", json={"phone": DEMO_PHONE}).status_code == 401
    spec = httpx.get(f"{crm}/openapi.json").json()
    assert "/meeting/create" in spec["paths"]
