"""The SuiteCRM backend when SuiteCRM misbehaves: tokens that expire or are refused, 4xx and 5xx
answers, a SuiteCRM that hangs or is not there, and failures half-way through an operation
(nothing it created may stay behind). Then its settings, which fail at start when wrong."""

import pytest

pytestmark = pytest.mark.integration
# ruff: noqa: E402 - the tier marker leads the module, the imports follow it

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from functions.crm.backend import CrmError
from functions.crm.models import CaseCreate, MeetingCreate, Patient, PatientCreate
from functions.crm.suitecrm import SuiteCrm, SuiteCrmSettings
from local.services import free_port
from shared.settings import ConfigurationError
from tests.fakes.suitecrm_server import FakeSuiteCrm
from tests.integration.crm.conftest import MakeSuiteCrm

ADA = PatientCreate(first_name="Ada", last_name="Lovelace", phone="(415) 555-0132")
ADA_PHONE = "+14155550132"
TIMEOUT = 1.0  # the operation budget in these tests


@pytest.fixture
def crm(make_suitecrm: MakeSuiteCrm) -> SuiteCrm:
    return make_suitecrm(suitecrm_timeout_seconds=TIMEOUT)


@pytest.fixture
def patient(crm: SuiteCrm) -> Patient:
    return crm.create_patient(ADA, ADA_PHONE).patient


def knee_pain(patient: Patient) -> MeetingCreate:
    return MeetingCreate(
        patient_id=patient.id,
        subject="Knee pain",
        date_start=datetime(2027, 1, 5, 17, 30, tzinfo=UTC),
        duration_minutes=30,
    )


def refused(code: str, call: Callable[[], object]) -> CrmError:
    with pytest.raises(CrmError) as caught:
        call()
    assert caught.value.code == code, caught.value.message
    return caught.value


# tokens -------------------------------------------------------------------------------------


def test_one_token_serves_call_after_call(crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm) -> None:
    for _ in range(3):
        crm.search_patients(ADA_PHONE)
    assert fake_suitecrm.tokens_issued == 1
    assert fake_suitecrm.grants == ["client_credentials"]


def test_an_expired_token_is_replaced_once_and_the_call_retried(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    fake_suitecrm.expire_tokens()
    assert crm.search_patients(ADA_PHONE).patients == [patient]
    assert fake_suitecrm.tokens_issued == 2
    searches = fake_suitecrm.requests_to("GET", "Contacts")[-2:]
    assert [r.status for r in searches] == [401, 200]


def test_a_401_after_a_fresh_token_is_a_rejection_not_a_loop(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    crm.search_patients(ADA_PHONE)
    fake_suitecrm.fail_next(401, times=10)
    error = refused("crm_rejected", lambda: crm.search_patients(ADA_PHONE))
    assert error.status == 502
    assert fake_suitecrm.tokens_issued == 2  # the first, and exactly one fresh one
    assert len(fake_suitecrm.requests_to()) == 3  # the first search, then one try and one retry


def test_wrong_client_credentials_are_a_rejection(make_suitecrm: MakeSuiteCrm) -> None:
    crm = make_suitecrm(suitecrm_client_secret=SecretStr("not-the-secret"))
    refused("crm_rejected", lambda: crm.search_patients(ADA_PHONE))
    health = crm.health()
    assert (health.status, health.backend) == ("degraded", "suitecrm")
    assert health.detail.startswith("crm_rejected")


def test_the_password_grant_when_a_user_is_configured(
    make_suitecrm: MakeSuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    user = {"suitecrm_username": fake_suitecrm.username}
    crm = make_suitecrm(**user, suitecrm_password=SecretStr(fake_suitecrm.password))
    crm.search_patients(ADA_PHONE)
    assert fake_suitecrm.grants == ["password"]
    wrong = make_suitecrm(**user, suitecrm_password=SecretStr("wrong-password"))
    refused("crm_rejected", lambda: wrong.search_patients(ADA_PHONE))


# refusals and unavailability ------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_a_4xx_is_a_rejection_and_is_not_retried(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, status: int
) -> None:
    fake_suitecrm.fail_next(status, method="POST", module="Contacts")
    refused("crm_rejected", lambda: crm.create_patient(ADA, ADA_PHONE))
    assert len(fake_suitecrm.requests_to("POST", "Contacts")) == 1
    assert fake_suitecrm.records("Contacts") == {}


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_5xx_or_429_means_unavailable(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, status: int
) -> None:
    fake_suitecrm.fail_next(status)
    error = refused("crm_unavailable", lambda: crm.search_patients(ADA_PHONE))
    assert error.status == 503


def test_a_failing_token_endpoint_means_unavailable(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    fake_suitecrm.fail_next(500, endpoint="token")
    refused("crm_unavailable", lambda: crm.search_patients(ADA_PHONE))
    assert crm.search_patients(ADA_PHONE).patients == []  # and the next call gets a token


def test_a_hanging_suitecrm_times_out_as_unavailable(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    crm.search_patients(ADA_PHONE)
    fake_suitecrm.hang_next(TIMEOUT * 5)
    started = time.monotonic()
    refused("crm_unavailable", lambda: crm.search_patients(ADA_PHONE))
    assert time.monotonic() - started < TIMEOUT + 0.5


def test_a_hanging_token_endpoint_counts_against_the_same_deadline(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    fake_suitecrm.hang_next(TIMEOUT * 5, endpoint="token")
    started = time.monotonic()
    refused("crm_unavailable", lambda: crm.search_patients(ADA_PHONE))
    assert time.monotonic() - started < TIMEOUT + 0.5


def test_all_the_requests_of_one_operation_share_one_deadline(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    # Each step alone is under the budget; together they are over it.
    fake_suitecrm.hang_next(TIMEOUT * 0.6, method="GET", module="Contacts")
    fake_suitecrm.hang_next(TIMEOUT * 0.6, method="GET", module="Contacts")
    started = time.monotonic()
    refused("crm_unavailable", lambda: crm.create_meeting(knee_pain(patient)))
    assert time.monotonic() - started < TIMEOUT + 0.5
    assert fake_suitecrm.records("Cases") == {}


def test_no_suitecrm_at_the_address_means_unavailable() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/legacy"
    crm = SuiteCrm(SuiteCrmSettings(env="test", suitecrm_url=nowhere, suitecrm_client_id="c"))
    try:
        refused("crm_unavailable", lambda: crm.search_patients(ADA_PHONE))
        assert crm.health().detail.startswith("crm_unavailable")
    finally:
        crm.close()


# nothing half-written -----------------------------------------------------------------------


def test_a_failed_meeting_create_leaves_no_orphan_case(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    fake_suitecrm.fail_next(500, method="POST", module="Meetings")
    refused("crm_unavailable", lambda: crm.create_meeting(knee_pain(patient)))
    assert fake_suitecrm.records("Cases") == {}
    assert len(fake_suitecrm.records("Cases", include_deleted=True)) == 1  # made, then deleted
    assert fake_suitecrm.records("Meetings") == {}
    assert fake_suitecrm.related_ids("Contacts", patient.id, "cases") == set()


def test_a_timed_out_meeting_create_leaves_no_orphan_case(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    # SuiteCRM may still finish the held create later; the case is deleted all the same.
    fake_suitecrm.hang_next(TIMEOUT * 5, method="POST", module="Meetings")
    refused("crm_unavailable", lambda: crm.create_meeting(knee_pain(patient)))
    assert fake_suitecrm.records("Cases") == {}


def test_a_failed_meeting_keeps_the_case_it_found(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    case = crm.create_case(CaseCreate(patient_id=patient.id, subject="Knee pain"))
    fake_suitecrm.fail_next(500, method="POST", module="Meetings")
    refused("crm_unavailable", lambda: crm.create_meeting(knee_pain(patient)))
    assert list(fake_suitecrm.records("Cases")) == [case.id]


def test_a_meeting_not_linked_to_its_patient_is_deleted_with_its_new_case(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    fake_suitecrm.fail_next(500, method="POST", module="Meetings", path_part="/relationships")
    refused("crm_unavailable", lambda: crm.create_meeting(knee_pain(patient)))
    assert fake_suitecrm.records("Meetings") == {}
    assert fake_suitecrm.records("Cases") == {}


def test_a_case_not_linked_to_its_patient_is_deleted(
    crm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, patient: Patient
) -> None:
    fake_suitecrm.fail_next(400, method="POST", module="Cases", path_part="/relationships")
    request = CaseCreate(patient_id=patient.id, subject="Billing")
    refused("crm_rejected", lambda: crm.create_case(request))
    assert fake_suitecrm.records("Cases") == {}


def test_a_cleanup_that_fails_is_logged_and_the_first_error_kept(
    crm: SuiteCrm,
    fake_suitecrm: FakeSuiteCrm,
    patient: Patient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_suitecrm.fail_next(503, method="POST", module="Meetings")
    fake_suitecrm.fail_next(500, method="DELETE", module="Cases")
    with caplog.at_level(logging.WARNING, logger="functions.crm.suitecrm"):
        refused("crm_unavailable", lambda: crm.create_meeting(knee_pain(patient)))
    [orphan] = fake_suitecrm.records("Cases")
    logged = [r for r in caplog.records if "failed CRM operation" in r.getMessage()]
    assert [getattr(r, "record_id", None) for r in logged] == [orphan]


# settings -----------------------------------------------------------------------------------

PRODUCTION: dict[str, Any] = {
    "env": "production",
    "suitecrm_url": "https://crm.example.com/legacy",
    "suitecrm_client_id": "c0ffee00-5e7e-4c1a-9d2b-000000000001",
}


def test_no_url_means_not_configured() -> None:
    settings = SuiteCrmSettings(env="production")
    assert settings.configured is False
    with pytest.raises(ConfigurationError):
        SuiteCrm(settings)


@pytest.mark.parametrize("secret", [None, "", "changeme", "your-client-secret", "<secret>"])
def test_production_refuses_a_missing_or_placeholder_client_secret(secret: str | None) -> None:
    value = None if secret is None else SecretStr(secret)
    with pytest.raises(ConfigurationError, match="CONVONET_SUITECRM_CLIENT_SECRET"):
        SuiteCrmSettings(**PRODUCTION, suitecrm_client_secret=value)


def test_production_refuses_a_placeholder_password_with_the_password_grant() -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_SUITECRM_PASSWORD"):
        SuiteCrmSettings(
            **PRODUCTION,
            suitecrm_client_secret=SecretStr("a-real-looking-secret-5f1c"),
            suitecrm_username="frontdesk",
            suitecrm_password=SecretStr("password"),
        )


def test_production_accepts_real_secrets_and_needs_https() -> None:
    secret = SecretStr("a-real-looking-secret-5f1c")
    settings = SuiteCrmSettings(**PRODUCTION, suitecrm_client_secret=secret)
    assert settings.configured and not settings.uses_password_grant
    plain: dict[str, Any] = {**PRODUCTION, "suitecrm_url": "http://crm.example.com/legacy"}
    with pytest.raises(ConfigurationError, match="https"):
        SuiteCrmSettings(**plain, suitecrm_client_secret=secret)


@pytest.mark.parametrize(
    "wrong",
    [
        {"suitecrm_client_id": ""},
        {"suitecrm_url": "crm.example.com"},
        {"suitecrm_password": SecretStr("a-password-without-a-user")},
    ],
)
def test_incomplete_settings_fail_at_start_even_locally(wrong: dict[str, Any]) -> None:
    values: dict[str, Any] = {**PRODUCTION, "env": "local", **wrong}
    with pytest.raises(ConfigurationError):
        SuiteCrmSettings(**values)


def test_settings_come_from_convonet_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONVONET_SUITECRM_URL", "https://crm.example.com/legacy/")
    monkeypatch.setenv("CONVONET_SUITECRM_CLIENT_ID", "client-7")
    monkeypatch.setenv("CONVONET_SUITECRM_CLIENT_SECRET", "a-real-looking-secret-5f1c")
    monkeypatch.setenv("CONVONET_SUITECRM_USERNAME", "frontdesk")
    monkeypatch.setenv("CONVONET_SUITECRM_PASSWORD", "a-real-looking-password-77")
    monkeypatch.setenv("CONVONET_SUITECRM_TIMEOUT_SECONDS", "4.5")
    settings = SuiteCrmSettings(env="production")
    assert settings.api_root == "https://crm.example.com/legacy"
    assert (settings.suitecrm_client_id, settings.suitecrm_username) == ("client-7", "frontdesk")
    assert settings.uses_password_grant and settings.suitecrm_timeout_seconds == 4.5
