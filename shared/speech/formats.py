"""Audio types and header checks: light enough for the relay, which decodes nothing."""

from __future__ import annotations

import struct
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


# A container's declared length rounds up to whole packets and pages and may count codec delay;
# only a declaration this far over the limit is held against the caller.
DECLARED_SLACK_SECONDS = 0.5

# WAV writers that stream leave the data size at one of these until they know it.
WAV_UNKNOWN_SIZES = (0, 0xFFFFFFFF)

# magic, version, flags, granule position, stream serial, page number, checksum, segment count
OGG_PAGE_HEADER = struct.Struct("<4sBBqIIIB")
OGG_MAX_PAGE = OGG_PAGE_HEADER.size + 255 + 255 * 255
OGG_BEGINNING_OF_STREAM = 0x02
OPUS_GRANULE_RATE = 48_000  # Opus granule positions count 48 kHz samples whatever the input rate


def declared_seconds(data: bytes) -> float | None:
    """How long the audio says it is, from its headers alone, without decoding anything.

    WAV declares it in its header (data size over byte rate); Ogg in the granule position of its
    pages (for the first part of a file, the length up to its last whole page). WebM from
    MediaRecorder declares nothing. None when nothing is declared or the bytes make no sense.
    """
    try:
        if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
            return _wav_seconds(data)
        if data.startswith(OGG_MAGIC):
            return _ogg_seconds(data)
    except (struct.error, ValueError):
        return None
    return None


def check_declared_length(data: bytes, max_seconds: float) -> None:
    """Refuse audio whose headers already say it is over the limit: a few MiB of compressed
    silence can declare hours, and nothing need be decoded to know it."""
    seconds = declared_seconds(data)
    if seconds is not None and seconds > max_seconds + DECLARED_SLACK_SECONDS:
        raise AudioError(
            "utterance_too_long",
            f"the audio declares {seconds:.0f} s; utterances are limited to {max_seconds:.0f} s",
        )


def _wav_seconds(data: bytes) -> float | None:
    byte_rate = 0
    offset = 12  # past RIFF, its size and WAVE
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        size: int = struct.unpack_from("<I", data, offset + 4)[0]
        body = offset + 8
        if chunk_id == b"fmt ":
            if size < 16:
                return None
            byte_rate = struct.unpack_from("<I", data, body + 8)[0]
        elif chunk_id == b"data":
            if not byte_rate or size in WAV_UNKNOWN_SIZES:
                return None
            return size / byte_rate
        offset = body + size + (size & 1)  # chunks are padded to an even length
    return None


@dataclass(frozen=True)
class _OggPage:
    flags: int
    granule: int
    serial: int
    body: bytes


def _ogg_page_at(data: bytes, offset: int) -> _OggPage | None:
    """The page starting at ``offset`` if one does and it lies whole within ``data``."""
    if offset + OGG_PAGE_HEADER.size > len(data):
        return None
    magic, version, flags, granule, serial, _, _, segments = OGG_PAGE_HEADER.unpack_from(
        data, offset
    )
    table = offset + OGG_PAGE_HEADER.size
    if magic != OGG_MAGIC or version != 0 or table + segments > len(data):
        return None
    body = table + segments
    end = body + sum(data[table:body])
    if end > len(data):
        return None
    return _OggPage(flags, granule, serial, data[body:end])


def _last_granule(data: bytes, serial: int) -> int:
    """The granule position of the stream's last whole page, searched from the end: walking
    every page of a file made of tiny ones would take the relay far too long. A whole page
    starts within two page lengths of the end, even when the data stops mid-page."""
    floor = max(0, len(data) - 2 * OGG_MAX_PAGE)
    offset = data.rfind(OGG_MAGIC, floor)
    while offset > 0:
        page = _ogg_page_at(data, offset)
        if page is not None and page.serial == serial and page.granule >= 0:
            return page.granule  # -1 would mean no packet ends on that page: look further back
        offset = data.rfind(OGG_MAGIC, floor, offset)
    return -1


def _ogg_seconds(data: bytes) -> float | None:
    first = _ogg_page_at(data, 0)
    if first is None or not first.flags & OGG_BEGINNING_OF_STREAM:
        return None
    stream = _ogg_stream_info(first.body)
    if stream is None:
        return None
    rate, skipped, header_samples = stream
    samples = max(_last_granule(data, first.serial) - skipped, header_samples)
    return samples / rate if samples > 0 else None


def _ogg_stream_info(packet: bytes) -> tuple[int, int, int] | None:
    """(granule rate, samples skipped at the start, total samples its header declares) from
    the stream's identification packet, for the codecs we read; None for any other."""
    if packet.startswith(b"OpusHead") and len(packet) >= 19:
        (pre_skip,) = struct.unpack_from("<H", packet, 10)
        return OPUS_GRANULE_RATE, pre_skip, 0
    if packet.startswith(b"\x01vorbis") and len(packet) >= 16:
        (rate,) = struct.unpack_from("<I", packet, 12)
        return (rate, 0, 0) if rate else None
    if packet.startswith(b"\x7fFLAC") and packet[9:13] == b"fLaC" and len(packet) >= 35:
        # STREAMINFO, after its 4-byte block header: 20 bits of rate, 3 of channels, 5 of bits
        # per sample, 36 of total samples (0 when the encoder did not know it).
        (packed,) = struct.unpack_from(">Q", packet, 27)
        rate, total = packed >> 44, packed & ((1 << 36) - 1)
        return (rate, 0, total) if rate else None
    return None
