"""``voice-transcript`` -> the agent -> ``agent-reply`` sentences, ``agent_final``, monitor record.

Idempotent under redelivery: a turn whose agent stage finished is skipped, and every tool write
carries a request key derived from the turn, so a re-run after a crash writes nothing twice.

Once the session is known, the caller gets an answer or a ``turn_failed`` error, never silence:
a failure before the answer went out fails the turn and marks it done (so the message is not
retried into the dead letters while the caller waits), and a failure of the bookkeeping after
the answer (memory, the stored turn, the monitor) is logged and leaves the answer standing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from langchain_core.tools import BaseTool

from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import (
    AgentOutcome,
    history_from_store,
    history_to_store,
    run_turn,
    trim_history,
)
from functions.agent_turn.agent.turn_context import TurnContext
from shared import topics
from shared.bus import MAX_MESSAGE_BYTES, Bus, InboundMessage
from shared.contracts import (
    AgentReply,
    MonitorEvent,
    SessionOutbound,
    StageTiming,
    VoiceTranscript,
)
from shared.handlers import deliver, tell_monitor
from shared.handlers.steps import best_effort
from shared.handlers.text_limits import declared_max_length, pieces_within, truncated
from shared.session_store import Session, SessionStore
from shared.tracing import current_trace
from shared.ws_protocol import AgentFinal, Error, OutboundClientEvent

log = logging.getLogger(__name__)
SERVICE = "agent_turn"
SORRY = "Sorry, something went wrong on my side. Please try that again."
NOT_SPOKEN = "the reply could not be spoken"

PIECE_MAX_CHARS = declared_max_length(AgentReply, "text")
TEXT_OUT_MAX_CHARS = declared_max_length(MonitorEvent, "text_out")
DETAIL_MAX_CHARS = declared_max_length(MonitorEvent, "detail")
# The turn document keeps the same bounded copy of the reply as the monitor (a Firestore
# document holds at most 1 MiB); the whole reply goes to the caller and into memory.
STORED_REPLY_MAX_CHARS = TEXT_OUT_MAX_CHARS
# What bounds agent_final when it declares no limit is the bus's message size; a character
# takes at most 6 bytes of JSON (an escaped control character), so this always publishes.
FINAL_TEXT_MAX_CHARS = declared_max_length(AgentFinal, "text", otherwise=MAX_MESSAGE_BYTES // 8)


@dataclass(frozen=True)
class _Delivery:
    """When each step of answering one turn ended (epoch seconds)."""

    started: float
    agent_done: float
    first_piece_sent: float
    final_sent: float

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


def reply_pieces(
    session: Session, message: VoiceTranscript, outcome: AgentOutcome
) -> list[AgentReply]:
    """The reply as ``agent-reply`` messages: one per sentence, a sentence too long for one
    message cut between words (so all of it is still spoken), indexed in order, the last final."""
    texts = pieces_within(outcome.sentences or [outcome.reply], PIECE_MAX_CHARS)
    texts = texts or [outcome.reply.strip()]  # an empty reply still ends the turn's speech
    return [
        AgentReply(
            session_id=session.id,
            turn_id=message.turn_id,
            sentence_index=index,
            text=text,
            is_final=index == len(texts) - 1,
            tts_provider=session.tts_provider,
        )
        for index, text in enumerate(texts)
    ]


class AgentTurnHandler:
    def __init__(
        self,
        bus: Bus,
        store: SessionStore,
        toolbox: McpToolbox,
        *,
        memory_max_messages: int = 40,
        turn_deadline_seconds: float = 30.0,
        today: date | None = None,
    ):
        self.bus = bus
        self.store = store
        self.toolbox = toolbox
        self.today = today
        self._graph: Any = None
        self._graph_tools: list[BaseTool] | None = None
        self.memory_max_messages = memory_max_messages
        self.turn_deadline_seconds = turn_deadline_seconds

    def graph(self) -> Any:
        """The turn graph, compiled again only when the toolbox's tools change (an MCP server
        that was out of reach joins a later turn). With no server reachable yet this fails the
        turn aloud, and the next turn tries again."""
        tools = self.toolbox.tools()
        if self._graph is None or tools is not self._graph_tools:
            self._graph = build_graph(RulesChatModel(today=self.today), tools)
            self._graph_tools = tools
        return self._graph

    def handle(self, inbound: InboundMessage) -> None:
        deliver(self.bus, topics.VOICE_TRANSCRIPT, VoiceTranscript, inbound, self._handle)

    def _handle(self, message: VoiceTranscript) -> None:
        session = self._session_for(message)
        if session is None:
            return
        started = time.time()
        try:
            if not self._turn_is_open(session, message):
                return
            outcome = self._run_agent(session, message)
            delivery = self._deliver(session, message, outcome, started)
        except Exception as exc:
            # Fail the turn now rather than let Pub/Sub retry it: the caller is waiting, a
            # retry after backoff would answer too late, and most of these failures (a reply
            # no contract accepts, unreadable memory) would only happen again.
            log.exception("agent turn failed")
            self._fail(session, message, started, exc)
            return
        self._record(session, message, outcome, delivery)

    # ---- the steps of a turn ------------------------------------------------------------------

    def _session_for(self, message: VoiceTranscript) -> Session | None:
        session = self.store.get_session(message.session_id)
        if session is None or session.user_id != message.user_id:
            log.warning("transcript for an unknown session or another user; dropped")
            return None
        return session

    def _turn_is_open(self, session: Session, message: VoiceTranscript) -> bool:
        """False for a turn already finished (a redelivery) or cancelled by the caller."""
        turn = self.store.get_turn(session.id, message.turn_id) or {}
        if turn.get("agent_done"):
            log.info("duplicate delivery of a finished turn; skipped")
            return False
        if turn.get("cancelled"):
            detail = "cancelled before the agent ran"
            best_effort(
                "monitor report", lambda: self._report(message, "cancelled", [], detail=detail)
            )
            return False
        return True

    def _run_agent(self, session: Session, message: VoiceTranscript) -> AgentOutcome:
        history = history_from_store(self.store.load_memory(session.id, session.user_id))
        trace = current_trace.get()
        context = TurnContext(
            session.user_id, message.turn_id, session.id, trace.traceparent if trace else None
        )
        return run_turn(
            self.graph(),
            history,
            message.text,
            context,
            lambda work: self.toolbox.run(work, self.turn_deadline_seconds),
        )

    def _deliver(
        self, session: Session, message: VoiceTranscript, outcome: AgentOutcome, started: float
    ) -> _Delivery:
        """Publish the reply's first piece (it starts speech), ``agent_final``, then the other
        pieces. Every message is built, and so validated, before the first one goes out."""
        agent_done = time.time()
        pieces = reply_pieces(session, message, outcome)
        final = AgentFinal(
            text=truncated(outcome.reply, FINAL_TEXT_MAX_CHARS), turn_id=message.turn_id
        )
        final_envelope = self._outbound(session, message, final, "agent_final")
        self.bus.publish(topics.AGENT_REPLY, pieces[0])  # the first piece starts speech: alone
        first_piece_sent = time.time()
        self._send(final_envelope)
        final_sent = time.time()
        self._publish_rest_of_speech(session, message, pieces[1:])
        return _Delivery(started, agent_done, first_piece_sent, final_sent)

    def _publish_rest_of_speech(
        self, session: Session, message: VoiceTranscript, pieces: list[AgentReply]
    ) -> None:
        """The answer is out as text. If the rest of its speech cannot follow, the caller is
        told it could not be spoken (the client keeps showing the text) and the turn stands."""
        # The whole reply is ready at once, so the other pieces go out in one pipelined burst.
        # tts checks the turn's cancellation mark before each piece, and the relay drops the
        # audio of a cancelled turn.
        try:
            self.bus.publish_many(topics.AGENT_REPLY, pieces)
        except Exception:
            log.exception("reply pieces not published; the answer went out as text only")
            not_spoken = Error(code="tts_failed", message=NOT_SPOKEN, turn_id=message.turn_id)
            best_effort(
                "speech failure notice",
                lambda: self._send(self._outbound(session, message, not_spoken, "error:speech")),
            )

    def _record(
        self,
        session: Session,
        message: VoiceTranscript,
        outcome: AgentOutcome,
        delivery: _Delivery,
    ) -> None:
        """Bookkeeping after the answer went out: memory, the stored turn, the monitor."""
        timings = delivery.timings()
        memory = history_to_store(trim_history(outcome.history, self.memory_max_messages))
        best_effort(
            "memory save", lambda: self.store.save_memory(session.id, session.user_id, memory)
        )
        best_effort(
            "turn update", lambda: self._store_answered_turn(session, message, outcome, timings)
        )
        best_effort(
            "monitor report",
            lambda: self._report(
                message,
                "turn_completed",
                timings,
                tool_calls=outcome.tool_calls,
                text_out=truncated(outcome.reply, TEXT_OUT_MAX_CHARS),
            ),
        )
        log.info(
            "turn completed",
            extra={
                "event": "turn_completed",
                "turn_latency_ms": round((delivery.final_sent - message.received_at) * 1000, 1),
                "agent_ms": round((delivery.agent_done - delivery.started) * 1000, 1),
                "tools": [c.name for c in outcome.tool_calls],
            },
        )

    def _fail(
        self, session: Session, message: VoiceTranscript, started: float, exc: Exception
    ) -> None:
        """Tell the caller the turn failed, and mark it done. If even the error cannot be
        published this raises, and the redelivery runs the turn again."""
        failed = Error(code="turn_failed", message=SORRY, turn_id=message.turn_id)
        self._send(self._outbound(session, message, failed, "error"))
        best_effort(
            "turn update",
            lambda: self.store.update_turn(
                session.id, message.turn_id, status="failed", agent_done=True
            ),
        )
        timing = StageTiming(stage="agent", started_at=started, ended_at=time.time())
        detail = truncated(f"{type(exc).__name__}: {exc}", DETAIL_MAX_CHARS)
        best_effort(
            "monitor report", lambda: self._report(message, "turn_failed", [timing], detail=detail)
        )

    # ---- messages and records -----------------------------------------------------------------

    def _store_answered_turn(
        self,
        session: Session,
        message: VoiceTranscript,
        outcome: AgentOutcome,
        timings: list[StageTiming],
    ) -> None:
        self.store.update_turn(
            session.id,
            message.turn_id,
            transcript=message.text,
            reply=truncated(outcome.reply, STORED_REPLY_MAX_CHARS),
            status="answered",
            agent_done=True,
            tool_calls=[c.model_dump() for c in outcome.tool_calls],
            timings={
                t.stage: {"started_at": t.started_at, "ended_at": t.ended_at} for t in timings
            },
        )

    @staticmethod
    def _outbound(
        session: Session, message: VoiceTranscript, event: OutboundClientEvent, key: str
    ) -> SessionOutbound:
        return SessionOutbound(
            session_id=session.id,
            turn_id=message.turn_id,
            relay_id=session.relay_id,
            event=event,
            dedupe_key=f"{message.turn_id}:{key}",
        )

    def _send(self, envelope: SessionOutbound) -> None:
        self.bus.publish(topics.SESSION_OUTBOUND, envelope, relay_id=envelope.relay_id)

    def _report(
        self, message: VoiceTranscript, kind: str, timings: list[StageTiming], **extra: object
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
