"""Run one agent turn: history in, reply sentences and a record of every tool call out."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.speaker import Emit, Speaker
from functions.agent_turn.agent.stage_clock import StageClock
from functions.agent_turn.agent.turn_context import TurnContext, within_turn
from functions.agent_turn.llm.fallback import Answered, answered_of
from shared.contracts import ToolCallRecord

log = logging.getLogger(__name__)
RECURSION_LIMIT = 12  # agent -> tools -> agent ... at most six tool rounds in one turn
FILLER = "One moment while I check that."
TIMED_OUT = "Sorry, that is taking too long. Please try again in a moment."


class ToolRecorder(BaseCallbackHandler):
    """Records each tool call's arguments, outcome and timing for the monitor."""

    # Called on the turn's event loop, not (LangChain's default for a synchronous handler)
    # through a thread pool: that was a thread hop for every chain, model and tool event of
    # the graph (some 5 ms of a 20 ms rules turn), and the tool times were taken late.
    run_inline = True

    def __init__(self) -> None:
        self.records: list[ToolCallRecord] = []
        self._open: dict[UUID, tuple[str, dict[str, Any], float]] = {}

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = (serialized or {}).get("name") or kwargs.get("name") or "tool"
        args = {k: v for k, v in (inputs or {}).items() if k != "config"}
        self._open[run_id] = (name, args, time.time())

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, output, ok=True)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        cancelled = isinstance(error, asyncio.CancelledError)  # the turn's deadline passed
        why = (
            "cancelled at the turn's deadline" if cancelled else f"{type(error).__name__}: {error}"
        )
        self._close(run_id, why, ok=False)

    def _close(self, run_id: UUID, output: Any, ok: bool) -> None:
        name, args, started = self._open.pop(run_id, ("tool", {}, time.time()))
        summary = text_of(getattr(output, "content", output))
        if ok:
            try:
                ok = bool(json.loads(summary).get("ok", True))
            except (json.JSONDecodeError, AttributeError):
                pass
        self.records.append(
            ToolCallRecord(
                call_id=str(run_id),
                name=name,
                arguments=args,
                ok=ok,
                result_summary=summary[:2000],
                started_at=started,
                ended_at=time.time(),
            )
        )


class FillerWatch(AsyncCallbackHandler):
    """Says ``FILLER`` (not final) when a tool call is still running ``after`` seconds in and
    the reply has not begun, so the caller hears something: once a turn at most. Runs on the
    turn's event loop, as the speaker does, so the two never race."""

    def __init__(self, speaker: Speaker, emit: Emit, after: float | None):
        self.speaker = speaker
        self.emit = emit
        self.after = after
        self.said = False
        self._timers: dict[UUID, asyncio.TimerHandle] = {}

    async def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        if self.after is not None and not self.said:
            loop = asyncio.get_running_loop()
            self._timers[run_id] = loop.call_later(self.after, self._say)

    async def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._stop(run_id)

    async def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._stop(run_id)

    def close(self) -> None:
        for run_id in list(self._timers):
            self._stop(run_id)

    def _stop(self, run_id: UUID) -> None:
        timer = self._timers.pop(run_id, None)
        if timer is not None:
            timer.cancel()

    def _say(self) -> None:
        if self.said or self.speaker.spoken or self.speaker.buffer.strip():
            return  # the reply has begun (or the filler went out): no filler now
        self.said = True
        try:
            self.emit(FILLER, False)
        except Exception:  # the reply's first piece will try again, and fail the turn aloud
            log.exception("the filler piece was not published")


@dataclass
class AgentOutcome:
    reply: str
    sentences: list[str]
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    history: list[BaseMessage] = field(default_factory=list)
    domain: str = ""  # where the turn was routed, and how (routing.py)
    routed_by: str = ""
    answered: Answered | None = None  # which model answered, after which fallbacks
    timed_out: bool = False  # cut off at the turn's deadline; the reply says so
    # Where the agent stage's time went, in milliseconds: route, model, tools, publish,
    # first_piece, total (stage_clock.py; the benchmark's breakdown of the "agent" stage).
    stage_ms: dict[str, float] = field(default_factory=dict)


def run_turn(
    graph: Any,
    history: list[BaseMessage],
    text: str,
    context: TurnContext,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    on_piece: Emit | None = None,
    *,
    filler_after_seconds: float | None = None,
    deadline_seconds: float | None = None,
) -> AgentOutcome:
    """One turn of the graph, run to its end by ``run`` (the MCP toolbox's event loop: the
    tools are async and live on that loop's session). With ``on_piece`` the reply is handed on
    piece by piece as the model streams it; a tool call still running after
    ``filler_after_seconds`` with nothing said yet is covered by ``FILLER``. A turn still
    running at ``deadline_seconds`` is cancelled and ends with ``TIMED_OUT`` as its last
    piece. ``stage_ms`` says where the time went."""
    clock = StageClock()
    emit = clock.timed(on_piece or (lambda piece, final: None))
    speaker = Speaker(emit)
    recorder, filler = ToolRecorder(), FillerWatch(speaker, emit, filler_after_seconds)
    inputs = {"messages": [*history, HumanMessage(content=text)]}
    config = {
        "configurable": {"turn_context": context},
        "callbacks": [recorder, filler, clock],
        "recursion_limit": RECURSION_LIMIT,
    }
    work = _within_deadline(_streamed(graph, inputs, config, speaker), deadline_seconds, filler)
    state = run(within_turn(context, work))
    if state is None:
        return replace(_timed_out(history, text, speaker, recorder), stage_ms=clock.stage_ms())
    messages: list[BaseMessage] = state["messages"]
    final = messages[-1]
    reply = text_of(final.content) if isinstance(final, AIMessage) else ""
    return AgentOutcome(
        reply,
        speaker.spoken,
        recorder.records,
        messages,
        domain=state.get("domain", ""),
        routed_by=state.get("routed_by", ""),
        answered=_answered(messages),
        stage_ms=clock.stage_ms(),
    )


def _timed_out(
    history: list[BaseMessage], text: str, speaker: Speaker, recorder: ToolRecorder
) -> AgentOutcome:
    """The turn cut off at its deadline: the speech ends with ``TIMED_OUT``, and memory keeps
    the question and what was said (no half-finished tool round, which a model would refuse)."""
    speaker.cut_short(TIMED_OUT)
    reply = " ".join(p for p in speaker.spoken if p)
    messages = [*history, HumanMessage(content=text), AIMessage(content=reply)]
    return AgentOutcome(reply, speaker.spoken, recorder.records, messages, timed_out=True)


async def _within_deadline(
    work: Coroutine[Any, Any, dict[str, Any]], seconds: float | None, filler: FillerWatch
) -> dict[str, Any] | None:
    """``work``'s result, or None when ``seconds`` passed first (``work`` is cancelled)."""
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await work
    except TimeoutError:
        if not deadline.expired():
            raise  # a timeout of something inside, not the turn's deadline
        return None
    finally:
        filler.close()


def _answered(messages: list[BaseMessage]) -> Answered | None:
    """Who wrote the turn's last answer, and every provider passed over on the way."""
    found = [a for m in messages if isinstance(m, AIMessage) and (a := answered_of(m))]
    if not found:
        return None
    passed_over = [f for a in found for f in a.fallbacks]
    return replace(found[-1], fallbacks=passed_over)


async def _streamed(
    graph: Any, inputs: dict[str, Any], config: dict[str, Any], speaker: Speaker
) -> dict[str, Any]:
    """The graph's final state; on the way, the text the agent writes goes to the speaker."""
    state: dict[str, Any] = {}
    async for mode, data in graph.astream(
        inputs, config=config, stream_mode=["messages", "values"]
    ):
        if mode == "values":
            state = data
            continue
        chunk, meta = data
        if meta.get("langgraph_node") == "agent" and isinstance(chunk, AIMessage):
            speaker.feed(text_of(chunk.content))
    speaker.finish()
    return state
