"""Firebase Hosting's rewrite to an HTTP function, locally: a WSGI app that forwards the request
(method, path, query, headers, body) to the function on its loopback port and returns its answer,
as Hosting forwards to Cloud Functions.

Like Hosting, it keeps no cookies of its own and passes on only the cookie named ``__session``
(the one Hosting forwards to functions): a session one browser signed in with must never reach
another browser's requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http.cookiejar import DefaultCookiePolicy
from http.cookies import SimpleCookie
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
FORWARDED_COOKIE = "__session"


class _KeepNoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


class FunctionProxy:
    def __init__(self, base_url: str, timeout: float = 60.0):
        self.client = httpx.Client(base_url=base_url, timeout=timeout)
        self.client.cookies.jar.set_policy(_KeepNoCookies())

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
        # multi_items: several Set-Cookie headers stay several.
        headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        start_response(f"{answer.status_code} {answer.reason_phrase}", headers)
        return [answer.content]


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_BY_HOP
    }
    headers.pop("Cookie", None)
    if session := _session_cookie(environ.get("HTTP_COOKIE", "")):
        headers["Cookie"] = f"{FORWARDED_COOKIE}={session}"
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers


def _session_cookie(raw: str) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(raw)
    except Exception:
        return None
    morsel = cookies.get(FORWARDED_COOKIE)
    return morsel.value if morsel else None
