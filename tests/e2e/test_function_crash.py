"""A function worker killed in the middle of a turn: the stack restarts it, and the caller gets an
answer within seconds of the kill: the redelivered turn's, with its todo added once, or the
relay's turn_failed if the redelivered turn is too late for the relay's deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pg8000.native
import pytest

from tests.e2e.conftest import DEMO_PIN, RunningStack, stack_pids, wait_for_new_pid
from tests.wsclient import RelayClient

pytestmark = pytest.mark.e2e

AGENT_WORKER = "local.function_worker agent_turn"
ANSWER_WITHIN_SECONDS = 10.0  # after the kill


def _db(stack: RunningStack) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )


def _count_todos(stack: RunningStack, user_id: str, title: str) -> int:
    conn = _db(stack)
    try:
        [[count]] = conn.run(
            "SELECT count(*) FROM productivity.todos WHERE user_id = :u AND title = :t",
            u=user_id,
            t=title,
        )
    finally:
        conn.close()
    return int(count)


@contextmanager
def _todo_writes_held(stack: RunningStack) -> Iterator[Callable[[], bool]]:
    """Hold new todos back (reads still work): a turn that adds one stops inside its tool call.
    Yields a check for whether such a write is waiting."""
    conn = _db(stack)
    conn.run("BEGIN")
    conn.run("LOCK TABLE productivity.todos IN SHARE MODE")

    def an_insert_waits() -> bool:
        [[waiting]] = conn.run(
            "SELECT count(*) FROM pg_locks"
            " WHERE relation = 'productivity.todos'::regclass AND NOT granted"
        )
        return bool(waiting)

    try:
        yield an_insert_waits
    finally:
        conn.run("COMMIT")
        conn.close()


class Frames:
    """Everything the relay sent on one connection, to wait for a frame whatever came before it."""

    def __init__(self, client: RelayClient):
        self.client = client
        self.seen: list[dict[str, Any]] = []

    async def first(
        self, match: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        for frame in self.seen:
            if match(frame):
                return frame
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.client.recv(timeout=max(deadline - time.monotonic(), 0.01))
            self.seen.append(frame)
            if match(frame):
                return frame


def _answer_to(turn_id: str) -> Callable[[dict[str, Any]], bool]:
    def match(frame: dict[str, Any]) -> bool:
        if frame.get("turn_id") != turn_id:
            return False
        return frame["type"] == "agent_final" or (
            frame["type"] == "error" and frame.get("code") == "turn_failed"
        )

    return match


async def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the turn to reach its tool call")
        await asyncio.sleep(0.05)


def test_a_turn_survives_its_worker_being_killed(stack: RunningStack) -> None:
    title = "water the plants"
    [old_worker] = stack_pids(stack.state_dir, AGENT_WORKER)

    async def scenario() -> dict[str, Any]:
        client = await RelayClient.open(stack.relay_url)
        frames = Frames(client)
        auth = await client.authenticate(DEMO_PIN)
        before = _count_todos(stack, auth["user_id"], title)
        with _todo_writes_held(stack) as an_insert_waits:
            await client.send({"type": "text", "text": f"add a todo to {title}"})
            started = await frames.first(lambda f: f["type"] == "processing_start", 15)
            await _wait(an_insert_waits, 15)  # the worker is inside the turn, holding it
            os.kill(old_worker, signal.SIGKILL)
            killed = time.monotonic()
        # The stack is still up: the same connection answers.
        await client.send({"type": "heartbeat"})
        await frames.first(lambda f: f["type"] == "heartbeat_ack", 5)
        answer = await frames.first(_answer_to(started["turn_id"]), ANSWER_WITHIN_SECONDS)
        answered_after = time.monotonic() - killed
        second = await client.say("what are my todos")
        after = _count_todos(stack, auth["user_id"], title)
        await client.close()
        return {
            "answer": answer,
            "after_kill": answered_after,
            "second": second[-1],
            "added": after - before,
        }

    result = asyncio.run(scenario())
    new_worker = wait_for_new_pid(stack.state_dir, AGENT_WORKER, {old_worker}, timeout=5)
    print(
        f"answer {result['answer']['type']} {result['after_kill']:.1f}s after the kill;"
        f" new worker pid {new_worker}"
    )
    assert result["after_kill"] <= ANSWER_WITHIN_SECONDS
    assert any(
        "fn-agent_turn was killed by SIGKILL; restarting it" in line for line in stack.output
    )
    assert any(line.startswith("fn-agent_turn restarted") for line in stack.output)
    assert result["second"]["type"] == "agent_final"
    if result["answer"]["type"] == "agent_final":  # the redelivered turn ran to the end
        assert title in result["answer"]["text"] and title in result["second"]["text"]
        assert result["added"] == 1  # once, though the turn ran twice
    else:  # the relay gave up on the turn first (turn_failed) and cancelled it
        assert result["added"] <= 1
