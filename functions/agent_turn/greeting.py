"""The first words of a session, said by the agent side like every other sentence the caller
hears: the relay only says that a session began (``voice-transcript``, ``session_start``)."""

from __future__ import annotations

from shared import topics
from shared.bus import Bus
from shared.contracts import AgentReply, VoiceTranscript
from shared.handlers import channel_of, tell_monitor
from shared.session_store import Session


def greeting_for(session: Session) -> str:
    first = session.user_name.split()[0] if session.user_name.strip() else ""
    hello = f"Hello {first}," if first else "Hello,"
    if session.channel == "phone":
        return f"{hello} this is Convonet. How can I help you today?"
    return f"{hello} how can I help you today?"


def greet(bus: Bus, session: Session, start: VoiceTranscript) -> None:
    """Publish the greeting for speech. Redelivery publishes it again under the same turn and
    index, and the speech stage sends the client one greeting per session. The monitor is told
    it was a greeting, so operators see it as one and it is not counted as a caller's turn."""
    text = greeting_for(session)
    bus.publish(
        topics.AGENT_REPLY,
        AgentReply(
            session_id=session.id,
            turn_id=start.turn_id,
            sentence_index=0,
            text=text,
            is_final=True,
            tts_provider=session.tts_provider,
            purpose="greeting",
        ),
    )
    tell_monitor(
        bus,
        "agent_turn",
        start,
        "greeting",
        session.user_id,
        [],
        text_out=text,
        channel=channel_of(session),
    )
