"""W3C trace context (``traceparent``) carried in Pub/Sub attributes, so one turn is one trace."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    sampled: bool = True

    @classmethod
    def new(cls) -> TraceContext:
        return cls(trace_id=secrets.token_hex(16), span_id=secrets.token_hex(8))

    @classmethod
    def parse(cls, header: str | None) -> TraceContext | None:
        if not header:
            return None
        match = _TRACEPARENT.match(header.strip().lower())
        if not match or set(match.group(1)) == {"0"} or set(match.group(2)) == {"0"}:
            return None
        return cls(match.group(1), match.group(2), bool(int(match.group(3), 16) & 1))

    def child(self) -> TraceContext:
        """A new span in the same trace: what a service uses for the work it does next."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.sampled)

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


current_trace: ContextVar[TraceContext | None] = ContextVar("current_trace", default=None)


def continue_or_start(header: str | None) -> TraceContext:
    """Continue the caller's trace with a child span, or start a new trace."""
    parent = TraceContext.parse(header)
    return parent.child() if parent else TraceContext.new()
