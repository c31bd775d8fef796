"""What a turn leaves behind once answered: its stage timings, the stored turn document and the
monitor's record, each bounded to what its store accepts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from functions.agent_turn.agent.runner import AgentOutcome
from functions.agent_turn.llm.providers import OFFLINE, PROVIDERS, SPECS, is_configured
from functions.agent_turn.transfer import transfer_of
from shared.bus import MAX_MESSAGE_BYTES, Bus
from shared.contracts import FallbackRecord, MonitorEvent, StageTiming, VoiceTranscript
from shared.handlers import channel_of, tell_monitor
from shared.handlers.text_limits import declared_max_length, truncated
from shared.session_store import Session, SessionStore
from shared.settings import AgentSettings
from shared.turn_record import TurnRecord, spans
from shared.ws_protocol import MAX_PASSED_OVER, AgentFinal, PassedOver

SERVICE = "agent_turn"
OFFLINE_PROVIDER = OFFLINE
OFFLINE_MODEL = SPECS[OFFLINE].default_model
TEXT_OUT_MAX_CHARS = declared_max_length(MonitorEvent, "text_out")
DETAIL_MAX_CHARS = declared_max_length(MonitorEvent, "detail")
# The turn document keeps the same bounded copy of the reply as the monitor (a Firestore
# document holds at most 1 MiB); the whole reply goes to the caller and into memory.
STORED_REPLY_MAX_CHARS = TEXT_OUT_MAX_CHARS
# What bounds agent_final when it declares no limit is the bus's message size; a character
# takes at most 6 bytes of JSON (an escaped control character), so this always publishes.
FINAL_TEXT_MAX_CHARS = declared_max_length(AgentFinal, "text", otherwise=MAX_MESSAGE_BYTES // 8)


@dataclass(frozen=True)
class Delivery:
    """When each step of answering one turn ended (epoch seconds)."""

    started: float
    agent_done: float
    first_piece_sent: float
    final_sent: float
    pieces: tuple[str, ...] = ()  # the reply as spoken, one text per audio chunk

    def timings(self) -> list[StageTiming]:
        return [
            StageTiming(stage="agent", started_at=self.started, ended_at=self.agent_done),
            StageTiming(
                stage="agent_first_sentence",
                started_at=self.started,
                ended_at=self.first_piece_sent,
            ),
            StageTiming(
                stage="outbound_publish",
                started_at=self.first_piece_sent,
                ended_at=self.final_sent,
            ),
        ]


def store_answered_turn(
    store: SessionStore,
    session: Session,
    message: VoiceTranscript,
    outcome: AgentOutcome,
    timings: list[StageTiming],
    pieces: Sequence[str] = (),
) -> None:
    answered = TurnRecord(
        reply_pieces=[truncated(p, STORED_REPLY_MAX_CHARS) for p in pieces],
        transcript=message.text,
        reply=truncated(outcome.reply, STORED_REPLY_MAX_CHARS),
        status="timed_out" if outcome.timed_out else "answered",
        agent_done=True,
        domain=outcome.domain,
        answered_by=outcome.answered.provider if outcome.answered else "rules",
        transfer=transfer_of(outcome),
        agent_stages_ms=outcome.stage_ms,
        tool_calls=[c.model_dump() for c in outcome.tool_calls],
        timings=spans({t.stage: (t.started_at, t.ended_at) for t in timings}),
    )
    store.update_turn(session.id, message.turn_id, answered)


def who_answered(outcome: AgentOutcome, session: Session) -> dict[str, Any]:
    """The monitor's typed fields of an answered turn: where it was routed, which model
    answered after which fallbacks, on which channel."""
    answered = outcome.answered
    fallbacks = answered.fallbacks if answered else []
    return {
        "domain": outcome.domain or None,
        "routed_by": outcome.routed_by or None,
        "provider": answered.provider if answered else OFFLINE_PROVIDER,
        "model": answered.model if answered else OFFLINE_MODEL,
        "fallbacks": [
            FallbackRecord(provider=f.provider[:64], reason=f.reason[:500]) for f in fallbacks[:10]
        ],
        "channel": channel_of(session),
    }


def answered_by(outcome: AgentOutcome) -> str:
    return outcome.answered.provider if outcome.answered else OFFLINE_PROVIDER


def passed_over(
    outcome: AgentOutcome, chosen: str | None, settings: AgentSettings | None
) -> list[PassedOver]:
    """The providers the turn passed over before the one that answered, for the caller: the
    session's (else the user's saved) choice when this deployment has no key for it, then each
    provider that failed within the turn. Empty when the choice answered (or none was made)."""
    found: list[PassedOver] = []
    name = (chosen or "").strip().lower()
    choice = next((p for p in PROVIDERS if p == name), None)
    if settings is not None and choice is not None and not is_configured(choice, settings):
        found.append(PassedOver(provider=choice, reason="not_configured"))
    for failed in outcome.answered.fallbacks if outcome.answered else []:
        if failed.provider not in (p.provider for p in found):
            found.append(PassedOver(provider=failed.provider[:64], reason="failed"))
    return found[:MAX_PASSED_OVER]


def report(
    bus: Bus, message: VoiceTranscript, kind: str, timings: list[StageTiming], **extra: object
) -> None:
    tell_monitor(
        bus, SERVICE, message, kind, message.user_id, timings, text_in=message.text, **extra
    )
