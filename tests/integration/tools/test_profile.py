"""The caller's profile and time zone: the zone every later call's dates are in."""

from __future__ import annotations

import pytest

from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def test_a_spoken_city_sets_the_zone_later_calls_use(tools: ToolHarness) -> None:
    ada = tools.user("Ada")
    assert tools.call(ada, "get_my_profile")["timezone"] == "UTC"
    assert tools.call(ada, "set_my_timezone", timezone="new york")["timezone"] == "America/New_York"
    profile = tools.call(ada, "get_my_profile")
    assert profile["timezone"] == "America/New_York" and profile["name"] == "Ada"
    assert profile["local_time"].endswith(("-05:00", "-04:00"))
    assert (
        tools.call(ada, "set_my_timezone", timezone="Europe/London")["timezone"] == "Europe/London"
    )


def test_an_unknown_zone_is_refused_and_nothing_changes(tools: ToolHarness) -> None:
    ada = tools.user("Ada", timezone="Asia/Seoul")
    assert (
        "don't know the time zone"
        in tools.refused(ada, "set_my_timezone", timezone="Atlantis")["error"]
    )
    assert tools.call(ada, "get_my_profile")["timezone"] == "Asia/Seoul"


def test_one_users_zone_is_not_anothers(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    tools.call(ada, "set_my_timezone", timezone="Tokyo")
    assert tools.call(bob, "get_my_profile")["timezone"] == "UTC"
    assert tools.call(bob, "get_my_profile")["name"] == "Bob"
