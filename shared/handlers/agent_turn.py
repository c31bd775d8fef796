"""``voice-transcript`` -> the agent -> ``agent-reply`` sentences, ``agent_final``, monitor record.

Idempotent under redelivery: a turn whose agent stage finished is skipped, and every tool write
carries a request key derived from the turn, so a re-run after a crash writes nothing twice.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from shared import topics
from shared.agent.graph import build_graph
from shared.agent.rules_model import RulesChatModel
from shared.agent.runner import (
    AgentOutcome,
    history_from_store,
    history_to_store,
    run_turn,
    trim_history,
)
from shared.agent.tools import TurnContext, make_productivity_tools
from shared.bus import Bus, InboundMessage
from shared.contracts import (
    AgentReply,
    SessionOutbound,
    StageTiming,
    VoiceTranscript,
)
from shared.db import Database
from shared.handlers import deliver, tell_monitor
from shared.session_store import Session, SessionStore
from shared.ws_protocol import AgentFinal, Error

log = logging.getLogger(__name__)
SERVICE = "agent_turn"
SORRY = "Sorry, something went wrong on my side. Please try that again."


class AgentTurnHandler:
    def __init__(
        self,
        bus: Bus,
        store: SessionStore,
        db: Database,
        *,
        memory_max_messages: int = 40,
        today: date | None = None,
    ):
        self.bus = bus
        self.store = store
        self.graph = build_graph(RulesChatModel(today=today), make_productivity_tools(db))
        self.memory_max_messages = memory_max_messages

    def handle(self, inbound: InboundMessage) -> None:
        deliver(self.bus, topics.VOICE_TRANSCRIPT, VoiceTranscript, inbound, self._handle)

    def _handle(self, message: VoiceTranscript) -> None:
        session = self.store.get_session(message.session_id)
        if session is None or session.user_id != message.user_id:
            log.warning("transcript for an unknown session or another user; dropped")
            return
        turn = self.store.get_turn(message.session_id, message.turn_id) or {}
        if turn.get("agent_done"):
            log.info("duplicate delivery of a finished turn; skipped")
            return
        if turn.get("cancelled"):
            self._report(message, "cancelled", [], detail="cancelled before the agent ran")
            return

        started = time.time()
        history = history_from_store(self.store.load_memory(session.id, session.user_id))
        try:
            outcome = run_turn(
                self.graph, history, message.text, TurnContext(session.user_id, message.turn_id)
            )
        except Exception as exc:
            log.exception("agent turn failed")
            self._fail(session, message, started, exc)
            return
        agent_done = time.time()
        pieces = self._reply_pieces(session, message, outcome)
        self.bus.publish(topics.AGENT_REPLY, pieces[0])  # the first piece starts speech: alone
        first_sentence_at = outbound_started = time.time()
        self._publish_outbound(
            session, message, AgentFinal(text=outcome.reply, turn_id=message.turn_id), "agent_final"
        )
        finished = time.time()
        # The whole reply is ready at once, so the other pieces go out in one pipelined burst.
        # tts checks the turn's cancellation mark before each piece, and the relay drops the
        # audio of a cancelled turn.
        self.bus.publish_many(topics.AGENT_REPLY, pieces[1:])
        self.store.save_memory(
            session.id,
            session.user_id,
            history_to_store(trim_history(outcome.history, self.memory_max_messages)),
        )
        timings = [
            StageTiming(stage="agent", started_at=started, ended_at=agent_done),
            StageTiming(
                stage="agent_first_sentence", started_at=started, ended_at=first_sentence_at
            ),
            StageTiming(stage="outbound_publish", started_at=outbound_started, ended_at=finished),
        ]
        self.store.update_turn(
            session.id,
            message.turn_id,
            transcript=message.text,
            reply=outcome.reply,
            status="answered",
            agent_done=True,
            tool_calls=[c.model_dump() for c in outcome.tool_calls],
            timings={
                t.stage: {"started_at": t.started_at, "ended_at": t.ended_at} for t in timings
            },
        )
        self._report(
            message,
            "turn_completed",
            timings,
            tool_calls=outcome.tool_calls,
            text_out=outcome.reply,
        )
        log.info(
            "turn completed",
            extra={
                "event": "turn_completed",
                "turn_latency_ms": round((finished - message.received_at) * 1000, 1),
                "agent_ms": round((agent_done - started) * 1000, 1),
                "tools": [c.name for c in outcome.tool_calls],
            },
        )

    @staticmethod
    def _reply_pieces(
        session: Session, message: VoiceTranscript, outcome: AgentOutcome
    ) -> list[AgentReply]:
        sentences = outcome.sentences or [outcome.reply]
        pieces = [
            AgentReply(
                session_id=session.id,
                turn_id=message.turn_id,
                sentence_index=index,
                text=sentence,
                is_final=index == len(sentences) - 1,
                tts_provider=session.tts_provider,
            )
            for index, sentence in enumerate(sentences)
        ]
        return pieces

    def _publish_outbound(
        self, session: Session, message: VoiceTranscript, event: Any, key: str
    ) -> None:
        self.bus.publish(
            topics.SESSION_OUTBOUND,
            SessionOutbound(
                session_id=session.id,
                turn_id=message.turn_id,
                relay_id=session.relay_id,
                event=event,
                dedupe_key=f"{message.turn_id}:{key}",
            ),
            relay_id=session.relay_id,
        )

    def _report(
        self, message: VoiceTranscript, kind: str, timings: list[StageTiming], **extra: Any
    ) -> None:
        tell_monitor(
            self.bus,
            SERVICE,
            message,
            kind,
            message.user_id,
            timings,
            text_in=message.text,
            **extra,
        )

    def _fail(
        self, session: Session, message: VoiceTranscript, started: float, exc: Exception
    ) -> None:
        self._publish_outbound(
            session,
            message,
            Error(code="turn_failed", message=SORRY, turn_id=message.turn_id),
            "error",
        )
        self.store.update_turn(session.id, message.turn_id, status="failed", agent_done=True)
        self._report(
            message,
            "turn_failed",
            [StageTiming(stage="agent", started_at=started, ended_at=time.time())],
            detail=f"{type(exc).__name__}: {exc}"[:2000],
        )
