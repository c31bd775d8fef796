"""Audio types and header checks: light enough for the relay, which decodes nothing."""

from __future__ import annotations

from dataclasses import dataclass

WEBM_MAGIC = b"\x1a\x45\xdf\xa3"
OGG_MAGIC = b"OggS"


class AudioError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class MimeType:
    base: str
    params: dict[str, str]

    @classmethod
    def parse(cls, value: str | None) -> MimeType:
        parts = [p.strip() for p in (value or "").split(";") if p.strip()]
        if not parts:
            return cls("", {})
        params = {}
        for part in parts[1:]:
            key, _, val = part.partition("=")
            params[key.strip().lower()] = val.strip().strip('"')
        return cls(parts[0].lower(), params)


CONTAINER_TYPES = {
    "audio/webm",
    "video/webm",
    "audio/ogg",
    "audio/wav",
    "audio/wave",
    "audio/x-wav",
}
PCM_TYPES = {"audio/l16", "audio/pcm", "audio/raw"}
MULAW_TYPES = {"audio/x-mulaw", "audio/mulaw", "audio/basic", "audio/pcmu"}


def kind_of(mime_type: str | None) -> str:
    """container | pcm | mulaw, or raise for a type we do not take."""
    base = MimeType.parse(mime_type).base
    if base in CONTAINER_TYPES:
        return "container"
    if base in PCM_TYPES:
        return "pcm"
    if base in MULAW_TYPES:
        return "mulaw"
    raise AudioError(
        "unsupported_audio",
        f"unsupported audio type {mime_type!r}; send audio/webm;codecs=opus, audio/wav, "
        "audio/L16;rate=N or audio/x-mulaw;rate=8000",
    )


def check_header(data: bytes, mime_type: str | None) -> None:
    """Cheap check the relay can make on the first bytes, before anything is published."""
    base = MimeType.parse(mime_type).base
    if base in ("audio/webm", "video/webm") and not data.startswith(WEBM_MAGIC):
        raise AudioError(
            "bad_audio", "this is not WebM audio: the first chunk must hold the header"
        )
    if base in ("audio/wav", "audio/wave", "audio/x-wav") and not (
        data.startswith(b"RIFF") and data[8:12] == b"WAVE"
    ):
        raise AudioError("bad_audio", "this is not a WAV file (no RIFF/WAVE header)")
    if base == "audio/ogg" and not data.startswith(OGG_MAGIC):
        raise AudioError("bad_audio", "this is not Ogg audio")
