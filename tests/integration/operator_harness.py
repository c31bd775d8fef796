"""The operator API against the Firestore emulator and PostgreSQL, fed by the real monitor."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from google.cloud import firestore

from functions.monitor.handler import MonitorHandler
from functions.operator.app import OperatorParts, build_app
from functions.operator.auth import LocalOperator, Role, SessionTokens, Verifier
from functions.operator.live import LiveTurns
from functions.operator.reads import MonitorReads
from functions.operator.sign_in import SignInPolicy
from shared.bus import Bus, InboundMessage
from shared.contracts import FallbackRecord, MonitorEvent, StageTiming, ToolCallRecord
from shared.db import Database

PASSWORD = "correct horse battery staple"
_ids = itertools.count(1)


@dataclass
class OperatorHarness:
    client: firestore.Client
    handler: MonitorHandler
    parts: OperatorParts
    http: TestClient
    delivered: list[InboundMessage] = field(default_factory=list)

    def sign_in(self, username: str = "operator", password: str = PASSWORD) -> Any:
        return self.http.post(
            "/operator/api/sign-in", json={"username": username, "password": password}
        )

    def deliver(self, event: MonitorEvent, message_id: str | None = None) -> None:
        inbound = InboundMessage(
            event.model_dump_json().encode(), {}, message_id=message_id or f"m{next(_ids)}"
        )
        self.delivered.append(inbound)
        self.handler.handle(inbound)

    def redeliver_all(self) -> None:
        for inbound in list(self.delivered):
            self.handler.handle(inbound)


def build_harness(
    bus: Bus,
    project_id: str,
    db: Database,
    role: Role = "supervisor",
    verifier: Verifier | None = None,
    sign_in_limit: int = 5,
) -> OperatorHarness:
    client = firestore.Client(project=project_id)
    reads = MonitorReads(client)
    parts = OperatorParts(
        reads=reads,
        live=LiveTurns(reads),
        db=db,
        verifier=verifier or LocalOperator("operator", PASSWORD, role),
        tokens=SessionTokens(b"test-session-key", 3600),
        policy=SignInPolicy(limit=sign_in_limit, window_seconds=900, secure_cookie=False),
        allowed_origins=frozenset({"http://pages.test"}),
        feed_seconds=8.0,
    )
    http = TestClient(build_app(parts))
    return OperatorHarness(client, MonitorHandler(bus, client), parts, http)


def turn_events(
    turn_id: str,
    *,
    user_id: str = "u1",
    at: float | None = None,
    status: str = "answered",
    provider: str = "rules",
    domain: str = "productivity",
    prompt: str = "add a todo to buy milk",
    reply: str = "I added buy milk.",
    tools: tuple[tuple[str, bool, str], ...] = (),
    agent_ms: float = 30.0,
    fallback: str | None = None,
) -> list[MonitorEvent]:
    """What the services publish for one turn: the tools server's executed calls, the agent's
    final event (with its calls as it saw them), and the relay's first audio."""
    now = at if at is not None else time.time()
    calls = [
        ToolCallRecord(
            call_id=f"{turn_id}:{name}:{n}",
            name=name,
            arguments={"title": "buy milk", "pin": "1234"},
            ok=ok,
            result_summary=summary,
            started_at=now - 0.02,
            ended_at=now - 0.02 + 0.005 * n,
        )
        for n, (name, ok, summary) in enumerate(tools, start=1)
    ]
    events = [
        MonitorEvent(
            session_id="s1",
            turn_id=turn_id,
            service="tools",
            kind="tool_call",
            user_id=user_id,
            tool_calls=[call],
            at=now - 0.01,
        )
        for call in calls
    ]
    kind = "turn_completed" if status == "answered" else "turn_failed"
    events.append(
        MonitorEvent(
            session_id="s1",
            turn_id=turn_id,
            service="agent_turn",
            kind=kind,  # type: ignore[arg-type]
            user_id=user_id,
            text_in=prompt,
            text_out=reply if status == "answered" else None,
            detail={"timed_out": "deadline", "failed": "the model failed"}.get(status),
            channel="web",
            provider=provider,
            model="m1",
            domain=domain,
            routed_by="rules",
            fallbacks=[FallbackRecord(provider=fallback, reason="no key")] if fallback else [],
            tool_calls=calls,
            timings=[StageTiming(stage="agent", started_at=now - agent_ms / 1000, ended_at=now)],
            at=now,
        )
    )
    events.append(
        MonitorEvent(
            session_id="s1",
            turn_id=turn_id,
            service="relay",
            kind="first_audio",
            user_id=user_id,
            channel="web",
            timings=[
                StageTiming(stage="text_to_first_audio", started_at=now - 0.2, ended_at=now + 0.05)
            ],
            at=now + 0.05,
        )
    )
    return events
