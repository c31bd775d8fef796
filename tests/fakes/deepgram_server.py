"""A local server that speaks enough of Deepgram's REST API for the real SDK (v7) to use it.

Endpoints:

- ``POST /v1/listen``: prerecorded transcription. The body is the audio file; the query carries
  ``model``, ``smart_format``, ``language``. Answers Deepgram's JSON (``metadata`` and
  ``results.channels[0].alternatives[0]``).
- ``POST /v1/speak``: JSON ``{"text": ...}``, query ``model``, ``encoding``, ``sample_rate``,
  ``container``. Answers a quiet tone as raw linear16 (or a WAV when ``container=wav``), 60 ms
  per character of text.
- ``GET /v1/projects``: the key check; answers ``{"projects": [...]}``.

Every request needs ``Authorization: Token <key>``; a wrong one gets Deepgram's 401 body.
Per test, set ``transcript`` (a string, or a function of the request), ``fail_status`` (answer
every request with that error), ``delay`` (seconds before answering) and read ``requests`` (what
was received, without the Authorization header) and ``sent_audio`` (the PCM each speak request
was answered with).

    with FakeDeepgram(api_key="test-key") as fake:
        stt = DeepgramSTT("test-key", base_url=fake.base_url)
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

MS_PER_CHAR = 60
TONE_HZ = 220.0
TONE_AMPLITUDE = 600  # quiet: about -35 dBFS

_ERROR_BODIES: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "Bad Request: failed to process audio: corrupt or unsupported data"),
    401: ("INVALID_AUTH", "Invalid credentials."),
    403: ("INSUFFICIENT_PERMISSIONS", "You do not have permission to perform this action."),
    408: ("TIMEOUT", "The request timed out."),
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please try again later."),
    500: ("INTERNAL_SERVER_ERROR", "An internal server error occurred."),
    502: ("BAD_GATEWAY", "Bad gateway."),
    503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable."),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]  # the first value of each parameter
    headers: dict[str, str]  # lower-case names; Authorization is never recorded
    body_size: int
    audio_kind: str = ""  # "wav", "mp3", ... for /v1/listen bodies
    json_body: dict[str, Any] | None = None
    authorized: bool = False
    body: bytes = field(default=b"", repr=False)


def audio_kind(body: bytes) -> str:
    """Recognise a container by its magic bytes, as Deepgram sniffs uploaded audio."""
    if body[:4] == b"RIFF" and body[8:12] == b"WAVE":
        return "wav"
    if body[:4] == b"fLaC":
        return "flac"
    if body[:4] == b"OggS":
        return "ogg"
    if body[:3] == b"ID3" or (len(body) > 1 and body[0] == 0xFF and body[1] & 0xE0 == 0xE0):
        return "mp3"
    if body[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return ""


def wav_duration(body: bytes) -> float:
    """Seconds of audio in a PCM WAV, read from its fmt and data chunks (0.0 if unreadable)."""
    pos, rate, block = 12, 0, 0
    while pos + 8 <= len(body):
        chunk = body[pos : pos + 4]
        size = int.from_bytes(body[pos + 4 : pos + 8], "little")
        if chunk == b"fmt " and size >= 16 and pos + 24 <= len(body):
            rate = int.from_bytes(body[pos + 12 : pos + 16], "little")
            block = int.from_bytes(body[pos + 20 : pos + 22], "little")
        elif chunk == b"data" and rate and block:
            return min(size, len(body) - pos - 8) / block / rate
        pos += 8 + size + (size & 1)
    return 0.0


def tone(frames: int, sample_rate: int) -> bytes:
    """A quiet sine as little-endian 16-bit PCM."""
    step = 2 * math.pi * TONE_HZ / sample_rate
    return b"".join(
        struct.pack("<h", int(TONE_AMPLITUDE * math.sin(step * i))) for i in range(frames)
    )


class FakeDeepgram:
    """The fake's state and its server; use as a context manager or call start()/stop()."""

    def __init__(self, api_key: str = "test-key", transcript: str = "hello world") -> None:
        self.api_key = api_key
        self.transcript: str | Callable[[RecordedRequest], str] = transcript
        self.fail_status: int | None = None
        self.delay = 0.0
        self.requests: list[RecordedRequest] = []
        self.sent_audio: list[bytes] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Deepgram server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeDeepgram:
        fake = self

        class Handler(_Handler):
            state = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # a delayed answer must not hold up stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeDeepgram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # per-test helpers ----------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def record_audio(self, pcm: bytes) -> None:
        with self._lock:
            self.sent_audio.append(pcm)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def transcript_for(self, request: RecordedRequest) -> str:
        value = self.transcript
        return value(request) if callable(value) else value


class _Handler(BaseHTTPRequestHandler):
    state: FakeDeepgram
    server_version = "fake-deepgram/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` instead of an access log."""

    # dispatch ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        json_body: dict[str, Any] | None = None
        if headers.get("content-type", "").startswith("application/json") and body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            json_body = parsed if isinstance(parsed, dict) else None
        authorized = self.headers.get("Authorization", "") == f"Token {self.state.api_key}"
        request = RecordedRequest(
            method=method,
            path=url.path,
            query=query,
            headers=headers,
            body_size=len(body),
            audio_kind=audio_kind(body) if url.path == "/v1/listen" else "",
            json_body=json_body,
            authorized=authorized,
            body=body,
        )
        self.state.record(request)

        try:
            if self.state.delay > 0:
                time.sleep(self.state.delay)
            if not authorized:
                self._error(401)
            elif self.state.fail_status is not None:
                self._error(self.state.fail_status)
            elif (method, url.path) == ("POST", "/v1/listen"):
                self._listen(request)
            elif (method, url.path) == ("POST", "/v1/speak"):
                self._speak(request)
            elif (method, url.path) == ("GET", "/v1/projects"):
                self._projects()
            else:
                self._error(404, "Not Found", f"No route for {method} {url.path}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer

    # endpoints -----------------------------------------------------------------------------

    def _listen(self, request: RecordedRequest) -> None:
        if not request.body_size or not request.audio_kind:
            self._error(400)
            return
        transcript = self.state.transcript_for(request)
        duration = wav_duration(request.body) if request.audio_kind == "wav" else 0.0
        words = transcript.split()
        per_word = duration / len(words) if words and duration else 0.0
        model = request.query.get("model", "base")
        model_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"deepgram-model:{model}"))
        alternative: dict[str, Any] = {
            "transcript": transcript,
            "confidence": 0.98 if transcript else 0.0,
            "words": [
                {
                    "word": word.strip(".,!?").lower(),
                    "start": round(i * per_word, 3),
                    "end": round((i + 1) * per_word, 3),
                    "confidence": 0.98,
                    "punctuated_word": word,
                }
                for i, word in enumerate(words)
            ],
        }
        channel: dict[str, Any] = {"alternatives": [alternative]}
        language = request.query.get("language")
        if language:
            channel["detected_language"] = language
        body = {
            "metadata": {
                "transaction_key": "deprecated",
                "request_id": str(uuid.uuid4()),
                "sha256": hashlib.sha256(request.body).hexdigest(),
                "created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "duration": round(duration, 3),
                "channels": 1,
                "models": [model_uuid],
                "model_info": {model_uuid: {"name": model, "version": "fake", "arch": model}},
            },
            "results": {"channels": [channel]},
        }
        self._json(200, body)

    def _speak(self, request: RecordedRequest) -> None:
        text = (request.json_body or {}).get("text")
        encoding = request.query.get("encoding", "linear16")
        container = request.query.get("container", "wav")
        if not isinstance(text, str) or not text.strip():
            self._error(400, "Bad Request", "Text is required.")
            return
        if encoding != "linear16" or container not in ("none", "wav"):
            self._error(400, "Bad Request", "The fake only speaks linear16 in none or wav.")
            return
        try:
            sample_rate = int(float(request.query.get("sample_rate", "24000")))
        except ValueError:
            self._error(400, "Bad Request", "Invalid sample_rate.")
            return
        frames = sample_rate * MS_PER_CHAR * len(text) // 1000
        pcm = tone(frames, sample_rate)
        self.state.record_audio(pcm)
        audio = pcm if container == "none" else _wav(pcm, sample_rate)
        self.send_response(200)
        self.send_header("Content-Type", "audio/l16" if container == "none" else "audio/wav")
        self.send_header("Content-Length", str(len(audio)))
        self.send_header("dg-request-id", str(uuid.uuid4()))
        self.send_header("dg-model-name", request.query.get("model", "aura-asteria-en"))
        self.send_header("dg-char-count", str(len(text)))
        self.end_headers()
        for start in range(0, len(audio), 4096):  # arrives in pieces, like a streamed answer
            self.wfile.write(audio[start : start + 4096])
            self.wfile.flush()

    def _projects(self) -> None:
        project = {"project_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "fake")), "name": "Fake"}
        self._json(200, {"projects": [project]})

    # replies -------------------------------------------------------------------------------

    def _error(self, status: int, code: str = "", message: str = "") -> None:
        default_code, default_message = _ERROR_BODIES.get(status, ("ERROR", "Error."))
        body = {
            "err_code": code or default_code,
            "err_msg": message or default_message,
            "request_id": str(uuid.uuid4()),
        }
        extra = {"Retry-After": "1"} if status == 429 else {}
        self._json(status, body, extra)

    def _json(self, status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("dg-request-id", str(body.get("request_id") or uuid.uuid4()))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(pcm),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        sample_rate,
        sample_rate * 2,
        2,
        16,
        b"data",
        len(pcm),
    )
    return header + pcm
