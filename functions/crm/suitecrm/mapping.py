"""SuiteCRM records to and from our documents (functions/crm/models.py).

Priorities are P1/P2/P3 there for high/medium/low here; a case is open unless its state or
status says Closed. SuiteCRM's date-times are UTC whatever zone label they carry. A record that
cannot be read as our document is ``crm_unavailable``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from functions.crm.backend import CrmError
from functions.crm.models import (
    Case,
    CasePriority,
    Meeting,
    MeetingCreate,
    Note,
    NoteCreate,
    Patient,
    PatientCreate,
)
from functions.crm.suitecrm.wire import Resource

PRIORITY_TO_SUITECRM: dict[CasePriority, str] = {"high": "P1", "medium": "P2", "low": "P3"}
PRIORITY_FROM_SUITECRM: dict[str, CasePriority] = {v: k for k, v in PRIORITY_TO_SUITECRM.items()}
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "phone_mobile",
    "birthdate",
    "email1",
    "primary_address_street",
    "date_entered",
)
CASE_FIELDS = ("name", "description", "priority", "status", "state", "date_entered")


# SuiteCRM's values -------------------------------------------------------------------------


def is_open(case: Resource) -> bool:
    return case.text("state") != "Closed" and not case.text("status").startswith("Closed")


def created_order(record: Resource) -> tuple[datetime, str]:
    """Oldest first; a record without a creation time before all others; then by id."""
    entered = record.text("date_entered")
    return (utc(entered) if entered else datetime.min.replace(tzinfo=UTC), record.id)


def utc(value: str) -> datetime:
    """A SuiteCRM date-time (``2027-01-05T17:30:00+00:00`` or ``2027-01-05 17:30:00``).
    SuiteCRM stores UTC and renders it with PHP's zone label, which is wrong when PHP's
    zone is not UTC: the wall-clock part is the UTC time, so the label is not trusted."""
    return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)


# our requests to SuiteCRM attributes --------------------------------------------------------


def contact_attributes(request: PatientCreate, phone: str) -> dict[str, str]:
    given = {
        "first_name": request.first_name,
        "last_name": request.last_name,
        "phone_mobile": phone,
        "birthdate": request.dob.isoformat() if request.dob else None,
        "email1": request.email,
        "primary_address_street": request.address,
    }
    return {name: value for name, value in given.items() if value is not None}


def case_attributes(subject: str, description: str, priority: CasePriority) -> dict[str, str]:
    return {
        "name": subject,
        "description": description,
        "priority": PRIORITY_TO_SUITECRM[priority],
        "status": "Open_New",
        "state": "Open",
    }


def meeting_attributes(request: MeetingCreate, case_id: str) -> dict[str, str | int]:
    hours, minutes = divmod(request.duration_minutes, 60)
    return {
        "name": request.subject,
        "date_start": request.date_start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "duration_hours": hours,
        "duration_minutes": minutes,
        "status": "Planned",
        "parent_type": "Cases",
        "parent_id": case_id,
    }


def note_attributes(request: NoteCreate, patient_id: str) -> dict[str, str]:
    return {
        "name": request.subject,
        "description": request.content,
        "parent_type": "Contacts",
        "parent_id": patient_id,
        "contact_id": patient_id,
    }


# SuiteCRM records to our documents ----------------------------------------------------------


@contextmanager
def _reading(module: str) -> Iterator[None]:
    try:
        yield
    except ValueError as exc:  # pydantic's ValidationError is one too
        message = f"SuiteCRM gave a {module} record that cannot be read"
        raise CrmError("crm_unavailable", message) from exc


def patient_from(contact: Resource) -> Patient:
    with _reading("Contacts"):
        birthdate = contact.optional("birthdate")
        return Patient(
            id=contact.id,
            first_name=contact.text("first_name"),
            last_name=contact.text("last_name"),
            phone=contact.text("phone_mobile"),
            dob=date.fromisoformat(birthdate[:10]) if birthdate else None,
            email=contact.optional("email1"),
            address=contact.optional("primary_address_street"),
        )


def case_from(case: Resource, patient_id: str) -> Case:
    with _reading("Cases"):
        return Case(
            id=case.id,
            patient_id=patient_id,
            subject=case.text("name"),
            description=case.text("description"),
            priority=PRIORITY_FROM_SUITECRM.get(case.text("priority"), "medium"),
            status="open" if is_open(case) else "closed",
        )


def meeting_from(meeting: Resource, patient_id: str, case_id: str) -> Meeting:
    with _reading("Meetings"):
        hours = int(meeting.text("duration_hours") or 0)
        minutes = int(meeting.text("duration_minutes") or 0)
        return Meeting(
            id=meeting.id,
            patient_id=patient_id,
            case_id=case_id,
            subject=meeting.text("name"),
            date_start=utc(meeting.text("date_start")),
            duration_minutes=hours * 60 + minutes,
        )


def note_from(note: Resource, patient_id: str) -> Note:
    with _reading("Notes"):
        return Note(
            id=note.id,
            patient_id=patient_id,
            subject=note.text("name"),
            content=note.text("description"),
        )
