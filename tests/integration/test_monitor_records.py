"""The monitor's turn records, hourly counters and retention, against the Firestore emulator."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from google.cloud import firestore

from functions.monitor.aggregates import stage_key
from functions.monitor.handler import MonitorHandler
from functions.monitor.records import call_outcome
from shared.bus import Bus, InboundMessage
from shared.contracts import FallbackRecord, MonitorEvent, StageTiming, ToolCallRecord
from shared.monitoring.layout import bucket_of

pytestmark = pytest.mark.integration
NOW = time.time()
_ids = itertools.count(1)


def _deliver(handler: MonitorHandler, event: MonitorEvent, message_id: str | None = None) -> str:
    message_id = message_id or f"m{next(_ids)}"
    handler.handle(InboundMessage(event.model_dump_json().encode(), {}, message_id=message_id))
    return message_id


def _timing(stage: str, ms: float) -> StageTiming:
    return StageTiming(stage=stage, started_at=NOW, ended_at=NOW + ms / 1000)


def _event(turn: str, service: str, kind: str, **fields: Any) -> MonitorEvent:
    return MonitorEvent(
        session_id="s1", turn_id=turn, service=service, kind=kind, user_id="u1", at=NOW, **fields
    )  # type: ignore[arg-type]


def _call(turn: str, tool: str, ok: bool, summary: str = '{"ok": true}') -> ToolCallRecord:
    return ToolCallRecord(
        call_id=f"{turn}:{tool}:1",
        name=tool,
        arguments={"title": "buy milk", "pin": "246810", "api_key": "k"},
        ok=ok,
        result_summary=summary,
        started_at=NOW,
        ended_at=NOW + 0.005,
    )


def _turn_events(
    turn: str, *, status: str, provider: str, domain: str, channel: str, tools: list[Any]
) -> list[MonitorEvent]:
    events = [
        _event(
            turn, "stt", "turn_completed", provider="vosk", channel=channel,
            timings=[_timing("stt", 120)],
        ),
        _event(
            turn, "tts", "turn_completed", provider="piper", channel=channel,
            timings=[_timing("tts_first_audio", 80)],
        ),
    ]  # fmt: skip
    for tool, ok, summary in tools:
        call = _call(turn, tool, ok, summary)
        timing = StageTiming(stage=f"tool:{tool}", started_at=NOW, ended_at=NOW + 0.005)
        events.append(_event(turn, "tools", "tool_call", tool_calls=[call], timings=[timing]))
    agent: dict[str, Any] = {
        "provider": provider, "model": f"{provider}-m", "domain": domain, "routed_by": "rules",
        "channel": channel, "text_in": "add buy milk", "timings": [_timing("agent", 900)],
    }  # fmt: skip
    if status == "cancelled":
        events.append(_event(turn, "relay", "cancelled", channel=channel))
        return events
    kind = "turn_completed" if status == "answered" else "turn_failed"
    detail = {"answered": None, "timed_out": "deadline", "failed": "RuntimeError: boom"}[status]
    agent_calls = [_call(turn, t, ok, s) for t, ok, s in tools]
    events.append(
        _event(turn, "agent_turn", kind, detail=detail, text_out="done", tool_calls=agent_calls,
               fallbacks=[FallbackRecord(provider="openai", reason="429")], **agent)
    )  # fmt: skip
    return events


def test_a_turn_out_of_order_folds_into_one_full_record(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client, retention_days=7)
    tools = [("add_todo", True, '{"ok": true}')]
    events = _turn_events(
        "t1", status="answered", provider="gemini", domain="productivity", channel="web",
        tools=tools,
    )  # fmt: skip
    for event in reversed(events):  # agent first, transcripts last
        _deliver(handler, event)
    turn = client.collection("monitor_turns").document("t1").get().to_dict()
    assert turn is not None
    assert turn["status"] == "answered" and turn["channel"] == "web"
    assert turn["providers"] == {
        "stt": {"provider": "vosk"},
        "tts": {"provider": "piper"},
        "agent_turn": {"provider": "gemini", "model": "gemini-m"},
    }
    assert turn["fallbacks"] == {"agent_turn": [{"provider": "openai", "reason": "429"}]}
    assert (turn["domain"], turn["routed_by"]) == ("productivity", "rules")
    assert (turn["prompt"], turn["reply"]) == ("add buy milk", "done")
    assert set(turn["timings"]) == {"stt", "tts_first_audio", "agent", "tool_add_todo"}
    assert turn["timings"]["agent"]["ms"] == pytest.approx(900, abs=1)
    assert turn["tool_calls"][0]["arguments"] == {"title": "buy milk"}  # no pin, no key
    assert turn["tool_calls"][0]["duration_ms"] == pytest.approx(5, abs=0.1)
    execution = turn["tool_executions"]["t1_add_todo_1"]
    assert execution["ok"] is True and execution["arguments"] == {"title": "buy milk"}
    assert isinstance(turn["expires_at"], datetime)
    assert turn["expires_at"].timestamp() == pytest.approx(NOW + 7 * 86400, abs=1)


def test_a_failed_turn_keeps_its_error(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client)
    for event in _turn_events(
        "t2", status="failed", provider="gemini", domain="mortgage", channel="phone", tools=[]
    ):
        _deliver(handler, event)
    turn = client.collection("monitor_turns").document("t2").get().to_dict()
    assert turn is not None
    assert turn["status"] == "failed" and turn["error"] == "RuntimeError: boom"


def _stats(client: firestore.Client) -> dict[str, Any]:
    doc = client.collection("monitor_stats").document(bucket_of(NOW)).get().to_dict()
    assert doc is not None
    return doc


def test_a_redelivered_event_is_counted_once(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client)
    tools = [("add_todo", True, '{"ok": true}')]
    events = _turn_events(
        "t1", status="answered", provider="gemini", domain="productivity", channel="web",
        tools=tools,
    )  # fmt: skip
    ids = [_deliver(handler, event) for event in events]
    before = _stats(client)
    for event, message_id in zip(events, ids, strict=True):
        _deliver(handler, event, message_id)  # the same messages again
    # A replayed tool call (a new message for the same call) and a second cancel report.
    _deliver(handler, events[2].model_copy(update={"detail": "replayed"}))
    _deliver(handler, _event("t1", "relay", "cancelled"))
    after = _stats(client)
    assert after["turns"] == before["turns"] and after["turns"]["total"] == 1
    assert (
        after["tool_calls"]
        == before["tool_calls"]
        == {
            "total": 1,
            "tool": {"add_todo": {"ok": 1}},
        }
    )
    assert after["latency"] == before["latency"]
    turn = client.collection("monitor_turns").document("t1").get().to_dict()
    assert turn is not None and turn["status"] == "answered"
    assert turn["tool_executions"]["t1_add_todo_1"]["replayed"] is False


MIXED = [
    ("a1", "answered", "gemini", "productivity", "web", [("add_todo", True, '{"ok": true}')]),
    ("a2", "answered", "openai", "healthcare", "phone", [("find_claims", True, "{}")]),
    ("a3", "timed_out", "gemini", "mortgage", "web", [("quote", False, "timed out")]),
    ("a4", "failed", "rules", "productivity", "api", [("add_todo", False, '{"ok": false}')]),
    ("a5", "cancelled", "rules", "small_talk", "phone", []),
    ("a6", "answered", "rules", "small_talk", "web", []),
]


def _scan(client: firestore.Client) -> dict[str, Counter[str]]:
    """What the counters should say, from a full scan of the turn records."""
    scan: dict[str, Counter[str]] = {k: Counter() for k in ("status", "provider", "domain")}
    scan |= {k: Counter() for k in ("channel", "tools", "latency")}
    for doc in client.collection("monitor_turns").stream():
        turn = doc.to_dict() or {}
        scan["status"][turn["status"]] += 1
        agent = turn.get("providers", {}).get("agent_turn", {})
        scan["provider"][agent.get("provider", "none")] += 1
        scan["domain"][turn.get("domain", "none")] += 1
        scan["channel"][turn.get("channel", "none")] += 1
        for call in turn.get("tool_executions", {}).values():
            record = ToolCallRecord(
                **{k: call[k] for k in ("call_id", "name", "arguments", "ok", "result_summary")},
                started_at=0,
                ended_at=0,
            )
            scan["tools"][f"{call['name']}.{call_outcome(record)}"] += 1
        for stage in turn.get("timings", {}):
            scan["latency"][stage_key(stage)] += 1
    return scan


def test_the_counters_equal_a_scan_of_the_turn_records(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client)
    for turn, status, provider, domain, channel, tools in MIXED:
        events = _turn_events(
            turn, status=status, provider=provider, domain=domain, channel=channel, tools=tools
        )
        for event in events[::2] + events[1::2]:  # interleaved stages
            _deliver(handler, event)
    stats, scan = _stats(client), _scan(client)
    assert stats["turns"]["total"] == len(MIXED)
    for key in ("status", "provider", "domain", "channel"):
        assert Counter(stats["turns"][key]) == scan[key], key
    tools = {f"{t}.{o}": n for t, outcomes in stats["tool_calls"]["tool"].items()
             for o, n in outcomes.items()}  # fmt: skip
    assert Counter(tools) == scan["tools"]
    assert tools["quote.timeout"] == 1 and tools["add_todo.failed"] == 1
    assert {stage: s["count"] for stage, s in stats["latency"].items()} == scan["latency"]
    assert stats["fallbacks"] == {"openai": 5}


def test_every_document_written_expires(bus: Bus, project_id: str) -> None:
    client = firestore.Client(project=project_id)
    handler = MonitorHandler(bus, client)
    for event in _turn_events(
        "t1", status="answered", provider="gemini", domain="productivity", channel="web",
        tools=[("add_todo", True, "{}")],
    ):  # fmt: skip
        _deliver(handler, event)
    for name in ("monitor_events", "monitor_turns", "monitor_stats", "monitor_seen"):
        docs = [d.to_dict() or {} for d in client.collection(name).stream()]
        assert docs, name
        for doc in docs:
            assert isinstance(doc.get("expires_at"), datetime), name
            assert doc["expires_at"].timestamp() > NOW + 29 * 86400, name
    stored = [d.to_dict() or {} for d in client.collection("monitor_events").stream()]
    for doc in stored:
        for call in doc.get("tool_calls", []):
            assert set(call["arguments"]) == {"title"}
