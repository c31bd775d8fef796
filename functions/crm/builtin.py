"""The built-in CRM: patients, cases, meetings and notes in PostgreSQL (schema ``crm``, migration
0009), for a front desk with no SuiteCRM.

Every create runs in one transaction, so a failure leaves nothing half-written. Two calls that
race are safe: the phone number's UNIQUE index decides which patient exists, and a meeting locks
its patient's row while it finds or opens the case, so two meetings of one subject share a case.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from functions.crm.backend import CrmError, require_e164
from functions.crm.models import (
    Case,
    CaseCreate,
    Health,
    Meeting,
    MeetingCreate,
    MeetingCreated,
    Note,
    NoteCreate,
    Patient,
    PatientCreate,
    PatientCreated,
    PatientsFound,
)
from shared.db import Database, Queries, Row

log = logging.getLogger(__name__)

# Queries are literal text with named parameters: nothing is ever formatted into SQL.
_FIND_BY_PHONE = (
    "SELECT id, first_name, last_name, phone, dob, email, address FROM crm.patients"
    " WHERE phone = :phone ORDER BY created_at, id"
)
_EXISTING_PATIENT = "SELECT id FROM crm.patients WHERE id = CAST(:id AS uuid)"
_EXISTING_PATIENT_LOCKED = _EXISTING_PATIENT + " FOR NO KEY UPDATE"


class BuiltinCrm:
    name: Literal["builtin"] = "builtin"

    def __init__(self, db: Database):
        self.db = db

    def search_patients(self, phone_e164: str) -> PatientsFound:
        rows = self.db.fetch_all(_FIND_BY_PHONE, phone=require_e164(phone_e164))
        return PatientsFound(patients=[_patient(row) for row in rows])

    def create_patient(self, request: PatientCreate, phone_e164: str) -> PatientCreated:
        phone = require_e164(phone_e164)
        # Insert-or-find: the UNIQUE index settles a race; the loser's INSERT waits for the
        # winner's commit, does nothing, and its SELECT (a new snapshot) then sees the winner.
        for _ in range(3):  # a winner rolled back or removed in between: insert again
            with self.db.transaction() as tx:
                row = _insert_patient(tx, request, phone)
                if row is not None:
                    return PatientCreated(patient=_patient(row), created=True)
                row = tx.fetch_one(_FIND_BY_PHONE, phone=phone)
                if row is not None:
                    return PatientCreated(patient=_patient(row), created=False)
        raise CrmError("crm_unavailable", "the patient could not be saved; try again")

    def create_case(self, request: CaseCreate) -> Case:
        with self.db.transaction() as tx:
            patient_id = _existing_patient(tx, request.patient_id)
            row = _insert_case(
                tx, patient_id, request.subject, request.description, request.priority
            )
        return _case(row)

    def create_meeting(self, request: MeetingCreate) -> MeetingCreated:
        with self.db.transaction() as tx:
            # The lock serialises find-or-open per patient: without it two meetings of one
            # subject could each miss the other's new case and open a second one.
            patient_id = _existing_patient(tx, request.patient_id, lock=True)
            case, case_created = _case_for_meeting(tx, patient_id, request)
            row = tx.fetch_one(
                "INSERT INTO crm.meetings"
                " (id, patient_id, case_id, subject, date_start, duration_minutes)"
                " VALUES (CAST(:id AS uuid), CAST(:patient_id AS uuid), CAST(:case_id AS uuid),"
                " :subject, :date_start, :duration_minutes)"
                " RETURNING id, patient_id, case_id, subject, date_start, duration_minutes",
                id=str(uuid.uuid4()),
                patient_id=patient_id,
                case_id=str(case["id"]),
                subject=request.subject,
                date_start=request.date_start,
                duration_minutes=request.duration_minutes,
            )
        assert row is not None  # INSERT ... RETURNING gives its row
        return MeetingCreated(meeting=_meeting(row), case=_case(case), case_created=case_created)

    def create_note(self, request: NoteCreate) -> Note:
        with self.db.transaction() as tx:
            patient_id = _existing_patient(tx, request.patient_id)
            row = tx.fetch_one(
                "INSERT INTO crm.notes (id, patient_id, subject, content)"
                " VALUES (CAST(:id AS uuid), CAST(:patient_id AS uuid), :subject, :content)"
                " RETURNING id, patient_id, subject, content",
                id=str(uuid.uuid4()),
                patient_id=patient_id,
                subject=request.subject,
                content=request.content,
            )
        assert row is not None
        return _note(row)

    def health(self) -> Health:
        try:
            self.db.fetch_one("SELECT 1 AS ok FROM crm.patients LIMIT 1")
        except Exception as exc:  # any failure: report it, /health must still answer
            log.warning("built-in CRM health check failed", exc_info=True)
            return Health(status="degraded", backend="builtin", detail=type(exc).__name__)
        return Health(status="ok", backend="builtin")


def _insert_patient(tx: Queries, request: PatientCreate, phone: str) -> Row | None:
    return tx.fetch_one(
        "INSERT INTO crm.patients (id, first_name, last_name, phone, dob, email, address)"
        " VALUES (CAST(:id AS uuid), :first_name, :last_name, :phone, :dob, :email, :address)"
        " ON CONFLICT (phone) DO NOTHING"
        " RETURNING id, first_name, last_name, phone, dob, email, address",
        id=str(uuid.uuid4()),
        first_name=request.first_name,
        last_name=request.last_name,
        phone=phone,
        dob=request.dob,
        email=request.email,
        address=request.address,
    )


def _existing_patient(tx: Queries, patient_id: str, lock: bool = False) -> str:
    """The patient's id, checked to exist (optionally locked until the transaction ends)."""
    canonical = _uuid(patient_id)
    row = None
    if canonical is not None:
        row = tx.fetch_one(_EXISTING_PATIENT_LOCKED if lock else _EXISTING_PATIENT, id=canonical)
    if row is None:
        raise CrmError("patient_not_found", "no patient has this id")
    return str(row["id"])


def _case_for_meeting(tx: Queries, patient_id: str, request: MeetingCreate) -> tuple[Row, bool]:
    """The meeting's case and whether it was opened for it: the case named, else the patient's
    oldest open case of the same subject (any letter case), else a new one."""
    if request.case_id is not None:
        named, case_id = None, _uuid(request.case_id)
        if case_id is not None:
            named = tx.fetch_one(
                "SELECT id, patient_id, subject, description, priority, status FROM crm.cases"
                " WHERE id = CAST(:id AS uuid) AND patient_id = CAST(:patient_id AS uuid)",
                id=case_id,
                patient_id=patient_id,
            )
        if named is None:  # another patient's case is as unknown here as no case at all
            raise CrmError("case_not_found", "this patient has no case with this id")
        return named, False
    open_case = tx.fetch_one(
        "SELECT id, patient_id, subject, description, priority, status FROM crm.cases"
        " WHERE patient_id = CAST(:patient_id AS uuid)"
        " AND status = 'open' AND lower(subject) = lower(:subject)"
        " ORDER BY created_at, id LIMIT 1",
        patient_id=patient_id,
        subject=request.subject,
    )
    if open_case is not None:
        return open_case, False
    return _insert_case(tx, patient_id, request.subject, "", "medium"), True


def _insert_case(
    tx: Queries, patient_id: str, subject: str, description: str, priority: str
) -> Row:
    row = tx.fetch_one(
        "INSERT INTO crm.cases (id, patient_id, subject, description, priority, status)"
        " VALUES (CAST(:id AS uuid), CAST(:patient_id AS uuid), :subject, :description,"
        " :priority, 'open') RETURNING id, patient_id, subject, description, priority, status",
        id=str(uuid.uuid4()),
        patient_id=patient_id,
        subject=subject,
        description=description,
        priority=priority,
    )
    assert row is not None
    return row


def _uuid(value: str) -> str | None:
    """The id in canonical form, or None when it cannot be one of ours (not a uuid)."""
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        return None
    return canonical if canonical == value.lower() else None


def _ids(row: Row, *names: str) -> dict[str, Any]:
    return {**row, **{name: str(row[name]) for name in names}}


def _patient(row: Row) -> Patient:
    return Patient.model_validate(_ids(row, "id"))


def _case(row: Row) -> Case:
    return Case.model_validate(_ids(row, "id", "patient_id"))


def _meeting(row: Row) -> Meeting:
    return Meeting.model_validate(_ids(row, "id", "patient_id", "case_id"))


def _note(row: Row) -> Note:
    return Note.model_validate(_ids(row, "id", "patient_id"))
