"""Turn one raw WebSocket frame into a validated client frame, or a precise error."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass

from pydantic import ValidationError

from shared.ws_protocol import CLIENT_FRAME_TYPES, ClientFrame, Error, client_frame_adapter


@dataclass(frozen=True)
class FrameError(Exception):
    error: Error


def _fail(code: str, message: str) -> FrameError:
    return FrameError(Error(code=code, message=message))  # type: ignore[arg-type]


MAX_NESTING = 32  # no client frame nests deeper than 3; json would recurse at ~1,000
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_DEPTH = {"[": 1, "{": 1, "]": -1, "}": -1}


def _nesting(raw: str) -> int:
    """How deeply the JSON text nests arrays and objects (brackets inside strings ignored)."""
    if raw.count("[") + raw.count("{") <= MAX_NESTING:
        return 0  # cannot nest deeper than the limit: skip the scan (audio frames land here)
    brackets = _BRACKET.findall(_JSON_STRING.sub("", raw))
    return max(itertools.accumulate(_DEPTH[b] for b in brackets), default=0)


def _load_json(raw: str) -> object:
    if _nesting(raw) > MAX_NESTING:
        raise _fail("invalid_json", f"frame nests deeper than {MAX_NESTING} levels")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _fail(
            "invalid_json", f"frame is not valid JSON: {exc.msg} at position {exc.pos}"
        ) from exc
    except RecursionError as exc:
        raise _fail("invalid_json", "frame is nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more digits than Python will convert
        raise _fail(
            "invalid_json", f"frame holds a value that cannot be read: {exc}"[:200]
        ) from exc


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
    payload = _load_json(raw)
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
