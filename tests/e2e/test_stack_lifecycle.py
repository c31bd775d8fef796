"""`make run`'s promises: a clear message when already running or a port is taken; a clean stop;
our own processes restarted when they crash, until they crash too often; a backing service that
dies stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from local import services
from local.supervision import RestartPolicy
from tests.conftest import ROOT
from tests.e2e.conftest import (
    RunningStack,
    stack_env,
    stack_pids,
    start_stack,
    stop_stack,
    wait_for_new_pid,
)

pytestmark = pytest.mark.e2e


def _run_stack_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_second_start_with_the_same_state_is_refused(stack: RunningStack) -> None:
    env = stack_env(stack.state_dir)
    result = _run_stack_once(env)
    assert result.returncode == 1
    assert "already running" in result.stderr


def test_taken_port_is_named(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(env["CONVONET_RELAY_PORT"])))
        blocker.listen()
        result = _run_stack_once(env)
    assert result.returncode == 1
    assert f"port {env['CONVONET_RELAY_PORT']} is already in use" in result.stderr
    assert "CONVONET_RELAY_PORT" in result.stderr


def test_sigterm_stops_every_process_and_frees_every_port() -> None:
    env = stack_env(Path(tempfile.mkdtemp(prefix="convonet-life-")))
    running = start_stack(env)
    ports = _ports(env)
    assert not all(services.port_is_free(p) for p in ports)
    assert len(stack_pids(env["CONVONET_STATE_DIR"])) >= 8
    assert stop_stack(running) == 0
    assert running.output[-1] == "Stopped."
    assert all(services.port_is_free(p) for p in ports)
    assert stack_pids(env["CONVONET_STATE_DIR"]) == []


def test_a_process_that_keeps_crashing_stops_the_stack() -> None:
    env = stack_env(Path(tempfile.mkdtemp(prefix="convonet-life-")))
    running = start_stack(env)
    state_dir, hosting = env["CONVONET_STATE_DIR"], "local.hosting_server"
    killed: set[int] = set()
    for _ in range(RestartPolicy().max_restarts + 1):
        pid = wait_for_new_pid(state_dir, hosting, killed)
        os.kill(pid, signal.SIGKILL)
        killed.add(pid)
    returncode = _exit_of(running)
    restarts = [line for line in running.output if line.startswith("hosting restarted")]
    assert len(restarts) == RestartPolicy().max_restarts
    log = f"{state_dir}/logs/hosting.log"
    assert (
        f"error: hosting was killed by SIGKILL: {RestartPolicy().max_restarts + 1} crashes"
        f" within 60s, so it is not restarted again (see {log})"
    ) in running.output
    assert returncode == 1 and running.output[-1] == "Stopped."
    assert all(services.port_is_free(p) for p in _ports(env))
    assert stack_pids(state_dir) == []


def test_a_backing_service_that_dies_stops_the_stack() -> None:
    env = stack_env(Path(tempfile.mkdtemp(prefix="convonet-life-")))
    running = start_stack(env)
    state_dir = env["CONVONET_STATE_DIR"]
    for pid in stack_pids(state_dir, "cloud-pubsub-emulator"):
        os.kill(pid, signal.SIGKILL)
    returncode = _exit_of(running)
    log = f"{state_dir}/logs/pubsub-emulator.log"
    assert (
        f"error: pubsub-emulator was killed by SIGKILL; the stack cannot run without it (see {log})"
    ) in running.output
    assert not any("restarted" in line for line in running.output)
    assert returncode == 1 and running.output[-1] == "Stopped."
    assert all(services.port_is_free(p) for p in _ports(env))
    assert stack_pids(state_dir) == []


def _ports(env: dict[str, str]) -> list[int]:
    return [int(v) for k, v in env.items() if k.endswith("_PORT")]


def _exit_of(running: RunningStack, timeout: float = 60.0) -> int:
    """Wait for the stack to stop on its own; its exit code, once its output is all read."""
    try:
        returncode = running.process.wait(timeout)
    finally:
        stop_stack(running)  # if it did not stop, the test fails and leaves nothing behind
    deadline = time.monotonic() + 5
    while running.output[-1:] != ["Stopped."] and time.monotonic() < deadline:
        time.sleep(0.05)
    return returncode
