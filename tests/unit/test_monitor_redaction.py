"""The operator's view of a monitor turn record masks personal data and never shows a secret."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.monitor.records import stored_event
from functions.monitor.settings import expires_at
from functions.operator.redaction import for_role, redact_text
from shared.contracts import MonitorEvent, ToolCallRecord
from shared.monitoring.secrets import is_secret_name, mask_spoken_pins, without_secrets

pytestmark = pytest.mark.unit

member_ids = st.integers(0, 10**7 - 1).map(lambda n: f"BCP{n:07d}01")
claim_ids = st.integers(0, 10**7 - 1).map(lambda n: f"CLM-{n:07d}A")
phones = st.sampled_from(
    ["+14155550100", "(415) 555-0100", "415-555-0123", "415.555.0199", "+1 650 253 0000"]
)
amounts = st.builds(
    lambda d, c: f"${d:,}.{c:02d}", st.integers(1, 10**6), st.integers(0, 99)
) | st.sampled_from(["four hundred thousand dollars", "$1,896.20", "250 dollars"])
words = st.lists(
    st.sampled_from(["your", "claim", "balance", "is", "due", "for", "member", "thanks"]),
    min_size=1,
    max_size=4,
).map(" ".join)


@given(st.lists(st.tuples(words, st.one_of(member_ids, claim_ids, phones, amounts)), min_size=1))
def test_no_seeded_id_phone_or_amount_survives_and_the_words_stay(
    parts: list[tuple[str, str]],
) -> None:
    text = " ".join(f"{w} {sensitive}" for w, sensitive in parts) + " ok"
    masked = redact_text(text)
    for w, sensitive in parts:
        assert sensitive not in masked
        assert w in masked
    assert masked.endswith(" ok")


def test_dates_and_emails_are_masked() -> None:
    text = "born 1974-04-18, or April 18, 1974; mail bo@example.com"
    assert redact_text(text) == "born [date], or [date]; mail [email]"


def _record() -> dict[str, object]:
    call = {
        "call_id": "t1:x:1",
        "name": "find_member",
        "arguments": {"member_number": "BCP123456701", "phone": "415-555-0100"},
        "ok": True,
        "result_summary": '{"deductible_met": "$850.00"}',
        "duration_ms": 3.0,
    }
    return {
        "prompt": "my member id is BCP123456701",
        "reply": "you owe $1,896.20",
        "tool_calls": [call],
        "tool_executions": {"t1_x_1": {**call, "replayed": False}},
        "secret_note": "x",
    }


def test_an_operator_sees_masked_text_and_a_supervisor_the_whole_record() -> None:
    operator = for_role(_record(), "operator")
    assert operator["prompt"] == "my member id is [id]"
    assert operator["reply"] == "you owe [amount]"
    assert operator["tool_calls"][0]["arguments"] == {"member_number": "[id]", "phone": "[phone]"}
    assert "$850" not in operator["tool_executions"]["t1_x_1"]["result_summary"]
    supervisor = for_role(_record(), "supervisor")
    assert supervisor["prompt"] == "my member id is BCP123456701"
    assert "secret_note" not in supervisor and "secret_note" not in operator


@pytest.mark.parametrize(
    "name", ["pin", "PIN", "pin_code", "new_pin", "password", "client_secret", "api_key", "apiKey"]
)
def test_secret_names_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["title", "keyword", "spinner", "member_number", "call_id"])
def test_ordinary_names_are_kept(name: str) -> None:
    assert not is_secret_name(name)


def test_no_stored_event_holds_a_pin_or_secret() -> None:
    call = ToolCallRecord(
        call_id="t1:sign_in:1",
        name="sign_in",
        arguments={"pin": "246810", "nested": {"token": "abc", "ok": 1}, "title": "a"},
        ok=True,
        result_summary="{}",
        started_at=1.0,
        ended_at=2.0,
    )
    event = MonitorEvent(
        session_id="s1",
        turn_id="t1",
        service="tools",
        kind="tool_call",
        tool_calls=[call],
        text_in="my pin is 246810",
        at=1.0,
    )
    stored = stored_event(event, expires_at(1.0, 30))
    assert "246810" not in repr(stored) and "abc" not in repr(stored)
    assert stored["tool_calls"][0]["arguments"] == {"nested": {"ok": 1}, "title": "a"}
    assert without_secrets([{"password": 1}]) == [{}]
    assert mask_spoken_pins("PIN: 1234 please") == "PIN: [pin] please"
