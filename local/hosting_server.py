"""Serve ``hosting/public`` with the routing ``hosting/firebase.json`` declares, as Firebase
Hosting would: static files, clean URLs, rewrites to files or to HTTP functions, and headers.

It also answers ``/runtime-config.json`` (the relay URL the pages connect to), which a deploy
writes as a file in production.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from local.function_proxy import FunctionProxy
from shared.topics import HTTP_FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _glob_to_regex(pattern: str) -> re.Pattern[str]:
    # Firebase globs: ** crosses slashes, * does not, and a leading **/ also matches no folder.
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(f"^{out}$")


class HostingApp:
    def __init__(
        self,
        config_path: Path,
        runtime_config: dict[str, Any],
        functions: dict[str, WsgiApp] | None = None,
    ):
        config = json.loads(config_path.read_text())["hosting"]
        self.public = (config_path.parent / config.get("public", "public")).resolve()
        self.clean_urls = bool(config.get("cleanUrls", False))
        self.rewrites = [(_glob_to_regex(r["source"]), r) for r in config.get("rewrites", [])]
        self.headers = [
            (_glob_to_regex(h["source"]), h["headers"]) for h in config.get("headers", [])
        ]
        self.ignore = [_glob_to_regex(p.lstrip("/")) for p in config.get("ignore", [])]
        self.runtime_config = runtime_config
        self.functions = functions or {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.route(request, environ, start_response)
        if isinstance(response, Response):
            for pattern, headers in self.headers:
                if pattern.match(request.path):
                    for header in headers:
                        response.headers[header["key"]] = header["value"]
            return response(environ, start_response)
        return response

    def _file(self, path: str) -> Path | None:
        relative = path.lstrip("/")
        if any(pattern.match(relative) for pattern in self.ignore):
            return None
        candidate = (self.public / relative).resolve()
        if not candidate.is_relative_to(self.public) or not candidate.is_file():
            return None
        return candidate

    def _serve(self, file: Path) -> Response:
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return Response(file.read_bytes(), mimetype=mime)

    def route(
        self, request: Request, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        path = request.path
        if path == "/runtime-config.json":
            return Response(json.dumps(self.runtime_config), mimetype="application/json")
        if path == "/healthz":
            return Response("ok\n", mimetype="text/plain")
        if self.clean_urls and path.endswith(".html") and self._file(path):
            return Response(status=301, headers={"Location": path[: -len(".html")] or "/"})
        for candidate in (
            path,
            path.rstrip("/") + "/index.html",
            path + ".html" if self.clean_urls else None,
        ):
            if candidate and (file := self._file(candidate)):
                return self._serve(file)
        for pattern, rule in self.rewrites:
            if not pattern.match(path):
                continue
            if "destination" in rule and (file := self._file(rule["destination"])):
                return self._serve(file)
            if "function" in rule:
                name = (
                    rule["function"]
                    if isinstance(rule["function"], str)
                    else rule["function"]["functionId"]
                )
                app = self.functions.get(name)
                if app is None:
                    return Response(f"function {name} is not running\n", status=502)
                return app(environ, start_response)
        missing = self._file("/404.html")
        if missing:
            response = self._serve(missing)
            response.status_code = 404
            return response
        return Response("not found\n", status=404, mimetype="text/plain")


def local_functions(environ: Mapping[str, str]) -> dict[str, WsgiApp]:
    """Hosting's rewrites to functions (hanok's reservations, status page and webhooks) go to
    each HTTP function on its local port (CONVONET_<NAME>_PORT, else its default)."""
    functions: dict[str, WsgiApp] = {}
    for fn in HTTP_FUNCTIONS:
        fn_port = environ.get(f"CONVONET_{fn.function.upper()}_PORT", str(fn.local_port))
        functions[fn.function] = FunctionProxy(f"http://127.0.0.1:{fn_port}")
    return functions


def main() -> None:
    port = int(os.environ.get("CONVONET_HTTP_PORT", "8080"))
    relay = os.environ.get("CONVONET_PUBLIC_RELAY_URL", "ws://127.0.0.1:8765/webrtc/ws")
    functions = local_functions(os.environ)
    config = {"relayUrl": relay, "operatorSignIn": {"mode": "local"}}
    app = HostingApp(ROOT / "hosting" / "firebase.json", config, functions)
    run_simple("127.0.0.1", port, app, threaded=True)


if __name__ == "__main__":
    main()
