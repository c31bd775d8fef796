"""Who answers a turn that ended on a snapshot a draft reply was prepared on.

A draft run (agent_turn on the snapshot's transcript) and the committed turn (agent_turn on
the final transcript, ``commits_draft``) can run at once, on different instances. Each step
that decides between them is one transaction on the turn document (``SessionStore.
change_turn``); these functions are those decisions: the turn in, the fields to merge and the
answer out. Exactly one of the two answers the turn:

- the draft run, if it is still under way (``running``), prepared the reply (``answered``) or
  holds a tool call that writes (``holding``) when the turn is committed: it delivers its reply,
  or runs the turn for real, once stt says the turn ended on its snapshot (``committed_draft``);
- otherwise the committed turn's handler, which marks the run ``taken``. A draft run that
  fails or waits too long gives the turn up (``abandoned``), or, if the commit came already,
  runs it for real itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from shared.turn_record import DraftRun, DraftState, TurnRecord

Decision = tuple[TurnRecord | None, bool]  # (the fields to merge, the answer)
DecideFn = Callable[[int, TurnRecord], Decision]
Fate = Literal["committed", "void"]
WAITING: tuple[DraftState, ...] = ("answered", "holding")  # a draft waiting for its fate
OWNED: tuple[DraftState, ...] = ("running", *WAITING)  # the draft run will answer if committed


def _run(draft: int, state: DraftState) -> TurnRecord:
    return TurnRecord(draft_run=DraftRun(draft=draft, state=state))


def _is_in(turn: TurnRecord, draft: int, states: tuple[DraftState, ...]) -> bool:
    run = turn.draft_run
    return run is not None and run.draft == draft and run.state in states


def claim(draft: int, turn: TurnRecord) -> Decision:
    """May a draft run start? Not once the turn is answered, cancelled, transcribed as
    something else, run for real, or drafted on a later snapshot (which replaces this one:
    drafts are where the speech stopped, so a later snapshot's is larger)."""
    taken = turn.draft_run is not None and turn.draft_run.state == "taken"
    if turn.agent_done or turn.cancelled or taken or turn.moved_past(draft):
        return None, False
    return _run(draft, "running"), True


def _waits(state: DraftState) -> DecideFn:
    def step(draft: int, turn: TurnRecord) -> Decision:
        if not _is_in(turn, draft, ("running",)):
            return None, False  # a newer snapshot replaced it, or the turn moved on
        return _run(draft, state), True

    return step


prepared = _waits("answered")  # the draft's reply went to the relay
holding = _waits("holding")  # the draft reached a tool that writes: it waits to run for real


def give_up(draft: int, turn: TurnRecord) -> Decision:
    """The draft run cannot go on (it failed, or its wait ran out). True: the turn is already
    committed to it and this run must answer it for real; False: a commit arriving later will."""
    if not _is_in(turn, draft, OWNED):
        return None, False
    if turn.committed_draft == draft:  # set by stt, or by the commit that left it to us
        return _run(draft, "taken"), True
    return _run(draft, "abandoned"), False


def take_over(draft: int, turn: TurnRecord) -> Decision:
    """The final transcript committed ``draft``. True: run the turn here (the draft never ran,
    or gave up); False: the draft run answers it."""
    commit = TurnRecord(committed_draft=draft)
    if _is_in(turn, draft, (*OWNED, "taken")):
        return commit, False
    commit.draft_run = DraftRun(draft=draft, state="taken")
    return commit, True


def fate(draft: int, turn: TurnRecord) -> Fate | None:
    """A waiting draft's fate, once known: its turn ended on it, or it is void (the caller
    spoke on, cancelled, a newer snapshot replaced it); None while the turn is still open."""
    if turn.cancelled or turn.agent_done or not _is_in(turn, draft, WAITING):
        return "void"
    if turn.stt_done:
        return "committed" if turn.committed_draft == draft else "void"
    return None
