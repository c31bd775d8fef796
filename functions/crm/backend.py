"""The one interface both CRM backends implement, and the errors they raise."""

from __future__ import annotations

import re
from typing import Literal, Protocol

from functions.crm.models import (
    Case,
    CaseCreate,
    Health,
    MeetingCreate,
    MeetingCreated,
    Note,
    NoteCreate,
    PatientCreate,
    PatientCreated,
    PatientsFound,
)

ErrorCode = Literal[
    "invalid_phone", "patient_not_found", "case_not_found", "crm_unavailable", "crm_rejected"
]
STATUS: dict[ErrorCode, int] = {
    "invalid_phone": 400,
    "patient_not_found": 404,
    "case_not_found": 404,
    "crm_unavailable": 503,  # SuiteCRM down, timing out or answering 5xx
    "crm_rejected": 502,  # SuiteCRM refused what we sent (a 4xx after a token refresh)
}


class CrmError(Exception):
    """A request the CRM could not do; ``code`` is machine-readable, ``message`` is for people."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return STATUS[self.code]


E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def require_e164(phone: str) -> str:
    """The number as given, if it is E.164; the HTTP layer normalises first, so this only
    guards a caller that skipped it (the built-in CRM's CHECK would fail less helpfully)."""
    if not E164.fullmatch(phone):
        raise CrmError("invalid_phone", "the phone number must be in E.164 form, e.g. +14155550132")
    return phone


class CrmBackend(Protocol):
    @property
    def name(self) -> Literal["suitecrm", "builtin"]:
        """Which backend this is (read-only, so each may declare its own literal)."""
        ...

    def search_patients(self, phone_e164: str) -> PatientsFound: ...

    def create_patient(self, request: PatientCreate, phone_e164: str) -> PatientCreated:
        """Create the patient unless one with this phone number exists (then return it)."""
        ...

    def create_case(self, request: CaseCreate) -> Case: ...

    def create_meeting(self, request: MeetingCreate) -> MeetingCreated:
        """Schedule the meeting for the patient, in the given case or the patient's open case of
        the same subject (a new case when there is none)."""
        ...

    def create_note(self, request: NoteCreate) -> Note: ...

    def health(self) -> Health: ...
