"""Small in-process limits: frames per second, turns per minute, connections per address, and
a log throttle so one noisy address cannot flood the logs."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """``rate`` events per second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float, clock: Clock = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class WindowCounter:
    """At most ``limit`` events in any ``window`` seconds."""

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self.events: deque[float] = deque()

    def admit(self) -> bool:
        now = self.clock()
        while self.events and self.events[0] <= now - self.window:
            self.events.popleft()
        if len(self.events) >= self.limit:
            return False
        self.events.append(now)
        return True


class ConnectionsBySource:
    """Open connections per source address on this relay instance."""

    def __init__(self, limit: int):
        self.limit = limit
        self.open: dict[str, int] = {}

    def acquire(self, source: str) -> bool:
        if self.open.get(source, 0) >= self.limit:
            return False
        self.open[source] = self.open.get(source, 0) + 1
        return True

    def release(self, source: str) -> None:
        left = self.open.get(source, 0) - 1
        if left > 0:
            self.open[source] = left
        else:
            self.open.pop(source, None)


class LogThrottle:
    """Let one line per key through per interval, and say how many were held back."""

    def __init__(
        self, interval: float = 60.0, max_keys: int = 10_000, clock: Clock = time.monotonic
    ):
        self.interval, self.max_keys, self.clock = interval, max_keys, clock
        self.state: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def admit(self, key: str) -> int | None:
        """None: hold this line back. Otherwise the number of lines held back before it."""
        now = self.clock()
        last, held = self.state.get(key, (float("-inf"), 0))
        if now - last < self.interval:
            self.state[key] = (last, held + 1)
            return None
        self.state[key] = (now, 0)
        self.state.move_to_end(key)
        while len(self.state) > self.max_keys:
            self.state.popitem(last=False)
        return held


class RecentIds:
    """The last ``limit`` ids seen, oldest forgotten first: bounded memory per connection."""

    def __init__(self, limit: int):
        self.limit = limit
        self.ids: OrderedDict[str, None] = OrderedDict()

    def add(self, item: str) -> None:
        self.ids[item] = None
        self.ids.move_to_end(item)
        while len(self.ids) > self.limit:
            self.ids.popitem(last=False)

    def __contains__(self, item: object) -> bool:
        return item in self.ids

    def __len__(self) -> int:
        return len(self.ids)
