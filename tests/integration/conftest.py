from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud import firestore, pubsub_v1

from functions.agent_turn.agent.mcp_tools import McpToolbox
from local import pubsub_setup
from local.services import free_port
from shared.bus import Bus
from shared.db import Database
from shared.session_store import Session, SessionStore
from shared.settings import AgentSettings, DatabaseSettings, RelaySettings, ToolsSettings
from tests.conftest import Backing
from tests.tool_harness import ToolHarness
from tests.tools_server import TOKEN, RunningTools, running_tools_server

HANOK_TOKEN = "test-hanok-credential"


@pytest.fixture
def relay_settings(backing: Backing, db_name: str, project_id: str) -> RelaySettings:
    return RelaySettings(
        env="test",
        GOOGLE_CLOUD_PROJECT=project_id,
        db_port=backing.postgres_port,
        db_name=db_name,
        relay_id="rtest1",
        auth_max_failures_per_connection=3,
        auth_max_failures_per_source=5,
    )


@pytest.fixture
def database_settings(backing: Backing, db_name: str, project_id: str) -> DatabaseSettings:
    return DatabaseSettings(
        env="test", GOOGLE_CLOUD_PROJECT=project_id, db_port=backing.postgres_port, db_name=db_name
    )


@pytest.fixture
def agent_settings(project_id: str) -> AgentSettings:
    """agent_turn's settings; Hanok Table's MCP endpoint is a port where nothing listens (a
    test that needs a Hanok server points ``hanok_url`` at one)."""
    return AgentSettings(
        env="test",
        GOOGLE_CLOUD_PROJECT=project_id,
        tools_token=TOKEN,
        hanok_url=f"http://127.0.0.1:{free_port()}/mcp",
        hanok_token=HANOK_TOKEN,
    )


@pytest.fixture
def db(database_settings: DatabaseSettings) -> Iterator[Database]:
    database = Database(database_settings)
    yield database
    database.close()


@pytest.fixture
def tools(db: Database) -> ToolHarness:
    return ToolHarness(db)


@pytest.fixture
def tools_settings(backing: Backing, db_name: str, project_id: str) -> ToolsSettings:
    return ToolsSettings(
        env="test",
        GOOGLE_CLOUD_PROJECT=project_id,
        db_port=backing.postgres_port,
        db_name=db_name,
        tools_token=TOKEN,
    )


@pytest.fixture
def tools_server(tools_settings: ToolsSettings, db: Database, bus: Bus) -> Iterator[RunningTools]:
    with running_tools_server(tools_settings, db, bus) as running:
        yield running


@pytest.fixture
def toolbox(tools_server: RunningTools, agent_settings: AgentSettings) -> Iterator[McpToolbox]:
    box = McpToolbox(tools_server.agent_settings(agent_settings))
    yield box
    box.close()


@pytest.fixture
def store(project_id: str) -> SessionStore:
    return SessionStore(firestore.Client(project=project_id))


@pytest.fixture
def topics_ready(project_id: str) -> str:
    pubsub_setup.create_all(project_id)
    return project_id


@pytest.fixture
def bus(topics_ready: str) -> Bus:
    return Bus(topics_ready)


class Tap:
    """A pull subscription on a topic, to see what a component published."""

    def __init__(self, project_id: str, topic: str):
        self.subscriber = pubsub_v1.SubscriberClient()
        self.path = self.subscriber.subscription_path(project_id, f"tap-{topic}-{time.time_ns()}")
        self.subscriber.create_subscription(
            name=self.path, topic=self.subscriber.topic_path(project_id, topic)
        )

    def pull(self, expect: int = 1, timeout: float = 10.0) -> list[Any]:
        got: list[Any] = []
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            response = self.subscriber.pull(
                subscription=self.path, max_messages=50, timeout=2, return_immediately=False
            )
            if response.received_messages:
                self.subscriber.acknowledge(
                    subscription=self.path, ack_ids=[m.ack_id for m in response.received_messages]
                )
                got.extend(m.message for m in response.received_messages)
        return got

    def drain(self, wait: float = 1.0) -> list[Any]:
        """Everything that arrives within `wait` seconds (to prove nothing more was sent)."""
        deadline = time.monotonic() + wait
        got: list[Any] = []
        while time.monotonic() < deadline:
            response = self.subscriber.pull(subscription=self.path, max_messages=50, timeout=1)
            if response.received_messages:
                self.subscriber.acknowledge(
                    subscription=self.path, ack_ids=[m.ack_id for m in response.received_messages]
                )
                got.extend(m.message for m in response.received_messages)
        return got


@pytest.fixture
def tap(topics_ready: str) -> Any:
    def make(topic: str) -> Tap:
        return Tap(topics_ready, topic)

    return make


def open_session(store: SessionStore, user_id: str, session_id: str | None = None) -> Session:
    """An active web session of ``user_id`` on relay ``relayA``, stored."""
    session = Session(
        id=session_id or f"sess-{time.time_ns()}",
        user_id=user_id,
        user_name="Ada",
        channel="web",
        relay_id="relayA",
        status="active",
    )
    store.create_session(session)
    return session
