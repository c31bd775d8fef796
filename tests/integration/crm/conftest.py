"""Both CRM backends behind one fixture, ``crm``: the built-in CRM on a fresh PostgreSQL database
(the ``db`` fixture), and our SuiteCRM client against the fake SuiteCRM server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from functions.crm.backend import CrmBackend
from functions.crm.builtin import BuiltinCrm
from functions.crm.suitecrm import SuiteCrm, SuiteCrmSettings
from shared.db import Database
from tests.fakes.suitecrm_server import FakeSuiteCrm

MakeSuiteCrm = Callable[..., SuiteCrm]


@pytest.fixture(autouse=True)
def _no_suitecrm_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings here come from the tests, never from the machine's CONVONET_SUITECRM_*."""
    for name in [n for n in os.environ if n.startswith("CONVONET_SUITECRM_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def fake_suitecrm() -> Iterator[FakeSuiteCrm]:
    with FakeSuiteCrm() as fake:
        yield fake
    # SuiteCRM drops attributes it does not know without a word; the fake tells.
    assert fake.ignored_attributes == [], "sent attributes SuiteCRM does not have"


def suitecrm_settings(fake: FakeSuiteCrm, **overrides: Any) -> SuiteCrmSettings:
    values: dict[str, Any] = {
        "env": "test",
        "suitecrm_url": fake.base_url,
        "suitecrm_client_id": fake.client_id,
        "suitecrm_client_secret": SecretStr(fake.client_secret),
        "suitecrm_timeout_seconds": 5.0,
        **overrides,
    }
    return SuiteCrmSettings(**values)


@pytest.fixture
def make_suitecrm(fake_suitecrm: FakeSuiteCrm) -> Iterator[MakeSuiteCrm]:
    """A SuiteCRM backend on the fake, with settings overridden as given (closed afterwards)."""
    made: list[SuiteCrm] = []

    def make(**overrides: Any) -> SuiteCrm:
        backend = SuiteCrm(suitecrm_settings(fake_suitecrm, **overrides))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def suitecrm(make_suitecrm: MakeSuiteCrm) -> SuiteCrm:
    return make_suitecrm()


@pytest.fixture
def builtin(db: Database) -> BuiltinCrm:
    return BuiltinCrm(db)


@pytest.fixture(params=["builtin", "suitecrm"])
def crm(request: pytest.FixtureRequest) -> CrmBackend:
    backend: CrmBackend = request.getfixturevalue(request.param)
    return backend


@pytest.fixture
def close_case(crm: CrmBackend, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Close a case behind the backend's back, as a person in the CRM's own screens would."""
    if crm.name == "builtin":
        db: Database = request.getfixturevalue("db")
        return lambda case_id: _close_builtin_case(db, case_id)
    fake: FakeSuiteCrm = request.getfixturevalue("fake_suitecrm")
    return lambda case_id: fake.update("Cases", case_id, state="Closed", status="Closed_Closed")


def _close_builtin_case(db: Database, case_id: str) -> None:
    db.execute("UPDATE crm.cases SET status = 'closed' WHERE id = CAST(:id AS uuid)", id=case_id)
