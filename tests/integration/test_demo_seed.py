"""`make run`'s demo data: every domain seeded for the demo user, twice without a duplicate, and
never outside local mode."""

from __future__ import annotations

import pytest

from local.seed import seed_demo_data, seed_demo_user
from shared.settings import RelaySettings
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def test_every_domain_is_seeded_once(relay_settings: RelaySettings, tools: ToolHarness) -> None:
    local = relay_settings.model_copy(update={"env": "local"})
    user = seed_demo_user(tools.db, local, "246810")
    seed_demo_data(tools.db, local, user)
    seed_demo_data(tools.db, local, seed_demo_user(tools.db, local, "246810"))
    assert len(tools.call(user.id, "list_todos")["todos"]) == 3
    assert tools.call(user.id, "list_reminders")["reminders"]
    assert tools.call(user.id, "list_events")["events"]
    [application] = tools.call(user.id, "list_mortgage_applications")["applications"]
    assert tools.call(user.id, "get_missing_mortgage_documents")["missing"]
    assert tools.call(user.id, "check_eligibility")["coverage"]["status"] == "active"
    assert tools.call(user.id, "search_claims")["claims"]
    assert application


def test_demo_data_is_refused_outside_local_mode(
    relay_settings: RelaySettings, tools: ToolHarness
) -> None:
    production = relay_settings.model_copy(update={"env": "production"})
    user_id = tools.user()
    with pytest.raises(RuntimeError, match="local mode only"):
        seed_demo_user(tools.db, production, "246810")
    from shared.identity import User

    with pytest.raises(RuntimeError, match="local mode only"):
        seed_demo_data(tools.db, production, User(user_id, "Ada"))
