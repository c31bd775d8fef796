"""Test tiers and the services the integration and end-to-end tiers need.

Every test module declares exactly one tier (``pytestmark = pytest.mark.unit`` ...), and it must
match the folder it lives in; unit tests may not touch services. The backing services are real:
the Pub/Sub and Firestore emulators, a throwaway PostgreSQL cluster and the Cloud Storage
emulator, started once per test run. Each test isolates its data with its own Pub/Sub and
Firestore project id and its own PostgreSQL database.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pg8000.native
import pytest

from local import services

TIERS = ("unit", "integration", "e2e")
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = []
    for item in items:
        declared = {m.name for m in item.iter_markers() if m.name in TIERS}
        folder = Path(str(item.fspath)).parent.name
        if len(declared) != 1:
            problems.append(f"{item.nodeid}: declare exactly one tier marker ({', '.join(TIERS)})")
        elif folder in TIERS and folder not in declared:
            problems.append(f"{item.nodeid}: marked {declared.pop()} but lives in tests/{folder}")
    if problems:
        raise pytest.UsageError("test tiers are enforced:\n" + "\n".join(sorted(set(problems))))


@dataclass
class Backing:
    pubsub_port: int
    firestore_port: int
    storage_port: int
    postgres_port: int
    running: list[services.Service]


def _forbid_in_unit(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("unit") is not None:
        pytest.fail("unit tests may not use services; move the test to tests/integration")


@pytest.fixture(scope="session")
def backing(request: pytest.FixtureRequest) -> Iterator[Backing]:
    _forbid_in_unit(request)
    state = Path(tempfile.mkdtemp(prefix="convonet-test-"))
    logs = state / "logs"
    b = Backing(*services.free_ports(4), [])
    try:
        b.running.append(services.start_pubsub(b.pubsub_port, logs))
        b.running.append(services.start_firestore(b.firestore_port, logs))
        b.running.append(services.start_storage(b.storage_port, logs))
        b.running.append(services.start_postgres(b.postgres_port, state, logs))
        os.environ.update(
            services.emulator_env(b.pubsub_port, b.firestore_port, b.storage_port, "demo-convonet")
        )
        _make_template(b.postgres_port)
        yield b
    finally:
        for svc in reversed(b.running):
            svc.stop()


TEMPLATE_DB = "convonet_template"


def _make_template(port: int) -> None:
    from shared.db import Database
    from shared.migrate import apply_migrations
    from shared.settings import DatabaseSettings

    admin = pg8000.native.Connection("postgres", host="127.0.0.1", port=port, database="postgres")
    admin.run(f'CREATE DATABASE {TEMPLATE_DB} OWNER "convonet"')
    admin.close()
    db = Database(DatabaseSettings(env="test", db_port=port, db_name=TEMPLATE_DB), pool_size=1)
    apply_migrations(db)
    db.close()


@pytest.fixture
def project_id(backing: Backing) -> str:
    """A fresh project id: its own topics, subscriptions and Firestore documents."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def db_name(backing: Backing) -> Iterator[str]:
    """A fresh database with every migration applied (a copy of the template)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = pg8000.native.Connection(
        "postgres", host="127.0.0.1", port=backing.postgres_port, database="postgres"
    )
    admin.run(f'CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB} OWNER "convonet"')
    admin.close()
    yield name
