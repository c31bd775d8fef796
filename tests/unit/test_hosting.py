"""The local Firebase Hosting emulation: static files, clean URLs, rewrites, headers, safety."""

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from local.function_proxy import FunctionProxy
from local.hosting_server import ROOT, HostingApp, _glob_to_regex, local_functions
from shared.topics import HTTP_FUNCTIONS

pytestmark = pytest.mark.unit

RUNTIME = {"relayUrl": "ws://127.0.0.1:9999/webrtc/ws"}

CONFIG = {
    "hosting": {
        "public": "public",
        "cleanUrls": True,
        "ignore": ["firebase.json", "**/.*", "**/node_modules/**", "private/*"],
        "rewrites": [
            {"source": "/api/**", "function": "api"},
            {"source": "/fn-object/**", "function": {"functionId": "api", "region": "x"}},
            {"source": "/gone/**", "function": "not_running"},
            {"source": "/one/*", "destination": "/one.html"},
            {"source": "/deep/**", "destination": "/deep.html"},
            {"source": "/missing-destination", "destination": "/nope.html"},
        ],
        "headers": [
            {"source": "**", "headers": [{"key": "X-Content-Type-Options", "value": "nosniff"}]},
            {"source": "**/*.css", "headers": [{"key": "Cache-Control", "value": "max-age=60"}]},
            {"source": "/static/*", "headers": [{"key": "X-Static", "value": "flat"}]},
        ],
    }
}


def api_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps({"path": environ["PATH_INFO"], "method": environ["REQUEST_METHOD"]})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    public = tmp_path / "public"
    files = {
        "index.html": "<h1>home</h1>",
        "page.html": "<p>page</p>",
        "one.html": "one",
        "deep.html": "deep",
        "404.html": "custom not found",
        "styles.css": "body{}",
        "app.js": "console.log(1)",
        "docs/index.html": "docs home",
        "docs/guide.html": "guide",
        "static/a.txt": "static a",
        "static/sub/b.txt": "static b",
        "sub/.env": "NESTED_SECRET=1",
        ".env": "TOP_SECRET=1",
        "node_modules/lib/x.js": "module",
        "sub/node_modules/lib/y.js": "module",
        "private/key.txt": "private key",
        "firebase.json": "{}",
    }
    for name, text in files.items():
        path = public / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "firebase.json").write_text(json.dumps(CONFIG))
    (tmp_path / "outside.txt").write_text("outside the public dir")
    return tmp_path


@pytest.fixture
def client(site: Path) -> Client:
    return Client(HostingApp(site / "firebase.json", RUNTIME, functions={"api": api_app}))


def test_static_file(client: Client) -> None:
    resp = client.get("/styles.css")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "body{}"
    assert resp.mimetype == "text/css"
    assert client.get("/app.js").get_data(as_text=True) == "console.log(1)"


def test_root_and_directory_index(client: Client) -> None:
    assert client.get("/").get_data(as_text=True) == "<h1>home</h1>"
    assert client.get("/docs/").get_data(as_text=True) == "docs home"
    assert client.get("/docs").get_data(as_text=True) == "docs home"


def test_clean_urls_serve_html_without_extension(client: Client) -> None:
    resp = client.get("/page")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "<p>page</p>"
    assert resp.mimetype == "text/html"
    assert client.get("/docs/guide").get_data(as_text=True) == "guide"


def test_clean_urls_redirect_html_extension(client: Client) -> None:
    resp = client.get("/page.html")
    assert resp.status_code == 301
    assert resp.headers["Location"].endswith("/page")
    resp = client.get("/docs/guide.html")
    assert resp.status_code == 301
    assert resp.headers["Location"].endswith("/docs/guide")


def test_html_extension_is_served_without_clean_urls(site: Path) -> None:
    config = json.loads((site / "firebase.json").read_text())
    config["hosting"]["cleanUrls"] = False
    (site / "firebase.json").write_text(json.dumps(config))
    client = Client(HostingApp(site / "firebase.json", RUNTIME))
    assert client.get("/page.html").get_data(as_text=True) == "<p>page</p>"
    assert client.get("/page").status_code == 404


def test_rewrite_to_destination(client: Client) -> None:
    resp = client.get("/one/anything")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "one"


def test_single_star_does_not_cross_slashes(client: Client) -> None:
    assert client.get("/one/a/b").get_data(as_text=True) == "custom not found"
    assert client.get("/one/a/b").status_code == 404


def test_double_star_crosses_slashes(client: Client) -> None:
    for path in ("/deep/a", "/deep/a/b/c", "/deep/"):
        resp = client.get(path)
        assert (resp.status_code, resp.get_data(as_text=True)) == (200, "deep"), path


def test_rewrite_to_function_reaches_it(client: Client) -> None:
    resp = client.post("/api/todos/1")
    assert resp.status_code == 200
    assert resp.get_json() == {"path": "/api/todos/1", "method": "POST"}
    assert client.get("/fn-object/x").get_json()["path"] == "/fn-object/x"


def test_rewrite_to_a_missing_function_is_502(client: Client) -> None:
    resp = client.get("/gone/x")
    assert resp.status_code == 502
    assert "not_running" in resp.get_data(as_text=True)


def test_rewrite_with_missing_destination_falls_through_to_404(client: Client) -> None:
    assert client.get("/missing-destination").status_code == 404


def test_static_files_win_over_rewrites(site: Path) -> None:
    (site / "public" / "deep").mkdir()
    (site / "public" / "deep" / "real.txt").write_text("real")
    client = Client(HostingApp(site / "firebase.json", RUNTIME))
    assert client.get("/deep/real.txt").get_data(as_text=True) == "real"


def test_not_found_uses_404_page(client: Client) -> None:
    resp = client.get("/no/such/thing")
    assert resp.status_code == 404
    assert resp.get_data(as_text=True) == "custom not found"


def test_not_found_without_404_page(site: Path) -> None:
    (site / "public" / "404.html").unlink()
    resp = Client(HostingApp(site / "firebase.json", RUNTIME)).get("/nothing")
    assert resp.status_code == 404
    assert resp.get_data(as_text=True) == "not found\n"


def test_headers_from_config(client: Client) -> None:
    css = client.get("/styles.css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert css.headers["Cache-Control"] == "max-age=60"
    page = client.get("/page")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Cache-Control" not in page.headers
    assert client.get("/no/such").headers["X-Content-Type-Options"] == "nosniff"


def test_header_globs_follow_star_semantics(client: Client) -> None:
    assert client.get("/static/a.txt").headers.get("X-Static") == "flat"
    nested = client.get("/static/sub/b.txt")
    assert nested.status_code == 200
    assert "X-Static" not in nested.headers


@pytest.mark.parametrize(
    "path",
    [
        "/../firebase.json",
        "/%2e%2e/firebase.json",
        "/%2E%2E/outside.txt",
        "/docs/../../outside.txt",
        "/..%2foutside.txt",
        "/%2e%2e%2foutside.txt",
        "/static/%2e%2e/%2e%2e/firebase.json",
    ],
)
def test_path_traversal_is_not_served(client: Client, path: str) -> None:
    resp = client.get(path)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "hosting" not in body
    assert "outside the public dir" not in body


@pytest.mark.parametrize(
    "path", ["/firebase.json", "/sub/.env", "/sub/node_modules/lib/y.js", "/private/key.txt"]
)
def test_ignored_files_are_not_served(client: Client, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.get_data(as_text=True) == "custom not found"


@pytest.mark.parametrize("path", ["/.env", "/node_modules/lib/x.js"])
def test_top_level_ignored_files_are_not_served(client: Client, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.get_data(as_text=True) == "custom not found"


def test_runtime_config(client: Client) -> None:
    resp = client.get("/runtime-config.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.get_json() == RUNTIME


def test_healthz(client: Client) -> None:
    resp = client.get("/healthz")
    assert (resp.status_code, resp.get_data(as_text=True)) == (200, "ok\n")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**", "/", True),
        ("**", "/a/b/c.js", True),
        ("/a/*", "/a/b", True),
        ("/a/*", "/a/b/c", False),
        ("/a/**", "/a/b/c", True),
        ("**/*.css", "/x/y/z.css", True),
        ("**/*.css", "/z.cssx", False),
        ("/file.json", "/file.json", True),
        ("/file.json", "/fileXjson", False),
        ("/a+b", "/a+b", True),
        ("/a+b", "/aab", False),
    ],
)
def test_glob_to_regex(pattern: str, path: str, matches: bool) -> None:
    assert bool(_glob_to_regex(pattern).match(path)) is matches


# ---- the real hosting/firebase.json ----------------------------------------------------------


@pytest.fixture
def real() -> Client:
    return Client(HostingApp(ROOT / "hosting" / "firebase.json", RUNTIME))


def test_real_landing_page(real: Client) -> None:
    resp = real.get("/")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    body = resp.get_data(as_text=True)
    assert body == (ROOT / "hosting" / "public" / "index.html").read_text()
    assert "<title>Convonet" in body
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_real_assets_referenced_by_the_landing_page(real: Client) -> None:
    assert real.get("/styles.css").status_code == 200
    assert real.get("/app.js").status_code == 200


def test_real_runtime_config(real: Client) -> None:
    resp = real.get("/runtime-config.json")
    assert resp.status_code == 200
    assert resp.get_json() == RUNTIME
    assert resp.headers["Cache-Control"] == "no-store"


def test_real_rewrite_and_config_not_served(real: Client) -> None:
    assert real.get("/about").get_data(as_text=True) == real.get("/").get_data(as_text=True)
    assert real.get("/firebase.json").status_code == 404
    assert real.get("/../firebase.json").status_code == 404


# ---- Hanok Table through the real hosting/firebase.json ---------------------------------------

# What Twilio and guests reach through Hosting (as the original Convonet's paths): all of it is
# the hanok function's.
HANOK_PATHS = [
    "/api/reservations",
    "/api/reservations/0c8e4bd0-5a51-4a36-9a43-6f2d4e0c1f00",
    "/api/reservations/availability",
    "/reservation/status",
    "/webhooks/hanok_table/sms",
    "/webhooks/hanok_table/voice/status",
    "/webhooks/hanok_table/reminders",
]
NOT_HANOK_PATHS = [
    "/api/reservationsx",
    "/api/other",
    "/reservation",
    "/reservation/status/extra",
    "/webhooks/other/sms",
]


def _named(name: str) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen = {
            "function": name,
            "path": environ["PATH_INFO"],
            "query": environ.get("QUERY_STRING", ""),
            "method": environ["REQUEST_METHOD"],
        }
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(seen).encode()]

    return app


@pytest.fixture
def real_with_functions() -> Client:
    functions = {fn.function: _named(fn.function) for fn in HTTP_FUNCTIONS}
    return Client(HostingApp(ROOT / "hosting" / "firebase.json", RUNTIME, functions))


def _function_rewrites() -> list[dict[str, Any]]:
    rewrites = json.loads((ROOT / "hosting" / "firebase.json").read_text())["hosting"]["rewrites"]
    return [rule for rule in rewrites if "function" in rule]


@pytest.mark.parametrize("path", HANOK_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_real_hanok_paths_reach_the_hanok_function(
    real_with_functions: Client, path: str, method: str
) -> None:
    resp = real_with_functions.open(path, method=method, query_string="code=H7K2M9QX")
    assert resp.status_code == 200
    assert resp.get_json() == {
        "function": "hanok",
        "path": path,
        "query": "code=H7K2M9QX",
        "method": method,
    }


@pytest.mark.parametrize("path", NOT_HANOK_PATHS)
def test_real_paths_beside_hanok_s_do_not_reach_it(real_with_functions: Client, path: str) -> None:
    resp = real_with_functions.get(path)
    assert resp.status_code == 404, resp.get_data(as_text=True)


def test_real_function_rewrites_name_their_function_in_the_deployed_region() -> None:
    """Hosting resolves a function rewrite by id and region: the region Terraform deploys the
    functions to by default."""
    rules = _function_rewrites()
    expected = {
        "/api/reservations": "hanok",
        "/api/reservations/**": "hanok",
        "/reservation/status": "hanok",
        "/webhooks/hanok_table/**": "hanok",
        "/operator/api/**": "operator",
        "/agent-monitor/api/**": "operator",
        "/tool-execution/api/**": "operator",
        "/mortgage_dashboard/api/**": "operator",
    }
    assert {rule["source"]: rule["function"]["functionId"] for rule in rules} == expected
    for rule in rules:
        assert rule["function"]["region"] == "us-central1", rule
    for env in ("dev", "prod"):
        variables = (ROOT / "terraform" / "environments" / env / "variables.tf").read_text()
        region = re.search(r'variable "region" \{[^}]*default\s*=\s*"([^"]+)"', variables)
        assert region and region.group(1) == "us-central1", env


def test_every_function_a_real_rewrite_names_is_served_locally_on_its_port() -> None:
    named = {rule["function"]["functionId"] for rule in _function_rewrites()}
    by_name = {fn.function: fn for fn in HTTP_FUNCTIONS}
    assert named <= set(by_name), f"rewrites to functions the local stack does not serve: {named}"
    defaults = local_functions({})
    configured = local_functions({"CONVONET_HANOK_PORT": "18093"})
    for name in named:
        proxy = defaults[name]
        assert isinstance(proxy, FunctionProxy)
        assert str(proxy.client.base_url) == f"http://127.0.0.1:{by_name[name].local_port}"
    hanok = configured["hanok"]
    assert isinstance(hanok, FunctionProxy)
    assert str(hanok.client.base_url) == "http://127.0.0.1:18093"


class _Webhook(BaseHTTPRequestHandler):
    """Stands in for hanok on its port: answers what reached it."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps(
            {
                "target": self.path,
                "body": body.decode(),
                "signature": self.headers.get("X-Twilio-Signature"),
                "type": self.headers.get("Content-Type"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hanok_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_a_twilio_webhook_reaches_hanok_through_local_hosting_whole(hanok_port: int) -> None:
    """Twilio signs the URL it called and the form it sent: both arrive unchanged (the query
    string not re-encoded), with the signature header."""
    functions = local_functions({"CONVONET_HANOK_PORT": str(hanok_port)})
    client = Client(HostingApp(ROOT / "hosting" / "firebase.json", RUNTIME, functions))
    form = "From=%2B14155550100&Body=CONFIRM+H7K2M9QX"
    resp = client.post(
        "/webhooks/hanok_table/sms",
        query_string="flag&note=a%20b",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": "c2lnbmF0dXJl",
        },
    )
    assert resp.status_code == 200
    assert resp.get_json() == {
        "target": "/webhooks/hanok_table/sms?flag&note=a%20b",
        "body": form,
        "signature": "c2lnbmF0dXJl",
        "type": "application/x-www-form-urlencoded",
    }
