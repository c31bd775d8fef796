"""The whole local stack, started the way `make run` starts it, on free ports."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from local import services
from local.stack import READY_LINE
from tests.conftest import ROOT

DEMO_PIN = "246810"


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    env: dict[str, str]
    state_dir: Path
    output: list[str] = field(default_factory=list)

    @property
    def relay_url(self) -> str:
        return f"ws://127.0.0.1:{self.env['CONVONET_RELAY_PORT']}/webrtc/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.env['CONVONET_HTTP_PORT']}"

    @property
    def pg_port(self) -> int:
        return int(self.env["CONVONET_PG_PORT"])

    def use_its_emulators(self) -> None:
        """Point this process's Google clients at the stack's emulators."""
        os.environ.update(
            services.emulator_env(
                int(self.env["CONVONET_PUBSUB_PORT"]),
                int(self.env["CONVONET_FIRESTORE_PORT"]),
                int(self.env["CONVONET_STORAGE_PORT"]),
                "demo-convonet",
            )
        )


def stack_env(state_dir: Path) -> dict[str, str]:
    names = [
        "HTTP",
        "RELAY",
        "PUBSUB",
        "FIRESTORE",
        "STORAGE",
        "PG",
        "TOOLS",
        "CRM",
        "HANOK",
        "AGENT_TURN",
        "OPERATOR",
    ]
    ports = services.free_ports(len(names))
    env = {f"CONVONET_{n}_PORT": str(port) for n, port in zip(names, ports, strict=True)}
    env.update(
        CONVONET_STATE_DIR=str(state_dir),
        CONVONET_DEMO_PIN=DEMO_PIN,
        GOOGLE_CLOUD_PROJECT="demo-convonet",
        CONVONET_TOOLS_TOKEN=secrets.token_urlsafe(24),
        CONVONET_HANOK_TOKEN=secrets.token_urlsafe(24),
        CONVONET_TOOLS_CALLER_KEY=secrets.token_urlsafe(32),
        CONVONET_CRM_TOKEN=secrets.token_urlsafe(24),
        CONVONET_AGENT_API_TOKEN=secrets.token_urlsafe(24),
        CONVONET_OPERATOR_USERNAME="operator",
        CONVONET_OPERATOR_PASSWORD=secrets.token_urlsafe(12),
    )
    return env


def start_stack(env: dict[str, str], timeout: float = 120.0) -> RunningStack:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    stack = RunningStack(process, env, Path(env["CONVONET_STATE_DIR"]))
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.output.append(line.rstrip("\n"))
            if line.startswith(READY_LINE):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(timeout)
    if process.poll() is not None or not any(line.startswith(READY_LINE) for line in stack.output):
        stop_stack(stack)
        raise RuntimeError("local stack did not start:\n" + "\n".join(stack.output[-40:]))
    return stack


def stop_stack(stack: RunningStack) -> int:
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGTERM)
        try:
            stack.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait(10)
    time.sleep(0.2)
    return int(stack.process.returncode)


def stack_pids(state_dir: Path | str, command: str = "") -> list[int]:
    """Processes of the stack using `state_dir` (each inherits it in its environment), narrowed
    to those whose command line contains `command`."""
    marker, found = str(state_dir).encode(), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker not in (proc / "environ").read_bytes():
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if command in cmdline:
            found.append(int(proc.name))
    return found


def wait_for_new_pid(
    state_dir: Path | str, command: str, old: set[int], timeout: float = 30.0
) -> int:
    """The pid of a process running `command` that is not one of `old` (a restarted one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(stack_pids(state_dir, command)) - old
        if new:
            return new.pop()
        time.sleep(0.05)
    raise AssertionError(f"no new process running {command!r} within {timeout:.0f}s")


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    state = Path(tempfile.mkdtemp(prefix="convonet-e2e-"))
    running = start_stack(stack_env(state))
    running.use_its_emulators()  # the tests talk to the same emulators as the stack
    yield running
    stop_stack(running)


def demo_user_id(stack: RunningStack) -> str:
    """The id of the user the stack seeds (local/seed.py), read from its PostgreSQL."""
    import pg8000.native

    from local.seed import DEMO_EMAIL

    conn = pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )
    try:
        [[user_id]] = conn.run("SELECT id FROM identity.users WHERE email = :e", e=DEMO_EMAIL)
    finally:
        conn.close()
    return str(user_id)
