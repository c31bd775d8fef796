"""A conversation with the real Hanok Table server (functions/hanok over MCP, on a loopback
port) through the agent's toolbox, the turn graph and the offline rules model: what the caller
says becomes calls Hanok accepts, and its answers are read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr

from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import AgentOutcome, run_turn
from functions.agent_turn.agent.turn_context import TurnContext
from functions.hanok.config import load_restaurant
from shared import identity
from shared.bus import Bus
from shared.db import Database
from shared.settings import AgentSettings, DatabaseSettings
from tests.hanok_harness import TOKEN, hanok_settings
from tests.hanok_server import running_hanok_server
from tests.tools_server import RunningTools

pytestmark = pytest.mark.integration
TODAY = datetime.now(load_restaurant().zone).date()  # Hanok runs on the real clock here
FRIDAY = TODAY + timedelta(days=(4 - TODAY.weekday()) % 7 or 7)


@pytest.fixture
def box(
    database_settings: DatabaseSettings,
    db: Database,
    bus: Bus,
    tools_server: RunningTools,
    agent_settings: AgentSettings,
) -> Iterator[McpToolbox]:
    settings = hanok_settings(
        GOOGLE_CLOUD_PROJECT=database_settings.project_id,
        db_port=database_settings.db_port,
        db_name=database_settings.db_name,
    )
    with running_hanok_server(settings, db, bus) as base:
        update = {"hanok_url": f"{base}/mcp", "hanok_token": SecretStr(TOKEN)}
        toolbox = McpToolbox(tools_server.agent_settings(agent_settings).model_copy(update=update))
        yield toolbox
        toolbox.close()


def test_a_booking_conversation_with_hanok_table(box: McpToolbox, db: Database) -> None:
    kim = identity.create_user(db, "Kim Min-jun", "583920", b"pepper", phone="+14155550142").id
    graph = build_graph(RulesChatModel(today=TODAY), box.tools())
    history: list[object] = []

    def say(text: str, turn: str) -> AgentOutcome:
        nonlocal history
        context = TurnContext(kim, turn, "sess-1")
        outcome = run_turn(graph, list(history), text, context, lambda w: box.run(w, 20))
        history = list(outcome.history)
        return outcome

    desserts = say("what desserts do you have", "t1")
    assert desserts.reply == "Our desserts: Hotteok, $9; and Patbingsu, $12."
    free = say("is there a table for four on Friday at seven", "t2")
    assert free.tool_calls[0].arguments == {
        "date": FRIDAY.isoformat(),
        "party_size": 4,
        "time": "19:00",
    }
    assert free.reply.startswith("Yes, we have a table for four on ")
    booked = say("yes please, under Kim", "t3")
    assert booked.tool_calls[0].name == "book_table" and booked.tool_calls[0].ok
    assert booked.reply.startswith("You're booked: a table for four on ")
    assert " at 7 PM under Kim. Your confirmation code is " in booked.reply
    changed = say("change my reservation to six people", "t4")
    assert "I've changed the party size. You now have a table for six" in changed.reply
    found = say("what reservations do I have", "t5")
    assert found.reply.startswith("You have one reservation: a table for six on ")
    cancelled = say("cancel my reservation", "t6")
    assert cancelled.reply.startswith("Done: your reservation for six on ")
    assert say("what reservations do I have", "t7").reply == (
        "You have no upcoming reservations at Hanok Table."
    )
