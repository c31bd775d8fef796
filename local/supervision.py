"""Keep the local stack's own processes running, as Cloud Functions and Cloud Run would.

A function worker, the relay or the hosting server that exits on its own is started again after
a short backoff, as the cloud starts a new instance; one that keeps crashing stops the stack. The
emulators and PostgreSQL hold the stack's state, so one of them exiting stops the stack.
"""

from __future__ import annotations

import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from local.services import Service, StackError


@dataclass(frozen=True)
class RestartPolicy:
    first_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 5.0
    max_restarts: int = 5  # more crashes than this within the window stop the stack
    window_seconds: float = 60.0

    def backoff(self, recent_crashes: int) -> float:
        doubled = self.first_backoff_seconds * 2 ** max(recent_crashes - 1, 0)
        return float(min(self.max_backoff_seconds, doubled))


@dataclass
class _Restartable:
    service: Service
    crashes: deque[float] = field(default_factory=deque)  # when it crashed, within the window
    restart_at: float | None = None  # set while it waits out its backoff


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


class Supervisor:
    def __init__(
        self,
        backing: list[Service],
        own: list[Service],
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        out: TextIO | None = None,
    ):
        self.backing = backing
        self.own = [_Restartable(svc) for svc in own]
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self.out = out or sys.stderr

    def check(self) -> None:
        """Restart what is due; raise StackError when a backing service is gone or a process
        crashes too often."""
        for svc in self.backing:
            if svc.process.poll() is not None:
                raise StackError(
                    f"{svc.name} {describe_exit(svc.process.returncode)}; the stack cannot run "
                    f"without it (see {svc.log_path})"
                )
        now = self.clock()
        for entry in self.own:
            if entry.restart_at is not None:
                if now >= entry.restart_at:
                    self._restart(entry)
            elif entry.service.process.poll() is not None:
                self._crashed(entry, now)

    def _crashed(self, entry: _Restartable, now: float) -> None:
        svc = entry.service
        entry.crashes.append(now)
        while entry.crashes[0] < now - self.policy.window_seconds:
            entry.crashes.popleft()
        if len(entry.crashes) > self.policy.max_restarts:
            raise StackError(
                f"{svc.name} {describe_exit(svc.process.returncode)}: {len(entry.crashes)} "
                f"crashes within {self.policy.window_seconds:.0f}s, so it is not restarted again "
                f"(see {svc.log_path})"
            )
        delay = self.policy.backoff(len(entry.crashes))
        entry.restart_at = now + delay
        self._say(
            f"{svc.name} {describe_exit(svc.process.returncode)}; restarting it in {delay:.1f}s "
            f"(see {svc.log_path})"
        )

    def _restart(self, entry: _Restartable) -> None:
        entry.restart_at = None
        try:
            entry.service.respawn()
        except OSError as exc:
            raise StackError(f"could not restart {entry.service.name}: {exc}") from exc
        self._say(f"{entry.service.name} restarted (pid {entry.service.process.pid})")

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)
