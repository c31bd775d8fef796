"""Who answers a turn a draft reply was prepared for: in every order in which the draft run, stt's
record and the committed turn's handler can take their steps, exactly one of them answers it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from functions.agent_turn import draft_decisions as decide
from shared.turn_record import DraftRun, TurnRecord

pytestmark = pytest.mark.unit
DRAFT = 1500


def merged(turn: TurnRecord, update: TurnRecord | None) -> TurnRecord:
    """What ``SessionStore.change_turn`` leaves: the update's fields merged into the turn."""
    if update is None:
        return turn
    return TurnRecord.model_validate({**turn.model_dump(), **update.for_write()})


@dataclass
class Race:
    """One turn; the draft run ends ``prepared``, ``held`` or ``failed``; the final commits
    ``committed``."""

    draft_ends: str
    committed: int | None
    turn: TurnRecord = field(default_factory=TurnRecord)
    answered_by: list[str] = field(default_factory=list)
    claimed: bool = False
    waiting: bool = False

    def change(self, step: Callable[[TurnRecord], tuple[TurnRecord | None, object]]) -> object:
        update, answer = step(self.turn)
        self.turn = merged(self.turn, update)
        return answer

    def claim(self) -> None:
        self.claimed = bool(self.change(lambda t: decide.claim(DRAFT, t)))

    def finish_draft(self) -> None:
        """The draft run's end: its reply prepared, a tool that writes held, or a failure."""
        if not self.claimed:
            return
        if self.draft_ends == "failed":
            if self.change(lambda t: decide.give_up(DRAFT, t)):
                self.answered_by.append("draft run, for real")
            return
        step = decide.prepared if self.draft_ends == "prepared" else decide.holding
        if self.change(lambda t: step(DRAFT, t)):
            self.waiting = True  # settled by its fate once the turn is known

    def stt_record(self) -> None:
        self.turn = merged(self.turn, TurnRecord(stt_done=True, committed_draft=self.committed))

    def committed_turn(self) -> None:
        if self.committed is None:
            self.answered_by.append("committed turn")  # a plain final: it always runs
        elif self.change(lambda t: decide.take_over(DRAFT, t)):
            self.answered_by.append("committed turn")

    def settle_fates(self) -> None:
        if self.waiting and decide.fate(DRAFT, self.turn) == "committed":
            self.answered_by.append("draft run")


ORDERS = [
    order
    for order in itertools.permutations(["claim", "finish_draft", "stt_record", "committed_turn"])
    if order.index("claim") < order.index("finish_draft")
]


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
@pytest.mark.parametrize("draft_ends", ["prepared", "held", "failed"])
@pytest.mark.parametrize("committed", [DRAFT, None], ids=["ended-on-draft", "spoke-on"])
def test_exactly_one_party_answers_the_turn(
    order: tuple[str, ...], draft_ends: str, committed: int | None
) -> None:
    race = Race(draft_ends, committed)
    for step in order:
        getattr(race, step)()
    race.settle_fates()
    assert len(race.answered_by) == 1, race.answered_by
    if committed is None:
        assert race.answered_by == ["committed turn"]  # a draft the caller spoke past is void
    elif draft_ends == "prepared" and order.index("finish_draft") < order.index("committed_turn"):
        assert race.answered_by == ["draft run"]  # its audio is already playing


def test_a_waiting_draft_waits_until_stt_knows_where_the_turn_ended() -> None:
    for state in ("answered", "holding"):
        waiting = TurnRecord(draft_run=DraftRun(draft=DRAFT, state=state))
        assert decide.fate(DRAFT, waiting) is None
        assert decide.fate(DRAFT, merged(waiting, TurnRecord(cancelled=True))) == "void"
        newer = merged(waiting, TurnRecord(draft_run=DraftRun(draft=2100, state="running")))
        assert decide.fate(DRAFT, newer) == "void"
        update, runs = decide.give_up(DRAFT, waiting)  # its wait ran out, uncommitted
        assert not runs and update is not None and update.draft_run is not None
        assert update.draft_run.state == "abandoned"  # a commit after this runs the turn
        assert decide.take_over(DRAFT, merged(waiting, update))[1]


def test_an_older_snapshot_never_replaces_a_newer_draft() -> None:
    newer = TurnRecord(draft_run=DraftRun(draft=2100, state="running"))
    assert decide.claim(DRAFT, newer) == (None, False)
    assert decide.claim(DRAFT, TurnRecord(agent_done=True)) == (None, False)
    assert decide.claim(DRAFT, TurnRecord(stt_done=True, committed_draft=900)) == (None, False)


def test_a_turn_moves_past_a_draft_when_it_ends_elsewhere_or_a_later_snapshot_replaces_it() -> None:
    assert not TurnRecord().moved_past(900)
    assert not TurnRecord(stt_done=True, committed_draft=900).moved_past(900)
    assert TurnRecord(stt_done=True, committed_draft=None).moved_past(900)
    assert TurnRecord(draft_run=DraftRun(draft=1500, state="running")).moved_past(900)
    assert not TurnRecord(draft_run=DraftRun(draft=900, state="answered")).moved_past(900)
