"""What the caller said, out to stt as ``voice-utterance`` messages: a turn (with its turn
document, ``processing_start`` and timings), a snapshot at a pause (which may ask for a draft
reply), and the speech over a reply that a barge check transcribes. Large audio goes to Cloud
Storage first."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import TYPE_CHECKING

from shared import audio_store, topics
from shared.contracts import AudioPayload, VoiceUtterance
from shared.log import log_context
from shared.session_store import Session
from shared.tracing import TraceContext
from shared.ws_protocol import ProcessingStart
from websocket_relay.audio_input import AudioInputError, Utterance

if TYPE_CHECKING:
    from websocket_relay.connection import ClientConnection

log = logging.getLogger(__name__)


class UtteranceOut:
    def __init__(self, conn: ClientConnection):
        self.conn = conn

    async def turn(self, utterance: Utterance, draft: int | None = None) -> None:
        """The caller's turn, to stt (``draft``: the snapshot it ended on, whose transcript and
        reply stand)."""
        assert self.conn.session is not None
        if not self.conn.turn_rate.admit():
            raise AudioInputError("rate_limited", self.conn.turn_rate_message())
        session = self.conn.session
        stopped = time.time()
        with log_context(TraceContext.new(), session_id=session.id, turn_id=utterance.turn_id):
            message = self._utterance_message(
                session, utterance, await self._audio_payload(utterance), draft=draft
            )
            publish_started = time.time()
            # The turn document and the bus message go out together: STT takes far longer
            # than the write, and the write touches no field STT sets.
            await asyncio.gather(
                asyncio.to_thread(
                    self.conn.svc.store.start_turn,
                    session.id,
                    utterance.turn_id,
                    source="voice",
                    received_at=utterance.started_at,
                ),
                asyncio.to_thread(self.conn.svc.bus.publish, topics.VOICE_UTTERANCE, message),
            )
            published = time.time()
            self.conn.open_turn(utterance.turn_id)
            self.conn.first_audio.input_ended(utterance.turn_id, utterance.ended_at, "spoken")
            await self.conn.send(ProcessingStart(turn_id=utterance.turn_id))
            log.info(
                "utterance published",
                extra={"bytes": len(utterance.data), "mode": utterance.mode},
            )
            self.conn.record_stage(
                utterance.turn_id, "audio_received", utterance.started_at, stopped
            )
            self.conn.record_stage(
                utterance.turn_id, "utterance_published", publish_started, published
            )

    async def barge_check(self, utterance: Utterance) -> None:
        """Speech heard over a reply: stt sends back its words only (``barge_check``)."""
        assert self.conn.session is not None
        message = self._utterance_message(
            self.conn.session, utterance, await self._audio_payload(utterance)
        )
        message = message.model_copy(update={"purpose": "barge_check"})
        await asyncio.to_thread(self.conn.svc.bus.publish, topics.VOICE_UTTERANCE, message)

    async def speculation(self, utterance: Utterance) -> None:
        """At a pause, let STT start before the end of speech is certain, and (with draft
        replies on) the agent and TTS too: their audio is held until the turn ends."""
        assert self.conn.session is not None
        if len(utterance.data) > self.conn.svc.settings.inline_audio_limit:
            return  # long utterances are not worth a second upload
        draft = utterance.speech_end_ms if self.conn.svc.settings.draft_replies else None
        if draft is not None:
            self.conn.drafts.offered(utterance.turn_id, draft)
        message = self._utterance_message(
            self.conn.session,
            utterance,
            await self._audio_payload(utterance),
            speculative=True,
            draft=draft,
        )
        await asyncio.to_thread(self.conn.svc.bus.publish, topics.VOICE_UTTERANCE, message)

    @staticmethod
    def _utterance_message(
        session: Session,
        utterance: Utterance,
        payload: AudioPayload,
        speculative: bool = False,
        draft: int | None = None,
    ) -> VoiceUtterance:
        return VoiceUtterance(
            session_id=session.id,
            turn_id=utterance.turn_id,
            user_id=session.user_id,
            audio=payload,
            stt_provider=session.stt_provider,
            stt_mode=utterance.mode,  # type: ignore[arg-type]
            language=utterance.language,
            ended_at=utterance.ended_at,
            speculative=speculative,
            draft=draft,
        )

    async def _audio_payload(self, utterance: Utterance) -> AudioPayload:
        assert self.conn.session is not None
        s = self.conn.svc.settings
        if len(utterance.data) <= s.inline_audio_limit:
            return AudioPayload(
                mime_type=utterance.mime_type,
                sample_rate=utterance.sample_rate,
                data_b64=base64.b64encode(utterance.data).decode(),
            )
        uri = await asyncio.to_thread(
            audio_store.put,
            s.project_id,
            s.audio_bucket,
            audio_store.utterance_prefix(self.conn.session.id) + utterance.turn_id,
            utterance.data,
            utterance.mime_type,
        )
        return AudioPayload(
            mime_type=utterance.mime_type, sample_rate=utterance.sample_rate, gcs_uri=uri
        )
