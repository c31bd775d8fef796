"""``monitor-events`` -> Firestore collections the operator dashboards read.

The entry: parse (dead-lettering what no retry would fix), then ``MonitorStore.apply`` writes
the event, folds it into its turn's record and counts it, exactly once per event (see store.py
for the layout, records.py for the turn record, aggregates.py for the hourly counters).
"""

from __future__ import annotations

import hashlib
import logging

from google.cloud import firestore

from functions.monitor.store import MonitorStore
from shared import topics
from shared.bus import Bus, InboundMessage, InvalidMessage, parse
from shared.contracts import MonitorEvent

log = logging.getLogger(__name__)


def event_id(inbound: InboundMessage) -> str:
    """The Pub/Sub message id; without one (a local push), the data's digest, which a
    redelivery repeats."""
    return inbound.message_id or hashlib.sha256(inbound.data).hexdigest()[:32]


class MonitorHandler:
    def __init__(
        self, bus: Bus, client: firestore.Client, prefix: str = "", retention_days: int = 30
    ):
        self.bus = bus
        self.store = MonitorStore(client, prefix, retention_days)

    def handle(self, inbound: InboundMessage) -> None:
        try:
            event = parse(MonitorEvent, inbound)
        except InvalidMessage as exc:
            self.bus.dead_letter(topics.MONITOR_EVENTS, inbound, str(exc))
            return
        if not self.store.apply(event_id(inbound), event):
            log.info("monitor event already recorded; skipped", extra={"event": "duplicate"})
