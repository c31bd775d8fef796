"""Two users talking to the agent at the same moment, on one instance: each turn acts for its
own user, each answer speaks of that user's data only, and each conversation's memory is its
own (a follow-up resolves against the right one)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.handler import AgentTurnHandler
from shared import identity, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import VoiceTranscript
from shared.db import Database
from shared.session_store import Session, SessionStore

pytestmark = pytest.mark.integration
PEPPER = b"test-pepper"


def _session(store: SessionStore, user: identity.User, sid: str) -> Session:
    session = Session(sid, user.id, user.display_name, "web", f"relay-{sid}", "active")
    store.create_session(session)
    return session


def _inbound(session: Session, turn: str, text: str) -> InboundMessage:
    msg = VoiceTranscript(
        session_id=session.id,
        turn_id=turn,
        user_id=session.user_id,
        text=text,
        received_at=time.time(),
    )
    attrs = {"session_id": session.id, "turn_id": turn}
    return InboundMessage(msg.model_dump_json().encode(), attrs, message_id=f"m-{turn}")


def test_two_users_at_once_never_see_each_others_data_or_conversation(
    bus: Bus, store: SessionStore, toolbox: McpToolbox, db: Database, tap
) -> None:  # type: ignore[no-untyped-def]
    ada = identity.create_user(db, "Ada", "583920", PEPPER, email="ada@example.test")
    bob = identity.create_user(db, "Bob", "583921", PEPPER, email="bob@example.test")
    sessions = {"ada": _session(store, ada, "s-ada"), "bob": _session(store, bob, "s-bob")}
    handler = AgentTurnHandler(bus, store, toolbox)
    outbound = tap(topics.SESSION_OUTBOUND)
    script = {
        "ada": ["add a todo to buy oat milk", "make it high priority", "what are my todos"],
        "bob": ["add a todo to walk the dog", "what are my todos"],
    }

    def converse(who: str) -> None:
        for i, said in enumerate(script[who]):
            handler.handle(_inbound(sessions[who], f"{who}-{i}", said))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(converse, ["ada", "bob"]))

    finals = {}
    for m in outbound.pull(expect=5, timeout=20):
        body = json.loads(m.data)
        if body["event"]["type"] == "agent_final":
            finals[body["turn_id"]] = body["event"]["text"]
    assert "oat milk" in finals["ada-2"] and "dog" not in finals["ada-2"]
    assert "dog" in finals["bob-1"] and "milk" not in finals["bob-1"]
    rows = db.fetch_all("SELECT user_id, title, priority FROM productivity.todos ORDER BY title")
    assert [(str(r["user_id"]), r["title"], r["priority"]) for r in rows] == [
        (ada.id, "buy oat milk", "high"),  # "make it high priority" found Ada's todo, not Bob's
        (bob.id, "walk the dog", "medium"),
    ]
    memory = {who: json.dumps(store.load_memory(s.id, s.user_id)) for who, s in sessions.items()}
    assert "oat milk" in memory["ada"] and "dog" not in memory["ada"]
    assert "dog" in memory["bob"] and "milk" not in memory["bob"]
    assert store.load_memory(sessions["ada"].id, bob.id) == []  # memory is keyed by user too
