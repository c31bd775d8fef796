"""Hosting's rewrite to a function, locally: the request reaches the function whole, and its
answer comes back whole."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.test import Client

from local.function_proxy import FunctionProxy

pytestmark = pytest.mark.unit


class Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        """Sets two cookies and says which cookies it was sent."""
        answer = json.dumps({"cookie": self.headers.get("Cookie")}).encode()
        self.send_response(200)
        self.send_header("Set-Cookie", "__session=signed-in; HttpOnly; Path=/")
        self.send_header("Set-Cookie", "other=1; Path=/")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps(
            {
                "path": self.path,
                "body": body.decode(),
                "auth": self.headers.get("Authorization"),
                "type": self.headers.get("Content-Type"),
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Function", "echo")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def function_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_request_and_the_answer_pass_whole(function_url: str) -> None:
    client = Client(FunctionProxy(function_url))
    response = client.post(
        "/crm/patient/search?x=1",
        data='{"phone": "+14155550100"}',
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    )
    assert response.status_code == 201 and response.headers["X-Function"] == "echo"
    seen = response.get_json()
    assert seen == {
        "path": "/crm/patient/search?x=1",
        "body": '{"phone": "+14155550100"}',
        "auth": "Bearer t",
        "type": "application/json",
    }


def test_a_function_that_is_not_running_is_a_502() -> None:
    response = Client(FunctionProxy("http://127.0.0.1:9", timeout=2)).post("/crm/x", data="{}")
    assert response.status_code == 502


def test_no_browser_gets_another_browsers_session(function_url: str) -> None:
    """As Firebase Hosting: the proxy keeps no cookies, passes every Set-Cookie back, and
    forwards only the __session cookie."""
    proxy = FunctionProxy(function_url)
    first = Client(proxy).get("/operator/api/me")
    assert first.headers.getlist("Set-Cookie") == [
        "__session=signed-in; HttpOnly; Path=/",
        "other=1; Path=/",
    ]
    stranger = Client(proxy, use_cookies=False).get("/operator/api/me")
    assert json.loads(stranger.data) == {"cookie": None}
    mine = Client(proxy, use_cookies=False).get(
        "/operator/api/me", headers={"Cookie": "tracking=x; __session=abc.def; theme=dark"}
    )
    assert json.loads(mine.data) == {"cookie": "__session=abc.def"}
