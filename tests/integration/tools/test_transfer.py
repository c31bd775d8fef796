"""Transfer tools against the real PostgreSQL: the stored request, departments, bad input."""

from __future__ import annotations

import json

import pytest

from functions.tools.transfer.departments import transfer_settings
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def departments(monkeypatch: pytest.MonkeyPatch) -> None:
    directory = {
        "general": "2001",
        "billing": {"extension": "2002", "description": "payments and statements"},
        "mortgage": {"extension": "2003", "description": "loan officers"},
    }
    monkeypatch.setenv("CONVONET_TRANSFER_DEPARTMENTS", json.dumps(directory))
    transfer_settings.cache_clear()
    yield
    transfer_settings.cache_clear()


def test_transfer_resolves_the_department_and_stores_the_request(tools: ToolHarness) -> None:
    ada = tools.user("Ada")
    result = tools.call(
        ada,
        "transfer_to_agent",
        department="Billing",
        reason="disputes a charge",
        summary="Asked about a charge on the November statement.",
    )
    transfer = result["transfer"]
    assert transfer["extension"] == "2002" and transfer["department"] == "billing"
    assert transfer["caller"]["name"] == "Ada" and transfer["caller"]["user_id"] == ada
    assert transfer["summary"].startswith("Asked about a charge")
    row = tools.db.fetch_one("SELECT * FROM transfer.requests WHERE user_id = :u", u=ada)
    assert row is not None and row["reason"] == "disputes a charge" and row["status"] == "requested"


def test_an_unknown_department_goes_to_the_default_extension(tools: ToolHarness) -> None:
    ada = tools.user()
    transfer = tools.call(ada, "transfer_to_agent", department="astrology", reason="help")[
        "transfer"
    ]
    assert transfer["extension"] == "2001" and transfer["department_matched"] is False


def test_departments_are_listed_with_what_they_handle(tools: ToolHarness) -> None:
    listed = tools.call(tools.user(), "get_available_departments")["departments"]
    assert {"name": "mortgage", "description": "loan officers"} in listed


def test_a_transfer_needs_a_reason_and_writes_nothing_without_one(tools: ToolHarness) -> None:
    ada = tools.user()
    assert "required" in tools.refused(ada, "transfer_to_agent", department="billing")["error"]
    assert tools.refused(ada, "transfer_to_agent", reason="   ")
    assert tools.count("transfer.requests", ada) == 0


def test_a_redelivered_transfer_is_one_request(tools: ToolHarness) -> None:
    ada = tools.user()
    first = tools.outcome(ada, "transfer_to_agent", key="t9:transfer:1", reason="a person please")
    again = tools.outcome(ada, "transfer_to_agent", key="t9:transfer:1", reason="a person please")
    assert again.result == first.result and tools.count("transfer.requests", ada) == 1


def test_a_transfer_carries_only_the_signed_in_callers_identity(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    result = tools.refused(ada, "transfer_to_agent", reason="x", caller={"user_id": bob})
    assert result["reason"] == "invalid_arguments"
    assert tools.count("transfer.requests", bob) == 0
