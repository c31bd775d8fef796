"""The CRM's HTTP face over the built-in backend: routes, OpenAPI, authentication and every
bad request's 4xx (the backends themselves have their own contract suite in crm/)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.crm.app import build_app
from functions.crm.builtin import BuiltinCrm
from shared.db import Database
from shared.service_auth import SharedCredential

pytestmark = pytest.mark.integration
AUTH = {"Authorization": "Bearer crm-test-credential"}
ADA = {"first_name": "Ada", "last_name": "Lovelace", "phone": "(415) 555-0132", "dob": "1990-12-10"}


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = build_app(BuiltinCrm(db), SharedCredential("crm-test-credential"), "US")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _post(client: TestClient, path: str, body: dict[str, Any], auth: bool = True) -> Any:
    return client.post(path, json=body, headers=AUTH if auth else {})


def test_a_patient_is_created_once_and_found_by_any_spelling_of_the_number(
    client: TestClient,
) -> None:
    first = _post(client, "/patient/create", ADA)
    assert first.status_code == 200 and first.json()["created"] is True
    patient = first.json()["patient"]
    assert patient["phone"] == "+14155550132"
    again = _post(client, "/patient/create", {**ADA, "phone": "+1 415 555 0132"}).json()
    assert again["created"] is False and again["patient"]["id"] == patient["id"]
    found = _post(client, "/patient/search", {"phone": "415.555.0132"}).json()["patients"]
    assert [p["id"] for p in found] == [patient["id"]]


def test_a_meeting_finds_or_creates_its_case_and_notes_attach(client: TestClient) -> None:
    patient = _post(client, "/patient/create", ADA).json()["patient"]
    meeting = {
        "patient_id": patient["id"],
        "subject": "Sore throat",
        "date_start": "2027-01-05T09:30:00-08:00",
        "duration_minutes": 30,
    }
    first = _post(client, "/meeting/create", meeting).json()
    assert first["case_created"] is True and first["meeting"]["case_id"] == first["case"]["id"]
    second = _post(client, "/meeting/create", {**meeting, "subject": "sore throat"}).json()
    assert second["case_created"] is False and second["case"]["id"] == first["case"]["id"]
    note = {"patient_id": patient["id"], "subject": "Call summary", "content": "Booked."}
    assert _post(client, "/note/create", note).json()["content"] == "Booked."
    case = {"patient_id": patient["id"], "subject": "Billing", "priority": "high"}
    assert _post(client, "/case/create", case).json()["status"] == "open"


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/patient/search", {"phone": "not a number"}, "invalid_phone"),
        ("/patient/search", {}, "invalid_request"),
        ("/patient/create", {**ADA, "phone": "555"}, "invalid_phone"),
        ("/patient/create", {**ADA, "dob": "yesterday"}, "invalid_request"),
        ("/patient/create", {**ADA, "ssn": "123"}, "invalid_request"),
        (
            "/meeting/create",
            {
                "patient_id": "x",
                "subject": "s",
                "date_start": "2027-01-05T09:30:00",
                "duration_minutes": 30,
            },
            "invalid_request",
        ),
        (
            "/meeting/create",
            {
                "patient_id": "x",
                "subject": "s",
                "date_start": "2027-01-05T09:30:00Z",
                "duration_minutes": 0,
            },
            "invalid_request",
        ),
        (
            "/case/create",
            {"patient_id": "x", "subject": "s", "priority": "urgent"},
            "invalid_request",
        ),
    ],
)
def test_bad_input_gets_a_400_with_its_code(
    client: TestClient, path: str, body: dict[str, Any], code: str
) -> None:
    response = _post(client, path, body)
    assert response.status_code == 400 and response.json()["error"] == code, response.text


def test_unknown_ids_get_a_404(client: TestClient) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    note = {"patient_id": missing, "subject": "s", "content": "c"}
    response = _post(client, "/note/create", note)
    assert response.status_code == 404 and response.json()["error"] == "patient_not_found"
    patient = _post(client, "/patient/create", ADA).json()["patient"]
    meeting = {
        "patient_id": patient["id"],
        "subject": "s",
        "case_id": missing,
        "date_start": "2027-01-05T09:30:00Z",
        "duration_minutes": 30,
    }
    response = _post(client, "/meeting/create", meeting)
    assert response.status_code == 404 and response.json()["error"] == "case_not_found"


def test_every_route_refuses_an_unauthenticated_caller(client: TestClient, db: Database) -> None:
    for path in (
        "/patient/search",
        "/patient/create",
        "/meeting/create",
        "/case/create",
        "/note/create",
        "/crm/patient/create",
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = client.post(path, json=ADA, headers=headers)
            assert response.status_code == 401 and response.json()["error"] == "unauthenticated"
    assert db.fetch_all("SELECT id FROM crm.patients") == []


def test_health_and_openapi_are_open_and_describe_every_route(client: TestClient) -> None:
    assert client.get("/health").json()["backend"] == "builtin"
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/health",
        "/patient/search",
        "/patient/create",
        "/meeting/create",
        "/case/create",
        "/note/create",
    }
    assert "401" in spec["paths"]["/patient/create"]["post"]["responses"]


def test_the_hosting_prefix_reaches_the_same_routes(client: TestClient) -> None:
    created = _post(client, "/crm/patient/create", ADA).json()
    assert (
        _post(client, "/patient/search", {"phone": ADA["phone"]}).json()["patients"][0]["id"]
        == created["patient"]["id"]
    )
