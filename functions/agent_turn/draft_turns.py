"""Draft replies: the agent runs on the transcript of a snapshot taken at a pause, before the
caller's turn has ended, so the reply's audio is ready when it does (ADR 0019).

The draft runs with every tool that writes held (``WriteHeld``): a draft that reaches one
waits, and runs the turn for real the moment it is committed. A prepared draft's pieces go to
tts marked with the draft; the relay holds their audio and sends it the moment the turn ends
on that snapshot, or drops it. Memory, the turn record and ``agent_final`` are written only
once the turn is committed (``draft_decisions.fate``), so a draft the caller spoke past leaves
no trace but its cost.
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from functions.agent_turn import draft_decisions as decide
from functions.agent_turn.agent.runner import AgentOutcome
from functions.agent_turn.agent.turn_context import WriteHeld
from functions.agent_turn.reply_out import ReplyPublisher
from functions.agent_turn.turn_reads import TurnReads
from shared.contracts import VoiceTranscript
from shared.session_store import Session

if TYPE_CHECKING:
    from functions.agent_turn.handler import AgentTurnHandler

log = logging.getLogger(__name__)
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="draft-claim")
FATE_POLL_SECONDS = 0.025
# A turn that ends on its snapshot does so within the turn-taking ceiling of silence (1.6 s
# at most) after it, and stt commits it at once: this is a bound for a stack under load.
FATE_WAIT_SECONDS = 10.0


class DraftTurns:
    def __init__(self, handler: AgentTurnHandler):
        self.handler = handler
        self.store = handler.store

    def prepare(self, message: VoiceTranscript) -> None:
        """Run the agent on a snapshot's transcript; if the turn ends on it, answer the turn:
        with the prepared reply, or (it needed a tool that writes) by running it for real."""
        assert message.draft is not None
        session = self.handler.session_for(message)
        if session is None:
            return
        started = time.time()
        # The claim's transaction runs while the agent does: a draft only reads, so running
        # it for a claim that fails costs CPU, never an effect.
        claimed = _pool.submit(self._decide, message, decide.claim)
        reads = TurnReads(self.store, message.session_id, message.user_id, message.turn_id)
        try:
            outcome = self.handler.run_agent(session, message, None, reads, draft=True)
        except WriteHeld as held:
            log.info("draft reply holds a tool that writes", extra={"tool": str(held)})
            if claimed.result() and self._decide(message, decide.holding):
                self._await_then(message, lambda: self.handler.answer(_committed(message)))
            return
        except Exception:
            log.exception("draft reply failed; the committed turn runs for itself")
            if claimed.result():
                self._give_up(message)
            return
        if not claimed.result():
            return  # the turn moved on, or a later snapshot's draft is running
        speech = ReplyPublisher(self.handler.bus, session, message, draft=message.draft)
        speech.all_at_once(outcome.sentences or [outcome.reply])
        speech.settle()
        if self._decide(message, decide.prepared):
            self._await_then(
                message, lambda: self._answer(session, message, reads, outcome, started, speech)
            )

    def take_over(self, message: VoiceTranscript) -> bool:
        """The final transcript committed a draft: True if this must run the turn itself."""
        assert message.commits_draft is not None
        return self.store.change_turn(
            message.session_id,
            message.turn_id,
            functools.partial(decide.take_over, message.commits_draft),
        )

    # ---- steps ----------------------------------------------------------------------------

    def _decide(self, message: VoiceTranscript, decision: decide.DecideFn) -> bool:
        assert message.draft is not None
        step = functools.partial(decision, message.draft)
        return self.store.change_turn(message.session_id, message.turn_id, step)

    def _give_up(self, message: VoiceTranscript) -> None:
        """The draft cannot answer: if the turn is committed already, run it for real here;
        otherwise the committed turn will."""
        if self._decide(message, decide.give_up):
            self.handler.answer(_committed(message))

    def _await_then(self, message: VoiceTranscript, answer: Callable[[], None]) -> None:
        """Wait for the draft's fate: ``answer`` the turn if it ended on the draft; nothing if
        the caller spoke on; give the turn up if no fate comes in time."""
        assert message.draft is not None
        deadline = time.monotonic() + FATE_WAIT_SECONDS
        while time.monotonic() < deadline:
            turn = self.store.get_turn(message.session_id, message.turn_id)
            known = decide.fate(message.draft, turn) if turn is not None else "void"
            if known == "committed":
                answer()
                return
            if known == "void":
                log.info("draft reply void: the caller spoke on", extra={"draft": message.draft})
                return
            time.sleep(FATE_POLL_SECONDS)
        self._give_up(message)

    def _answer(
        self,
        session: Session,
        message: VoiceTranscript,
        reads: TurnReads,
        outcome: AgentOutcome,
        started: float,
        speech: ReplyPublisher,
    ) -> None:
        """The turn ended on the draft: its reply is the turn's (``agent_final``, memory, the
        turn record, the monitor), as if the committed turn had run it."""
        committed = _committed(message)
        try:
            chosen = session.llm_provider or reads.saved_model()
            delivery = self.handler.deliver(session, committed, outcome, started, speech, chosen)
        except Exception as exc:
            log.exception("committed draft reply could not be delivered")
            self.handler.fail(session, committed, started, exc)
            return
        self.handler.record(session, committed, outcome, delivery)


def _committed(message: VoiceTranscript) -> VoiceTranscript:
    return message.model_copy(update={"draft": None, "commits_draft": message.draft})
