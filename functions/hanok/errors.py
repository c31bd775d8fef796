"""A request Hanok Table cannot do as asked: an HTTP status, a machine-readable code, and a
message a guest (or the agent reading it aloud) can act on."""

from __future__ import annotations

from typing import Any


class HanokError(Exception):
    def __init__(self, status: int, code: str, message: str, **detail: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


def not_found() -> HanokError:
    return HanokError(404, "reservation_not_found", "there is no such reservation")
