"""W3C traceparent: parsing, formatting and child spans."""

import re

import pytest

from shared.tracing import TraceContext, continue_or_start, current_trace

pytestmark = pytest.mark.unit

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
HEADER = f"00-{TRACE}-{SPAN}-01"
SHAPE = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$")


def test_parse_valid_header() -> None:
    ctx = TraceContext.parse(HEADER)
    assert ctx == TraceContext(TRACE, SPAN, True)


def test_parse_not_sampled() -> None:
    ctx = TraceContext.parse(f"00-{TRACE}-{SPAN}-00")
    assert ctx is not None and ctx.sampled is False
    assert ctx.traceparent.endswith("-00")


def test_parse_sampled_flag_is_bit_zero() -> None:
    ctx = TraceContext.parse(f"00-{TRACE}-{SPAN}-03")
    assert ctx is not None and ctx.sampled is True
    ctx = TraceContext.parse(f"00-{TRACE}-{SPAN}-02")
    assert ctx is not None and ctx.sampled is False


def test_parse_tolerates_case_and_whitespace() -> None:
    ctx = TraceContext.parse(f"  00-{TRACE.upper()}-{SPAN.upper()}-01\n")
    assert ctx == TraceContext(TRACE, SPAN, True)


def test_format_round_trips() -> None:
    ctx = TraceContext.parse(HEADER)
    assert ctx is not None
    assert ctx.traceparent == HEADER
    assert TraceContext.parse(ctx.traceparent) == ctx


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "garbage",
        f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero span id
        f"01-{TRACE}-{SPAN}-01",  # unknown version
        f"ff-{TRACE}-{SPAN}-01",
        f"00-{TRACE[:-1]}-{SPAN}-01",  # short trace id
        f"00-{TRACE}0-{SPAN}-01",  # long trace id
        f"00-{TRACE}-{SPAN[:-1]}-01",  # short span id
        f"00-{TRACE}-{SPAN}0-01",
        f"00-{TRACE}-{SPAN}-1",  # short flags
        f"00-{TRACE}-{SPAN}-001",
        f"00-{TRACE}-{SPAN}",
        f"00-{TRACE[:-1]}g-{SPAN}-01",  # not hex
        f"00_{TRACE}_{SPAN}_01",
        f"{HEADER}-extra",
    ],
)
def test_invalid_headers_are_none(header: str | None) -> None:
    assert TraceContext.parse(header) is None


def test_child_keeps_trace_and_flags_with_a_new_span() -> None:
    parent = TraceContext(TRACE, SPAN, False)
    child = parent.child()
    assert child.trace_id == TRACE
    assert child.span_id != SPAN
    assert re.fullmatch(r"[0-9a-f]{16}", child.span_id)
    assert child.sampled is False
    assert child.child().span_id != child.span_id


def test_new_trace_is_well_formed_and_random() -> None:
    a, b = TraceContext.new(), TraceContext.new()
    assert SHAPE.match(a.traceparent)
    assert a.trace_id != b.trace_id
    assert a.sampled is True
    assert TraceContext.parse(a.traceparent) == a


def test_continue_or_start_continues_a_valid_parent() -> None:
    ctx = continue_or_start(HEADER)
    assert ctx.trace_id == TRACE
    assert ctx.span_id != SPAN


@pytest.mark.parametrize("header", [None, "", "bogus", f"00-{'0' * 32}-{SPAN}-01"])
def test_continue_or_start_starts_a_new_trace(header: str | None) -> None:
    ctx = continue_or_start(header)
    assert SHAPE.match(ctx.traceparent)
    assert ctx.trace_id not in (TRACE, "0" * 32)


def test_current_trace_defaults_to_none() -> None:
    assert current_trace.get() is None
