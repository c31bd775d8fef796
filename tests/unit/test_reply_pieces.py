"""Cutting a reply into pieces that fit the contracts; truncating the copies kept for the record."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel, Field

from functions.agent_turn.agent.memory import INTERRUPTED, cut_to_heard
from functions.agent_turn.agent.speaker import Speaker, split_sentences
from functions.agent_turn.reply_out import PIECE_MAX_CHARS, ReplyPublisher
from shared.contracts import AgentReply, MonitorEvent, VoiceTranscript
from shared.handlers.text_limits import (
    TRUNCATION_MARKER,
    cut_to_fit,
    declared_max_length,
    pieces_within,
    truncated,
)
from shared.session_store import Session

pytestmark = pytest.mark.unit


def test_a_text_that_fits_is_one_piece_unchanged() -> None:
    assert cut_to_fit("Okay,  I added   milk.", 22) == ["Okay,  I added   milk."]
    assert cut_to_fit("", 10) == [""]


def test_a_long_text_is_cut_between_words() -> None:
    assert cut_to_fit("one two three four five", 9) == ["one two", "three", "four five"]


def test_pieces_fill_up_to_the_limit_exactly() -> None:
    assert cut_to_fit("aaaa bbbb cccc", 9) == ["aaaa bbbb", "cccc"]


def test_a_word_longer_than_the_limit_is_cut_inside_it() -> None:
    assert cut_to_fit("go supercalifragilistic now", 8) == [
        "go",
        "supercal",
        "ifragili",
        "stic now",
    ]


def test_whitespace_alone_over_the_limit_gives_no_piece() -> None:
    assert cut_to_fit(" " * 20, 5) == []


@pytest.mark.parametrize("limit", [1, 2, 7, 50, 2000])
def test_every_piece_fits_and_no_character_of_a_word_is_lost(limit: int) -> None:
    text = "Hello there, " + "x" * 4500 + " and " + "word " * 900 + "done."
    pieces = cut_to_fit(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_pieces_within_keeps_the_order_and_cuts_only_what_is_too_long() -> None:
    assert pieces_within(["Short.", "a b c d e f", "End."], 6) == [
        "Short.",
        "a b c",
        "d e f",
        "End.",
    ]


def test_truncated_keeps_what_fits_and_marks_the_cut() -> None:
    assert truncated("short", 10) == "short"
    assert truncated("x" * 10, 10) == "x" * 10
    assert truncated("abcdefghijk", 10) == "abcdefghi" + TRUNCATION_MARKER
    assert len(truncated("y" * 9000, 8000)) == 8000
    assert truncated("abc", 1) == "a"


def test_limits_are_read_from_the_contracts() -> None:
    assert declared_max_length(AgentReply, "text") == 2000
    assert declared_max_length(MonitorEvent, "text_out") == 8000

    class NoLimit(BaseModel):
        text: str
        short: str = Field(max_length=3)

    assert declared_max_length(NoLimit, "short") == 3
    assert declared_max_length(NoLimit, "text", otherwise=99) == 99
    with pytest.raises(LookupError, match=r"NoLimit\.text"):
        declared_max_length(NoLimit, "text")


SESSION = Session(
    id="s1", user_id="u1", user_name="Ada", channel="web", relay_id="r1", status="active"
)
MESSAGE = VoiceTranscript(
    session_id="s1", turn_id="t1", user_id="u1", text="tell me everything", received_at=0.0
)


class Published:
    """A bus that keeps what is published to agent-reply."""

    def __init__(self) -> None:
        self.pieces: list[AgentReply] = []

    def publish(self, topic: str, message: AgentReply, **_: object) -> str:
        self.pieces.append(message)
        return "id"

    def start_publish(self, topic: str, message: AgentReply) -> str:
        return self.publish(topic, message)

    def finish_publish(self, topic: str, pending: str, message: AgentReply) -> str:
        return pending


def _pieces(reply: str, *, streamed_in: int = 1) -> list[AgentReply]:
    """The pieces published for ``reply``, as a model streams it in ``streamed_in`` chunks."""
    bus = Published()
    speaker = Speaker(ReplyPublisher(bus, SESSION, MESSAGE))  # type: ignore[arg-type]
    size = max(1, len(reply) // streamed_in + 1)
    for start in range(0, len(reply), size):
        speaker.feed(reply[start : start + size])
    speaker.finish()
    return bus.pieces


def test_a_streamed_reply_is_cut_as_the_whole_reply_would_be() -> None:
    reply = "Okay, I found three. First the dentist; then the bank; then milk. That's all!"
    whole = [p.text for p in _pieces(reply)]
    assert whole == split_sentences(reply)
    for chunks in (2, 5, 17, len(reply)):
        assert [p.text for p in _pieces(reply, streamed_in=chunks)] == whole


def test_reply_pieces_are_valid_contiguous_and_final_on_the_last() -> None:
    reply = "Okay, here it is. " + "very " * 1200 + "long. " + "z" * 4100 + " The end."
    pieces = _pieces(reply)
    assert all(len(p.text) <= PIECE_MAX_CHARS for p in pieces)
    assert [p.sentence_index for p in pieces] == list(range(len(pieces)))
    assert [p.is_final for p in pieces] == [False] * (len(pieces) - 1) + [True]
    assert "".join(" ".join(p.text for p in pieces).split()) == "".join(reply.split())
    # Each piece is a valid message for the topic, as the bus will encode it.
    for piece in pieces:
        assert AgentReply.model_validate_json(piece.model_dump_json()) == piece


def test_a_short_reply_keeps_its_pieces() -> None:
    assert [p.text for p in _pieces("Okay, I added buy milk to your todo list.")] == [
        "Okay,",
        "I added buy milk to your todo list.",
    ]


def test_an_empty_reply_is_one_final_empty_piece() -> None:
    [piece] = _pieces("")
    assert piece.text == "" and piece.is_final and piece.sentence_index == 0


def test_a_piece_goes_out_the_moment_the_next_one_begins_and_the_last_at_the_end() -> None:
    bus = Published()
    speaker = Speaker(ReplyPublisher(bus, SESSION, MESSAGE))  # type: ignore[arg-type]
    speaker.feed("You're booked for Friday at seven.")
    assert bus.pieces == []  # it may be the last piece: not yet
    speaker.feed(" Your code is K 7")
    assert [(p.text, p.is_final) for p in bus.pieces] == [
        ("You're booked for Friday at seven.", False)
    ]
    speaker.feed(" Q M.")
    speaker.finish()
    assert [(p.text, p.is_final) for p in bus.pieces][1:] == [("Your code is K 7 Q M.", True)]


def test_the_lead_in_goes_out_before_the_first_sentence_ends() -> None:
    bus = Published()
    speaker = Speaker(ReplyPublisher(bus, SESSION, MESSAGE))  # type: ignore[arg-type]
    for token in ["Sure", ",", " I", " can", " help"]:
        speaker.feed(token)
    assert bus.pieces == []  # two whole words after it: not yet sure it is a lead-in
    speaker.feed(" with")
    assert [p.text for p in bus.pieces] == ["Sure,"]
    speaker.feed(" that today.")
    speaker.finish()
    assert [p.text for p in bus.pieces] == ["Sure,", "I can help with that today."]


@pytest.mark.parametrize(
    "reply",
    [
        "Okay, done. Next thing here is fine.",
        "Okay, first; second third fourth fifth.",
        "Well, yes, I think so, really.",
        "You owe $1,896 a month, over thirty years at six and a half percent.",
        "Hi, Ada. How can I help you today?",
        "Here are your todos: buy milk; call the bank; pay rent.",
    ],
)
def test_a_streamed_lead_in_is_the_one_the_whole_reply_has(reply: str) -> None:
    whole = split_sentences(reply)
    for chunks in range(1, len(reply) + 1, 3):
        assert [p.text for p in _pieces(reply, streamed_in=chunks)] == whole, chunks


_WORDS = st.sampled_from(
    [
        "Okay,",
        "sure,",
        "I",
        "can",
        "help",
        "Dr.",
        "Smith.",
        "Yes.",
        "7.5",
        "$1,896",
        "a;",
        "b:",
        "it!",
    ]
)


@given(st.lists(_WORDS, min_size=1, max_size=25), st.integers(1, 40))
def test_any_streamed_reply_is_cut_as_the_whole_reply_would_be(
    words: list[str], chunks: int
) -> None:
    reply = " ".join(words)
    assert [p.text for p in _pieces(reply, streamed_in=chunks)] == split_sentences(reply)


def test_a_reply_cut_off_keeps_only_the_pieces_heard() -> None:
    history = [HumanMessage("list"), AIMessage("You have 2 todos: a; b.")]
    pieces = ["You have 2 todos:", "a;", "b."]
    assert cut_to_heard(history, pieces, 1)[-1].content == f"You have 2 todos: {INTERRUPTED}"
    assert cut_to_heard(history, pieces, 0)[-1].content == INTERRUPTED
    assert cut_to_heard(history, pieces, 3)[-1].content == f"You have 2 todos: a; b. {INTERRUPTED}"
    asking = [
        HumanMessage("list"),
        AIMessage("", tool_calls=[{"name": "x", "args": {}, "id": "1"}]),
    ]
    assert cut_to_heard(asking, pieces, 1) == asking  # only a spoken reply is cut
