"""``agent-reply`` sentences -> speech -> ``audio_chunk`` events (or the ``greeting``).

Sentences of a session arrive in order (ordered subscription); each becomes one playable WAV
chunk whose ``chunk_index`` is the sentence's index, with ``is_final`` on the last. A cancelled
turn (barge-in) gets no more audio; a redelivered sentence is not spoken twice.

A sentence that cannot be spoken (every provider failed, a provider that cannot even start,
audio too large to send) gets a ``tts_failed`` error, so the caller is never left with neither
audio nor an error; the client keeps showing the reply's text.
"""

from __future__ import annotations

import base64
import concurrent.futures
import logging
import time
from typing import Any

from shared import topics
from shared.bus import Bus, InboundMessage
from shared.contracts import AgentReply, MonitorEvent, StageTiming
from shared.handlers import channel_of, deliver, fallback_records, passed_over, tell_monitor
from shared.handlers.steps import best_effort
from shared.handlers.text_limits import declared_max_length, truncated
from shared.outbound import send_to_client
from shared.session_store import Session, SessionStore
from shared.speech.base import FallbackReport, ProviderError, SpeechAudio, run_chain
from shared.speech.registry import ProviderRegistry
from shared.turn_record import StageSpan, TurnRecord
from shared.ws_protocol import AudioOut, Error, Greeting

log = logging.getLogger(__name__)
SERVICE = "tts"
NOT_SPOKEN = "the reply could not be spoken"
DETAIL_MAX_CHARS = declared_max_length(MonitorEvent, "detail")
_io = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="tts-io")


class TtsHandler:
    def __init__(self, bus: Bus, store: SessionStore, registry: ProviderRegistry):
        self.bus = bus
        self.store = store
        self.registry = registry

    def handle(self, inbound: InboundMessage) -> None:
        deliver(self.bus, topics.AGENT_REPLY, AgentReply, inbound, self._handle)

    def _handle(self, msg: AgentReply) -> None:
        started = time.time()
        turn_f = _io.submit(self.store.get_turn, msg.session_id, msg.turn_id)
        session = self.store.get_session(msg.session_id)
        turn = turn_f.result() or TurnRecord()
        if session is None:
            log.warning("reply for an unknown session; dropped")
            return
        if turn.cancelled:
            log.info("turn cancelled; sentence not spoken")
            return
        if msg.draft is None and msg.sentence_index in turn.tts_sentences_done:
            log.info("sentence already spoken; skipped")
            return
        # A draft the turn moved past would be dropped by the relay: not synthesised.
        if msg.draft is not None and turn.moved_past(msg.draft):
            log.info("draft reply void; sentence not spoken")
            return
        report = FallbackReport()
        try:
            speech = self._synthesize(msg, session, report)
            synthesized = time.time()
            self._send_speech(msg, session, speech, report)
        except Exception as exc:
            # Tell the caller now rather than let Pub/Sub retry: a retry after backoff would
            # speak too late, and most of these failures (no provider can start, audio too
            # large for the bus) would only happen again.
            if not isinstance(exc, ProviderError):  # run_chain has logged each provider's
                log.exception("sentence could not be spoken")
            self._tell_not_spoken(msg, session, exc)
            return
        sent = time.time()
        self._record(msg, session, report, started, sent)
        log.info(
            "sentence spoken",
            extra={
                "provider": report.provider,
                "sentence": msg.sentence_index,
                "tts_ms": round((synthesized - started) * 1000, 1),
                "audio_ms": speech.duration_ms,
            },
        )

    def _synthesize(self, msg: AgentReply, session: Session, report: FallbackReport) -> SpeechAudio:
        providers, skipped = self.registry.tts_chain(msg.tts_provider or session.tts_provider)
        report.failures.extend(skipped)
        return run_chain(
            providers,
            lambda p: p.synthesize(msg.text),
            self.registry.settings.provider_timeout_seconds,
            report,
        )

    def _send_speech(
        self, msg: AgentReply, session: Session, speech: SpeechAudio, report: FallbackReport
    ) -> None:
        data_b64 = base64.b64encode(speech.data).decode()
        if msg.purpose == "greeting":
            event: Any = Greeting(text=msg.text, data_b64=data_b64, mime_type=speech.mime_type)
            key = "greeting"
        else:
            # A barge-in during synthesis is caught by the relay, which drops the turn's audio.
            event = AudioOut(
                turn_id=msg.turn_id,
                chunk_index=msg.sentence_index,
                data_b64=data_b64,
                mime_type=speech.mime_type,
                is_final=msg.is_final,
                tts_provider=speech.provider or None,
                passed_over=passed_over(report.failures, self.registry.configured) or None,
            )
            key = f"audio:{msg.sentence_index}"
        if msg.draft is not None:  # held by the relay until the turn ends on the draft
            key = f"draft:{msg.draft}:{key}"
        send_to_client(
            self.bus, msg.session_id, msg.turn_id, session.relay_id, event, key, draft=msg.draft
        )

    def _tell_not_spoken(self, msg: AgentReply, session: Session, exc: Exception) -> None:
        """The caller gets ``tts_failed``. If even that cannot be published this raises, and
        the redelivery tries the sentence again."""
        send_to_client(
            self.bus,
            msg.session_id,
            msg.turn_id,
            session.relay_id,
            Error(code="tts_failed", message=NOT_SPOKEN, turn_id=msg.turn_id),
            f"error:tts:{msg.sentence_index}",
        )
        detail = truncated(f"{type(exc).__name__}: {exc}", DETAIL_MAX_CHARS)
        best_effort(
            "monitor report",
            lambda: tell_monitor(
                self.bus, SERVICE, msg, "turn_failed", session.user_id, [], detail=detail
            ),
        )

    def _record(
        self,
        msg: AgentReply,
        session: Session,
        report: FallbackReport,
        started: float,
        sent: float,
    ) -> None:
        """Bookkeeping after the audio went out: the turn's spoken sentences, the monitor. A
        draft's sentences are timed as the draft's (``draft_tts_*``): they are the turn's only
        if the turn ends on the draft, and the turn's own run may speak the same indexes."""
        stage = (
            "tts_first_audio" if msg.sentence_index == 0 else f"tts_sentence_{msg.sentence_index}"
        )
        if msg.draft is not None:
            stage = f"draft_{stage}"
        timings = [StageTiming(stage=stage, started_at=started, ended_at=sent)]
        span = StageSpan(started_at=started, ended_at=sent)
        best_effort(
            "turn update",
            lambda: (
                self.store.record_stage(msg.session_id, msg.turn_id, stage, started, sent)
                if msg.draft is not None
                else self.store.sentence_spoken(
                    msg.session_id, msg.turn_id, msg.sentence_index, stage, span
                )
            ),
        )
        if not (report.failures or msg.sentence_index == 0):
            return
        detail = truncated("; ".join(report.failures), DETAIL_MAX_CHARS)
        best_effort(
            "monitor report",
            lambda: tell_monitor(
                self.bus,
                SERVICE,
                msg,
                "fallback" if report.failures else "turn_started",
                session.user_id,
                timings,
                detail=detail or f"provider {report.provider}",
                provider=report.provider or None,
                fallbacks=fallback_records(report.failures),
                channel=channel_of(session),
            ),
        )
