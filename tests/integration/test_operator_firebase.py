"""Production sign-in: Firebase Authentication ID tokens verified by the real firebase-admin
(RS256 signature, issuer, audience, expiry) against Google's certificate document served
locally in its real format, and the operator role claim."""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import firebase_admin
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from functions.operator.auth import FirebaseOperators
from shared.bus import Bus
from shared.db import Database
from tests.integration.operator_harness import build_harness

pytestmark = pytest.mark.integration
PROJECT = "demo-operators"
KID = "test-key-1"


def _key_and_cert() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def signer() -> Iterator[crypt.RSASigner]:
    """Google's x509 certificate document for securetoken@system, served on loopback."""
    private, cert = _key_and_cert()
    body = json.dumps({KID: cert.decode()}).encode()

    class Certs(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "public, max-age=3600")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Certs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/robot/v1/metadata/x509/securetoken"
    patch = pytest.MonkeyPatch()
    patch.setattr("firebase_admin._token_gen.ID_TOKEN_CERT_URI", url)
    yield crypt.RSASigner.from_string(private, key_id=KID)
    patch.undo()
    server.shutdown()
    for app in list(firebase_admin._apps.values()):
        firebase_admin.delete_app(app)


def _id_token(signer: crypt.RSASigner, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{PROJECT}",
        "aud": PROJECT,
        "auth_time": now - 10,
        "sub": "uid-123",
        "user_id": "uid-123",
        "iat": now - 10,
        "exp": now + 3600,
        "email": "dana@example.com",
        "name": "Dana Operator",
        **claims,
    }
    return jwt.encode(signer, payload).decode()


def test_an_id_token_with_an_operator_role_signs_in(
    signer: crypt.RSASigner, bus: Bus, project_id: str, db: Database
) -> None:
    harness = build_harness(bus, project_id, db, verifier=FirebaseOperators(PROJECT, "t-ok"))
    answer = harness.http.post(
        "/operator/api/sign-in", json={"id_token": _id_token(signer, role="operator")}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["operator"] == {
        "uid": "uid-123",
        "name": "Dana Operator",
        "role": "operator",
    }
    assert harness.http.get("/operator/api/me").json()["role"] == "operator"
    harness.http.cookies.clear()
    bearer = _id_token(signer, role="supervisor")
    me = harness.http.get("/operator/api/me", headers={"Authorization": f"Bearer {bearer}"})
    assert me.status_code == 200 and me.json()["role"] == "supervisor"


def test_tokens_that_are_not_an_operators_are_refused(
    signer: crypt.RSASigner, bus: Bus, project_id: str, db: Database
) -> None:
    harness = build_harness(
        bus, project_id, db, verifier=FirebaseOperators(PROJECT, "t-no"), sign_in_limit=50
    )

    def sign_in(token: str) -> Any:
        return harness.http.post("/operator/api/sign-in", json={"id_token": token})

    no_role = sign_in(_id_token(signer))
    assert no_role.status_code == 403 and no_role.json()["error"] == "not_an_operator"
    other_project = _id_token(signer, role="operator", aud="someone-else")
    assert sign_in(other_project).status_code == 401
    expired = _id_token(signer, role="operator", iat=1, auth_time=1, exp=2)
    assert sign_in(expired).status_code == 401
    private, _ = _key_and_cert()
    stranger = crypt.RSASigner.from_string(private, key_id=KID)
    assert sign_in(_id_token(stranger, role="operator")).status_code == 401
    assert sign_in("not a token").status_code == 401
    assert harness.http.get("/operator/api/me").status_code == 401
