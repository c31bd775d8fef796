"""Tool calls over MCP, as agent_turn makes them, on the local stack.

- per call: the same tool called over MCP (agent_turn's client -> HTTP -> the tools server ->
  PostgreSQL) and in process (the tools server's dispatcher called directly, same database);
  the difference is what the MCP hop adds.
- the agent stage of a typed todo turn (the graph with the rules model, history empty) with the
  tools over MCP and with the same tools in process.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from bench.stats import peak_rss_by_process, summary
from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import run_turn
from functions.agent_turn.agent.turn_context import TurnContext, current_turn, within_turn
from functions.tools.catalog import all_tools
from shared import identity, tool_caller
from shared.db import Database
from shared.mcp_server.dispatch import Dispatcher
from shared.mcp_server.registry import to_json
from shared.settings import AgentSettings, DatabaseSettings
from tests.e2e.conftest import RunningStack

CALLS = [("list_todos", {"limit": 5}), ("add_todo", {"title": "bench item"})]
TURNS = ["add a todo to buy milk number {i}", "what are my todos"]


def _in_process_tools(dispatcher: Dispatcher) -> list[BaseTool]:
    """The same tools without the hop: each calls the dispatcher the server uses."""

    def make(name: str) -> Callable[..., str]:
        def call(**arguments: Any) -> str:
            turn = current_turn()
            caller = tool_caller.new_caller(
                turn.user_id, turn.session_id, turn.turn_id, turn.request_key(name)
            )
            return to_json(dispatcher.invoke(name, arguments, caller).result)

        return call

    return [
        StructuredTool.from_function(
            func=make(s.name), name=s.name, description=s.description, args_schema=s.args
        )
        for s in dispatcher.specs.values()
    ]


def _mcp_call(box: McpToolbox, turn: TurnContext, name: str, args: dict[str, Any]) -> float:
    [tool] = [t for t in box.tools() if t.name == name]
    call = {"name": name, "args": args, "id": uuid.uuid4().hex, "type": "tool_call"}
    started = time.perf_counter()
    box.run(within_turn(turn, tool.ainvoke(call)), 15)
    return (time.perf_counter() - started) * 1000


def _direct_call(
    dispatcher: Dispatcher, turn: TurnContext, name: str, args: dict[str, Any]
) -> float:
    caller = tool_caller.new_caller(
        turn.user_id, turn.session_id, turn.turn_id, turn.request_key(name)
    )
    started = time.perf_counter()
    dispatcher.invoke(name, args, caller)
    return (time.perf_counter() - started) * 1000


def _per_call(box: McpToolbox, dispatcher: Dispatcher, user: str, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, args in CALLS:
        mcp, direct = [], []
        for i in range(n + 10):  # the first ten warm both paths up, unmeasured
            turn = TurnContext(user, f"bench-{uuid.uuid4().hex[:12]}", "bench")
            m, d = _mcp_call(box, turn, name, args), _direct_call(dispatcher, turn, name, args)
            if i >= 10:
                mcp.append(m)
                direct.append(d)
        added = [a - b for a, b in zip(sorted(mcp), sorted(direct), strict=True)]
        out[name] = {
            "over_mcp_ms": summary(mcp),
            "in_process_ms": summary(direct),
            "added_by_mcp_ms": {
                "median": round(summary(mcp)["median"] - summary(direct)["median"], 1),
                "p95": round(summary(mcp)["p95"] - summary(direct)["p95"], 1),
                "n": len(added),
            },
        }
    return out


def _agent_stage(graph: Any, user: str, turns: int, run: Callable[[Any], Any]) -> dict[str, float]:
    samples = []
    for i in range(turns + 4):
        context = TurnContext(user, f"bench-turn-{uuid.uuid4().hex[:12]}", "bench")
        started = time.perf_counter()
        run_turn(graph, [], TURNS[i % 2].format(i=i), context, run)
        if i >= 4:
            samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


def run(stack: RunningStack, calls: int = 200, turns: int = 60) -> dict[str, Any]:
    env = stack.env
    db = Database(DatabaseSettings(env="local", db_port=stack.pg_port), pool_size=2)
    user = identity.create_user(
        db,
        "Bench",
        "583920",
        b"convonet-local-pepper",
        email=f"bench-{uuid.uuid4().hex[:8]}@x.test",
    ).id
    box = McpToolbox(
        AgentSettings(
            env="local",
            tools_url=f"http://127.0.0.1:{env['CONVONET_TOOLS_PORT']}/mcp",
            tools_token=env["CONVONET_TOOLS_TOKEN"],
            hanok_token=env["CONVONET_HANOK_TOKEN"],
            tools_caller_key=env["CONVONET_TOOLS_CALLER_KEY"],
        )
    )
    dispatcher = Dispatcher(db, all_tools(), "UTC")
    try:
        per_call = _per_call(box, dispatcher, user, calls)
        today = date.today()
        over_mcp = build_graph(RulesChatModel(today=today), box.tools())
        in_process = build_graph(RulesChatModel(today=today), _in_process_tools(dispatcher))
        in_loop = lambda work: box.run(work, 30)  # noqa: E731 - the toolbox's loop runs the graph
        stage = {
            "over_mcp_ms": _agent_stage(over_mcp, user, turns, in_loop),
            "in_process_ms": _agent_stage(in_process, user, turns, in_loop),
        }
    finally:
        box.close()
        db.close()
    return {
        "calls_per_tool": calls,
        "per_call": per_call,
        "agent_stage_typed_todo_turn": stage,
        "peak_rss_mib": peak_rss_by_process(env["CONVONET_STATE_DIR"]),
    }


def print_report(r: dict[str, Any]) -> None:
    print(f"Tool calls from agent_turn's client, {r['calls_per_tool']} per tool (ms)")
    print(f"  {'tool':<12}{'path':<12}{'median':>9}{'p95':>9}")
    for name, f in r["per_call"].items():
        for path in ("over_mcp_ms", "in_process_ms"):
            s = f[path]
            print(f"  {name:<12}{path.split('_ms')[0]:<12}{s['median']:>9}{s['p95']:>9}")
        a = f["added_by_mcp_ms"]
        print(f"  {name:<12}{'added':<12}{a['median']:>9}{a['p95']:>9}")
    s = r["agent_stage_typed_todo_turn"]
    print("Agent stage of a typed todo turn (graph + tools, ms)")
    for path, v in s.items():
        print(f"  {path.split('_ms')[0]:<12}median {v['median']:>7}  p95 {v['p95']:>7}")
    print("Peak memory per process (MiB):")
    for name, mib in r["peak_rss_mib"].items():
        print(f"  {name:<20}{mib:>8}")
