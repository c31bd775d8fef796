"""What each function does with a delivered message. Entry points in functions/ stay thin."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from shared import topics
from shared.bus import Bus, InboundMessage, InvalidMessage, parse
from shared.contracts import Contract, FallbackRecord, MonitorEvent, StageTiming
from shared.log import log_context
from shared.session_store import Session
from shared.tracing import continue_or_start
from shared.ws_protocol import MAX_PASSED_OVER, PassedOver, PassReason

C = TypeVar("C", bound=Contract)


def deliver(
    bus: Bus, topic: str, model: type[C], inbound: InboundMessage, handle: Callable[[C], None]
) -> None:
    """Parse a delivered message (dead-lettering what does not parse, which no retry would
    fix), then run ``handle`` inside the message's trace and session/turn log labels."""
    try:
        message = parse(model, inbound)
    except InvalidMessage as exc:
        bus.dead_letter(topic, inbound, str(exc))
        return
    trace = continue_or_start(inbound.attributes.get("traceparent"))
    with log_context(trace, session_id=message.session_id, turn_id=message.turn_id):
        handle(message)


def tell_monitor(
    bus: Bus,
    service: str,
    message: Contract,
    kind: str,
    user_id: str | None,
    timings: list[StageTiming],
    **extra: Any,
) -> None:
    """Tell the monitor what a stage did for a turn (unordered: the monitor merges by turn)."""
    bus.publish(
        topics.MONITOR_EVENTS,
        MonitorEvent(
            session_id=message.session_id,
            turn_id=message.turn_id,
            service=service,
            kind=kind,  # type: ignore[arg-type]
            user_id=user_id,
            timings=timings,
            at=time.time(),
            **extra,
        ),
        ordered=False,
    )


def fallback_records(failures: list[str]) -> list[FallbackRecord]:
    """The speech chain's "name: reason" failures as the monitor's typed records."""
    records = []
    for failure in failures[:10]:
        name, _, reason = failure.partition(": ")
        records.append(FallbackRecord(provider=name[:64] or "unknown", reason=reason[:500]))
    return records


def passed_over(failures: list[str], configured: Callable[[str], bool]) -> list[PassedOver]:
    """The speech chain's "name: reason" failures as the caller's ``passed_over`` entries:
    ``not_configured`` for a provider the deployment has no key for, else ``failed``."""
    found: list[PassedOver] = []
    for failure in failures:
        name = failure.partition(": ")[0][:64] or "unknown"
        if any(p.provider == name for p in found):
            continue
        reason: PassReason = "failed" if configured(name) else "not_configured"
        found.append(PassedOver(provider=name, reason=reason))
    return found[:MAX_PASSED_OVER]


def channel_of(session: Session | None) -> str | None:
    """The session's channel as the monitor records it (None for one it does not know)."""
    channel = session.channel if session is not None else None
    return channel if channel in ("web", "phone", "api") else None
