"""Hypothesis strategies over the relay's WebSocket protocol: well-formed frames with wild
field values, frames of the wrong shape, and text that is not JSON at all."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

from shared.ws_protocol import CLIENT_FRAME_TYPES

FIELDS = (
    "pin",
    "account",
    "stt_provider",
    "tts_provider",
    "stt_mode",
    "language",
    "mime_type",
    "sample_rate",
    "sequence",
    "data_b64",
    "turn_id",
    "text",
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
interesting = st.sampled_from(
    [
        "",
        "a/b",
        "..",
        "0" * 65,
        "480913",
        "246810",
        "\u0000",
        "\ud7ff\U0001f600",
        "audio/webm;codecs=opus",
        "audio/wav",
        "audio/L16;rate=16000",
        "audio/x-mulaw;rate=8000",
        "batch",
        "streaming",
        "whisper",
        "deepgram",
        "piper",
        "ada@example.com",
        "+14155550132",
        base64.b64encode(b"\x1a\x45\xdf\xa3" + bytes(64)).decode(),
        base64.b64encode(b"RIFF\x00\x00\x00\x00WAVEfmt ").decode(),
        base64.b64encode(bytes(640)).decode(),
        "not base64 !!",
        -1,
        0,
        8000,
        16000,
        48000,
        2**63,
        True,
    ]
)
field_values = st.one_of(interesting, json_values)


@st.composite
def shaped_frames(draw: st.DrawFn) -> str:
    """A frame of a known type with any subset of the protocol's fields, any values."""
    frame: dict[str, Any] = {"type": draw(st.sampled_from(sorted(CLIENT_FRAME_TYPES)))}
    for name in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=5)):
        frame[name] = draw(field_values)
    return json.dumps(frame)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


raw_frames = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    json_values.map(json.dumps),
    st.builds(
        lambda d: json.dumps({"type": "text", "text": "x"})[:-1] + ', "x": ' + _deep(d) + "}",
        st.integers(10, 3000),
    ),
    st.builds(
        lambda n: '{"type": "audio_frame", "sequence": ' + "7" * n + "}", st.integers(1, 6000)
    ),
    st.builds(lambda t: json.dumps({"type": t}), st.text(max_size=20)),
)
frames = st.one_of(shaped_frames(), shaped_frames(), raw_frames)
