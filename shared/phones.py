"""Phone numbers as we store them: E.164, whatever way a caller or a form wrote them."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    pass


def e164(raw: str, region: str = "US") -> str:
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"'{raw}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"'{raw}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
