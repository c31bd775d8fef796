"""What the CRM's routes take and give: the same documents whichever backend holds the data
(SuiteCRM 8, or the built-in CRM in PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

CasePriority = Literal["low", "medium", "high"]
CaseStatus = Literal["open", "closed"]
Id = str


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Document(BaseModel):
    model_config = ConfigDict(frozen=True)


class PatientSearch(Request):
    phone: str = Field(min_length=3, max_length=40, description="any common way of writing it")


class PatientCreate(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40)
    dob: date | None = Field(default=None, description="date of birth")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: str | None = Field(default=None, max_length=300)


class Patient(Document):
    id: Id
    first_name: str
    last_name: str
    phone: str = Field(description="E.164")
    dob: date | None = None
    email: str | None = None
    address: str | None = None


class PatientCreated(Document):
    patient: Patient
    created: bool = Field(description="false: a patient with this phone number already existed")


class PatientsFound(Document):
    patients: list[Patient]


class CaseCreate(Request):
    patient_id: Id = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    priority: CasePriority = "medium"


class Case(Document):
    id: Id
    patient_id: Id
    subject: str
    description: str
    priority: CasePriority
    status: CaseStatus


class MeetingCreate(Request):
    patient_id: Id = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200)
    date_start: AwareDatetime = Field(description="ISO 8601 with its UTC offset")
    duration_minutes: int = Field(ge=5, le=480)
    case_id: Id | None = Field(
        default=None,
        description="the case it belongs to; omitted: the patient's open case of "
        "the same subject, or a new one",
    )

    @field_validator("date_start")
    @classmethod
    def _whole_seconds(cls, value: datetime) -> datetime:
        # SuiteCRM keeps meeting times to the second; both backends then keep the same instant.
        return value.replace(microsecond=0)


class Meeting(Document):
    id: Id
    patient_id: Id
    case_id: Id
    subject: str
    date_start: datetime
    duration_minutes: int


class MeetingCreated(Document):
    meeting: Meeting
    case: Case
    case_created: bool


class NoteCreate(Request):
    patient_id: Id = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20000)


class Note(Document):
    id: Id
    patient_id: Id
    subject: str
    content: str


class Health(Document):
    status: Literal["ok", "degraded"]
    backend: Literal["suitecrm", "builtin"]
    detail: str = ""
