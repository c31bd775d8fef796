"""`make run`'s promises: a clear message when already running or a port is taken; a clean stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from local import services
from tests.conftest import ROOT
from tests.e2e.conftest import RunningStack, stack_env, start_stack, stop_stack

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
    ports = [int(v) for k, v in env.items() if k.endswith("_PORT")]
    assert not all(services.port_is_free(p) for p in ports)
    assert len(_processes_with(env["CONVONET_STATE_DIR"])) >= 8
    assert stop_stack(running) == 0
    assert running.output[-1] == "Stopped."
    assert all(services.port_is_free(p) for p in ports)
    assert _processes_with(env["CONVONET_STATE_DIR"]) == []


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment names this stack's state dir (every child inherits it)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found
