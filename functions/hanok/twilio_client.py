"""Reminders through Twilio's REST API, with the official SDK: an SMS (reply YES or CANCEL) or a
call that reads it out (inline ``<Say>`` TwiML). Twilio reports each one's progress to
``{hanok_public_url}/webhooks/hanok_table/status``.

``twilio_api_base_url`` (tests: a local fake) replaces only the API's host; the SDK's own request
building, authentication and error parsing run unchanged.
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from functions.hanok.config import Restaurant
from functions.hanok.reminders import DueReminder, ReminderFailed, SentReminder
from functions.hanok.settings import HanokSettings

REQUEST_TIMEOUT_SECONDS = 10.0
STATUS_CALLBACK_PATH = "/webhooks/hanok_table/status"
# Twilio refused the guest's number itself (invalid, unsubscribed, not reachable by SMS):
# retrying will not help. Every other error (auth, rate limits, 5xx) may pass next run.
NUMBER_REFUSED = frozenset({21211, 21217, 21610, 21612, 21614, 13223, 13224})


def twilio_client(settings: HanokSettings, timeout: float = REQUEST_TIMEOUT_SECONDS) -> Client:
    client = Client(
        settings.twilio_account_sid,
        settings.twilio_token(),
        http_client=TwilioHttpClient(timeout=timeout),
    )
    if settings.twilio_api_base_url:
        client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        client.edge = client.region = None  # no edge rewriting of a host that is not Twilio's
    return client


def status_callback_url(settings: HanokSettings) -> str:
    return settings.hanok_public_url.rstrip("/") + STATUS_CALLBACK_PATH


def spoken_time(restaurant: Restaurant, starts_at: datetime) -> tuple[str, str]:
    """("Friday, March 6", "7:30 PM") in the restaurant's zone."""
    local = starts_at.astimezone(restaurant.zone)
    return f"{local:%A, %B} {local.day}", local.strftime("%I:%M %p").lstrip("0")


def display_phone(phone: str) -> str:
    """+14155550188 as people write and say it: (415) 555-0188."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return phone
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def reminder_text(restaurant: Restaurant, reminder: DueReminder) -> str:
    day, time = spoken_time(restaurant, reminder.starts_at)
    if reminder.promoted:
        return (
            f"{restaurant.name}: good news, a table opened up. We are holding a table for "
            f"{reminder.party_size} on {day} at {time}, confirmation code {reminder.code}. "
            "Reply YES to confirm or CANCEL to cancel."
        )
    return (
        f"{restaurant.name}: a reminder of your table for {reminder.party_size} on {day} at "
        f"{time}, confirmation code {reminder.code}. "
        "Reply YES to confirm or CANCEL to cancel."
    )


def reminder_twiml(restaurant: Restaurant, reminder: DueReminder) -> str:
    day, time = spoken_time(restaurant, reminder.starts_at)
    code = ", ".join(reminder.code)  # read out one character at a time
    response = VoiceResponse()
    response.say(
        f"Hello {reminder.guest_name}, this is {restaurant.name}, reminding you of your table "
        f"for {reminder.party_size} on {day} at {time}. Your confirmation code is {code}. "
        f"To change or cancel it, call us at {display_phone(restaurant.phone)}. "
        "We look forward to seeing you."
    )
    return str(response.to_xml(xml_declaration=False))


def send_reminder(
    client: Client, settings: HanokSettings, restaurant: Restaurant, reminder: DueReminder
) -> SentReminder:
    """Hand the reminder to Twilio; ReminderFailed (with nothing sensitive) when it did not."""
    callback = status_callback_url(settings)
    try:
        if settings.reminder_channel == "call":
            call = client.calls.create(
                to=reminder.phone,
                from_=settings.twilio_from_number,
                twiml=reminder_twiml(restaurant, reminder),
                status_callback=callback,
            )
            return SentReminder(sid=str(call.sid), status=str(call.status))
        message = client.messages.create(
            to=reminder.phone,
            from_=settings.twilio_from_number,
            body=reminder_text(restaurant, reminder),
            status_callback=callback,
        )
        return SentReminder(sid=str(message.sid), status=str(message.status))
    except TwilioRestException as exc:  # its message may quote the number: keep only codes
        code = exc.code if isinstance(exc.code, int) else None
        raise ReminderFailed(
            "twilio_refused", permanent=code in NUMBER_REFUSED, code=code, status=exc.status
        ) from None
    except requests.Timeout:
        raise ReminderFailed("twilio_timeout", permanent=False) from None
    except (requests.RequestException, TwilioException) as exc:
        raise ReminderFailed(f"twilio_unreachable: {type(exc).__name__}", permanent=False) from None


class TwilioSender:
    """The ReminderSender of functions/hanok/reminders.py, over one SDK client."""

    def __init__(
        self, settings: HanokSettings, restaurant: Restaurant, client: Client | None = None
    ):
        self.settings = settings
        self.restaurant = restaurant
        self.client = client or twilio_client(settings)

    def send_reminder(self, reminder: DueReminder) -> SentReminder:
        return send_reminder(self.client, self.settings, self.restaurant, reminder)


def reminder_sender(settings: HanokSettings, restaurant: Restaurant) -> TwilioSender | None:
    """The sender, or None when Twilio is not configured (no reminders are sent)."""
    return TwilioSender(settings, restaurant) if settings.sends_reminders else None
