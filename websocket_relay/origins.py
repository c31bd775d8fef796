"""Which web pages may open the relay's WebSocket.

A browser always sends ``Origin``; without this check any page on the web could make its
visitors' browsers guess PINs. Clients that are not browsers (Twilio, native apps, tests) send
no ``Origin`` and are let through: the PIN is their gate, as it is for everyone.
"""

from __future__ import annotations

import re

from websockets.typing import Origin

from shared.settings import RelaySettings

LOOPBACK_ORIGIN = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?$")


def allowed_origins(settings: RelaySettings) -> list[Origin | re.Pattern[str] | None]:
    configured: list[Origin | re.Pattern[str] | None] = [
        Origin(o.strip().rstrip("/")) for o in settings.allowed_origins.split(",") if o.strip()
    ]
    if settings.is_local:
        configured.append(LOOPBACK_ORIGIN)
    return [*configured, None]  # None: no Origin header (not a browser)
