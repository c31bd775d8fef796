"""``voice-transcript`` -> the agent -> ``agent-reply`` sentences, ``agent_final``, monitor record.

Idempotent under redelivery: a turn whose agent stage finished is skipped, and every tool write
carries a request key derived from the turn, so a re-run after a crash writes nothing twice.

Once the session is known, the caller gets an answer or a ``turn_failed`` error, never silence:
a failure before the answer went out fails the turn and marks it done (so the message is not
retried into the dead letters while the caller waits), and a failure of the bookkeeping after
the answer (memory, the stored turn, the monitor) is logged and leaves the answer standing.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import date
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool

from functions.agent_turn.agent import memory
from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.runner import AgentOutcome, run_turn
from functions.agent_turn.agent.speaker import Emit
from functions.agent_turn.agent.turn_context import TurnContext
from functions.agent_turn.draft_turns import DraftTurns
from functions.agent_turn.greeting import greet
from functions.agent_turn.models import (
    chat_model_for,
    classifier_for,
    model_chain,
    route_and_model,
)
from functions.agent_turn.reply_out import ReplyPublisher
from functions.agent_turn.turn_reads import TurnReads
from functions.agent_turn.turn_records import (
    DETAIL_MAX_CHARS,
    FINAL_TEXT_MAX_CHARS,
    TEXT_OUT_MAX_CHARS,
    Delivery,
    answered_by,
    passed_over,
    report,
    store_answered_turn,
    who_answered,
)
from shared import topics
from shared.bus import Bus, InboundMessage
from shared.contracts import (
    SessionOutbound,
    StageTiming,
    VoiceTranscript,
)
from shared.handlers import deliver
from shared.handlers.steps import best_effort
from shared.handlers.text_limits import truncated
from shared.session_store import Session, SessionStore
from shared.settings import AgentSettings
from shared.speech.normalise import normalise as speech_normalise
from shared.tracing import current_trace
from shared.turn_record import TurnRecord
from shared.ws_protocol import AgentFinal, Error, OutboundClientEvent

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side. Please try that again."
NOT_SPOKEN = "the reply could not be spoken"
# The turn's own deadline (runner.py) cancels it and answers; the wait on the toolbox's loop is
# that plus this, a last resort for a turn that does not stop when cancelled.
DEADLINE_GRACE_SECONDS = 5.0


class AgentTurnHandler:
    def __init__(
        self,
        bus: Bus,
        store: SessionStore,
        toolbox: McpToolbox,
        *,
        settings: AgentSettings | None = None,
        memory_max_messages: int = 40,
        turn_deadline_seconds: float | None = None,
        filler_after_seconds: float | None = None,
        today: date | None = None,
    ):
        """``turn_deadline_seconds`` and ``filler_after_seconds`` default to ``settings``' (or,
        without settings, AgentSettings' defaults)."""
        self.bus = bus
        self.store = store
        self.toolbox = toolbox
        self.settings = settings
        self.today = today
        self._graphs: dict[tuple[str, ...], Any] = {}
        self._graph_tools: list[BaseTool] | None = None
        self.memory_max_messages = memory_max_messages
        self.turn_deadline_seconds = _timing(
            settings, "turn_deadline_seconds", turn_deadline_seconds
        )
        self.filler_after_seconds = _timing(settings, "filler_after_seconds", filler_after_seconds)
        self.drafts = DraftTurns(self)

    def graph(self, session: Session | None = None, reads: TurnReads | None = None) -> Any:
        """The turn graph for the session's chain of models, compiled once per chain and
        again only when the toolbox's tools change (an MCP server that was out of reach joins
        a later turn). With no server reachable yet this fails the turn aloud, and the next
        turn tries again."""
        tools = self.toolbox.tools()
        if tools is not self._graph_tools:
            self._graphs, self._graph_tools = {}, tools
        chain = self._chain(session, reads)
        if chain not in self._graphs:
            classify = classifier_for(chain, self.settings)  # only a cloud-led chain has one
            self._graphs[chain] = build_graph(
                self._model(chain), tools, today=self.today, classify=classify
            )
        return self._graphs[chain]

    def _chain(self, session: Session | None, reads: TurnReads | None = None) -> tuple[str, ...]:
        """The session's choice of model, else the user's saved choice (read at each turn, so a
        choice saved mid-session applies from the next turn), else the configured one."""
        if session is not None and not session.llm_provider and self.settings is not None:
            reads = reads or self.reads_for(session)
            session = dataclasses.replace(session, llm_provider=reads.saved_model())
        return model_chain(self.settings, session)

    def reads_for(self, session: Session) -> TurnReads:
        return TurnReads.for_session(self.store, session, self.settings is not None)

    def _model(self, chain: tuple[str, ...]) -> BaseChatModel:
        return chat_model_for(chain, self.settings, self.today)

    def handle(self, inbound: InboundMessage) -> None:
        deliver(self.bus, topics.VOICE_TRANSCRIPT, VoiceTranscript, inbound, self._handle)

    def _handle(self, message: VoiceTranscript) -> None:
        if message.source == "session_start":
            self._greet(message)
        elif message.draft is not None:
            self.drafts.prepare(message)
        elif message.commits_draft is None or self.drafts.take_over(message):
            self.answer(message)

    def answer(self, message: VoiceTranscript) -> None:
        """The caller's turn, run and answered, then recorded."""
        # Started before the session is read: the turn waits for the slowest read, not the sum.
        reads = TurnReads(self.store, message.session_id, message.user_id, message.turn_id)
        session = self.session_for(message)
        if session is None:
            return
        started = time.time()
        try:
            if not self._turn_is_open(session, message, reads.turn()):
                return
            speech = ReplyPublisher(self.bus, session, message)
            outcome = self.run_agent(session, message, speech, reads)
            chosen = session.llm_provider or reads.saved_model()
            delivery = self.deliver(session, message, outcome, started, speech, chosen)
        except Exception as exc:
            # Fail the turn now rather than let Pub/Sub retry it: the caller is waiting, a
            # retry after backoff would answer too late, and most of these failures (a reply
            # no contract accepts, unreadable memory) would only happen again.
            log.exception("agent turn failed")
            self.fail(session, message, started, exc)
            return
        self.record(session, message, outcome, delivery)

    # ---- the steps of a turn ------------------------------------------------------------------

    def _greet(self, message: VoiceTranscript) -> None:
        session = self.session_for(message)
        if session is not None:
            greet(self.bus, session, message)

    def session_for(self, message: VoiceTranscript) -> Session | None:
        session = self.store.get_session(message.session_id)
        if session is None or session.user_id != message.user_id:
            log.warning("transcript for an unknown session or another user; dropped")
            return None
        return session

    def _turn_is_open(self, session: Session, message: VoiceTranscript, turn: TurnRecord) -> bool:
        """False for a turn already finished (a redelivery) or cancelled by the caller."""
        if turn.agent_done:
            log.info("duplicate delivery of a finished turn; skipped")
            return False
        if turn.cancelled:
            detail = "cancelled before the agent ran"
            best_effort(
                "monitor report", lambda: report(self.bus, message, "cancelled", [], detail=detail)
            )
            return False
        return True

    def run_agent(
        self,
        session: Session,
        message: VoiceTranscript,
        on_piece: Emit | None,
        reads: TurnReads | None = None,
        draft: bool = False,
    ) -> AgentOutcome:
        """The turn through the graph, each speakable piece handed to ``on_piece`` as the
        model writes it (None: the reply is only returned, as the HTTP API does). A ``draft``
        turn raises ``WriteHeld`` at the first tool call that would change anything."""
        reads = reads or self.reads_for(session)
        history = reads.history()
        trace = current_trace.get()
        traceparent = trace.traceparent if trace else None
        context = TurnContext(session.user_id, message.turn_id, session.id, traceparent, draft)
        return run_turn(
            self.graph(session, reads),
            history,
            speech_normalise(message.text) if message.source == "voice" else message.text,
            context,
            lambda work: self.toolbox.run(
                work, self.turn_deadline_seconds + DEADLINE_GRACE_SECONDS
            ),
            on_piece=on_piece,
            filler_after_seconds=self.filler_after_seconds,
            deadline_seconds=self.turn_deadline_seconds,
        )

    def deliver(
        self,
        session: Session,
        message: VoiceTranscript,
        outcome: AgentOutcome,
        started: float,
        speech: ReplyPublisher,
        chosen: str | None = None,
    ) -> Delivery:
        """The speech went out piece by piece as the agent wrote it; then ``agent_final``, which
        names the model that answered and any provider passed over first (``chosen``: the
        session's or the user's choice of model). If the speech did not all go out, the caller
        is told (the client keeps showing the text)."""
        agent_done = time.time()
        final = AgentFinal(
            text=truncated(outcome.reply, FINAL_TEXT_MAX_CHARS),
            turn_id=message.turn_id,
            answered_by=answered_by(outcome),
            passed_over=passed_over(outcome, chosen, self.settings) or None,
        )
        final_envelope = self._outbound(session, message, final, "agent_final")
        if not speech.finished:
            speech.all_at_once(outcome.sentences or [outcome.reply])
        first_piece_sent = speech.first_sent_at or time.time()
        self._send(final_envelope)
        final_sent = time.time()
        speech.settle()
        if speech.speech_lost:
            not_spoken = Error(code="tts_failed", message=NOT_SPOKEN, turn_id=message.turn_id)
            best_effort(
                "speech failure notice",
                lambda: self._send(self._outbound(session, message, not_spoken, "error:speech")),
            )
        return Delivery(started, agent_done, first_piece_sent, final_sent, tuple(speech.texts))

    def record(
        self,
        session: Session,
        message: VoiceTranscript,
        outcome: AgentOutcome,
        delivery: Delivery,
    ) -> None:
        """Bookkeeping after the answer went out: memory, the stored turn, the monitor."""
        timings = delivery.timings()
        kept = memory.to_store(memory.bounded(outcome.history, self.memory_max_messages))
        turn = message.turn_id
        best_effort(
            "memory save",
            lambda: self.store.save_memory(session.id, session.user_id, kept, last_turn_id=turn),
        )
        best_effort(
            "turn update",
            lambda: store_answered_turn(
                self.store, session, message, outcome, timings, delivery.pieces
            ),
        )
        # A turn cut off at its deadline was answered (it took too long), yet it failed.
        kind = "turn_failed" if outcome.timed_out else "turn_completed"
        best_effort(
            "monitor report",
            lambda: report(
                self.bus,
                message,
                kind,
                timings,
                tool_calls=outcome.tool_calls,
                text_out=truncated(outcome.reply, TEXT_OUT_MAX_CHARS),
                detail="deadline" if outcome.timed_out else route_and_model(outcome),
                **who_answered(outcome, session),
            ),
        )
        log.info(
            "turn timed out" if outcome.timed_out else "turn completed",
            extra={
                "event": "turn_timed_out" if outcome.timed_out else "turn_completed",
                "turn_latency_ms": round((delivery.final_sent - message.received_at) * 1000, 1),
                "agent_ms": round((delivery.agent_done - delivery.started) * 1000, 1),
                "tools": [c.name for c in outcome.tool_calls],
                "domain": outcome.domain,
                "routed_by": outcome.routed_by,
            },
        )

    def fail(
        self, session: Session, message: VoiceTranscript, started: float, exc: Exception
    ) -> None:
        """Tell the caller the turn failed, and mark it done. If even the error cannot be
        published this raises, and the redelivery runs the turn again."""
        failed = Error(code="turn_failed", message=SORRY, turn_id=message.turn_id)
        self._send(self._outbound(session, message, failed, "error"))
        best_effort(
            "turn update",
            lambda: self.store.update_turn(
                session.id, message.turn_id, TurnRecord(status="failed", agent_done=True)
            ),
        )
        timing = StageTiming(stage="agent", started_at=started, ended_at=time.time())
        detail = truncated(f"{type(exc).__name__}: {exc}", DETAIL_MAX_CHARS)
        best_effort(
            "monitor report",
            lambda: report(self.bus, message, "turn_failed", [timing], detail=detail),
        )

    # ---- messages and records -----------------------------------------------------------------

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


def _timing(settings: AgentSettings | None, name: str, given: float | None) -> float:
    """The value given, else the settings', else AgentSettings' default."""
    if given is not None:
        return given
    if settings is not None:
        return float(getattr(settings, name))
    return float(AgentSettings.model_fields[name].default)
