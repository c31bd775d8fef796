"""Clinic tools against the real CRM service (built-in backend, real HTTP, the same database):
the caller is the patient, found by their account's phone number, and nobody else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.crm.app import build_app
from functions.crm.builtin import BuiltinCrm
from functions.tools.clinic import crm_client
from shared.service_auth import SharedCredential
from tests.asgi_server import serving
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration
CREDENTIAL = "crm-credential"


@pytest.fixture
def crm(tools: ToolHarness, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    app = build_app(BuiltinCrm(tools.db), SharedCredential(CREDENTIAL), "US")
    with serving(app) as url:
        monkeypatch.setenv("CONVONET_ENV", "test")
        monkeypatch.setenv("CONVONET_CRM_URL", url)
        monkeypatch.setenv("CONVONET_CRM_TOKEN", CREDENTIAL)
        crm_client.crm_client.cache_clear()
        yield url
        crm_client.crm_client.cache_clear()


def _with_phone(tools: ToolHarness, name: str, phone: str, timezone: str | None = None) -> str:
    user = tools.user(name, timezone=timezone)
    tools.db.execute("UPDATE identity.users SET phone = :p WHERE id = :id", p=phone, id=user)
    return user


def test_a_caller_registers_books_logs_an_intake_and_leaves_a_summary(
    tools: ToolHarness, crm: str
) -> None:
    ada = _with_phone(tools, "Ada", "+14155550132", timezone="America/Los_Angeles")
    assert tools.call(ada, "check_patient_record") == {
        "ok": True,
        "registered": False,
        "patient": None,
    }
    assert (
        "not registered"
        in tools.refused(ada, "book_clinic_appointment", reason="x", start="2030-01-01T09:00")[
            "error"
        ]
    )
    first = tools.call(
        ada, "onboard_patient", first_name="Ada", last_name="Lovelace", dob="1990-12-10"
    )
    assert first["registered_now"] is True and first["patient"]["phone"] == "+14155550132"
    again = tools.call(ada, "onboard_patient", first_name="Ada", last_name="Lovelace")
    assert again["registered_now"] is False and again["patient"]["id"] == first["patient"]["id"]

    tomorrow = datetime.now(ZoneInfo("America/Los_Angeles")).date() + timedelta(days=1)
    booked = tools.call(
        ada,
        "book_clinic_appointment",
        reason="sore throat",
        start=f"{tomorrow}T09:30",
        duration_minutes=20,
    )
    assert booked["appointment"]["date_start"].startswith(f"{tomorrow}T09:30:00-0")
    intake = tools.call(
        ada,
        "log_clinical_intake",
        symptoms="sore throat and fever",
        since="Monday",
        severity="severe",
    )
    assert intake["case"]["priority"] == "high"
    note = tools.call(ada, "save_call_summary", summary="Booked for a sore throat.")
    assert note["note"]["content"] == "Booked for a sore throat."


def test_bad_input_and_a_caller_without_a_phone_are_refused(tools: ToolHarness, crm: str) -> None:
    ada = _with_phone(tools, "Ada", "+14155550132")
    tools.call(ada, "onboard_patient", first_name="Ada", last_name="Lovelace")
    assert (
        "passed"
        in tools.refused(ada, "book_clinic_appointment", reason="x", start="2020-01-01T09:00")[
            "error"
        ]
    )
    assert tools.refused(ada, "log_clinical_intake", symptoms="x", severity="awful")
    assert (
        "future"
        in tools.refused(ada, "onboard_patient", first_name="A", last_name="L", dob="2999-01-01")[
            "error"
        ]
    )
    nobody = tools.user("No Phone")
    assert "phone number on your account" in tools.refused(nobody, "check_patient_record")["error"]


def test_another_callers_record_is_out_of_reach(tools: ToolHarness, crm: str) -> None:
    ada = _with_phone(tools, "Ada", "+14155550132")
    bob = _with_phone(tools, "Bob", "+14155550177")
    tools.call(ada, "onboard_patient", first_name="Ada", last_name="Lovelace")
    assert tools.call(bob, "check_patient_record")["registered"] is False
    assert tools.refused(bob, "check_patient_record", phone="+14155550132")["reason"] == (
        "invalid_arguments"
    )
    assert "not registered" in tools.refused(bob, "save_call_summary", summary="x")["error"]


def test_a_crm_that_does_not_answer_makes_the_tool_unavailable(
    tools: ToolHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVONET_ENV", "test")
    monkeypatch.setenv("CONVONET_CRM_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CONVONET_CRM_TOKEN", CREDENTIAL)
    crm_client.crm_client.cache_clear()
    try:
        ada = _with_phone(tools, "Ada", "+14155550132")
        assert tools.outcome(ada, "check_patient_record").result["reason"] == "unavailable"
    finally:
        crm_client.crm_client.cache_clear()
