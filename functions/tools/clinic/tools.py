"""The clinic tools. The patient is always the caller, found in the CRM by the phone number on
their account: no tool takes a phone number or a patient id, so no caller reaches another
patient's record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from functions.tools.clinic.crm_client import crm_client
from shared.mcp_server import text
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool

NOT_REGISTERED = "you are not registered with the clinic yet; I can register you now"


def _caller_phone(ctx: CallContext) -> str:
    row = ctx.db.fetch_one("SELECT phone FROM identity.users WHERE id = :id", id=ctx.user_id)
    if row is None or not row["phone"]:
        raise ToolRefused("I need a phone number on your account to find your clinic record")
    return str(row["phone"])


def _patient(ctx: CallContext) -> dict[str, Any] | None:
    found = crm_client().post("/patient/search", {"phone": _caller_phone(ctx)})["patients"]
    return dict(found[0]) if found else None


def _registered(ctx: CallContext) -> dict[str, Any]:
    patient = _patient(ctx)
    if patient is None:
        raise ToolRefused(NOT_REGISTERED)
    return patient


class NoArgs(ToolArgs):
    pass


@tool(NoArgs, read_only=True)
def check_patient_record(ctx: CallContext, args: NoArgs) -> Result:
    """Whether the caller is registered with the clinic, and their record if so."""
    patient = _patient(ctx)
    return {"registered": patient is not None, "patient": patient}


class Onboard(ToolArgs):
    first_name: str = Field(min_length=1, max_length=100, description="the caller's first name")
    last_name: str = Field(min_length=1, max_length=100, description="the caller's last name")
    dob: date | None = Field(default=None, description="date of birth (YYYY-MM-DD)")
    email: str | None = Field(default=None, max_length=254, description="an email for reminders")


@tool(Onboard)
def onboard_patient(ctx: CallContext, args: Onboard) -> Result:
    """Register the caller with the clinic (their account's phone number becomes the record's);
    if they are registered already, say so and change nothing."""
    if args.dob is not None and args.dob > ctx.today:
        raise ToolRefused("a date of birth cannot be in the future")
    body = {
        "first_name": text.required(args.first_name, "first name", 100),
        "last_name": text.required(args.last_name, "last name", 100),
        "phone": _caller_phone(ctx),
        "dob": args.dob.isoformat() if args.dob else None,
        "email": args.email,
    }
    created = crm_client().post("/patient/create", body)
    return {"registered_now": created["created"], "patient": created["patient"]}


class BookAppointment(ToolArgs):
    reason: str = Field(min_length=1, max_length=200, description="why the caller wants to come in")
    start: datetime = Field(
        description="when (YYYY-MM-DDTHH:MM, the caller's local time unless an offset is given)"
    )
    duration_minutes: int = Field(default=30, ge=10, le=120, description="how long")


@tool(BookAppointment)
def book_clinic_appointment(ctx: CallContext, args: BookAppointment) -> Result:
    """Book the caller a clinic appointment, filed under their open case for the same reason."""
    start = args.start if args.start.tzinfo else args.start.replace(tzinfo=ctx.zone)
    if start <= ctx.now:
        raise ToolRefused("that time has already passed")
    patient = _registered(ctx)
    booked = crm_client().post(
        "/meeting/create",
        {
            "patient_id": patient["id"],
            "subject": text.required(args.reason, "reason", 200),
            "date_start": start.isoformat(),
            "duration_minutes": args.duration_minutes,
        },
    )
    meeting = booked["meeting"]
    meeting["date_start"] = ctx.local(datetime.fromisoformat(meeting["date_start"])).isoformat()
    return {"appointment": meeting, "case": booked["case"]}


class Intake(ToolArgs):
    symptoms: str = Field(min_length=1, max_length=2000, description="what the caller describes")
    since: str = Field(default="", max_length=200, description="since when, in their words")
    severity: Literal["mild", "moderate", "severe"] = Field(description="how bad it is for them")


@tool(Intake)
def log_clinical_intake(ctx: CallContext, args: Intake) -> Result:
    """Record the caller's symptoms as a case for the clinic's staff to review."""
    patient = _registered(ctx)
    priority = {"mild": "low", "moderate": "medium", "severe": "high"}[args.severity]
    description = text.clean(args.symptoms) + (
        f" Since: {text.clean(args.since)}." if args.since else ""
    )
    case = crm_client().post(
        "/case/create",
        {
            "patient_id": patient["id"],
            "subject": f"Intake: {text.clean(args.symptoms)[:80]}",
            "description": f"{description} Severity: {args.severity}.",
            "priority": priority,
        },
    )
    return {"case": case}


class Summary(ToolArgs):
    summary: str = Field(min_length=1, max_length=5000, description="what the call covered")


@tool(Summary)
def save_call_summary(ctx: CallContext, args: Summary) -> Result:
    """Save a summary of this call to the caller's clinic record, for the staff."""
    patient = _registered(ctx)
    note = crm_client().post(
        "/note/create",
        {
            "patient_id": patient["id"],
            "subject": f"Call summary {ctx.today.isoformat()}",
            "content": text.required(args.summary, "summary", 5000),
        },
    )
    return {"note": note}


TOOLS: list[ToolSpec[Any]] = [
    check_patient_record,
    onboard_patient,
    book_clinic_appointment,
    log_clinical_intake,
    save_call_summary,
]
