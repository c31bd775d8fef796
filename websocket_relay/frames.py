"""Turn one raw WebSocket frame into a validated client frame, or a precise error."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from shared.ws_protocol import CLIENT_FRAME_TYPES, ClientFrame, Error, client_frame_adapter


@dataclass(frozen=True)
class FrameError(Exception):
    error: Error


def _fail(code: str, message: str) -> FrameError:
    return FrameError(Error(code=code, message=message))  # type: ignore[arg-type]


def parse_frame(raw: str | bytes, max_bytes: int) -> ClientFrame:
    if isinstance(raw, bytes):
        raise _fail(
            "binary_not_supported",
            f"binary frames are not accepted ({len(raw)} bytes); send JSON text frames"
            " with audio as base64 in data_b64",
        )
    if len(raw) > max_bytes:
        raise _fail(
            "frame_too_large",
            f"frame of {len(raw)} characters exceeds the limit of {max_bytes};"
            " send audio in chunks",
        )
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _fail(
            "invalid_json", f"frame is not valid JSON: {exc.msg} at position {exc.pos}"
        ) from exc
    if not isinstance(payload, dict):
        raise _fail("invalid_message", "frame must be a JSON object with a 'type' field")
    kind = payload.get("type")
    if kind is None:
        raise _fail("invalid_message", "missing field 'type'")
    if not isinstance(kind, str) or kind not in CLIENT_FRAME_TYPES:
        raise _fail(
            "unknown_type",
            f"unknown message type {str(kind)[:40]!r}; expected one of "
            + ", ".join(sorted(CLIENT_FRAME_TYPES)),
        )
    try:
        return client_frame_adapter.validate_python(payload)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err["loc"][1:]) or "frame"
            detail = "missing field" if err["type"] == "missing" else err["msg"]
            problems.append(f"{loc}: {detail}")
        raise _fail("invalid_message", f"invalid '{kind}' frame: " + "; ".join(problems)) from exc
