from __future__ import annotations

import time

import pytest
from google.cloud import firestore

from functions.monitor.handler import MonitorHandler
from shared.bus import Bus, InboundMessage
from shared.contracts import MonitorEvent, StageTiming, ToolCallRecord

pytestmark = pytest.mark.integration


def test_events_are_stored_once_and_merged_per_turn(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client)
    now = time.time()
    event = MonitorEvent(
        session_id="s1",
        turn_id="t1",
        service="agent_turn",
        kind="turn_completed",
        at=now,
        timings=[StageTiming(stage="agent", started_at=now - 0.2, ended_at=now)],
        text_out="hi",
    )
    inbound = InboundMessage(event.model_dump_json().encode(), {}, message_id="m1")
    handler.handle(inbound)
    handler.handle(inbound)  # redelivered
    events = list(client.collection("monitor_events").stream())
    assert [e.id for e in events] == ["m1"]
    turn = client.collection("monitor_turns").document("t1").get().to_dict()
    assert turn is not None
    assert turn["stages"]["agent_turn"] == "turn_completed"
    assert turn["timings"]["agent"]["ms"] == pytest.approx(200, abs=1)
    assert turn["reply"] == "hi"
    assert turn["status"] == "answered"


def test_each_executed_tool_call_is_stored_with_its_duration(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client)
    now = time.time()
    for n, (tool, ok) in enumerate([("add_todo", True), ("complete_todo", False)], start=1):
        record = ToolCallRecord(
            call_id=f"t1:{tool}:1",
            name=tool,
            arguments={"title": "buy milk"},
            ok=ok,
            result_summary='{"ok": true}' if ok else '{"ok": false, "reason": "refused"}',
            started_at=now,
            ended_at=now + 0.004 * n,
        )
        event = MonitorEvent(
            session_id="s1",
            turn_id="t1",
            service="tools",
            kind="tool_call",
            user_id="u1",
            tool_calls=[record],
            at=now,
        )
        handler.handle(InboundMessage(event.model_dump_json().encode(), {}, message_id=f"m{n}"))
    turn = client.collection("monitor_turns").document("t1").get().to_dict()
    assert turn is not None
    executions = turn["tool_executions"]
    assert set(executions) == {"t1_add_todo_1", "t1_complete_todo_1"}
    assert executions["t1_add_todo_1"]["duration_ms"] == pytest.approx(4, abs=0.01)
    assert executions["t1_complete_todo_1"]["ok"] is False
    assert executions["t1_add_todo_1"]["arguments"] == {"title": "buy milk"}
