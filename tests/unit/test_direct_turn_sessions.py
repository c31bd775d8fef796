"""A turn over HTTP names its session: a session created by a request at the same moment is
continued (if it is the same user's), and a store that cannot create one fails the request
rather than retrying forever."""

from __future__ import annotations

from typing import Any

import pytest

from functions.agent_turn.direct import DirectTurns, ProcessRequest, SessionOfAnotherUser
from shared.session_store import Session

pytestmark = pytest.mark.unit


class RacingStore:
    """create_session always fails; get_session finds ``later`` once it has been asked once."""

    def __init__(self, later: Session | None):
        self.later = later
        self.reads = 0

    def get_session(self, session_id: str) -> Session | None:
        self.reads += 1
        return None if self.reads == 1 else self.later

    def create_session(self, session: Session) -> None:
        raise RuntimeError("already exists, or the store is down")


class Handler:
    def __init__(self, store: Any):
        self.store = store


def _request(user: str = "u1") -> ProcessRequest:
    return ProcessRequest(prompt="hi", user_id=user, session_id="s1")


def test_a_session_created_at_the_same_moment_is_continued() -> None:
    theirs = Session("s1", "u1", "", "api", "api", "active")
    turns = DirectTurns(Handler(RacingStore(theirs)))  # type: ignore[arg-type]
    assert turns._session(_request()) == theirs


def test_a_session_raced_by_another_user_is_refused() -> None:
    theirs = Session("s1", "u2", "", "api", "api", "active")
    turns = DirectTurns(Handler(RacingStore(theirs)))  # type: ignore[arg-type]
    with pytest.raises(SessionOfAnotherUser):
        turns._session(_request())


def test_a_store_that_cannot_create_the_session_fails_the_request() -> None:
    store = RacingStore(None)
    with pytest.raises(RuntimeError):
        DirectTurns(Handler(store))._session(_request())  # type: ignore[arg-type]
    assert store.reads == 2
