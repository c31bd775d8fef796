"""Phone numbers as the CRM stores them: E.164 (shared/phones.py), a CRM error otherwise."""

from __future__ import annotations

from functions.crm.backend import CrmError
from shared import phones


def e164(raw: str, region: str) -> str:
    try:
        return phones.e164(raw, region)
    except phones.InvalidPhone as exc:
        raise CrmError("invalid_phone", str(exc)) from None
