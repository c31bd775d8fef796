"""Phone numbers as the CRM stores them: E.164, whatever way a caller or a form wrote them."""

from __future__ import annotations

import phonenumbers

from functions.crm.backend import CrmError


def e164(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise CrmError("invalid_phone", f"'{raw}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise CrmError("invalid_phone", f"'{raw}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
