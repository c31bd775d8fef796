"""``voice-utterance`` -> decode -> transcribe -> ``voice-transcript`` and ``transcript_final``.

Silence or noise yields an empty ``transcript_final`` (the client is told nothing was heard) and
no agent turn. Bad audio yields an ``error`` event with a precise code. A redelivered utterance
whose transcript was already published is skipped.
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures
import logging
import time
from typing import Any, TypeGuard

import numpy as np

from shared import audio_store, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import StageTiming, VoiceTranscript, VoiceUtterance
from shared.handlers import channel_of, deliver, fallback_records, passed_over, tell_monitor
from shared.outbound import send_to_client
from shared.session_store import Session, SessionStore
from shared.speech import audio, vad
from shared.speech.base import FallbackReport, ProviderError, Transcript, run_chain
from shared.speech.registry import ProviderRegistry
from shared.ws_protocol import Error, Status, TranscriptFinal

log = logging.getLogger(__name__)
SERVICE = "stt"
_io = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="stt-io")


# A snapshot is worth transcribing only if it ends between words (a quiet 30 ms frame); the
# final utterance reuses the result only if nothing but silence follows it.
PAUSE_SAMPLES = 16_000 * 30 // 1000
STALE_SECONDS = 0.3  # a snapshot that waited longer than this is skipped unread


def _belongs_to_sender(session: Session | None, msg: VoiceUtterance) -> TypeGuard[Session]:
    """The utterance's session exists and is held by the user the utterance is from."""
    return session is not None and session.user_id == msg.user_id


def _ends_in_pause(pcm: np.ndarray) -> bool:
    return pcm.size > PAUSE_SAMPLES and not vad.has_speech(pcm[-PAUSE_SAMPLES:], min_speech_ms=30)


class SttHandler:
    def __init__(self, bus: Bus, store: SessionStore, registry: ProviderRegistry, project_id: str):
        self.bus = bus
        self.store = store
        self.registry = registry
        self.settings = registry.settings
        self.project_id = project_id

    def handle(self, inbound: InboundMessage) -> None:
        deliver(self.bus, topics.VOICE_UTTERANCE, VoiceUtterance, inbound, self._handle)

    def _handle(self, msg: VoiceUtterance) -> None:
        started = time.time()
        if msg.speculative and started - msg.ended_at > STALE_SECONDS:
            return  # a newer snapshot, or the final utterance, is already behind it
        # Firestore reads run while the audio is decoded and transcribed.
        session_f = _io.submit(self.store.get_session, msg.session_id)
        turn_f = _io.submit(self.store.get_turn, msg.session_id, msg.turn_id)
        try:
            raw = self._audio_bytes(msg)
            pcm = audio.decode(
                raw, msg.audio.mime_type, msg.audio.sample_rate, self.settings.max_utterance_seconds
            )
        except audio.AudioError as exc:
            if not msg.speculative:  # the final utterance will say what is wrong
                self._reject(session_f.result(), msg, exc.code, str(exc), started)
            return
        decoded = time.time()
        session = session_f.result()
        if not _belongs_to_sender(session, msg):
            # Nothing is written to, or sent for, a session the sender does not hold.
            log.warning("utterance for an unknown session or another user; dropped")
            return
        turn = turn_f.result() or {}
        if turn.get("stt_done") or turn.get("cancelled"):
            log.info("utterance already transcribed or cancelled; skipped")
            return
        if msg.speculative and (turn.get("source") or not _ends_in_pause(pcm)):
            # The final utterance is already on its way (the relay opened the turn), or the
            # caller is mid-word: either way this snapshot's transcript would go unused.
            return  # still speaking (or a stale snapshot): the work would be thrown away
        report = FallbackReport()
        try:
            transcript = self._reuse_speculation(turn, pcm)
            if transcript is None:
                transcript = self._transcribe(msg, pcm, report)
            else:
                report.provider = transcript.provider
        except ProviderError as exc:
            if msg.speculative:
                return
            self._reject(
                session,
                msg,
                "stt_failed",
                "speech recognition failed; please try again",
                started,
                str(exc),
            )
            return
        transcribed = time.time()
        if msg.speculative:
            self.store.update_turn(
                msg.session_id,
                msg.turn_id,
                speculation={
                    "samples": int(pcm.size),
                    "text": transcript.text,
                    "provider": report.provider,
                },
            )
            log.info(
                "speculative transcript kept",
                extra={
                    "stt_ms": round((transcribed - decoded) * 1000, 1),
                    "audio_ms": int(pcm.size / 16),
                },
            )
            return
        text = transcript.text.strip()
        if text:
            self.bus.publish(
                topics.VOICE_TRANSCRIPT,
                VoiceTranscript(
                    session_id=msg.session_id,
                    turn_id=msg.turn_id,
                    user_id=msg.user_id,
                    text=text[:4000],
                    source="voice",
                    language=msg.language,
                    received_at=msg.ended_at,
                ),
            )
        published = time.time()
        send_to_client(
            self.bus,
            msg.session_id,
            msg.turn_id,
            session.relay_id,
            TranscriptFinal(
                text=text,
                turn_id=msg.turn_id,
                stt_provider=report.provider or None,
                passed_over=passed_over(report.failures, self.registry.configured) or None,
            ),
            "transcript_final",
        )
        if not text:
            send_to_client(
                self.bus,
                msg.session_id,
                msg.turn_id,
                session.relay_id,
                Status(message="no_speech", turn_id=msg.turn_id),
                "no_speech",
            )
        timings = [
            StageTiming(stage="stt_decode", started_at=started, ended_at=decoded),
            StageTiming(stage="stt", started_at=decoded, ended_at=transcribed),
            StageTiming(stage="transcript_published", started_at=transcribed, ended_at=published),
        ]
        self.store.update_turn(
            msg.session_id,
            msg.turn_id,
            stt_done=True,
            transcript=text,
            stt_provider=report.provider,
            status="transcribed" if text else "no_speech",
            timings={
                t.stage: {"started_at": t.started_at, "ended_at": t.ended_at} for t in timings
            },
        )
        tell_monitor(
            self.bus,
            SERVICE,
            msg,
            "fallback" if report.failures else "turn_started",
            msg.user_id,
            timings,
            text_in=text,
            detail="; ".join(report.failures)[:2000] or f"provider {report.provider}",
            provider=report.provider or None,
            fallbacks=fallback_records(report.failures),
            channel=channel_of(session),
        )
        log.info(
            "utterance transcribed",
            extra={
                "provider": report.provider,
                "stt_ms": round((transcribed - decoded) * 1000, 1),
                "audio_ms": int(pcm.size / 16),
                "empty": not text,
            },
        )

    def _transcribe(
        self, msg: VoiceUtterance, pcm: np.ndarray, report: FallbackReport
    ) -> Transcript:
        providers, skipped = self.registry.stt_chain(msg.stt_provider)
        report.failures.extend(skipped)
        return run_chain(
            providers,
            lambda p: p.transcribe(pcm, msg.language),
            self.settings.provider_timeout_seconds,
            report,
        )

    @staticmethod
    def _reuse_speculation(turn: dict[str, Any], pcm: np.ndarray) -> Transcript | None:
        """The transcript made at the caller's pause, if all that came after it is silence."""
        spec = turn.get("speculation")
        if not spec or not 0 < int(spec["samples"]) <= pcm.size:
            return None
        if vad.has_speech(pcm[int(spec["samples"]) :], min_speech_ms=60):
            return None
        return Transcript(spec["text"], spec["provider"], no_speech=not spec["text"])

    def _audio_bytes(self, msg: VoiceUtterance) -> bytes:
        if msg.audio.data_b64 is not None:
            try:
                return base64.b64decode(msg.audio.data_b64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise audio.AudioError("bad_audio", "utterance audio is not valid base64") from exc
        assert msg.audio.gcs_uri is not None
        self._check_audio_location(msg, msg.audio.gcs_uri)
        return audio_store.get(self.project_id, msg.audio.gcs_uri)

    def _check_audio_location(self, msg: VoiceUtterance, uri: str) -> None:
        """Read only what the relay wrote for this session: our bucket, the session's prefix.
        A message naming any other object would make stt fetch (and transcribe) it."""
        bucket, name = audio_store.split_uri(uri)
        prefix = audio_store.utterance_prefix(msg.session_id)
        if bucket == self.settings.audio_bucket and name.startswith(prefix) and name != prefix:
            return
        log.warning(
            "utterance audio outside the session's storage; not fetched",
            extra={"bucket": bucket[:100], "object": name[:300]},
        )
        raise audio.AudioError(
            "bad_audio", "the utterance audio is not where this session keeps it"
        )

    def _reject(
        self,
        session: Session | None,
        msg: VoiceUtterance,
        code: str,
        message: str,
        started: float,
        detail: str = "",
    ) -> None:
        log.info("utterance rejected", extra={"code": code, "reason": (detail or message)[:300]})
        if not _belongs_to_sender(session, msg):
            # A message naming another user's session must neither reach that caller nor end
            # their turn (nor mark it failed in the monitor's record of it).
            log.warning("rejected utterance for an unknown session or another user; not told")
            return
        send_to_client(
            self.bus,
            msg.session_id,
            msg.turn_id,
            session.relay_id,
            Error(code=code, message=message, turn_id=msg.turn_id),
            f"error:{code}",
        )  # type: ignore[arg-type]
        self.store.update_turn(
            msg.session_id, msg.turn_id, stt_done=True, status="rejected", error=code
        )
        tell_monitor(
            self.bus,
            SERVICE,
            msg,
            "turn_failed",
            msg.user_id,
            [StageTiming(stage="stt", started_at=started, ended_at=time.time())],
            detail=f"{code}: {detail or message}"[:2000],
        )
