"""Firebase Hosting's rewrite to an HTTP function, locally: a WSGI app that forwards the request
(method, path, query, headers, body) to the function on its loopback port and returns its answer,
as Hosting forwards to Cloud Functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "host",
    "content-length",
    "proxy-authorization",
    "proxy-authenticate",
    "trailer",
}


class FunctionProxy:
    def __init__(self, base_url: str, timeout: float = 60.0):
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # The query string as it came, not re-encoded: Twilio signs the URL it called.
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        path = environ.get("PATH_INFO", "/")
        try:
            answer = self.client.request(
                environ["REQUEST_METHOD"],
                httpx.URL(path, query=query) if query else path,
                headers=_request_headers(environ),
                content=body,
            )
        except httpx.HTTPError:
            start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
            return [b"the function did not answer\n"]
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
        start_response(f"{answer.status_code} {answer.reason_phrase}", headers)
        return [answer.content]


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_BY_HOP
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers
