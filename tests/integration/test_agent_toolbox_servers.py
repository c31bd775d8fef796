"""The agent's toolbox over several MCP servers: the real tools server, and a second server on
the same protocol (a stand-in for Hanok Table, built from shared/mcp_server with its own bearer
credential) that is down at first and comes up later at the same URL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from langchain_core.tools import BaseTool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.mcp_tools import McpToolbox, ToolsUnavailable
from functions.agent_turn.agent.runner import run_turn
from functions.agent_turn.agent.turn_context import TurnContext, within_turn
from functions.agent_turn.handler import AgentTurnHandler
from functions.tools.catalog import all_tools
from functions.tools.productivity.todos import todos_of
from local.services import free_port
from shared import identity
from shared.bus import Bus
from shared.db import Database
from shared.mcp_server.dispatch import Dispatcher
from shared.mcp_server.recording import MonitorRecorder
from shared.mcp_server.registry import CallContext, ToolArgs, tool
from shared.mcp_server.server import ToolEndpoint, build_mcp_server
from shared.service_auth import caller_check
from shared.session_store import SessionStore
from shared.settings import AgentSettings
from tests.integration.conftest import HANOK_TOKEN
from tests.tools_server import RunningTools

pytestmark = pytest.mark.integration
MENU = {
    "restaurant": "Hanok Table",
    "currency": "USD",
    "categories": [
        {
            "id": "desserts",
            "name": "Desserts",
            "dishes": [
                {
                    "id": "hotteok",
                    "name": "Hotteok",
                    "korean": "호떡",
                    "description": "Warm sweet pancake.",
                    "price": 9.0,
                    "dietary": ["vegetarian", "contains_nuts"],
                }
            ],
        }
    ],
}


class MenuArgs(ToolArgs):
    category: str | None = None
    dietary: str | None = None


class NoArgs(ToolArgs):
    pass


class StubHanok:
    """Answers get_menu with a fixed menu, and lists a list_todos of its own (a name the tools
    server lists too), remembering who each call was signed for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []  # (tool, user id, request key)

    def specs(self) -> list[Any]:
        stub = self

        @tool(MenuArgs, read_only=True, domain="hanok")
        def get_menu(ctx: CallContext, args: MenuArgs) -> dict[str, Any]:
            """The restaurant's menu."""
            stub.calls.append(("get_menu", ctx.user_id, ctx.request_key))
            return MENU

        @tool(NoArgs, read_only=True, domain="hanok")
        def list_todos(ctx: CallContext, args: NoArgs) -> dict[str, Any]:
            """Not Hanok's: a clash with the tools server's tool of the same name."""
            stub.calls.append(("list_todos", ctx.user_id, ctx.request_key))
            return {"todos": [{"title": "from the wrong server"}]}

        return [get_menu, list_todos]

    def app(self, db: Database, bus: Bus, settings: AgentSettings) -> Starlette:
        dispatcher = Dispatcher(db, self.specs(), "UTC")
        server = build_mcp_server(
            "hanok-stub", dispatcher, MonitorRecorder(bus, "hanok"), settings.caller_key_bytes()
        )
        endpoint = ToolEndpoint(server, caller_check(True, HANOK_TOKEN, "", frozenset()))

        async def respond(request: Request) -> Response:
            return await endpoint.respond(request)

        return Starlette(routes=[Route("/{path:path}", respond, methods=["GET", "POST", "DELETE"])])


@contextmanager
def serving_at(app: Starlette, port: int) -> Iterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name=f"stub-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the stub did not start"
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def ada(db: Database) -> str:
    return identity.create_user(db, "Ada", "583920", b"test-pepper", email="ada@x.test").id


@pytest.fixture
def hanok_port() -> int:
    return free_port()


@pytest.fixture
def box(
    tools_server: RunningTools, agent_settings: AgentSettings, hanok_port: int
) -> Iterator[McpToolbox]:
    settings = tools_server.agent_settings(agent_settings).model_copy(
        update={"hanok_url": f"http://127.0.0.1:{hanok_port}/mcp"}
    )
    toolbox = McpToolbox(settings)
    yield toolbox
    toolbox.close()


def _call(box: McpToolbox, turn: TurnContext, name: str, **args: Any) -> dict[str, Any]:
    [found] = [t for t in box.tools() if t.name == name]
    config = {"configurable": {"turn_context": turn}}
    call = {"name": name, "args": args, "id": f"c-{time.monotonic_ns()}", "type": "tool_call"}
    message = box.run(within_turn(turn, found.ainvoke(call, config=config)), 10)
    return json.loads(text_of(message.content))  # type: ignore[no-any-return]


def _names(tools: list[BaseTool]) -> set[str]:
    return {t.name for t in tools}


def _tools_once_it_lists(box: McpToolbox, name: str, timeout: float = 10.0) -> list[BaseTool]:
    """The toolbox's tools once a server that was down has joined (it connects in the
    background, started by a tools() call)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tools = box.tools()
        if name in _names(tools):
            return tools
        time.sleep(0.05)
    raise AssertionError(f"{name} did not join the toolbox within {timeout:.0f}s")


def test_a_server_out_of_reach_leaves_the_others_tools_working(
    box: McpToolbox, db: Database, ada: str
) -> None:
    tools = box.tools()
    assert _names(tools) == {s.name for s in all_tools()}
    added = _call(box, TurnContext(ada, "turn-1", "s1"), "add_todo", title="call the restaurant")
    assert added["ok"] and [t.title for t in todos_of(db, ada)] == ["call the restaurant"]
    # Still down: tried again on each call, and the same tools (the same list) meanwhile.
    time.sleep(0.2)
    assert box.tools() is box.tools()
    assert "get_menu" not in _names(box.tools())


def test_a_server_that_comes_up_later_joins_and_each_call_reaches_its_own_server(  # type: ignore[no-untyped-def]
    box: McpToolbox, db: Database, bus: Bus, ada: str, hanok_port: int, agent_settings
) -> None:
    before = box.tools()
    stub = StubHanok()
    with serving_at(stub.app(db, bus, agent_settings), hanok_port):
        tools = _tools_once_it_lists(box, "get_menu")
        assert tools is not before and _names(tools) == _names(before) | {"get_menu"}
        assert box.tools() is tools  # unchanged now: the same list, so no new graph

        turn = TurnContext(ada, "turn-2", "s2")
        menu = _call(box, turn, "get_menu", category="desserts")
        assert menu["ok"] and menu["categories"][0]["dishes"][0]["name"] == "Hotteok"
        added = _call(box, turn, "add_todo", title="book hanok")
        listed = _call(box, turn, "list_todos")
        # get_menu ran on the stub, signed for Ada; add_todo and list_todos on the tools server,
        # whose list_todos is the one used although the stub lists one too.
        assert stub.calls == [("get_menu", ada, "turn-2:get_menu:1")]
        assert added["ok"] and [t["title"] for t in listed["todos"]] == ["book hanok"]


def test_the_turn_graph_is_rebuilt_when_a_server_joins(  # type: ignore[no-untyped-def]
    box: McpToolbox,
    db: Database,
    bus: Bus,
    store: SessionStore,
    ada: str,
    hanok_port: int,
    agent_settings,
) -> None:
    handler = AgentTurnHandler(bus, store, box)
    first = handler.graph()
    assert handler.graph() is first
    turn = TurnContext(ada, "turn-3", "s3")
    unreachable = run_turn(first, [], "what desserts do you have", turn, lambda w: box.run(w, 10))
    assert "can't reach Hanok Table" in unreachable.reply and unreachable.tool_calls == []

    stub = StubHanok()
    with serving_at(stub.app(db, bus, agent_settings), hanok_port):
        _tools_once_it_lists(box, "get_menu")
        graph = handler.graph()
        assert graph is not first and handler.graph() is graph
        turn = TurnContext(ada, "turn-4", "s4")
        outcome = run_turn(graph, [], "what desserts do you have", turn, lambda w: box.run(w, 10))
    assert [c.name for c in outcome.tool_calls] == ["get_menu"]
    assert outcome.tool_calls[0].arguments == {"category": "desserts"}
    assert "Hotteok" in outcome.reply and "$9" in outcome.reply


def test_with_no_server_reachable_the_toolbox_says_so_and_recovers(
    agent_settings: AgentSettings, tools_server: RunningTools
) -> None:
    nowhere = agent_settings.model_copy(update={"tools_url": f"http://127.0.0.1:{free_port()}/mcp"})
    box = McpToolbox(nowhere)
    try:
        started = time.monotonic()
        with pytest.raises(ToolsUnavailable, match="no MCP server can be reached"):
            box.tools()
        assert time.monotonic() - started < 5  # refused connections fail fast, in parallel
        box.connection("tools").url = tools_server.url
        assert "add_todo" in _names(box.tools())
    finally:
        box.close()
