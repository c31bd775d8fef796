"""Hanok Table's webhooks: the reminder trigger (Cloud Scheduler, an authenticated service
caller) and Twilio's three (a reminder's status, a guest's SMS reply).

Every Twilio webhook must carry a valid ``X-Twilio-Signature``, computed over the URL Twilio
called: ``hanok_public_url`` and the path (and query), not the URL this instance sees behind
Hosting. Without one the answer is 403 ``invalid_signature`` and nothing changes. Missing
fields are 400 with a code; an unknown sid is 200 (Twilio would only send it again).

A guest's reply: YES (Y, CONFIRM) confirms their next reservation, CANCEL cancels it (a large
party with a pre-order first hears the retention offer, then CANCEL ANYWAY cancels), anything
else gets a short help text. Twilio handles STOP and START itself; those get no reply.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from functions.hanok.bookings import Bookings
from functions.hanok.config import Restaurant
from functions.hanok.errors import HanokError
from functions.hanok.models import Reservation
from functions.hanok.reminders import ReminderSender, record_status, send_due_reminders
from functions.hanok.settings import HanokSettings
from functions.hanok.twilio_client import display_phone, spoken_time
from shared.db import Database
from shared.http_service import error

log = logging.getLogger(__name__)
PREFIX = "/webhooks/hanok_table"
Clock = Callable[[], datetime]
_SID = re.compile(r"^(SM|MM|CA)[0-9a-f]{32}$")
_STATUS = re.compile(r"^[a-z][a-z_-]{0,31}$")
CONFIRM_WORDS = frozenset({"YES", "Y", "CONFIRM", "YES CONFIRM", "CONFIRMED"})
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "START", "UNSTOP"}
)
CANCEL_REASON = "cancelled by the guest's text message"


def utc_now() -> datetime:
    return datetime.now(UTC)


def webhook_routes(
    db: Database,
    restaurant: Restaurant,
    bookings: Bookings,
    settings: HanokSettings,
    service_caller_dependency: Callable[..., Any],
    sender: ReminderSender | None,
    clock: Clock = utc_now,
) -> APIRouter:
    """``service_caller_dependency`` is what ``Depends`` wraps: ``require_caller(check)``."""
    router = APIRouter(prefix=PREFIX, tags=["webhooks"])
    validator = RequestValidator(settings.twilio_token())
    public_url = settings.hanok_public_url.rstrip("/")
    replies = SmsReplies(db, restaurant, bookings, clock)

    @router.post("/reminders", dependencies=[Depends(service_caller_dependency)])
    def send_reminders() -> JSONResponse:
        """Send the reminders now due (Cloud Scheduler): ``{"sent", "failed", "skipped"}``."""
        if sender is None or not settings.sends_reminders:
            return error(503, "twilio_not_configured", "Twilio is not configured: no reminders")
        return JSONResponse(asdict(send_due_reminders(db, restaurant, sender, clock())))

    @router.post("/status", include_in_schema=False)
    async def reminder_status(request: Request) -> Response:
        form = await signed_form(request, validator, public_url)
        if isinstance(form, Response):
            return form
        fields = status_fields(form)
        if isinstance(fields, Response):
            return fields
        recorded = await run_in_threadpool(record_status, db, *fields)
        _log_status(form, fields, recorded)
        return JSONResponse({"recorded": recorded})

    @router.post("/sms", include_in_schema=False)
    async def sms_reply(request: Request) -> Response:
        form = await signed_form(request, validator, public_url)
        if isinstance(form, Response):
            return form
        phone, body = form.get("From"), form.get("Body")
        if not isinstance(phone, str) or not phone or not isinstance(body, str):
            return error(400, "missing_fields", "From and Body are required")
        text = await run_in_threadpool(replies.answer, phone, body)
        return twiml(text)

    return router


# -- Twilio's signature ----------------------------------------------------------------------


async def signed_form(
    request: Request, validator: RequestValidator, public_url: str
) -> FormData | Response:
    """The form Twilio posted, or the error response: 400 unreadable, 403 not signed by Twilio
    for this URL."""
    try:
        form = await request.form()
    except Exception:
        return error(400, "invalid_form", "the body is not a readable form")
    if any(not isinstance(value, str) for _, value in form.multi_items()):
        return error(400, "invalid_form", "Twilio's webhooks carry no files")
    query = f"?{request.url.query}" if request.url.query else ""
    url = public_url + request.url.path + query
    signature = request.headers.get("x-twilio-signature", "")
    if not signature or not validator.validate(url, form, signature):
        log.warning(
            "twilio webhook with an invalid signature",
            extra={"event": "twilio_signature_invalid", "path": request.url.path},
        )
        return error(403, "invalid_signature", "the request is not signed by Twilio")
    return form


# -- status callbacks ------------------------------------------------------------------------


def status_fields(form: FormData) -> tuple[str, str] | Response:
    """(sid, status) of a message's or a call's status callback."""
    if form.get("MessageSid") is not None:
        sid, status = form.get("MessageSid"), form.get("MessageStatus")
    else:
        sid, status = form.get("CallSid"), form.get("CallStatus")
    if not isinstance(sid, str) or not isinstance(status, str) or not sid or not status:
        required = "MessageSid and MessageStatus (or CallSid and CallStatus) are required"
        return error(400, "missing_fields", required)
    if not _SID.match(sid):
        return error(400, "invalid_sid", "not a Twilio message or call sid")
    if not _STATUS.match(status):
        return error(400, "invalid_status", "not a Twilio message or call status")
    return sid, status


def _log_status(form: FormData, fields: tuple[str, str], recorded: bool) -> None:
    code = form.get("ErrorCode")
    log.info(
        "reminder status",
        extra={
            "event": "reminder_status",
            "sid": fields[0],
            "status": fields[1],
            "twilio_error_code": code if isinstance(code, str) and code.isdigit() else None,
            "recorded": recorded,
        },
    )


# -- a guest's SMS reply ---------------------------------------------------------------------


def twiml(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), media_type="application/xml")


def intent(body: str) -> str:
    """confirm, cancel, cancel_anyway, opt_out (Twilio's keyword) or help."""
    text = " ".join(re.sub(r"[^A-Z]+", " ", body.upper()).split())
    if text in CONFIRM_WORDS:
        return "confirm"
    if text in ("CANCEL", "CANCEL ANYWAY"):
        return text.lower().replace(" ", "_")
    return "opt_out" if text in OPT_OUT_WORDS else "help"


class SmsReplies:
    """What a guest's reply does, and the text we answer (None: no reply)."""

    def __init__(self, db: Database, restaurant: Restaurant, bookings: Bookings, clock: Clock):
        self.db, self.restaurant, self.bookings, self.clock = db, restaurant, bookings, clock

    def answer(self, phone: str, body: str) -> str | None:
        wanted = intent(body)
        if wanted == "opt_out":
            return None
        if wanted == "help":
            return self.help_text()
        try:
            return self._act(wanted, phone, self.clock())
        except HanokError as exc:
            said = exc.message.rstrip(".")
            return f"{said[:1].upper()}{said[1:]}. {self.call_us()}"

    def _act(self, wanted: str, phone: str, now: datetime) -> str:
        with self.db.transaction() as tx:
            reservation = self.bookings.next_for_phone(tx, phone, now)
            if reservation is None:
                return f"We found no upcoming reservation for this number. {self.call_us()}"
            if wanted == "confirm":
                if reservation.status == "confirmed":
                    return f"Your {self.describe(reservation)} is already confirmed. See you then!"
                done = self.bookings.set_status(tx, reservation.id, "confirmed", now)
                return f"Thank you! Your {self.describe(done)} is confirmed. See you then!"
            outcome = self.bookings.cancel(
                tx,
                reservation.id,
                acknowledge_retention_offer=wanted == "cancel_anyway",
                reason=CANCEL_REASON,
                now=now,
            )
        if outcome.outcome == "retention_offer":
            return f"{outcome.offer} Reply CANCEL ANYWAY to cancel, or call {self.phone()}."
        return f"Your {self.describe(outcome.reservation)} is cancelled. We hope to see you soon."

    def describe(self, reservation: Reservation) -> str:
        day, time = spoken_time(self.restaurant, reservation.starts_at)
        return f"table for {reservation.party_size} on {day} at {time} (code {reservation.code})"

    def phone(self) -> str:
        return display_phone(self.restaurant.phone)

    def call_us(self) -> str:
        return f"For help, call {self.restaurant.name} at {self.phone()}."

    def help_text(self) -> str:
        return (
            f"{self.restaurant.name}: reply YES to confirm your reservation or CANCEL to cancel "
            f"it. For anything else, call us at {self.phone()}."
        )
