"""The turn graph, compiled once per set of tools: **route** (which domain the turn is in) →
that domain's **agent** (its own system prompt, only its own tools plus transfer) → **tools**
→ the same agent again, until it answers without a tool call (the **reply**). A draft reply
(``TurnContext.draft``) stops before any tool that is not marked read-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.domains import DOMAINS, tools_for
from functions.agent_turn.agent.memory import summary_of
from functions.agent_turn.agent.routing import DOMAIN_KEY, Classifier, Router
from functions.agent_turn.agent.tool_results import tool_error_result
from functions.agent_turn.agent.turn_context import TurnContext, WriteHeld


class TurnState(MessagesState):
    domain: str
    routed_by: str


def build_graph(
    model: BaseChatModel,
    tools: list[BaseTool],
    *,
    today: date | None = None,
    classify: Classifier | None = None,
) -> Any:
    """``today`` fixes the date the router's parser reads relative dates from (tests);
    ``classify`` is the router's last resort before ``general`` (``models.classifier_for``)."""
    router = Router(tools, today or getattr(model, "today", None), classify)
    agents = {name: model.bind_tools(tools_for(d, tools)) for name, d in DOMAINS.items()}
    writes = {t.name for t in tools if not (t.metadata or {}).get("readOnlyHint")}
    prompts = {name: SystemMessage(d.system_prompt()) for name, d in DOMAINS.items()}

    async def route(state: TurnState) -> dict[str, Any]:
        chosen = await router.route(state["messages"])
        return {"domain": chosen.domain, "routed_by": chosen.how}

    async def agent(state: TurnState, config: RunnableConfig) -> dict[str, Any]:
        domain = state["domain"]
        answer = await agents[domain].ainvoke(
            _with_prompt(prompts[domain], state["messages"]), config
        )
        if isinstance(answer, AIMessage) and not answer.tool_calls:
            answer.additional_kwargs[DOMAIN_KEY] = domain  # the next turn sticks to it
        elif isinstance(answer, AIMessage) and _is_draft(config):
            _hold_writes(answer, writes)
        return {"messages": [answer]}

    graph = StateGraph(TurnState)
    graph.add_node("route", route)
    graph.add_node("agent", agent)
    # A failed tool call becomes a clear result for the model, never the exception's text.
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=tool_error_result))
    graph.add_edge(START, "route")
    graph.add_edge("route", "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile()


def _is_draft(config: RunnableConfig) -> bool:
    turn = (config.get("configurable") or {}).get("turn_context")
    return isinstance(turn, TurnContext) and turn.draft


def _hold_writes(answer: AIMessage, writes: set[str]) -> None:
    """A draft reply runs only tools that read: the first that would write stops it."""
    for call in answer.tool_calls:
        if call["name"] in writes:
            raise WriteHeld(call["name"])


def _with_prompt(prompt: SystemMessage, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The domain's system prompt first, with memory's summary of older turns folded into it:
    one system message, which every provider accepts."""
    summary = summary_of(messages)
    if summary is None:
        return [prompt, *messages]
    folded = SystemMessage(content=f"{text_of(prompt.content)}\n\n{text_of(summary.content)}")
    return [folded, *messages[1:]]
