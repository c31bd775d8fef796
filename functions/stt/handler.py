"""``voice-utterance`` -> decode -> transcribe -> ``voice-transcript`` and ``transcript_final``.

Silence or noise yields an empty ``transcript_final`` (the client is told nothing was heard) and
no agent turn. Bad audio yields an ``error`` event with a precise code. A redelivered utterance
whose transcript was already published is skipped. A speculative snapshot is transcribed at a
pause and kept for the final utterance to reuse; ``speculation`` decides when.
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures
import logging
import time
from dataclasses import dataclass
from typing import TypeGuard

import numpy as np

from functions.stt import speculation
from shared import audio_store, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import StageTiming, VoiceTranscript, VoiceUtterance
from shared.handlers import channel_of, deliver, fallback_records, passed_over, tell_monitor
from shared.outbound import send_to_client
from shared.session_store import Session, SessionStore
from shared.speech import audio
from shared.speech.base import FallbackReport, ProviderError, Transcript, run_chain
from shared.speech.registry import ProviderRegistry
from shared.turn_record import TurnRecord, spans
from shared.ws_protocol import BargeCheck, Error, Status, TranscriptFinal

log = logging.getLogger(__name__)
# Speech over a reply is most often a backchannel: primed with a few, the offline model writes
# "Sure." and "Uh-huh." for them instead of "short" and a loop of "and" (bench/barge_in.py);
# interruptions ("No, cancel.") are heard as before.
BARGE_CHECK_HINTS = ("Mm-hmm. Sure. Okay. Uh-huh.",)
SERVICE = "stt"
_io = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="stt-io")


@dataclass(frozen=True)
class _Reads:
    """The Firestore reads for an utterance, running while its audio is decoded."""

    session: concurrent.futures.Future[Session | None]
    turn: concurrent.futures.Future[TurnRecord | None]


@dataclass(frozen=True)
class _Admitted:
    """An utterance whose audio decoded, for a session its sender holds and a turn still open."""

    session: Session
    turn: TurnRecord
    pcm: np.ndarray
    started: float
    decoded: float


@dataclass(frozen=True)
class _Heard:
    transcript: Transcript
    report: FallbackReport
    at: float  # when transcription ended
    commits_draft: int | None = None  # the snapshot whose transcript (and reply) this is


def _belongs_to_sender(session: Session | None, msg: VoiceUtterance) -> TypeGuard[Session]:
    """The utterance's session exists and is held by the user the utterance is from."""
    return session is not None and session.user_id == msg.user_id


def _for_agent(
    msg: VoiceUtterance, text: str, draft: int | None = None, commits: int | None = None
) -> VoiceTranscript:
    return VoiceTranscript(
        session_id=msg.session_id,
        turn_id=msg.turn_id,
        user_id=msg.user_id,
        text=text[:4000],
        source="voice",
        language=msg.language,
        received_at=msg.ended_at,
        draft=draft,
        commits_draft=commits,
    )


def _work_logged(job: _Admitted, heard: _Heard) -> dict[str, float | int]:
    return {
        "stt_ms": round((heard.at - job.decoded) * 1000, 1),
        "audio_ms": int(job.pcm.size / 16),
    }


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
        if msg.purpose == "barge_check":
            self._handle_barge_check(msg, time.time())
        elif msg.speculative:
            self._handle_snapshot(msg, time.time())
        else:
            self._handle_final(msg, time.time())

    # --- the two paths --------------------------------------------------------------------------

    def _handle_snapshot(self, msg: VoiceUtterance, started: float) -> None:
        """Transcribe a snapshot at a pause and keep it for the final utterance. Nothing is
        published and no failure is reported: the final utterance does both."""
        if speculation.is_stale(msg.ended_at, started):
            return  # a newer snapshot, or the final utterance, is already behind it
        reads = self._start_reads(msg)
        try:
            pcm = self._decode(msg)
        except audio.AudioError:
            return  # the final utterance will say what is wrong
        job = self._admit(msg, reads, pcm, started)
        if job is None or not speculation.worth_transcribing(job.turn, pcm):
            return  # the caller is mid-word, or the final is under way: the work would be wasted
        try:
            heard = self._hear(msg, job)
        except ProviderError:
            return  # the final utterance will try again
        self._keep(msg, job, heard)

    def _handle_barge_check(self, msg: VoiceUtterance, started: float) -> None:
        """Speech over a playing reply: send its words to the relay alone (``barge_check``),
        which decides whether it interrupted. The transcript is kept on the turn, so if the
        burst becomes a turn its final utterance reuses it; nothing is published."""
        reads = self._start_reads(msg)
        try:
            pcm = self._decode(msg)
        except audio.AudioError:
            pcm = None  # no words: the relay decides by the speech's length
        job = self._admit(msg, reads, pcm, started) if pcm is not None else None
        if pcm is not None and job is None:
            return
        text = ""
        if job is not None:
            try:
                heard = self._hear(msg, job)
                text = heard.transcript.text.strip()
                self._keep(msg, job, heard)
            except ProviderError:
                pass  # sent empty: the relay's bound on the wait decides
        session = job.session if job else reads.session.result()
        if not _belongs_to_sender(session, msg):
            return
        check = BargeCheck(turn_id=msg.turn_id, text=text[:4000])
        send_to_client(
            self.bus, msg.session_id, msg.turn_id, session.relay_id, check, "barge_check"
        )

    def _handle_final(self, msg: VoiceUtterance, started: float) -> None:
        """Transcribe (or reuse a snapshot's transcript for) the final utterance and publish it."""
        reads = self._start_reads(msg)
        try:
            pcm = self._decode(msg)
        except audio.AudioError as exc:
            self._reject(reads.session.result(), msg, exc.code, str(exc), started)
            return
        job = self._admit(msg, reads, pcm, started)
        if job is None:
            return
        try:
            heard = self._hear(msg, job)
        except ProviderError as exc:
            failed = "speech recognition failed; please try again"
            self._reject(job.session, msg, "stt_failed", failed, started, str(exc))
            return
        self._publish(msg, job, heard)

    # --- shared steps ---------------------------------------------------------------------------

    def _start_reads(self, msg: VoiceUtterance) -> _Reads:
        return _Reads(
            session=_io.submit(self.store.get_session, msg.session_id),
            turn=_io.submit(self.store.get_turn, msg.session_id, msg.turn_id),
        )

    def _decode(self, msg: VoiceUtterance) -> np.ndarray:
        raw = self._audio_bytes(msg)
        limit = self.settings.max_utterance_seconds
        return audio.decode(raw, msg.audio.mime_type, msg.audio.sample_rate, limit)

    def _admit(
        self, msg: VoiceUtterance, reads: _Reads, pcm: np.ndarray, started: float
    ) -> _Admitted | None:
        """The utterance with its session and turn, or None if it is not to be transcribed."""
        decoded = time.time()
        session = reads.session.result()
        if not _belongs_to_sender(session, msg):
            # Nothing is written to, or sent for, a session the sender does not hold.
            log.warning("utterance for an unknown session or another user; dropped")
            return None
        turn = reads.turn.result() or TurnRecord()
        if speculation.turn_is_settled(turn):
            log.info("utterance already transcribed or cancelled; skipped")
            return None
        return _Admitted(session, turn, pcm, started, decoded)

    def _hear(self, msg: VoiceUtterance, job: _Admitted) -> _Heard:
        """The transcript kept from a snapshot, if it still holds, else a new one."""
        report = FallbackReport()
        committed = None if msg.speculative else msg.draft
        transcript = speculation.committed_transcript(job.turn, committed)
        if transcript is None:
            committed = None
            transcript = speculation.reusable_transcript(job.turn, job.pcm)
        if transcript is None:
            transcript = self._transcribe(msg, job.pcm, report)
        else:
            report.provider = transcript.provider
        return _Heard(transcript, report, time.time(), committed)

    # --- what each path does with the transcript ------------------------------------------------

    def _keep(self, msg: VoiceUtterance, job: _Admitted, heard: _Heard) -> None:
        """Keep a snapshot's transcript for the final utterance; with a draft asked for, the
        agent prepares its reply now (held until the turn ends on this snapshot)."""
        text = heard.transcript.text.strip()
        draft = msg.draft if msg.speculative and msg.purpose == "turn" and text else None
        if draft is not None:  # first: the final utterance waits for this handler (ordered)
            self.bus.publish(topics.VOICE_TRANSCRIPT, _for_agent(msg, text, draft=draft))
            # The caller's words go out with the draft's audio, the relay holding both.
            self._tell_client(msg, job.session, text, heard.report, draft=draft)
        record = speculation.kept(job.pcm, heard.transcript.text, heard.report.provider, draft)
        self.store.update_turn(msg.session_id, msg.turn_id, TurnRecord(speculation=record))
        log.info("speculative transcript kept", extra=_work_logged(job, heard))

    def _publish(self, msg: VoiceUtterance, job: _Admitted, heard: _Heard) -> None:
        text = heard.transcript.text.strip()
        if text:
            committed = _for_agent(msg, text, commits=heard.commits_draft)
            self.bus.publish(topics.VOICE_TRANSCRIPT, committed)
        published = time.time()
        if heard.commits_draft is None:  # else the relay sent the draft's transcript_final
            self._tell_client(msg, job.session, text, heard.report)
        timings = [
            StageTiming(stage="stt_decode", started_at=job.started, ended_at=job.decoded),
            StageTiming(stage="stt", started_at=job.decoded, ended_at=heard.at),
            StageTiming(stage="transcript_published", started_at=heard.at, ended_at=published),
        ]
        self._record(msg, text, heard, timings)
        self._tell_monitor(msg, job.session, text, heard.report, timings)
        log.info(
            "utterance transcribed",
            extra={
                "provider": heard.report.provider,
                **_work_logged(job, heard),
                "empty": not text,
            },
        )

    def _tell_client(
        self,
        msg: VoiceUtterance,
        session: Session,
        text: str,
        report: FallbackReport,
        draft: int | None = None,
    ) -> None:
        final = TranscriptFinal(
            text=text,
            turn_id=msg.turn_id,
            stt_provider=report.provider or None,
            passed_over=passed_over(report.failures, self.registry.configured) or None,
        )
        relay = session.relay_id
        key = "transcript_final" if draft is None else f"draft:{draft}:transcript_final"
        send_to_client(self.bus, msg.session_id, msg.turn_id, relay, final, key, draft=draft)
        if not text:
            no_speech = Status(message="no_speech", turn_id=msg.turn_id)
            send_to_client(self.bus, msg.session_id, msg.turn_id, relay, no_speech, "no_speech")

    def _record(
        self, msg: VoiceUtterance, text: str, heard: _Heard, timings: list[StageTiming]
    ) -> None:
        record = TurnRecord(
            stt_done=True,
            transcript=text,
            stt_provider=heard.report.provider,
            status="transcribed" if text else "no_speech",
            timings=spans({t.stage: (t.started_at, t.ended_at) for t in timings}),
        )
        if heard.commits_draft is not None:
            record.committed_draft = heard.commits_draft
        self.store.update_turn(msg.session_id, msg.turn_id, record)

    def _tell_monitor(
        self,
        msg: VoiceUtterance,
        session: Session,
        text: str,
        report: FallbackReport,
        timings: list[StageTiming],
    ) -> None:
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

    def _transcribe(
        self, msg: VoiceUtterance, pcm: np.ndarray, report: FallbackReport
    ) -> Transcript:
        providers, skipped = self.registry.stt_chain(msg.stt_provider)
        report.failures.extend(skipped)
        hints = BARGE_CHECK_HINTS if msg.purpose == "barge_check" else ()
        return run_chain(
            providers,
            lambda p: p.transcribe(pcm, msg.language, hints),
            self.settings.provider_timeout_seconds,
            report,
        )

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
        rejected = TurnRecord(stt_done=True, status="rejected", error=code)
        self.store.update_turn(msg.session_id, msg.turn_id, rejected)
        tell_monitor(
            self.bus,
            SERVICE,
            msg,
            "turn_failed",
            msg.user_id,
            [StageTiming(stage="stt", started_at=started, ended_at=time.time())],
            detail=f"{code}: {detail or message}"[:2000],
        )
