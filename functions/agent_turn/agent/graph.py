"""The turn graph: the model decides, tools act, the model answers; repeat until no tool calls."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from functions.agent_turn.agent.tool_results import tool_error_result


def build_graph(model: BaseChatModel, tools: list[BaseTool]) -> Any:
    bound = model.bind_tools(tools)

    def call_model(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"], config)]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", call_model)
    # A failed tool call becomes a clear result for the model, never the exception's text.
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=tool_error_result))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile()
