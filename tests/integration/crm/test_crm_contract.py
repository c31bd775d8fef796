"""One contract for both CRM backends: every operation has the same effect and gives the same
document, whether the built-in CRM (PostgreSQL) or SuiteCRM (through the fake V8 API) holds the
data. Each test states the exact documents it expects, so passing on both means they agree.
Then what each backend alone promises: the built-in CRM under concurrent calls, and SuiteCRM's
records as its own users see them."""

import pytest

pytestmark = pytest.mark.integration
# ruff: noqa: E402 - the tier marker leads the module, the imports follow it

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from functions.crm.backend import CrmBackend, CrmError
from functions.crm.backends import crm_backend
from functions.crm.builtin import BuiltinCrm
from functions.crm.models import (
    CaseCreate,
    MeetingCreate,
    NoteCreate,
    Patient,
    PatientCreate,
    PatientCreated,
    PatientsFound,
)
from functions.crm.suitecrm import SuiteCrm, SuiteCrmSettings
from shared.db import Database
from tests.fakes.suitecrm_server import FakeSuiteCrm
from tests.integration.crm.conftest import suitecrm_settings

ADA = PatientCreate(
    first_name="Ada",
    last_name="Lovelace",
    phone="(415) 555-0132",
    dob=date(1990, 12, 10),
    email="ada@example.org",
    address="12 Analytical Row, London",
)
ADA_PHONE = "+14155550132"
GRACE = PatientCreate(first_name="Grace", last_name="Hopper", phone="415 555 0199")
GRACE_PHONE = "+14155550199"
UNKNOWN_IDS = ["6f1d2c3b-0000-4000-8000-000000000000", "not-an-id", "x/../Cases?y=1"]
NINE_THIRTY_IN_LA = datetime(2027, 1, 5, 9, 30, tzinfo=ZoneInfo("America/Los_Angeles"))

T = TypeVar("T")


def ada(crm: CrmBackend) -> Patient:
    return crm.create_patient(ADA, ADA_PHONE).patient


def meeting(patient: Patient, subject: str = "Knee pain", **changes: Any) -> MeetingCreate:
    values: dict[str, Any] = {
        "patient_id": patient.id,
        "subject": subject,
        "date_start": NINE_THIRTY_IN_LA,
        "duration_minutes": 90,
        **changes,
    }
    return MeetingCreate(**values)


def refused(code: str, call: Callable[[], object]) -> CrmError:
    with pytest.raises(CrmError) as caught:
        call()
    assert caught.value.code == code, caught.value.message
    return caught.value


# patients -----------------------------------------------------------------------------------


def test_an_unknown_number_finds_nobody(crm: CrmBackend) -> None:
    assert crm.search_patients(ADA_PHONE) == PatientsFound(patients=[])


def test_a_new_patient_is_created_with_every_field_and_found_by_number(crm: CrmBackend) -> None:
    created = crm.create_patient(ADA, ADA_PHONE)
    assert created.created is True and created.patient.id
    assert created.patient.model_dump(exclude={"id"}) == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": ADA_PHONE,
        "dob": date(1990, 12, 10),
        "email": "ada@example.org",
        "address": "12 Analytical Row, London",
    }
    assert crm.search_patients(ADA_PHONE) == PatientsFound(patients=[created.patient])


def test_fields_not_given_stay_empty(crm: CrmBackend) -> None:
    patient = crm.create_patient(GRACE, GRACE_PHONE).patient
    assert (patient.dob, patient.email, patient.address) == (None, None, None)
    assert crm.search_patients(GRACE_PHONE).patients == [patient]


def test_a_known_number_finds_the_patient_instead_of_creating_another(crm: CrmBackend) -> None:
    first = crm.create_patient(ADA, ADA_PHONE)
    other_name = PatientCreate(first_name="Augusta", last_name="King", phone="+1 415 555 0132")
    again = crm.create_patient(other_name, ADA_PHONE)
    assert again == PatientCreated(patient=first.patient, created=False)
    assert crm.search_patients(ADA_PHONE).patients == [first.patient]


def test_each_number_finds_only_its_own_patient(crm: CrmBackend) -> None:
    ada_patient = ada(crm)
    grace = crm.create_patient(GRACE, GRACE_PHONE).patient
    assert crm.search_patients(ADA_PHONE).patients == [ada_patient]
    assert crm.search_patients(GRACE_PHONE).patients == [grace]
    assert crm.search_patients("+14155550100").patients == []


@pytest.mark.parametrize("phone", ["4155550132", "+1 415 555 0132", "+0123", ""])
def test_a_number_not_in_e164_is_refused(crm: CrmBackend, phone: str) -> None:
    refused("invalid_phone", lambda: crm.search_patients(phone))
    refused("invalid_phone", lambda: crm.create_patient(ADA, phone))


# cases --------------------------------------------------------------------------------------


@pytest.mark.parametrize("priority", ["low", "medium", "high"])
def test_a_case_is_opened_for_the_patient(crm: CrmBackend, priority: str) -> None:
    patient = ada(crm)
    request = CaseCreate.model_validate(
        {
            "patient_id": patient.id,
            "subject": "Billing question",
            "description": "Charged twice in March.",
            "priority": priority,
        }
    )
    case = crm.create_case(request)
    assert case.id and case.model_dump(exclude={"id"}) == {
        "patient_id": patient.id,
        "subject": "Billing question",
        "description": "Charged twice in March.",
        "priority": priority,
        "status": "open",
    }


@pytest.mark.parametrize("patient_id", UNKNOWN_IDS)
def test_no_case_for_an_unknown_patient(crm: CrmBackend, patient_id: str) -> None:
    ada(crm)
    error = refused(
        "patient_not_found", lambda: crm.create_case(CaseCreate(patient_id=patient_id, subject="x"))
    )
    assert error.status == 404


# meetings -----------------------------------------------------------------------------------


def test_a_meeting_opens_a_case_when_the_patient_has_none_of_its_subject(crm: CrmBackend) -> None:
    patient = ada(crm)
    result = crm.create_meeting(meeting(patient))
    assert result.case_created is True
    assert result.case.model_dump(exclude={"id"}) == {
        "patient_id": patient.id,
        "subject": "Knee pain",
        "description": "",
        "priority": "medium",
        "status": "open",
    }
    assert result.meeting.id and result.meeting.model_dump(exclude={"id"}) == {
        "patient_id": patient.id,
        "case_id": result.case.id,
        "subject": "Knee pain",
        "date_start": datetime(2027, 1, 5, 17, 30, tzinfo=UTC),
        "duration_minutes": 90,
    }


def test_a_meeting_of_the_same_subject_joins_the_open_case_whatever_its_letter_case(
    crm: CrmBackend,
) -> None:
    patient = ada(crm)
    first = crm.create_meeting(meeting(patient, "Knee pain"))
    second = crm.create_meeting(meeting(patient, "KNEE pain", duration_minutes=30))
    assert second.case_created is False
    assert second.case == first.case  # the case keeps the subject it was opened with
    assert second.meeting.case_id == first.case.id
    assert second.meeting.id != first.meeting.id
    assert second.meeting.subject == "KNEE pain" and second.meeting.duration_minutes == 30


def test_a_meeting_of_another_subject_opens_another_case(crm: CrmBackend) -> None:
    patient = ada(crm)
    knee = crm.create_meeting(meeting(patient, "Knee pain"))
    flu = crm.create_meeting(meeting(patient, "Flu shot"))
    assert flu.case_created is True and flu.case.id != knee.case.id


def test_a_meeting_joins_an_open_case_opened_by_hand(crm: CrmBackend) -> None:
    patient = ada(crm)
    by_hand = crm.create_case(
        CaseCreate(patient_id=patient.id, subject="Follow-up", priority="high", description="d")
    )
    result = crm.create_meeting(meeting(patient, "follow-up"))
    assert (result.case, result.case_created) == (by_hand, False)


def test_a_closed_case_is_not_joined(crm: CrmBackend, close_case: Callable[[str], None]) -> None:
    patient = ada(crm)
    first = crm.create_meeting(meeting(patient))
    close_case(first.case.id)
    again = crm.create_meeting(meeting(patient))
    assert again.case_created is True and again.case.id != first.case.id
    assert again.case.status == "open"


def test_another_patients_open_case_is_not_joined(crm: CrmBackend) -> None:
    grace = crm.create_patient(GRACE, GRACE_PHONE).patient
    graces = crm.create_meeting(meeting(grace))
    mine = crm.create_meeting(meeting(ada(crm)))
    assert mine.case_created is True and mine.case.id != graces.case.id


def test_a_meeting_goes_into_the_case_it_names(
    crm: CrmBackend, close_case: Callable[[str], None]
) -> None:
    patient = ada(crm)
    billing = crm.create_case(CaseCreate(patient_id=patient.id, subject="Billing"))
    close_case(billing.id)  # named, even a closed case takes the meeting
    result = crm.create_meeting(meeting(patient, "Call back", case_id=billing.id))
    assert result.case_created is False
    assert result.case == billing.model_copy(update={"status": "closed"})
    assert result.meeting.case_id == billing.id


@pytest.mark.parametrize("case_id", UNKNOWN_IDS)
def test_a_meeting_cannot_name_an_unknown_case(crm: CrmBackend, case_id: str) -> None:
    patient = ada(crm)
    error = refused("case_not_found", lambda: crm.create_meeting(meeting(patient, case_id=case_id)))
    assert error.status == 404


def test_a_meeting_cannot_name_another_patients_case(crm: CrmBackend) -> None:
    grace = crm.create_patient(GRACE, GRACE_PHONE).patient
    graces = crm.create_case(CaseCreate(patient_id=grace.id, subject="Knee pain"))
    patient = ada(crm)
    refused("case_not_found", lambda: crm.create_meeting(meeting(patient, case_id=graces.id)))


@pytest.mark.parametrize("patient_id", UNKNOWN_IDS)
def test_no_meeting_for_an_unknown_patient(crm: CrmBackend, patient_id: str) -> None:
    request = MeetingCreate(
        patient_id=patient_id, subject="s", date_start=NINE_THIRTY_IN_LA, duration_minutes=30
    )
    refused("patient_not_found", lambda: crm.create_meeting(request))


def test_meeting_times_keep_their_instant_to_the_second(crm: CrmBackend) -> None:
    precise = datetime(2027, 3, 1, 8, 15, 42, 987654, tzinfo=ZoneInfo("Asia/Seoul"))
    result = crm.create_meeting(meeting(ada(crm), date_start=precise, duration_minutes=480))
    assert result.meeting.date_start == datetime(2027, 2, 28, 23, 15, 42, tzinfo=UTC)
    assert result.meeting.duration_minutes == 480


# notes and health ---------------------------------------------------------------------------


def test_a_note_is_filed_for_the_patient(crm: CrmBackend) -> None:
    patient = ada(crm)
    note = crm.create_note(
        NoteCreate(patient_id=patient.id, subject="Call summary", content="Booked.\nWill call.")
    )
    assert note.id and note.model_dump(exclude={"id"}) == {
        "patient_id": patient.id,
        "subject": "Call summary",
        "content": "Booked.\nWill call.",
    }


@pytest.mark.parametrize("patient_id", UNKNOWN_IDS)
def test_no_note_for_an_unknown_patient(crm: CrmBackend, patient_id: str) -> None:
    request = NoteCreate(patient_id=patient_id, subject="s", content="c")
    refused("patient_not_found", lambda: crm.create_note(request))


def test_health_names_the_backend(crm: CrmBackend) -> None:
    health = crm.health()
    assert (health.status, health.backend) == ("ok", crm.name)


# which backend ------------------------------------------------------------------------------


def test_without_suitecrm_the_builtin_crm_is_used(db: Database) -> None:
    backend = crm_backend(lambda: db, SuiteCrmSettings(env="test"))
    assert isinstance(backend, BuiltinCrm) and backend.name == "builtin"
    assert backend.health().status == "ok"


def test_with_suitecrm_configured_it_is_used_and_no_database_is_opened(
    fake_suitecrm: FakeSuiteCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVONET_ENV", "test")
    monkeypatch.setenv("CONVONET_SUITECRM_URL", fake_suitecrm.base_url)
    monkeypatch.setenv("CONVONET_SUITECRM_CLIENT_ID", fake_suitecrm.client_id)
    monkeypatch.setenv("CONVONET_SUITECRM_CLIENT_SECRET", fake_suitecrm.client_secret)

    def no_database() -> Database:
        raise AssertionError("a SuiteCRM deployment must not open the database")

    backend = crm_backend(no_database)
    assert isinstance(backend, SuiteCrm) and backend.health().status == "ok"
    backend.close()


# the built-in CRM under concurrent calls ------------------------------------------------------


def concurrently(count: int, call: Callable[[], T]) -> list[T]:
    start = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(call())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


def test_builtin_simultaneous_creates_of_one_number_make_one_patient(
    builtin: BuiltinCrm, db: Database
) -> None:
    results = concurrently(8, lambda: builtin.create_patient(ADA, ADA_PHONE))
    assert sum(r.created for r in results) == 1
    assert len({r.patient.id for r in results}) == 1
    assert len(db.fetch_all("SELECT id FROM crm.patients")) == 1


def test_builtin_simultaneous_meetings_of_one_subject_share_one_case(
    builtin: BuiltinCrm, db: Database
) -> None:
    patient = ada(builtin)
    results = concurrently(6, lambda: builtin.create_meeting(meeting(patient)))
    assert sum(r.case_created for r in results) == 1
    assert len({r.case.id for r in results}) == 1
    assert len(db.fetch_all("SELECT id FROM crm.cases")) == 1
    assert len(db.fetch_all("SELECT id FROM crm.meetings")) == 6


# SuiteCRM's records, as its own users see them ------------------------------------------------


def test_suitecrm_records_carry_suitecrm_values_and_relationships(
    suitecrm: SuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    patient = ada(suitecrm)
    result = suitecrm.create_meeting(meeting(patient))
    note = suitecrm.create_note(NoteCreate(patient_id=patient.id, subject="s", content="c"))
    contact = fake_suitecrm.records("Contacts")[patient.id]
    assert (contact["phone_mobile"], contact["birthdate"]) == (ADA_PHONE, "1990-12-10")
    case = fake_suitecrm.records("Cases")[result.case.id]
    assert (case["priority"], case["status"], case["state"]) == ("P2", "Open_New", "Open")
    stored = fake_suitecrm.records("Meetings")[result.meeting.id]
    assert stored["date_start"] == "2027-01-05 17:30:00"
    assert stored["date_end"] == "2027-01-05 19:00:00"
    assert (stored["duration_hours"], stored["duration_minutes"]) == ("1", "30")
    assert (stored["parent_type"], stored["parent_id"]) == ("Cases", result.case.id)
    assert fake_suitecrm.related_ids("Contacts", patient.id, "cases") == {result.case.id}
    assert fake_suitecrm.related_ids("Contacts", patient.id, "meetings") == {result.meeting.id}
    assert fake_suitecrm.related_ids("Cases", result.case.id, "meetings") == {result.meeting.id}
    assert fake_suitecrm.related_ids("Contacts", patient.id, "notes") == {note.id}


@pytest.mark.parametrize(("ours", "theirs"), [("high", "P1"), ("medium", "P2"), ("low", "P3")])
def test_suitecrm_priorities(
    suitecrm: SuiteCrm, fake_suitecrm: FakeSuiteCrm, ours: str, theirs: str
) -> None:
    patient = ada(suitecrm)
    fields = {"patient_id": patient.id, "subject": "s", "priority": ours}
    case = suitecrm.create_case(CaseCreate.model_validate(fields))
    assert fake_suitecrm.records("Cases")[case.id]["priority"] == theirs


def test_suitecrm_time_labels_from_a_php_zone_other_than_utc_are_not_trusted() -> None:
    with FakeSuiteCrm(php_timezone="Europe/Paris") as paris:
        crm = SuiteCrm(suitecrm_settings(paris))
        try:
            result = crm.create_meeting(meeting(ada(crm)))
        finally:
            crm.close()
    assert result.meeting.date_start == datetime(2027, 1, 5, 17, 30, tzinfo=UTC)


def test_suitecrm_before_7_12_relationship_answers_without_attributes_still_work() -> None:
    with FakeSuiteCrm(legacy_relationships=True) as old:
        crm = SuiteCrm(suitecrm_settings(old))
        try:
            patient = ada(crm)
            first = crm.create_meeting(meeting(patient))
            second = crm.create_meeting(meeting(patient, "knee pain"))
        finally:
            crm.close()
    assert (second.case, second.case_created) == (first.case, False)


def test_suitecrm_contacts_a_person_entered_with_the_same_number_are_all_found(
    suitecrm: SuiteCrm, fake_suitecrm: FakeSuiteCrm
) -> None:
    first = ada(suitecrm).id
    # SuiteCRM has no unique phone index: a person can enter the same number twice by hand.
    second = fake_suitecrm.create(
        {"data": {"type": "Contacts", "attributes": {"last_name": "L", "phone_mobile": ADA_PHONE}}}
    )["data"]["id"]
    fake_suitecrm.update("Contacts", second, date_entered="2030-01-01 00:00:00")
    assert [p.id for p in suitecrm.search_patients(ADA_PHONE).patients] == [first, second]
    assert suitecrm.create_patient(ADA, ADA_PHONE).patient.id == first
