"""End of the caller's input -> first audio sent back: the one latency only the relay sees.

The relay notes when each turn's input ended (the end of speech for a spoken turn, the arrival
of the text for a typed one) and, when the turn's first audio chunk goes out, records the
stage in the session's turn document and tells the monitor, so operators see where the time
went from the caller's side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

from shared import topics
from shared.bus import Bus
from shared.contracts import MonitorEvent, StageTiming
from shared.session_store import Session

log = logging.getLogger(__name__)
SPOKEN_STAGE = "end_of_speech_to_first_audio"
TYPED_STAGE = "text_to_first_audio"
InputKind = Literal["spoken", "typed"]
RecordStage = Callable[[str, str, float, float], None]


class FirstAudioReport:
    def __init__(self, bus: Bus, record_stage: RecordStage, remembered: int = 256):
        self.bus = bus
        self.record_stage = record_stage
        self.remembered = remembered
        self._input_ended: OrderedDict[str, tuple[float, InputKind]] = OrderedDict()

    def input_ended(self, turn_id: str, at: float, kind: InputKind) -> None:
        self._input_ended[turn_id] = (at, kind)
        while len(self._input_ended) > self.remembered:
            self._input_ended.popitem(last=False)

    def audio_sent(self, session: Session, turn_id: str) -> MonitorEvent | None:
        """The first audio of ``turn_id`` went out now: the event to publish (once per turn;
        None for later chunks and for turns whose input the relay did not see, a greeting)."""
        now = time.time()
        noted = self._input_ended.pop(turn_id, None)
        if noted is None:
            return None
        ended_at, kind = noted
        self.record_stage(turn_id, "first_audio_sent", now, now)
        return MonitorEvent(
            session_id=session.id,
            turn_id=turn_id,
            service="relay",
            kind="first_audio",
            user_id=session.user_id,
            channel="web",
            timings=[
                StageTiming(
                    stage=SPOKEN_STAGE if kind == "spoken" else TYPED_STAGE,
                    started_at=ended_at,
                    ended_at=max(now, ended_at),
                )
            ],
            at=now,
        )

    def publish(self, event: MonitorEvent) -> None:
        self.bus.publish(topics.MONITOR_EVENTS, event, ordered=False)

    def publish_soon(self, event: MonitorEvent) -> None:
        """Publish on a worker thread, off the caller's path. Not one of the connection's
        tasks: a caller who hangs up as the reply starts still has the wait recorded."""
        asyncio.get_running_loop().run_in_executor(None, self._publish_logged, event)

    def _publish_logged(self, event: MonitorEvent) -> None:
        try:
            self.publish(event)
        except Exception:
            log.warning("could not report first audio", exc_info=True)
