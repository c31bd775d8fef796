"""``monitor_turns/{turn_id}``: one typed record per turn, folded from every stage's events.

Each event contributes only the fields it knows, written with ``set(merge=True)``, so the
services' events fold together in any order. Maps are keyed by service, stage or call so two
services never overwrite each other's entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import FallbackRecord, MonitorEvent, ToolCallRecord
from shared.monitoring.layout import field_key
from shared.monitoring.secrets import mask_spoken_pins, without_secrets

Status = Literal["answered", "failed", "timed_out", "cancelled"]
Outcome = Literal["ok", "failed", "timeout"]
AGENT = "agent_turn"
DEADLINE_DETAIL = "deadline"  # agent_turn's detail on a turn cut off at its deadline


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderUse(_Record):
    provider: str | None = None
    model: str | None = None


class StageMs(_Record):
    started_at: float
    ended_at: float
    ms: float


class AgentToolCall(_Record):
    """A tool call as the agent saw it (arguments without secrets)."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    ok: bool
    result_summary: str
    duration_ms: float


class ToolExecution(AgentToolCall):
    """A call as the tools server executed it; ``replayed``: a redelivered write answered
    from its stored result."""

    replayed: bool = False


class ExecutedCall(ToolExecution):
    """``monitor_tool_calls/{call_id}``: one executed call, where the tool page can query it by
    tool, outcome and time."""

    turn_id: str
    session_id: str
    user_id: str | None = None
    outcome: Outcome
    at: float
    expires_at: datetime


class TurnRecord(_Record):
    """Every field optional: one event fills only what it knows."""

    turn_id: str
    session_id: str
    user_id: str | None = None
    channel: str | None = None
    providers: dict[str, ProviderUse] = Field(default_factory=dict)
    fallbacks: dict[str, list[FallbackRecord]] = Field(default_factory=dict)
    domain: str | None = None
    routed_by: str | None = None
    purpose: Literal["greeting"] | None = None  # set for a session's greeting, never counted
    prompt: str | None = None
    reply: str | None = None
    status: Status | None = None
    error: str | None = None
    stats_bucket: str | None = None  # the monitor_stats hour the status was counted in
    stages: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, StageMs] = Field(default_factory=dict)
    tool_calls: list[AgentToolCall] = Field(default_factory=list)
    tool_executions: dict[str, ToolExecution] = Field(default_factory=dict)
    updated_at: float | None = None
    expires_at: datetime | None = None

    def merge_fields(self) -> dict[str, Any]:
        """The fields this event knows. Empty maps are left out: under merge an empty map
        would replace what other services wrote."""
        dumped = self.model_dump(mode="python", exclude_none=True)
        return {k: v for k, v in dumped.items() if v not in ({}, [])}


def status_of(event: MonitorEvent) -> Status | None:
    """The turn's final status, from the events that decide it (and only those)."""
    if event.kind == "cancelled":
        return "cancelled"
    if event.service != AGENT:
        return None
    if event.kind == "turn_completed":
        return "answered"
    if event.kind == "turn_failed":
        return "timed_out" if event.detail == DEADLINE_DETAIL else "failed"
    return None


def _ms(started_at: float, ended_at: float) -> float:
    return round((ended_at - started_at) * 1000, 2)


def _agent_call(call: ToolCallRecord) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "name": call.name,
        "arguments": without_secrets(call.arguments),
        "ok": call.ok,
        "result_summary": call.result_summary,
        "duration_ms": _ms(call.started_at, call.ended_at),
    }


def turn_record(
    event: MonitorEvent,
    *,
    counted_status: Status | None,
    bucket: str,
    new_executions: list[ToolCallRecord],
    expires: datetime,
) -> TurnRecord:
    """This event's part of its turn's record. ``counted_status`` is set only when this event
    is the one that counts the turn's status, so the record and the counters agree;
    ``new_executions`` are the executed calls not recorded before (a replay keeps the
    original's duration)."""
    record = TurnRecord(
        turn_id=event.turn_id,
        session_id=event.session_id,
        user_id=event.user_id,
        channel=event.channel,
        domain=event.domain,
        routed_by=event.routed_by,
        prompt=mask_spoken_pins(event.text_in) if event.text_in else None,
        reply=mask_spoken_pins(event.text_out) if event.text_out else None,
        stages={event.service: event.kind},
        timings={
            field_key(t.stage): StageMs(
                started_at=t.started_at, ended_at=t.ended_at, ms=_ms(t.started_at, t.ended_at)
            )
            for t in event.timings
            if event.kind != "tool_call" or new_executions  # a replay keeps the original's
        },
        updated_at=event.at,
        expires_at=expires,
    )
    if event.kind == "greeting":
        record.purpose = "greeting"
    if event.provider or event.model:
        record.providers = {event.service: ProviderUse(provider=event.provider, model=event.model)}
    if event.fallbacks:
        record.fallbacks = {event.service: list(event.fallbacks)}
    if counted_status:
        record.status, record.stats_bucket = counted_status, bucket
        if counted_status == "failed":
            record.error = event.detail
    if event.kind == "tool_call":
        record.tool_executions = {
            field_key(c.call_id): ToolExecution(**_agent_call(c), replayed=bool(event.detail))
            for c in new_executions
        }
    elif event.tool_calls:
        record.tool_calls = [AgentToolCall(**_agent_call(c)) for c in event.tool_calls]
    return record


def call_outcome(call: ToolCallRecord) -> Outcome:
    if call.ok:
        return "ok"
    summary = call.result_summary.lower()
    return "timeout" if "timeout" in summary or "timed out" in summary else "failed"


def executed_call(event: MonitorEvent, call: ToolCallRecord, expires: datetime) -> ExecutedCall:
    return ExecutedCall(
        **_agent_call(call),
        replayed=bool(event.detail),
        turn_id=event.turn_id,
        session_id=event.session_id,
        user_id=event.user_id,
        outcome=call_outcome(call),
        at=call.ended_at,
        expires_at=expires,
    )


def stored_event(event: MonitorEvent, expires: datetime) -> dict[str, Any]:
    """``monitor_events/{id}``: the event as published, less anything secret."""
    data: dict[str, Any] = without_secrets(event.model_dump(mode="json"))
    for text in ("text_in", "text_out"):
        if data.get(text):
            data[text] = mask_spoken_pins(data[text])
    return {**data, "expires_at": expires}
